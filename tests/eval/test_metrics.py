"""Metric arithmetic on hand-built answers, including abstentions and empty denominators."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.models import Answer, Citation, Passage, PassageView, RetrievedPassage
from assistant.prompts import REFUSAL
from eval.gold import Category, Evidence, GoldItem
from eval.metrics import (
    DEFINITIONS,
    Span,
    aggregate,
    by_category,
    content_words,
    percentile,
    score_question,
    split_statements,
)

DOC = "reports/2019-02-10-wire.txt"
TEXT = (
    "On 10 February 2019 the strikes injured two soldiers near the bridge. "
    "Officials said the bridge was closed to traffic for repairs."
)
GOLD_SPAN = Span(doc_id=DOC, start=TEXT.find("the strikes"), end=TEXT.find(" near"))
P1 = Passage(passage_id="p1", doc_id=DOC, ordinal=0, start=0, end=69, text=TEXT[:69])
P2 = Passage(passage_id="p2", doc_id=DOC, ordinal=1, start=70, end=len(TEXT), text=TEXT[70:])


def _rp(passage: Passage, rank: int) -> RetrievedPassage:
    view = PassageView(passage=passage, title="Wire report", source="Wire", published=date(2019, 2, 10))
    return RetrievedPassage(view=view, score=1.0 / rank, rank=rank)


def _cite(marker: int, passage: Passage) -> Citation:
    start = passage.start + 3 if passage is P1 else passage.start
    end = passage.end
    return Citation(
        marker=marker, passage_id=passage.passage_id, doc_id=DOC, start=start, end=end,
        quote=TEXT[start:end], title="Wire report", source="Wire", published=date(2019, 2, 10),
    )  # fmt: skip


def _item(qid: str, category: Category = "incident") -> GoldItem:
    if category == "unanswerable":
        return GoldItem(id=qid, question="Who won?", answers=[], evidence=[], category="unanswerable")
    ev = [Evidence(doc=DOC, quote="the strikes injured two soldiers")]
    return GoldItem(
        id=qid, question="How many were injured?", answers=["two"], evidence=ev, category=category
    )


def _answer(
    text: str, cites: list[Citation], passages: list[RetrievedPassage], abstained: bool = False
) -> Answer:
    return Answer(question="q", text=text, citations=cites, passages=passages, abstained=abstained)


GOOD = _answer(
    "The strikes injured 2 soldiers on 10 February [1]. The bridge was closed to traffic [2].",
    [_cite(1, P1), _cite(2, P2)],
    [_rp(P2, 1), _rp(P1, 2)],
)
REFUSED = _answer("I cannot answer that from the reports.", [], [_rp(P2, 1)], abstained=True)


@pytest.fixture
def records() -> list:
    """q1 answered well, q2 wrongly abstained, q3 correctly abstained, q4 answered the unanswerable."""
    return [
        score_question(_item("q1"), [GOLD_SPAN], GOOD, 0.1, k=8),
        score_question(_item("q2", "actor"), [GOLD_SPAN], REFUSED, 0.2, k=8),
        score_question(_item("q3", "unanswerable"), [], REFUSED, 0.3, k=8),
        score_question(_item("q4", "unanswerable"), [], GOOD, 0.4, k=8),
    ]


def test_good_answer_record(records: list) -> None:
    r = records[0]
    assert r.answer_correct is True
    assert r.cited_evidence is True and r.evidence_covered == 1
    assert (r.citations_relevant, r.citations_judged) == (1, 2)
    assert r.retrieval_hit is True and r.reciprocal_rank == 0.5
    assert [s.supported for s in r.statements] == [True, True]
    assert r.failed == ["citation_precision"]
    assert [x.rank for x in r.retrieved] == [1, 2] and r.retrieved[0].start == P2.start


def test_wrong_abstention_fails_answer_and_citation(records: list) -> None:
    r = records[1]
    assert r.answer_correct is False and r.cited_evidence is False and r.statements == []
    assert r.retrieval_hit is False and r.reciprocal_rank == 0.0
    assert r.failed == ["abstention", "answer", "citation_recall", "evidence_recall", "retrieval"]


def test_unanswerable_records(records: list) -> None:
    assert records[2].failed == [] and records[2].answer_correct is None
    assert records[3].failed == ["abstention"] and records[3].cited_evidence is None


def test_overall_arithmetic(records: list) -> None:
    m = aggregate(records)
    assert (m.n, m.n_answerable, m.n_unanswerable) == (4, 2, 2)
    assert m.answer_accuracy == 0.5
    assert m.citation_recall == 0.5
    assert m.evidence_recall == 0.5
    assert m.citation_precision == 0.5  # q1: 1 of 2; q2 gave none
    assert m.answer_precision == 0.5  # answered: q1 right, q4 (unanswerable) wrong
    assert m.supported_statements == 1.0  # q1 and q4 each have two supported statements
    assert m.abstention_precision == 0.5  # abstained on q2 (answerable) and q3 (unanswerable)
    assert m.abstention_recall == 0.5  # caught q3, missed q4
    assert m.retrieval_recall == 0.5
    assert m.mrr == 0.25
    assert m.latency_p50 == pytest.approx(0.25)
    assert m.latency_p95 == pytest.approx(0.385)


def test_retrieval_respects_k() -> None:
    r = score_question(_item("q1"), [GOLD_SPAN], GOOD, 0.1, k=1)
    assert r.retrieval_hit is False and r.reciprocal_rank == 0.0 and "retrieval" in r.failed
    assert len(r.retrieved) == 1
    assert r.cited_evidence is True  # citations are not cut by k


def test_evidence_in_another_document_does_not_count() -> None:
    other = Span(doc_id="other.txt", start=GOLD_SPAN.start, end=GOLD_SPAN.end)
    r = score_question(_item("q1"), [other, GOLD_SPAN], GOOD, 0.1, k=8)
    assert r.evidence_covered == 1 and r.cited_evidence is True
    assert aggregate([r]).evidence_recall == 0.5


def test_adjacent_spans_do_not_overlap() -> None:
    assert not Span(doc_id=DOC, start=0, end=10).overlaps(DOC, 10, 20)
    assert Span(doc_id=DOC, start=0, end=11).overlaps(DOC, 10, 20)


def test_unresolved_evidence_leaves_grounding_unscored() -> None:
    r = score_question(_item("q1"), [], GOOD, 0.1, k=8, unresolved=1)
    assert r.answer_correct is True and r.cited_evidence is None and r.retrieval_hit is None
    m = aggregate([r])
    assert m.answer_accuracy == 1.0 and m.citation_recall is None and m.mrr is None


def test_empty_denominators() -> None:
    only_answered = aggregate([score_question(_item("q1"), [GOLD_SPAN], GOOD, 0.1, k=8)])
    assert only_answered.abstention_precision == 1.0  # never abstained: no wrong refusals
    assert only_answered.abstention_recall == 1.0  # nothing to refuse
    only_refused = aggregate([score_question(_item("q3", "unanswerable"), [], REFUSED, 0.1, k=8)])
    assert only_refused.answer_accuracy is None and only_refused.citation_precision is None
    assert only_refused.supported_statements is None
    assert (only_refused.abstention_precision, only_refused.abstention_recall) == (1.0, 1.0)
    empty = aggregate([])
    assert empty.n == 0 and empty.latency_p50 is None and empty.answer_accuracy is None


def test_unsupported_and_uncited_statements() -> None:
    answer = _answer(
        "Rebels killed forty civilians in Aleppo [1]. Also a claim without citation.",
        [_cite(1, P1)],
        [_rp(P1, 1)],
    )
    r = score_question(_item("q1"), [GOLD_SPAN], answer, 0.1, k=8)
    assert [s.supported for s in r.statements] == [False, False]
    assert r.statements[0].support < 0.8 and r.statements[1].markers == []
    assert "supported_statements" in r.failed and r.answer_correct is False


def test_marker_without_citation_is_unsupported() -> None:
    r = score_question(_item("q1"), [GOLD_SPAN], _answer("Two soldiers were injured [7].", [], []), 0.1, k=8)
    assert r.statements[0].supported is False and r.statements[0].support == 0.0


def test_support_uses_passage_title_and_date() -> None:
    stmt = "Wire reported on 10 February 2019 that officials closed the bridge [1]."
    answer = _answer(stmt, [_cite(1, P2)], [_rp(P2, 1)])
    record = score_question(_item("q1"), [GOLD_SPAN], answer, 0.1, k=8)
    assert record.statements[0].supported and record.statements[0].support == 1.0


def test_split_statements() -> None:
    assert split_statements("A died [1]. B fled [2][3]. C too") == [
        ("A died", [1]),
        ("B fled", [2, 3]),
        ("C too", []),
    ]
    assert split_statements("X happened [1, 2].") == [("X happened", [1, 2])]


def test_refusal_sentence_is_not_a_statement() -> None:
    assert split_statements(f"Two were hurt [1]. {REFUSAL}") == [("Two were hurt", [1])]


def test_content_words_normalise_numbers_and_drop_markers() -> None:
    assert content_words("The two strikes [3] were reported") == ["2", "strike"]


def test_percentile_interpolates() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0], 95) == 1.0
    assert percentile([], 50) is None


def test_by_category_keeps_canonical_order(records: list) -> None:
    cats = by_category(records)
    assert list(cats) == ["incident", "actor", "unanswerable"]
    assert cats["unanswerable"].abstention_recall == 0.5 and cats["unanswerable"].answer_accuracy is None
    assert cats["actor"].abstention_precision == 0.0


def test_every_metric_has_a_definition() -> None:
    fields = set(aggregate([]).model_dump()) - {"n", "n_answerable", "n_unanswerable"}
    assert fields == set(DEFINITIONS)
