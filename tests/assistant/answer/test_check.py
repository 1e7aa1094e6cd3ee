"""The evidence check: a near miss (another date, outcome, place, actor or source) is refused, not quoted."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer import Analyser, ExtractiveAnswerer
from assistant.answer.constraints import DateWant, question_dates
from assistant.embed import Embedder
from assistant.models import Passage, PassageView, RetrievedPassage
from assistant.prompts import REFUSAL
from assistant.settings import AnswerSettings
from ingest.text import split_sentences

WIRE = ("Levant Wire", date(2019, 2, 10),
        "A coalition strike hit an artillery position near Al-Sukkariyeh on 9 February 2019. "
        "State media said the strike wounded two Syrian soldiers.")
MONITOR = ("Euphrates Monitor", date(2019, 1, 16),
           "The SDF said 36 ISIS fighters were killed while retaking Al-Shaafa on 14 January 2019.")


def _retrieved(*docs: tuple[str | None, date | None, str]) -> list[RetrievedPassage]:
    out = []
    for rank, (source, published, text) in enumerate(docs, start=1):
        passage = Passage(passage_id=f"p{rank}", doc_id=f"d{rank}.txt", ordinal=0, start=0, end=len(text),
                          text=text, sentences=split_sentences(text))
        view = PassageView(passage=passage, title=f"Report {rank}", source=source, published=published)
        out.append(RetrievedPassage(view=view, score=1.0 / rank, rank=rank))
    return out


@pytest.fixture
def answerer(fake_embedder: Embedder, analyser: Analyser) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(AnswerSettings(), fake_embedder, lambda terms: {t: 1.0 for t in terms}, analyser)


def _ask(answerer: ExtractiveAnswerer, question: str, *docs: tuple[str | None, date | None, str]):  # type: ignore[no-untyped-def]
    return answerer.answer(answerer.analyser.question(question), _retrieved(*docs))


def test_the_matching_question_is_answered(answerer: ExtractiveAnswerer) -> None:
    answer = _ask(answerer, "How many soldiers were wounded in the strike near Al-Sukkariyeh on 9 February 2019?",
                  WIRE)
    assert not answer.abstained and "wounded two Syrian soldiers" in answer.text


@pytest.mark.parametrize(("question", "why"), [
    ("How many soldiers were killed in the strike near Al-Sukkariyeh on 9 February 2019?", "not kill"),
    ("How many soldiers were wounded in the strike near Al-Sukkariyeh on 12 February 2019?", "12 February"),
    ("How many soldiers were wounded in the strike near Hajin on 9 February 2019?", "Hajin"),
    ("How many soldiers did the SDF wound in the strike near Al-Sukkariyeh on 9 February 2019?", "sdf"),
    ("According to the Syrian Observatory, how many soldiers were wounded near Al-Sukkariyeh?", "Observatory"),
])
def test_a_near_miss_is_refused_with_its_reason(answerer: ExtractiveAnswerer, question: str, why: str) -> None:
    answer = _ask(answerer, question, WIRE)
    assert answer.abstained and answer.text == REFUSAL and answer.citations == []
    reasons = [r for c in answer.debug["checks"] for r in c["reasons"]]
    assert any(why in r for r in reasons), reasons


def test_the_next_candidate_that_passes_is_quoted(answerer: ExtractiveAnswerer) -> None:
    answer = _ask(answerer, "How many ISIS fighters did the SDF say were killed at Al-Shaafa in January 2019?",
                  WIRE, MONITOR)
    assert not answer.abstained
    assert [c.doc_id for c in answer.citations] == ["d2.txt"] and "36" in answer.text


def test_a_report_published_before_the_date_asked_cannot_answer(answerer: ExtractiveAnswerer) -> None:
    undated = ("Levant Wire", date(2019, 2, 10), "The strike on the bridge at Hajin killed eight civilians.")
    answer = _ask(answerer, "How many civilians were killed at the Hajin bridge on 20 February 2019?", undated)
    assert answer.abstained
    assert any("before 20 February" in r for c in answer.debug["checks"] for r in c["reasons"])


def test_a_question_in_another_language_is_refused(answerer: ExtractiveAnswerer) -> None:
    answer = _ask(answerer, "Сколько солдат было ранено у Аль-Суккарии?", WIRE)
    assert answer.abstained


def test_question_dates() -> None:
    assert question_dates("on 9 February 2019 and March 3") == [
        DateWant(text="9 February 2019", year=2019, month=2, day=9), DateWant(text="March 3", month=3, day=3)]
    assert question_dates("in November 2018")[0].bounds() == (date(2018, 11, 1), date(2018, 11, 30))
    assert DateWant(text="3 March", month=3, day=3).meets(date(2019, 3, 1), date(2019, 3, 5))
    assert not DateWant(text="3 March", month=3, day=3).meets(date(2019, 3, 4), date(2019, 3, 5))
