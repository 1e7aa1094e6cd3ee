"""run_eval end to end against a fake assistant: evidence resolution, scoring, table, JSON and report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.models import (
    Answer,
    Citation,
    Document,
    Filters,
    IngestReport,
    Passage,
    PassageView,
    RetrievedPassage,
)
from assistant.settings import Settings
from eval.gold import GoldError
from eval.run import EvalResult, format_table, run_eval, write_json, write_report

TEXT = "The strikes injured two soldiers near the bridge. The bridge was closed."


class FakeAssistant:
    """Answers every question from the one document; abstains when the question says so."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ingested: list[Path] = []
        self.asked: list[tuple[str, int | None]] = []

    def ingest(self, paths: list[Path], prune: bool | None = None) -> IngestReport:
        self.ingested += paths
        assert self.settings.index.dir.is_dir()  # the temporary index exists while the run lasts
        return IngestReport(ingested=1)

    def document(self, doc_id: str) -> Document | None:
        return (
            Document(doc_id=doc_id, title="Wire", text=TEXT, path=doc_id, root="")
            if doc_id == "wire.txt"
            else None
        )

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        self.asked.append((question, k))
        if "unknown" in question:
            return Answer(question=question, text="No answer.", abstained=True)
        passage = Passage(passage_id="p1", doc_id="wire.txt", ordinal=0, start=0, end=49, text=TEXT[:49])
        view = PassageView(passage=passage, title="Wire")
        cite = Citation(
            marker=1, passage_id="p1", doc_id="wire.txt", start=0, end=49, quote=TEXT[:49], title="Wire"
        )
        return Answer(
            question=question, text=f"{TEXT[:48]} [1].", citations=[cite],
            passages=[RetrievedPassage(view=view, score=1.0, rank=1)],
        )  # fmt: skip


def _gold(tmp_path: Path) -> Path:
    lines = [
        {"id": "a1", "question": "How many injured?", "answers": ["2"], "category": "incident",
         "evidence": [{"doc": "wire.txt", "quote": "injured two soldiers"}]},
        {"id": "a2", "question": "What closed?", "answers": ["tunnel"], "category": "territory",
         "evidence": [{"doc": "wire.txt", "quote": "not in the text"}, {"doc": "gone.txt", "quote": "x"}]},
        {"id": "u1", "question": "Something unknown?", "answers": [], "evidence": [],
         "category": "unanswerable"},
    ]  # fmt: skip
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    return path


def _find(quote: str, text: str) -> tuple[int, int] | None:
    start = text.find(quote)
    return None if start < 0 else (start, start + len(quote))


def _run(tmp_path: Path) -> tuple[EvalResult, list[FakeAssistant]]:
    made: list[FakeAssistant] = []

    def factory(settings: Settings) -> FakeAssistant:
        made.append(FakeAssistant(settings))
        return made[-1]

    result = run_eval(
        tmp_path / "corpus", _gold(tmp_path), None, 3, Settings(), factory=factory, locator=_find
    )
    return result, made


def test_run_eval_scores_and_reports_unresolved(tmp_path: Path) -> None:
    result, made = _run(tmp_path)
    assert made[0].ingested == [tmp_path / "corpus"]
    assert [k for _, k in made[0].asked] == [3, 3, 3]
    assert not made[0].settings.index.dir.exists()  # the temporary index is removed afterwards
    assert [(u.id, u.reason) for u in result.unresolved] == [
        ("a2", "quote not found in stored text"),
        ("a2", "document not in index"),
    ]
    assert result.overall.answer_accuracy == 0.5  # a2 expects "tunnel"
    assert result.overall.citation_recall == 1.0  # a2 has no located evidence, so only a1 is judged
    assert result.overall.abstention_recall == 1.0 and result.overall.abstention_precision == 1.0
    assert list(result.categories) == ["incident", "territory", "unanswerable"]
    assert result.ingest is not None and result.ingest.ingested == 1


def test_table_json_and_report(tmp_path: Path) -> None:
    result, _ = _run(tmp_path)
    table = format_table(result)
    lines = table.splitlines()
    assert lines[0].split() == ["category", "n", "answer_acc", "cit_recall", "evid_recall", "cit_prec",
                                "supported", "abst_prec", "abst_rec", "ans_prec", "R@3", "mrr"]  # fmt: skip
    assert len({len(line) for line in lines[:7]}) == 1  # fixed width
    assert lines[6].startswith("overall") and "n/a" in lines[4]
    assert "latency per question: p50" in table and "unresolved gold evidence: 2" in table

    write_json(result, tmp_path / "out" / "eval.json")
    again = EvalResult.model_validate_json((tmp_path / "out" / "eval.json").read_text())
    assert again.overall == result.overall and [q.id for q in again.questions] == ["a1", "a2", "u1"]

    write_report(result, tmp_path / "report.md")
    report = (tmp_path / "report.md").read_text()
    assert "## Metric definitions" in report and "**citation_precision**" in report
    assert report.index("### a2") < report.index("### a1")  # worst first
    assert "failed: answer" in report
    assert "gone.txt" in report and "`wire.txt` chars 0–49" in report


def test_bad_gold_fails_before_ingest(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    made: list[Settings] = []

    def factory(settings: Settings) -> FakeAssistant:
        made.append(settings)
        return FakeAssistant(settings)

    with pytest.raises(GoldError, match="bad.jsonl:1"):
        run_eval(tmp_path, bad, None, 3, Settings(), factory=factory)
    assert made == []
