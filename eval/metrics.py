"""Per-question scoring and aggregation; every rate has a one-line definition for the README."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from assistant.answer import render_markdown, split_statements
from assistant.answer.support import SUPPORT_THRESHOLD, content_words, support
from assistant.models import Answer, Citation, RetrievedPassage
from eval.gold import CATEGORIES, GoldItem
from eval.matching import answer_matches

DEFINITIONS: dict[str, str] = {
    "answer_accuracy": "Answerable questions whose answer text contains an acceptable gold answer as whole "
    "words after normalisation (case, punctuation, number words = digits); abstaining counts as wrong.",
    "citation_recall": "Answerable questions with located gold evidence where at least one citation span "
    "[start,end) overlaps a gold evidence span in the same document.",
    "evidence_recall": "Located gold evidence items (over all answerable questions) overlapped by at least "
    "one citation of their question.",
    "citation_precision": "Citations on answerable questions with located evidence whose span overlaps a "
    "gold evidence span of that question, over all such citations.",
    "supported_statements": "Cited answer statements (text up to each run of [n] markers; the refusal is "
    "ignored, uncited text counts as unsupported) for which >= 80% of content words (lowercased, stopwords "
    "dropped, number words as digits, crude plural stripping) occur in the cited quotes, titles, sources, "
    "dates and cited passages' text: a lexical entailment proxy, not a judgement of truth.",
    "abstention_precision": "Of the questions where the assistant abstained, the share that were "
    "unanswerable (1.0 when it never abstained: no wrong refusals).",
    "abstention_recall": "Of the unanswerable questions, the share where the assistant abstained "
    "(1.0 when there are none: nothing to refuse).",
    "answer_precision": "Of the questions the assistant answered (did not abstain), the share answered right: "
    "answerable, and the answer contains a gold answer (answer_accuracy's rule); an unanswerable question answered "
    "counts as wrong. Its complement is the share of confident, cited, wrong answers.",
    "retrieval_recall": "Answerable questions with located evidence where a passage among the top k "
    "retrieved (answer.passages by rank) overlaps a gold evidence span in the same document.",
    "mrr": "Mean over the same questions of 1/rank of the first top-k retrieved passage overlapping gold "
    "evidence (0 when none does).",
    "latency_p50": "Median wall-clock seconds per ask() call (linear interpolation).",
    "latency_p95": "95th-percentile wall-clock seconds per ask() call (linear interpolation).",
}
NOTE_EMPTY = (
    "Rates over an empty set (e.g. answer accuracy for the unanswerable category) are reported as n/a "
    "(null in JSON), except the two abstention rates, which default to 1.0 as stated."
)



class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    """A character range [start, end) in a stored document's text."""

    doc_id: str
    start: int
    end: int

    def overlaps(self, doc_id: str, start: int, end: int) -> bool:
        return self.doc_id == doc_id and self.start < end and start < self.end


class CitationRecord(_Model):
    marker: int
    doc_id: str
    start: int
    end: int
    quote: str


class RetrievedRecord(_Model):
    rank: int = Field(description="1-based position among the retrieved passages, by rank.")
    doc_id: str
    start: int
    end: int


class StatementRecord(_Model):
    text: str
    markers: list[int]
    support: float = Field(description="Share of content words found in the cited text.")
    supported: bool


class QuestionRecord(_Model):
    """Everything needed to aggregate a question and to show why it failed; None = not applicable."""

    id: str
    category: str
    question: str
    gold_answers: list[str]
    answer: str
    rendered: str = Field("", description="The answer as the product renders it (Markdown with sources).")
    abstained: bool
    citations: list[CitationRecord]
    retrieved: list[RetrievedRecord]
    evidence: list[Span] = Field(description="Gold evidence located in the stored text.")
    evidence_unresolved: int = 0
    statements: list[StatementRecord] = Field(default_factory=list)
    answer_correct: bool | None = None
    cited_evidence: bool | None = None
    evidence_covered: int = 0
    citations_relevant: int = 0
    citations_judged: int = 0
    retrieval_hit: bool | None = None
    reciprocal_rank: float | None = None
    latency: float
    failed: list[str] = Field(default_factory=list)


class Metrics(_Model):
    """Aggregate scores over a set of questions (one category or all)."""

    n: int
    n_answerable: int
    n_unanswerable: int
    answer_accuracy: float | None
    citation_recall: float | None
    evidence_recall: float | None
    citation_precision: float | None
    supported_statements: float | None
    abstention_precision: float
    abstention_recall: float
    answer_precision: float | None
    retrieval_recall: float | None
    mrr: float | None
    latency_p50: float | None
    latency_p95: float | None


def _date_text(day: date | None) -> str:
    return f"{day.isoformat()} {day.day} {day:%B} {day.year}" if day else ""


def _cited_text(markers: list[int], answer: Answer) -> str:
    """Quotes, titles, sources, dates and passage texts of the citations behind ``markers``."""
    cited = [c for c in answer.citations if c.marker in markers]
    passage_ids = {c.passage_id for c in cited}
    parts = [f"{c.quote} {c.title} {c.source or ''} {_date_text(c.published)}" for c in cited]
    for rp in answer.passages:
        if rp.view.passage.passage_id in passage_ids:
            v = rp.view
            parts.append(f"{v.passage.text} {v.title} {v.source or ''} {_date_text(v.published)}")
    return " ".join(parts)


def score_statement(statement: str, markers: list[int], answer: Answer) -> StatementRecord:
    """Lexical entailment proxy: share of the statement's content words present in its cited text."""
    evidence = set(content_words(_cited_text(markers, answer)))
    share = support(statement, evidence)
    return StatementRecord(
        text=statement,
        markers=markers,
        support=round(share, 4),
        supported=bool(evidence) and share >= SUPPORT_THRESHOLD,
    )


def ranked_passages(passages: list[RetrievedPassage], k: int) -> list[RetrievedPassage]:
    """The top ``k`` passages by rank (list order breaks ties)."""
    order = sorted(range(len(passages)), key=lambda i: (passages[i].rank, i))
    return [passages[i] for i in order[:k]]


def _first_hit(passages: list[RetrievedPassage], gold: list[Span]) -> int | None:
    for position, rp in enumerate(passages, start=1):
        p = rp.view.passage
        if any(g.overlaps(p.doc_id, p.start, p.end) for g in gold):
            return position
    return None


def _covers(citations: list[Citation], span: Span) -> bool:
    return any(span.overlaps(c.doc_id, c.start, c.end) for c in citations)


def _records(answer: Answer, k: int) -> tuple[list[CitationRecord], list[RetrievedRecord]]:
    cits = [
        CitationRecord(marker=c.marker, doc_id=c.doc_id, start=c.start, end=c.end, quote=c.quote)
        for c in answer.citations
    ]
    top = ranked_passages(answer.passages, k)
    ret = [
        RetrievedRecord(
            rank=i, doc_id=rp.view.passage.doc_id, start=rp.view.passage.start, end=rp.view.passage.end
        )
        for i, rp in enumerate(top, start=1)
    ]
    return cits, ret


def _grounding(record: QuestionRecord, answer: Answer, k: int) -> None:
    """Citation and retrieval scores of an answerable question whose evidence was located."""
    gold = record.evidence
    record.evidence_covered = sum(_covers(answer.citations, g) for g in gold)
    record.cited_evidence = record.evidence_covered > 0
    record.citations_judged = len(answer.citations)
    record.citations_relevant = sum(
        any(g.overlaps(c.doc_id, c.start, c.end) for g in gold) for c in answer.citations
    )
    hit = _first_hit(ranked_passages(answer.passages, k), gold)
    record.retrieval_hit = hit is not None
    record.reciprocal_rank = 1.0 / hit if hit else 0.0


def _failures(r: QuestionRecord) -> list[str]:
    """Names of the metrics this question failed, for the worst-first report."""
    checks = {
        "abstention": r.abstained != (r.category == "unanswerable"),
        "answer": r.answer_correct is False,
        "citation_recall": r.cited_evidence is False,
        "evidence_recall": r.cited_evidence is not None and r.evidence_covered < len(r.evidence),
        "citation_precision": r.citations_relevant < r.citations_judged,
        "supported_statements": any(not s.supported for s in r.statements),
        "retrieval": r.retrieval_hit is False,
    }
    return [name for name, failed in checks.items() if failed]


def score_question(
    item: GoldItem, evidence: list[Span], answer: Answer, latency: float, k: int, unresolved: int = 0
) -> QuestionRecord:
    """Score one answer against its gold item; ``evidence`` holds the gold quotes already located."""
    cits, ret = _records(answer, k)
    record = QuestionRecord(
        id=item.id,
        category=item.category,
        question=item.question,
        gold_answers=item.answers,
        answer=answer.text,
        rendered=render_markdown(answer),
        abstained=answer.abstained,
        citations=cits,
        retrieved=ret,
        evidence=evidence,
        evidence_unresolved=unresolved,
        latency=latency,
    )
    if not answer.abstained:
        record.statements = [score_statement(s, m, answer) for s, m in split_statements(answer.text)]
    if item.answerable:
        record.answer_correct = not answer.abstained and answer_matches(answer.text, item.answers)
        if evidence:
            _grounding(record, answer, k)
    record.failed = _failures(record)
    return record


def _rate(hits: Iterable[bool | float]) -> float | None:
    values = [float(h) for h in hits]
    return sum(values) / len(values) if values else None


def _rate_or(default: float, hits: Iterable[bool]) -> float:
    """A rate whose empty set has a natural value (no abstentions means no wrong abstentions)."""
    rate = _rate(hits)
    return default if rate is None else rate


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in [0, 100]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def aggregate(records: list[QuestionRecord]) -> Metrics:
    """Combine question records into rates; empty denominators follow NOTE_EMPTY."""
    answerable = [r for r in records if r.category != "unanswerable"]
    grounded = [r for r in answerable if r.cited_evidence is not None]
    abstained = [r for r in records if r.abstained]
    unanswerable = [r for r in records if r.category == "unanswerable"]
    statements = [s for r in records for s in r.statements]
    latencies = [r.latency for r in records]
    return Metrics(
        n=len(records),
        n_answerable=len(answerable),
        n_unanswerable=len(unanswerable),
        answer_accuracy=_rate(bool(r.answer_correct) for r in answerable),
        citation_recall=_rate(bool(r.cited_evidence) for r in grounded),
        evidence_recall=_ratio(
            sum(r.evidence_covered for r in grounded), sum(len(r.evidence) for r in grounded)
        ),
        citation_precision=_ratio(
            sum(r.citations_relevant for r in grounded), sum(r.citations_judged for r in grounded)
        ),
        supported_statements=_rate(s.supported for s in statements),
        abstention_precision=_rate_or(1.0, (r.category == "unanswerable" for r in abstained)),
        abstention_recall=_rate_or(1.0, (r.abstained for r in unanswerable)),
        answer_precision=_rate(r.category != "unanswerable" and bool(r.answer_correct)
                               for r in records if not r.abstained),
        retrieval_recall=_rate(bool(r.retrieval_hit) for r in grounded),
        mrr=_rate(r.reciprocal_rank or 0.0 for r in grounded),
        latency_p50=percentile(latencies, 50),
        latency_p95=percentile(latencies, 95),
    )


def by_category(records: list[QuestionRecord]) -> dict[str, Metrics]:
    """Metrics per category present, in the canonical category order."""
    return {
        c: aggregate([r for r in records if r.category == c])
        for c in CATEGORIES
        if any(r.category == c for r in records)
    }
