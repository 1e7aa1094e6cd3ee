"""Run a gold file through the assistant's public API and render the scores as table, JSON and report."""

from __future__ import annotations

import importlib
import importlib.resources
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import SitrepError
from assistant.models import Answer, Document, Filters, IngestReport
from eval.gold import GoldItem, load_gold
from eval.metrics import (
    DEFINITIONS,
    NOTE_EMPTY,
    Metrics,
    QuestionRecord,
    Span,
    aggregate,
    by_category,
    score_question,
)

if TYPE_CHECKING:
    from assistant.settings import Settings

    #: Resolved on first use by ``__getattr__`` below (``demo_corpus()`` / ``demo_gold()``).
    DEMO_CORPUS: Path
    DEMO_GOLD: Path


class DemoDataMissing(SitrepError):
    """The demo corpus or gold file shipped in the ``eval`` package cannot be found on disk."""


def _packaged(name: str, *, folder: bool) -> Path:
    """``eval/<name>`` as installed (source tree, editable or wheel install), as a real file-system path."""
    resource = importlib.resources.files("eval") / name
    path = Path(str(resource))
    if (folder and path.is_dir()) or (not folder and path.is_file()):
        return path
    raise DemoDataMissing(
        f"the demo {'corpus folder' if folder else 'gold file'} eval/{name} is not installed as a file on disk "
        f"(looked for {resource}); reinstall sitrep from a wheel or a checkout, or pass --corpus and --gold"
    )


def demo_corpus() -> Path:
    """The demo corpus folder (``eval/corpus``, fictional material) of the installed package."""
    return _packaged("corpus", folder=True)


def demo_gold() -> Path:
    """The demo gold file (``eval/gold.jsonl``) of the installed package."""
    return _packaged("gold.jsonl", folder=False)


def __getattr__(name: str) -> Path:
    """``DEMO_CORPUS`` / ``DEMO_GOLD``, resolved when first used: a missing file raises DemoDataMissing then,
    not when this module is imported."""
    if name == "DEMO_CORPUS":
        return demo_corpus()
    if name == "DEMO_GOLD":
        return demo_gold()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Locator = Callable[[str, str], tuple[int, int] | None]


class AssistantAPI(Protocol):
    """The public surface of ``assistant.Assistant`` that evaluation relies on."""

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer: ...

    def ingest(self, paths: list[Path], prune: bool | None = None) -> IngestReport: ...

    def document(self, doc_id: str) -> Document | None: ...

    # Optional: ``resolve_doc_id(doc, folder) -> str | None`` maps a gold ``doc`` (a path relative to the
    # corpus folder) to the stored id ``ROOT/path``; an assistant without it is taken to store gold names as is.


def _resolver(assistant: AssistantAPI) -> Callable[[str, Path | None], str | None]:
    resolve = getattr(assistant, "resolve_doc_id", None)
    if callable(resolve):
        return resolve
    return lambda doc, _folder: doc


class UnresolvedEvidence(BaseModel):
    """A gold quote that could not be found in the stored text (a gold or ingest bug, not a model error)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    doc: str
    quote: str
    reason: str


class EvalResult(BaseModel):
    """Everything one evaluation run produced."""

    model_config = ConfigDict(extra="forbid")
    gold: str
    corpus: str | None
    index: str | None
    k: int
    started: datetime
    seconds: float
    ingest: IngestReport | None = None
    overall: Metrics
    categories: dict[str, Metrics]
    definitions: dict[str, str] = Field(default_factory=lambda: dict(DEFINITIONS))
    unresolved: list[UnresolvedEvidence] = Field(default_factory=list)
    questions: list[QuestionRecord]
    knowledge: dict[str, Any] | None = Field(
        default=None, description="Incident and control extraction against their gold files (demo corpus only).")


def _make_assistant(settings: Settings) -> AssistantAPI:
    # Imported at call time: the core may be absent while eval is unit-tested.
    assistant: AssistantAPI = importlib.import_module("assistant").Assistant(settings)
    return assistant


def _default_locator() -> Locator:
    from ingest import locate

    return locate


def resolve_evidence(
    items: list[GoldItem], assistant: AssistantAPI, locator: Locator | None = None, corpus: Path | None = None
) -> tuple[dict[str, list[Span]], list[UnresolvedEvidence]]:
    """Map every gold quote to a span of the stored text; collect those that cannot be found.

    Gold ``doc`` names are paths relative to the corpus folder; the stored id (``ROOT/path``) comes from
    ``resolve_doc_id`` (with no corpus: the exact id, or the only id ending in ``/doc``), and the spans carry
    the stored id, the one citations and retrieved passages are compared with.
    """
    locate = locator or _default_locator()
    resolve = _resolver(assistant)
    ids: dict[str, str | None] = {}
    docs: dict[str, Document | None] = {}
    spans: dict[str, list[Span]] = {}
    missing: list[UnresolvedEvidence] = []
    for item in items:
        spans[item.id] = []
        for ev in item.evidence:
            if ev.doc not in ids:
                stored = ids[ev.doc] = resolve(ev.doc, corpus)
                docs[ev.doc] = assistant.document(stored) if stored else None
            doc_id, doc = ids[ev.doc], docs[ev.doc]
            found = locate(ev.quote, doc.text) if doc else None
            if doc_id is None or found is None:
                reason = "quote not found in stored text" if doc else "document not in index"
                missing.append(UnresolvedEvidence(id=item.id, doc=ev.doc, quote=ev.quote, reason=reason))
            else:
                spans[item.id].append(Span(doc_id=doc_id, start=found[0], end=found[1]))
    return spans, missing


def _unresolved_counts(missing: list[UnresolvedEvidence]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in missing:
        counts[m.id] = counts.get(m.id, 0) + 1
    return counts


def evaluate(
    items: list[GoldItem], assistant: AssistantAPI, k: int, locator: Locator | None = None,
    corpus: Path | None = None,
) -> tuple[list[QuestionRecord], list[UnresolvedEvidence]]:
    """Ask every gold question (timing each ask) and score it against its located evidence."""
    spans, missing = resolve_evidence(items, assistant, locator, corpus)
    unresolved = _unresolved_counts(missing)
    records = []
    for item in items:
        t0 = time.perf_counter()
        answer = assistant.ask(item.question, k=k)
        latency = time.perf_counter() - t0
        records.append(score_question(item, spans[item.id], answer, latency, k, unresolved.get(item.id, 0)))
    return records, missing


@contextmanager
def _index_dir(corpus: Path | None, index: Path | None) -> Iterator[Path | None]:
    """A throwaway index folder when a corpus is ingested without an explicit index."""
    if corpus is None or index is not None:
        yield index
        return
    with tempfile.TemporaryDirectory(prefix="sitrep-eval-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


def run_eval(
    corpus: Path | None,
    gold: Path,
    index: Path | None = None,
    k: int | None = None,
    settings: Settings | None = None,
    *,
    factory: Callable[[Settings], AssistantAPI] | None = None,
    locator: Locator | None = None,
) -> EvalResult:
    """Evaluate ``gold`` against a fresh index of ``corpus`` (or an existing index when corpus is None).

    ``factory`` and ``locator`` exist for tests; by default the real Assistant and ``ingest.locate`` are used.
    """
    if settings is None:
        from assistant.settings import Settings

        settings = Settings()
    items = load_gold(gold)  # fail on a bad gold file before any expensive ingest
    k = k or settings.retrieval.k
    started, t0 = datetime.now(UTC), time.perf_counter()
    with _index_dir(corpus, index) as folder:
        assistant = (factory or _make_assistant)(settings.with_index(folder))
        report = assistant.ingest([corpus]) if corpus is not None else None
        records, missing = evaluate(items, assistant, k, locator, corpus)
        knowledge = _knowledge(assistant, corpus)
        close = getattr(assistant, "close", None)
        if callable(close):
            close()
    return EvalResult(
        gold=str(gold),
        corpus=str(corpus) if corpus else None,
        index=str(index) if index else None,
        k=k,
        started=started,
        seconds=round(time.perf_counter() - t0, 3),
        ingest=report,
        overall=aggregate(records),
        categories=by_category(records),
        unresolved=missing,
        questions=records,
        knowledge=knowledge,
    )


def _knowledge(assistant: AssistantAPI, corpus: Path | None) -> dict[str, Any] | None:
    """eval.knowledge's summary (and table) when the corpus is the demo corpus its gold files describe."""
    if corpus is None or not hasattr(assistant, "incident_groups"):
        return None
    try:
        if corpus.resolve() != demo_corpus().resolve():
            return None
    except DemoDataMissing:
        return None
    from eval.knowledge import evaluate as knowledge_eval
    from eval.knowledge import format_table as knowledge_table

    try:
        result = knowledge_eval(assistant)
    except (SitrepError, OSError):
        return None
    return {**result.summary(), "table": knowledge_table(result)}


_COLUMNS: list[tuple[str, str]] = [
    ("answer_acc", "answer_accuracy"),
    ("cit_recall", "citation_recall"),
    ("evid_recall", "evidence_recall"),
    ("cit_prec", "citation_precision"),
    ("supported", "supported_statements"),
    ("abst_prec", "abstention_precision"),
    ("abst_rec", "abstention_recall"),
    ("ans_prec", "answer_precision"),
    ("R@k", "retrieval_recall"),
    ("mrr", "mrr"),
]


def _cell(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}s"


def format_table(result: EvalResult) -> str:
    """Fixed-width table: one row per category plus overall, then a latency line."""
    headers = ["category", "n"] + [h.replace("@k", f"@{result.k}") for h, _ in _COLUMNS]
    rows = [
        [name, str(m.n)] + [_cell(getattr(m, field)) for _, field in _COLUMNS]
        for name, m in [*result.categories.items(), ("overall", result.overall)]
    ]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    body = [line(headers), rule, *(line(r) for r in rows[:-1]), rule, line(rows[-1])]
    o = result.overall
    body.append(
        f"latency per question: p50 {_seconds(o.latency_p50)}, p95 {_seconds(o.latency_p95)} (n={o.n})"
    )
    if result.unresolved:
        body.append(f"unresolved gold evidence: {len(result.unresolved)} quote(s), see report")
    return "\n".join(body)


def write_json(result: EvalResult, path: Path) -> None:
    """All metrics and per-question records, machine-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")


def _question_md(r: QuestionRecord) -> list[str]:
    failed = ", ".join(r.failed) or "nothing"
    lines = [
        f"### {r.id} ({r.category}) — failed: {failed}",
        "",
        f"**Q:** {r.question}  ",
        f"**Gold:** {', '.join(r.gold_answers) or '(unanswerable)'}  ",
        f"**Latency:** {r.latency:.3f}s",
        "",
        f"**Answer{' (abstained)' if r.abstained else ''}:**",
        "",
        r.rendered or r.answer,
        "",
    ]
    lines += [f"- gold evidence `{s.doc_id}` {s.start}–{s.end}" for s in r.evidence]
    if r.evidence_unresolved:
        lines.append(f"- {r.evidence_unresolved} gold quote(s) unresolved")
    lines += [f"- unsupported ({s.support:.2f}): {s.text}" for s in r.statements if not s.supported]
    return [*lines, ""]


def write_report(result: EvalResult, path: Path) -> None:
    """Markdown report: table, metric definitions, unresolved gold, then questions worst first."""
    lines = [
        "# Sitrep evaluation",
        "",
        f"Gold `{result.gold}`, corpus `{result.corpus}`, k={result.k}, {result.started:%Y-%m-%d %H:%M} UTC, "
        f"{result.seconds:.1f}s.",
        "",
        "```",
        format_table(result),
        "```",
        "",
        "## Metric definitions",
        "",
        *(f"- **{name}**: {text}" for name, text in result.definitions.items()),
        f"- {NOTE_EMPTY}",
        "",
    ]
    if result.knowledge:
        lines += ["## Conflict knowledge (incidents and control claims against their gold files)", "", "```",
                  str(result.knowledge.get("table", "")), "```", ""]
    if result.unresolved:
        lines += ["## Unresolved gold evidence", ""]
        lines += [f"- {u.id} `{u.doc}` ({u.reason}): “{u.quote}”" for u in result.unresolved]
        lines.append("")
    lines += ["## Questions, worst first", ""]
    for r in sorted(result.questions, key=lambda q: -len(q.failed)):
        lines += _question_md(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
