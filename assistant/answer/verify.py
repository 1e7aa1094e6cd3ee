"""Citation verification: an answer leaves the Assistant only with citations that point at their quote."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer.compose import refusal
from assistant.models import Answer


def verify(answer: Answer, doc_text: Callable[[str], str | None]) -> Answer:
    """Drop citations that do not point at their quote in a retrieved passage (never show invented ids)."""
    known = {r.view.passage.passage_id: r.view.passage for r in answer.passages}
    texts = {doc_id: doc_text(doc_id) for doc_id in {c.doc_id for c in answer.citations}}  # one read per document
    kept = []
    for c in answer.citations:
        passage = known.get(c.passage_id)
        text = texts[c.doc_id]
        if passage and text and passage.start <= c.start < c.end <= passage.end and text[c.start:c.end] == c.quote:
            kept.append(c)
    if len(kept) == len(answer.citations):
        return answer
    if not kept:
        return refusal(answer.question, answer.passages, {**answer.debug, "reason": "no verifiable citation"})
    markers = {c.marker for c in kept}
    statements = [s for s in answer.statements if set(s.markers) & markers]
    return answer.model_copy(update={"citations": kept, "statements": statements})
