"""Fit the extractive answerer's answerability gate on the demo gold set; report the wiki gold set held out.

    python -m eval.fit [--write] [--balanced] [--l2 0.001] [--index-root DIR]

What it does, in order:

1. Ingests the demo corpus (``eval/corpus``) into an index (temporary unless ``--index-root``) and asks every
   question of ``eval/gold.jsonl`` once through the public ``Assistant.ask()`` with the current weights, via the
   eval's own ``evaluate`` path: those are the "current" figures.
2. Reads the gate's four features back from each ``Answer.debug['top']`` exactly as
   ``answerability_features`` computes them (best score, best anchor coverage, lead over the runner-up, worst
   anchor coverage of the top three) and checks them: the logistic recomputed with the current weights must give
   ``debug['answerability']`` to 1e-3, and each answer must abstain exactly when the features say it should.
   A failed check stops the script before anything is written.
3. Fits a logistic regression (Newton/IRLS, L2 penalty on the weights but not the bias) on the demo questions
   only: label 1 for answerable questions, 0 for the ``unanswerable`` category. Questions without candidates
   (no passages: no ``top``) are skipped and counted. By default every question weighs the same, so the model
   estimates P(answerable) at the demo set's own mix (32 of 195 unanswerable) and the 0.65 threshold keeps its
   meaning; ``--balanced`` makes the two classes weigh the same instead, which at an unchanged threshold is a
   much stricter gate (on demo it doubles the abstentions and costs about 6 points of answer accuracy). The
   weights are rounded to 3 decimals before use.
4. The weights change nothing but the gate, so an answer whose abstention does not flip is the same with the
   new weights. Every question that flips (in either direction) is asked again, over the same index, with an
   Assistant whose answerer carries the new weights, and must now abstain exactly as its features predict:
   the "fitted" figures are measured answers, not a simulation (a refusal has no answer text to reuse).
5. Does 1, 2 and 4 for the FA-KES gold set (``eval/gold_fakes.jsonl`` over ``../shared/corpora/fakes-syria``) and
   for the wiki gold set (``eval/gold_wiki.jsonl`` over ``../shared/corpora/wiki-conflicts/
   website/syria``), which the fit never sees; when that folder is absent the held-out set is skipped.

``--write`` replaces only the ``answerability`` section of ``assistant/answer/weights.json`` (weights, bias,
``fitted_on``); every other byte of the file is kept. Without ``--write`` the script only prints. The decision
threshold is fitted on demo too (``--no-fit-threshold`` keeps it): the middle of the run of thresholds with the
best balanced accuracy of the decision to abstain; ``settings.answer.min_answerability`` overrides it when set.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer.weights import WEIGHTS_RESOURCE, Answerability, Weights, parse_weights
from assistant.errors import SitrepError
from assistant.models import Answer, Document, Filters, IngestReport
from eval.gold import GoldItem, load_gold
from eval.metrics import Metrics, QuestionRecord, aggregate
from eval.run import AssistantAPI, evaluate

if TYPE_CHECKING:
    from assistant.settings import AnswerSettings, Settings

FEATURES = ("best_score", "best_anchor_coverage", "lead_over_runner_up", "worst_anchor_coverage_top3")
#: Largest allowed gap between debug['answerability'] and the logistic recomputed from the debug features.
TOLERANCE = 1e-3
DECIMALS = 3
DEFAULT_L2 = 1e-3

REPO = Path(__file__).resolve().parents[1]
WIKI_CORPUS = REPO / ".." / "shared" / "corpora" / "wiki-conflicts" / "website" / "syria"
FAKES_CORPUS = REPO / ".." / "shared" / "corpora" / "fakes-syria" / "fakes_annotated.csv"

Features = tuple[float, float, float, float]
#: Builds an Assistant over an already ingested index whose answerer uses the given weights.
AssistantFor = Callable[[Weights], AssistantAPI]
#: (corpus, index folder, settings) -> ingests the corpus and yields an AssistantFor; closes the index on exit.
Opener = Callable[[Path, Path, "Settings"], AbstractContextManager[AssistantFor]]


class FitError(SitrepError):
    """The fit cannot be trusted or written (missing class, unreadable weights file, ...)."""


class FeatureCheckError(FitError):
    """The features read from Answer.debug do not reproduce what the answerer computed: nothing is written."""


# --- features and the logistic model ---------------------------------------------------------------------


def features_from_debug(debug: Mapping[str, Any]) -> Features | None:
    """The gate's four features from ``debug['top']`` (as ``answerability_features``); None without candidates."""
    top = debug.get("top") or []
    if not top:
        return None
    best = top[0]
    lead = best["score"] - top[1]["score"] if len(top) > 1 else best["score"]
    worst = min(c["anchors"] for c in top[:3])
    return float(best["score"]), float(best["anchors"]), float(lead), float(worst)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def answerability(features: Sequence[float], gate: Answerability) -> float:
    """The gate's estimate for one question, computed as the answerer does."""
    z = gate.bias + sum(w * v for w, v in zip(gate.weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-z))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None, l2: float = DEFAULT_L2,
    max_iter: int = 100, tol: float = 1e-10,
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression by Newton/IRLS with backtracking.

    Minimises sum_i s_i * logloss_i + l2/2 * |w|^2 with the sample weights s normalised to sum 1 (so ``l2`` does
    not depend on the number of questions); the bias is not penalised. Returns (weights, bias).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = x.shape
    if n == 0 or y.min() == y.max():
        raise FitError("the fit needs questions of both classes (answerable and unanswerable)")
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    s = s / s.sum()
    a = np.hstack([x, np.ones((n, 1))])
    penalty = np.r_[np.full(d, l2), 0.0]
    beta = np.zeros(d + 1)

    def loss(b: np.ndarray) -> float:
        z = a @ b
        return float(s @ (np.logaddexp(0.0, z) - y * z) + 0.5 * (penalty * b) @ b)

    for _ in range(max_iter):
        p = sigmoid(a @ beta)
        grad = a.T @ (s * (p - y)) + penalty * beta
        hessian = (a * (s * p * (1 - p))[:, None]).T @ a + np.diag(penalty) + 1e-12 * np.eye(d + 1)
        step = np.linalg.solve(hessian, grad)
        t, current = 1.0, loss(beta)
        while loss(beta - t * step) > current - 1e-4 * t * float(grad @ step) and t > 1e-8:
            t /= 2
        beta = beta - t * step
        if np.abs(t * step).max() < tol:
            break
    return beta[:d], float(beta[d])


def class_weights(y: np.ndarray, balanced: bool) -> np.ndarray:
    """Per-question weights: each class sums to half the total when ``balanced``, else all ones."""
    y = np.asarray(y)
    if not balanced:
        return np.ones(len(y))
    counts = {label: int((y == label).sum()) for label in (0, 1)}
    return np.array([len(y) / (2 * counts[int(label)]) for label in y])


# --- one question, one set --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """What the gate saw for one gold question (None features: no candidates)."""

    id: str
    label: int
    features: Features | None
    reported: float | None
    best: float | None
    refused_elsewhere: bool
    abstained: bool
    routed: bool = False  # answered from the conflict records: the gate never saw it


def make_row(item: GoldItem, answer: Answer) -> Row:
    debug = answer.debug
    reported = debug.get("answerability")
    best = debug.get("best")
    return Row(
        id=item.id, label=int(item.answerable), features=features_from_debug(debug),
        reported=None if reported is None else float(reported), best=None if best is None else float(best),
        refused_elsewhere="reason" in debug, abstained=answer.abstained,
        routed="records" in (debug.get("route") or {}),
    )


def predicted_abstention(row: Row, gate: Answerability, answer: AnswerSettings) -> bool:
    """Does the answerer refuse with this gate? (no candidates, best score too low, gate, or verification; a
    question answered from the records is left as it was)"""
    if row.routed:
        return row.abstained
    if row.features is None or row.refused_elsewhere:
        return True
    best = row.best if row.best is not None else row.features[0]
    threshold = gate.threshold if answer.min_answerability is None else answer.min_answerability
    return best < answer.min_score or answerability(row.features, gate) < threshold


def fit_threshold(rows: Sequence[Row], gate: Answerability, answer: AnswerSettings) -> float:
    """The threshold that best separates answerable from unanswerable questions (balanced accuracy of the decision
    to abstain, so the few unanswerable questions weigh as much as the many answerable ones); the middle of the
    best run of thresholds, as every threshold in it decides the same."""
    grid = [round(0.05 + 0.01 * i, 2) for i in range(91)]
    unanswerable = [r for r in rows if r.label == 0 and not r.routed]
    answerable = [r for r in rows if r.label == 1 and not r.routed]

    def score(t: float) -> float:
        probe = answer.model_copy(update={"min_answerability": t})
        refused = sum(predicted_abstention(r, gate, probe) for r in unanswerable) / max(1, len(unanswerable))
        kept = sum(not predicted_abstention(r, gate, probe) for r in answerable) / max(1, len(answerable))
        return (refused + kept) / 2

    scores = [score(t) for t in grid]
    top = max(scores)
    best = [i for i, v in enumerate(scores) if v >= top - 1e-9]
    run = [i for i in best if i - 1 not in best or i == best[0]]  # first index of each run of equal scores
    first = run[0]
    last = first
    while last + 1 < len(grid) and last + 1 in best:
        last += 1
    return round((grid[first] + grid[last]) / 2, 2)


def check_rows(rows: Sequence[Row], gate: Answerability, answer: AnswerSettings, *, reported: bool) -> None:
    """Raise FeatureCheckError unless the features reproduce the answerer: its answerability (when ``reported``,
    i.e. ``gate`` is the one the answers were made with) and, always, which questions it abstained on."""
    wrong: list[str] = []
    for row in rows:
        if reported and row.features is not None and not row.routed:
            if row.reported is None:
                wrong.append(f"{row.id}: debug has no answerability")
                continue
            mine = answerability(row.features, gate)
            if abs(mine - row.reported) > TOLERANCE:
                wrong.append(f"{row.id}: recomputed {mine:.4f}, answerer {row.reported:.4f}")
                continue
        if predicted_abstention(row, gate, answer) != row.abstained:
            wrong.append(f"{row.id}: abstained={row.abstained}, the features predict the opposite")
    if wrong:
        shown = "; ".join(wrong[:10]) + (f"; ... {len(wrong) - 10} more" if len(wrong) > 10 else "")
        raise FeatureCheckError(f"{len(wrong)} of {len(rows)} question(s) fail the feature check: {shown}")


class Recorder:
    """An AssistantAPI that keeps every Answer its ask() returns, in order (evaluate asks each item once)."""

    def __init__(self, inner: AssistantAPI) -> None:
        self.inner = inner
        self.answers: list[Answer] = []

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        answer = self.inner.ask(question, filters=filters, k=k)
        self.answers.append(answer)
        return answer

    def ingest(self, paths: list[Path], prune: bool | None = None) -> IngestReport:
        return self.inner.ingest(paths, prune)

    def document(self, doc_id: str) -> Document | None:
        return self.inner.document(doc_id)

    def resolve_doc_id(self, doc: str, folder: Path | None) -> str | None:
        """The stored id of a gold ``doc`` (see eval.run.resolve_evidence); as is when the inner has no map."""
        resolve = getattr(self.inner, "resolve_doc_id", None)
        return resolve(doc, folder) if callable(resolve) else doc


def ask_all(
    items: list[GoldItem], assistant: AssistantAPI, k: int, corpus: Path | None = None
) -> tuple[list[QuestionRecord], list[Row]]:
    """Every gold question through the eval's ``evaluate`` path: scored records plus the gate's view of each."""
    recorder = Recorder(assistant)
    records, missing = evaluate(items, recorder, k, corpus=corpus)
    if missing:
        print(f"  {len(missing)} gold quote(s) not located: left out of the citation figures", flush=True)
    if len(recorder.answers) != len(items):
        raise FitError(f"asked {len(recorder.answers)} questions for {len(items)} gold items")
    return records, [make_row(item, answer) for item, answer in zip(items, recorder.answers, strict=True)]


@dataclass
class SetResult:
    name: str
    held_out: bool
    rows: list[Row]
    current: list[QuestionRecord]
    fitted: list[QuestionRecord] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return sum(r.features is None for r in self.rows)


def design(rows: Sequence[Row]) -> tuple[np.ndarray, np.ndarray]:
    usable = [r for r in rows if r.features is not None and not r.routed]
    x = np.array([r.features for r in usable], dtype=float).reshape(len(usable), len(FEATURES))
    return x, np.array([r.label for r in usable], dtype=float)


def fit_gate(rows: Sequence[Row], old: Answerability, balanced: bool, l2: float, fitted_on: str,
             answer: AnswerSettings | None = None) -> Answerability:
    """The new gate section: fitted weights and bias (rounded), the old feature names, ``fitted_on``, and (given
    the answer settings) the threshold fitted for those weights; without them the old threshold is kept."""
    x, y = design(rows)
    w, b = fit_logistic(x, y, class_weights(y, balanced), l2)
    gate = Answerability(
        features=list(old.features), weights=[round(float(v), DECIMALS) for v in w],
        bias=round(b, DECIMALS), threshold=old.threshold, fitted_on=fitted_on,
    )
    if answer is not None:
        free = answer.model_copy(update={"min_answerability": None})
        gate = gate.model_copy(update={"threshold": fit_threshold(rows, gate, free)})
    return gate


def fitted_on_text(demo: SetResult, balanced: bool, l2: float, held_out: str, today: date) -> str:
    x, y = design(demo.rows)
    weighting = (
        "balanced (each class weighs half: unanswerable x{:.2f}, answerable x{:.2f})".format(
            *(len(y) / (2 * (y == c).sum()) for c in (0, 1)))
        if balanced else "none (every question weighs 1)"
    )
    return (
        f"demo gold set only (eval/gold.jsonl over eval/corpus): {len(y)} questions "
        f"({int((y == 0).sum())} unanswerable), {demo.skipped} skipped without candidates; {today.isoformat()}, "
        f"python -m eval.fit: logistic regression (Newton/IRLS, L2 {l2:g} on the weights); class weighting "
        f"{weighting}. Held-out: {held_out}."
    )


# --- the weights file -------------------------------------------------------------------------------------


def packaged_weights_file() -> Path:
    return Path(str(importlib.resources.files("assistant.answer") / WEIGHTS_RESOURCE))


def replace_section(text: str, section: Answerability) -> str:
    """``text`` (weights.json) with only its top-level ``answerability`` object replaced; all else kept as is."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FitError(f"the weights file is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("answerability"), dict):
        raise FitError("the weights file has no answerability section")
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int, int]] = []
    for m in re.finditer(r'"answerability"\s*:\s*', text):
        try:
            value, end = decoder.raw_decode(text, m.end())
        except ValueError:
            continue
        if value == data["answerability"]:
            spans.append((m.start(), m.end(), end))
    if len(spans) != 1:
        raise FitError(f"cannot locate the answerability section in the weights file ({len(spans)} candidates)")
    key_at, start, end = spans[0]
    indent = text[text.rfind("\n", 0, key_at) + 1:key_at]
    new = {**data["answerability"], **section.model_dump()}
    inner = indent + "  "
    body = ",\n".join(f"{inner}{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in new.items())
    out = text[:start] + "{\n" + body + "\n" + indent + "}" + text[end:]
    if json.loads(out) != {**data, "answerability": new}:
        raise FitError("rewriting the answerability section would change other parts of the weights file")
    parse_weights(out, "rewritten weights")
    return out


def write_section(path: Path, section: Answerability) -> None:
    """Replace the answerability section of the weights file at ``path`` (atomically)."""
    text = replace_section(path.read_text(encoding="utf-8"), section)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the real corpora -------------------------------------------------------------------------------------


@contextmanager
def open_corpus(corpus: Path, index: Path, settings: Settings) -> Iterator[AssistantFor]:
    """Ingest ``corpus`` into ``index`` once; yield a builder of Assistants over it with any weights."""
    from assistant.answer import ExtractiveAnswerer
    from assistant.core import Assistant

    base = Assistant(settings.with_index(index))
    try:
        report = base.ingest([corpus])
        print(f"  ingest {corpus}: {report.summary()}", flush=True)

        def build(weights: Weights) -> AssistantAPI:
            answerer = ExtractiveAnswerer(base.settings.answer, base.embedder, base.store.idf, base.analyser,
                                          weights=weights)
            return Assistant(base.settings, embedder=base.embedder, store=base.store, answerer=answerer)

        yield build
    finally:
        base.close()


@contextmanager
def _index_root(root: Path | None) -> Iterator[Path]:
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="sitrep-fit-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


# --- report -----------------------------------------------------------------------------------------------

_COLUMNS = [
    ("abst_prec", "abstention_precision"), ("abst_rec", "abstention_recall"), ("answer_acc", "answer_accuracy"),
    ("cit_recall", "citation_recall"), ("cit_prec", "citation_precision"),
]


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def format_report(results: Sequence[SetResult]) -> str:
    """Before/after table: one row per set and weights (current, fitted)."""
    headers = ["set", "weights", "n", *(h for h, _ in _COLUMNS), "abstained"]
    rows: list[list[str]] = []
    for res in results:
        label = f"{res.name} ({'held-out' if res.held_out else 'in-sample'})"
        for which, records in (("current", res.current), ("fitted", res.fitted)):
            m: Metrics = aggregate(records)
            rows.append([label, which, str(m.n), *(_cell(getattr(m, f)) for _, f in _COLUMNS),
                         str(sum(r.abstained for r in records))])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                            strict=True)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _gate_line(name: str, gate: Answerability) -> str:
    terms = ", ".join(f"{f} {w:+.3f}" for f, w in zip(gate.features, gate.weights, strict=True))
    return f"{name}: bias {gate.bias:+.3f}, {terms}"


# --- command line -----------------------------------------------------------------------------------------


def _packaged(name: str) -> Path:
    return Path(str(importlib.resources.files("eval") / name))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m eval.fit", description=__doc__.split("\n\n")[0] if __doc__ else "")
    p.add_argument("--write", action="store_true", help="update the answerability section of the weights file")
    p.add_argument("--balanced", action=argparse.BooleanOptionalAction, default=False,
                   help="weigh the two classes equally in the fit (default: every question weighs 1)")
    p.add_argument("--fit-threshold", action=argparse.BooleanOptionalAction, default=True,
                   help="also fit the abstention threshold on demo (balanced accuracy of abstaining)")
    p.add_argument("--l2", type=float, default=DEFAULT_L2, help="L2 penalty on the weights (default %(default)g)")
    p.add_argument("--weights-file", type=Path, default=None, help="default: the packaged weights.json")
    p.add_argument("--index-root", type=Path, default=None,
                   help="keep the indexes in DIR/demo and DIR/wiki (re-ingest embeds only changes); default: temp")
    p.add_argument("--demo-corpus", type=Path, default=None, help="default: eval/corpus")
    p.add_argument("--demo-gold", type=Path, default=None, help="default: eval/gold.jsonl")
    p.add_argument("--wiki-corpus", type=Path, default=WIKI_CORPUS, help="default: %(default)s")
    p.add_argument("--wiki-gold", type=Path, default=None, help="default: eval/gold_wiki.jsonl")
    p.add_argument("--fakes-corpus", type=Path, default=FAKES_CORPUS, help="default: %(default)s")
    p.add_argument("--fakes-gold", type=Path, default=None, help="default: eval/gold_fakes.jsonl")
    p.add_argument("--k", type=int, default=None, help="passages per question (default: settings.retrieval.k)")
    return p.parse_args(argv)


def _run_set(name: str, held_out: bool, corpus: Path, gold: Path, index: Path, settings: Settings,
             current: Weights, opener: Opener, k: int, fit: Callable[[SetResult], Weights],
             resolve: bool = True) -> SetResult:
    """One gold set: ask with the current weights, fit (or take the fitted weights), ask the flipped again.
    ``resolve``: gold documents are named relative to ``corpus`` (a folder); else by their stored ids' ends."""
    items = load_gold(gold)
    base = corpus if resolve else None
    print(f"{name}: {len(items)} questions from {gold}", flush=True)
    with opener(corpus, index, settings) as build:
        records, rows = ask_all(items, build(current), k, base)
        check_rows(rows, current.answerability, settings.answer, reported=True)
        result = SetResult(name, held_out, rows, records)
        print(f"  feature check passed on {len(rows)} questions ({result.skipped} without candidates)", flush=True)
        new = fit(result)
        # The weights change nothing but the gate: an answer whose abstention does not flip stays as it is; the
        # flipped questions are asked again with the new weights (a refusal has no answer text to reuse).
        flipped = [i for i, row in enumerate(rows)
                   if predicted_abstention(row, new.answerability, settings.answer) != row.abstained]
        again, after = ask_all([items[i] for i in flipped], build(new), k, base)
        check_rows(after, new.answerability, settings.answer, reported=True)
        result.fitted = list(records)
        for i, record in zip(flipped, again, strict=True):
            result.fitted[i] = record
        print(f"  {len(flipped)} question(s) change abstention with the fitted weights; asked again", flush=True)
    return result


def main(argv: Sequence[str] | None = None, *, opener: Opener = open_corpus, today: date | None = None) -> int:
    args = parse_args(argv)
    from assistant.settings import Settings

    settings = Settings()
    k = args.k or settings.retrieval.k
    weights_file: Path = args.weights_file or packaged_weights_file()
    current = parse_weights(weights_file.read_text(encoding="utf-8"), str(weights_file))
    demo_corpus = args.demo_corpus or _packaged("corpus")
    wiki_ok = args.wiki_corpus is not None and args.wiki_corpus.is_dir()
    fakes_ok = args.fakes_corpus is not None and args.fakes_corpus.is_file()
    held = [*(["wiki gold set (eval/gold_wiki.jsonl over wiki-conflicts/website/syria)"] if wiki_ok else []),
            *(["FA-KES gold set (eval/gold_fakes.jsonl over fakes-syria/fakes_annotated.csv)"] if fakes_ok else [])]
    held_out = "; ".join(held) or "none (the shared corpora were absent when fitted)"
    new: Weights | None = None

    def fit_demo(demo: SetResult) -> Weights:
        nonlocal new
        text = fitted_on_text(demo, args.balanced, args.l2, held_out, today or date.today())
        gate = fit_gate(demo.rows, current.answerability, args.balanced, args.l2, text,
                        settings.answer if args.fit_threshold else None)
        new = current.model_copy(update={"answerability": gate})
        return new

    def fitted(_: SetResult) -> Weights:
        assert new is not None
        return new

    try:
        with _index_root(args.index_root) as root:
            results = [_run_set("demo", False, demo_corpus, args.demo_gold or _packaged("gold.jsonl"),
                                root / "demo", settings, current, opener, k, fit_demo)]
            if wiki_ok:
                results.append(_run_set("wiki", True, args.wiki_corpus, args.wiki_gold
                                        or _packaged("gold_wiki.jsonl"), root / "wiki", settings, current,
                                        opener, k, fitted))
            if fakes_ok:
                results.append(_run_set("FA-KES", True, args.fakes_corpus, args.fakes_gold
                                        or _packaged("gold_fakes.jsonl"), root / "fakes", settings, current,
                                        opener, k, fitted, resolve=False))
    except FitError as exc:
        print(f"eval.fit: {exc}\nnothing written.", file=sys.stderr)
        return 1
    assert new is not None
    print()
    print(_gate_line("current", current.answerability))
    print(_gate_line("fitted ", new.answerability))
    print(f"fitted_on: {new.answerability.fitted_on}")
    print(f"threshold {current.answerability.threshold} -> {new.answerability.threshold}"
          f"{' (fitted on demo)' if args.fit_threshold else ' (kept)'}; setting min_answerability = "
          f"{settings.answer.min_answerability} (None: the fitted one), "
          f"min_score = {settings.answer.min_score}")
    print()
    print(format_report(results))
    if not wiki_ok:
        print(f"held-out wiki set skipped: {args.wiki_corpus} is absent")
    if not fakes_ok:
        print(f"held-out FA-KES set skipped: {args.fakes_corpus} is absent")
    if args.write:
        write_section(weights_file, new.answerability)
        print(f"\nwrote the answerability section of {weights_file}")
    else:
        print("\n(dry run: pass --write to update the weights file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
