"""Answers built from chosen sentences: each statement names who says it and carries its [n] marker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.answer.question import Question
from assistant.knowledge import numbers_in
from assistant.models import Answer, Citation, RetrievedPassage, Statement
from assistant.prompts import REFUSAL

if TYPE_CHECKING:
    from assistant.answer.extractive import Candidate


def attribution(item: RetrievedPassage) -> str:
    """'<source> (<day Month Year>)', or the title when the source is unknown."""
    view = item.view
    who = view.source or view.title
    return f"{who} ({view.published.day} {view.published:%B %Y})" if view.published else who


def figures(cand: Candidate) -> frozenset[int | str]:
    """The figures a sentence states, not the days of its dates ('on 9 February 2019' is no figure)."""
    frame = cand.frame
    if frame is None:
        return frozenset(numbers_in(cand.text))
    return frozenset(f.value for f in frame.figures
                     if f.value is not None and not any(f.text in d.text for d in frame.dates))


def compose(question: Question, chosen: list[Candidate], retrieved: list[RetrievedPassage],
            debug: dict[str, Any]) -> Answer:
    """One statement per chosen sentence; a count answer says when its sources give different figures."""
    citations: list[Citation] = []
    statements: list[Statement] = []
    for n, cand in enumerate(chosen, start=1):
        view = cand.item.view
        start, quote = cand.quoted()  # a date the sentence takes from the one before is quoted with it
        citations.append(Citation(
            marker=n, passage_id=view.passage.passage_id, doc_id=view.passage.doc_id, start=start,
            end=cand.end, quote=quote, title=view.title, source=view.source, published=view.published,
            url=view.url,
        ))
        statements.append(Statement(text=f'According to {attribution(cand.item)}: "{quote}"', markers=[n]))
    lines = [f"{s.text} [{s.markers[0]}]" for s in statements]
    differ = len({c.source for c in citations}) > 1 and len({figures(c) for c in chosen}) > 1
    if differ and question.qtype == "count":
        lines.insert(0, "Sources give different figures.")
    return Answer(question=question.text, text="\n".join(lines), citations=citations, statements=statements,
                  passages=retrieved, abstained=False, debug=debug)


def refusal(question: str, retrieved: list[RetrievedPassage], debug: dict[str, Any]) -> Answer:
    """The fixed refusal, keeping what was searched so a reader can judge."""
    return Answer(question=question, text=REFUSAL, passages=retrieved, abstained=True, debug=debug)
