"""eval.fit without a model or a corpus: the fitting math, the weights-file round trip, the feature check."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import REFUSAL
from assistant.answer.weights import Answerability, Weights, parse_weights
from assistant.models import Answer, Document, Filters, IngestReport
from assistant.settings import Settings
from eval.fit import (
    FeatureCheckError,
    Recorder,
    Row,
    answerability,
    check_rows,
    class_weights,
    features_from_debug,
    fit_logistic,
    fit_threshold,
    main,
    packaged_weights_file,
    replace_section,
)

GATE = Answerability(features=["a", "b", "c", "d"], weights=[1.0, 2.0, 1.0, 2.0], bias=-2.5, fitted_on="test")


def test_separable_data_gives_weights_that_separate() -> None:
    rng = np.random.default_rng(0)
    pos = rng.normal([1.0, 0.8], 0.1, size=(40, 2))
    neg = rng.normal([0.3, 0.2], 0.1, size=(8, 2))
    x, y = np.vstack([pos, neg]), np.r_[np.ones(40), np.zeros(8)]
    for balanced in (False, True):
        w, b = fit_logistic(x, y, class_weights(y, balanced), l2=1e-3)
        z = x @ w + b
        assert (z[y == 1] > 0).all() and (z[y == 0] < 0).all()
        assert (w > 0).all()  # both features point towards "answerable"


def test_fit_recovers_known_logistic_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 2))
    p = 1 / (1 + np.exp(-(x @ np.array([1.5, -0.5]) + 0.3)))
    y = (rng.random(4000) < p).astype(float)
    w, b = fit_logistic(x, y, l2=0.0)
    assert np.allclose(w, [1.5, -0.5], atol=0.15) and abs(b - 0.3) < 0.15


def test_balanced_class_weights_make_the_classes_count_equally() -> None:
    y = np.r_[np.ones(163), np.zeros(32)]
    s = class_weights(y, balanced=True)
    assert math.isclose(s[y == 1].sum(), s[y == 0].sum()) and math.isclose(s.sum(), len(y))
    assert (class_weights(y, balanced=False) == 1).all()


def test_features_from_debug_follow_answerability_features() -> None:
    top = [{"score": 0.9, "anchors": 1.0}, {"score": 0.6, "anchors": 0.5}, {"score": 0.5, "anchors": 0.8},
           {"score": 0.4, "anchors": 0.0}]
    assert features_from_debug({"top": top}) == pytest.approx((0.9, 1.0, 0.3, 0.5))
    assert features_from_debug({"top": top[:1]}) == pytest.approx((0.9, 1.0, 0.9, 1.0))
    assert features_from_debug({"reason": "no passages"}) is None


def test_round_trip_replaces_only_the_answerability_section() -> None:
    text = packaged_weights_file().read_text(encoding="utf-8")
    new = Answerability(features=parse_weights(text).answerability.features, weights=[0.1, 0.2, 0.3, 0.4],
                        bias=-1.0, fitted_on="demo gold set only, “quoted”")
    out = replace_section(text, new)
    before, after = json.loads(text), json.loads(out)
    assert after["answerability"] == new.model_dump()
    assert {k: v for k, v in after.items() if k != "answerability"} == {
        k: v for k, v in before.items() if k != "answerability"}
    start = text.index('"answerability"')
    assert out[:start] == text[:start]  # every byte before the section is kept
    assert parse_weights(out).answerability == new
    assert replace_section(out, parse_weights(text).answerability) == text


# --- main() end to end with a fake Assistant ---------------------------------------------------------------

SETTINGS = Settings().answer
TOPS: dict[str, list[dict[str, float]]] = {  # question -> debug top; answerable ones cover their anchors
    **{f"answerable {i}?": [{"score": 0.8 + i / 100, "anchors": 1.0}, {"score": 0.6, "anchors": 0.9},
                            {"score": 0.5, "anchors": 0.9}] for i in range(8)},
    **{f"unanswerable {i}?": [{"score": 0.6 + i / 100, "anchors": 0.4}, {"score": 0.58, "anchors": 0.3},
                              {"score": 0.5, "anchors": 0.2}] for i in range(3)},
}


class FakeAssistant:
    """Answers from TOPS as the extractive answerer would gate them; ``lie`` misreports its answerability."""

    def __init__(self, weights: Weights, lie: float = 0.0) -> None:
        self.gate = weights.answerability
        self.lie = lie

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        top = TOPS[question]
        feats = features_from_debug({"top": top})
        assert feats is not None
        p = answerability(feats, self.gate)
        debug: dict[str, Any] = {"best": top[0]["score"], "answerability": round(p + self.lie, 4), "top": top}
        if p < self.gate.threshold or top[0]["score"] < SETTINGS.min_score:
            return Answer(question=question, text=REFUSAL, abstained=True, debug=debug)
        return Answer(question=question, text="It was 36 [1].", debug=debug)

    def ingest(self, paths: list[Path], prune: bool | None = None) -> IngestReport:
        return IngestReport()

    def document(self, doc_id: str) -> Document | None:
        return None


def _opener(lie: float = 0.0) -> Any:
    @contextmanager
    def open_fake(corpus: Path, index: Path, settings: Settings) -> Iterator[Any]:
        yield lambda weights: FakeAssistant(weights, lie)

    return open_fake


def _setup(tmp_path: Path) -> list[str]:
    gold = tmp_path / "gold.jsonl"
    lines = [{"id": f"q{i}", "question": q, "answers": [] if q.startswith("un") else ["36"],
              "evidence": [] if q.startswith("un") else [{"doc": "a.txt", "quote": "36"}],
              "category": "unanswerable" if q.startswith("un") else "incident"} for i, q in enumerate(TOPS)]
    gold.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    (tmp_path / "weights.json").write_text(packaged_weights_file().read_text(encoding="utf-8"), encoding="utf-8")
    return ["--demo-gold", str(gold), "--demo-corpus", str(tmp_path), "--wiki-corpus", str(tmp_path / "absent"),
            "--fakes-corpus", str(tmp_path / "absent.csv"),
            "--weights-file", str(tmp_path / "weights.json"), "--index-root", str(tmp_path / "idx")]


def test_write_updates_the_section_from_demo_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _setup(tmp_path)
    before = (tmp_path / "weights.json").read_text(encoding="utf-8")
    assert main(args, opener=_opener()) == 0  # dry run
    assert (tmp_path / "weights.json").read_text(encoding="utf-8") == before
    assert main([*args, "--write"], opener=_opener(), today=date(2025, 1, 2)) == 0
    out = capsys.readouterr().out
    assert "demo (in-sample)" in out and "held-out wiki set skipped" in out
    gate = parse_weights((tmp_path / "weights.json").read_text(encoding="utf-8")).answerability
    assert gate != parse_weights(before).answerability
    assert "demo gold set only" in gate.fitted_on and "11 questions" in gate.fitted_on
    assert "2025-01-02" in gate.fitted_on and "class weighting none" in gate.fitted_on


def test_write_refuses_when_the_feature_check_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _setup(tmp_path)
    before = (tmp_path / "weights.json").read_text(encoding="utf-8")
    assert main([*args, "--write"], opener=_opener(lie=0.01)) == 1
    assert "feature check" in capsys.readouterr().err
    assert (tmp_path / "weights.json").read_text(encoding="utf-8") == before


def test_check_rows_catches_a_wrong_abstention() -> None:
    row = Row(id="q1", label=1, features=(0.9, 1.0, 0.3, 1.0), reported=None, best=0.9, refused_elsewhere=False,
              abstained=True)
    with pytest.raises(FeatureCheckError, match="q1"):
        check_rows([row], GATE, SETTINGS, reported=False)
    check_rows([Row(**{**row.__dict__, "abstained": False})], GATE, SETTINGS, reported=False)


def test_recorder_keeps_answers_and_maps_gold_doc_ids() -> None:
    class Rooted(FakeAssistant):
        def resolve_doc_id(self, doc: str, folder: Path | None) -> str | None:
            return f"corpus/{doc}"

    weights = parse_weights(packaged_weights_file().read_text(encoding="utf-8"))
    plain, rooted = Recorder(FakeAssistant(weights)), Recorder(Rooted(weights))
    assert plain.resolve_doc_id("a.txt", None) == "a.txt"
    assert rooted.resolve_doc_id("a.txt", None) == "corpus/a.txt"
    rooted.ask("answerable 0?")
    assert [a.question for a in rooted.answers] == ["answerable 0?"]


def test_the_threshold_is_the_middle_of_the_best_run() -> None:
    gate = Answerability(features=["a", "b", "c", "d"], weights=[0.0, 1.0, 0.0, 0.0], bias=0.0, fitted_on="test")

    def row(i: int, label: int, anchor: float) -> Row:
        return Row(id=f"q{i}", label=label, features=(1.0, anchor, 0.0, 0.0), reported=None, best=1.0,
                   refused_elsewhere=False, abstained=False)

    # unanswerable questions at p = 0.12, answerable ones at p = 0.88: every threshold in (0.12, 0.88] separates
    rows = [row(0, 0, -2.0), row(1, 0, -2.0), row(2, 1, 2.0), row(3, 1, 2.0), row(4, 1, 2.0)]
    free = SETTINGS.model_copy(update={"min_answerability": None})
    assert fit_threshold(rows, gate, free) == pytest.approx(0.5, abs=0.01)
    # one answerable question as doubtful as the unanswerable ones: answering it is worth less than refusing two
    rows.append(row(5, 1, -2.0))
    assert 0.12 < fit_threshold(rows, gate, free) <= 0.88
