"""What the chat sends to the Assistant: input rules, filters from the form, and the one call to answer.

``answer_stream`` is the seam for the LLM backend: ``Assistant.ask_stream`` (draft deltas, then the verified
Answer) and ``history=`` (follow-ups) are used here and nowhere else in the UI.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.core import Assistant
from assistant.errors import QuestionError
from assistant.models import Answer, Filters

ROOT_PREFIX = "root: "


@dataclass(frozen=True)
class Turn:
    """One earlier exchange (question, answer text), for follow-ups."""

    question: str
    answer: str


def check_message(message: str | None, max_chars: int) -> str | None:
    """The question to send, or None for an empty/blank message (not sent); QuestionError when too long."""
    text = (message or "").strip()
    if not text:
        return None
    if len(text) > max_chars:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {max_chars:,}. "
                            "Ask about one thing at a time.")
    return text


def _date(value: str | None, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QuestionError(f"{label} wants a date as YYYY-MM-DD, got {value!r}") from None


def make_filters(assistant: Assistant, since: str | None, until: str | None, sources: Sequence[str] | None,
                 scope: Sequence[str] | None) -> Filters:
    """Filters from the form; ``scope`` holds document ids and ``root: NAME`` entries (a root's documents)."""
    doc_ids: list[str] = []
    roots = {s[len(ROOT_PREFIX):] for s in scope or [] if s.startswith(ROOT_PREFIX)}
    if roots:
        doc_ids += [d["doc_id"] for d in assistant.documents() if d["root"] in roots]
    doc_ids += [s for s in scope or [] if not s.startswith(ROOT_PREFIX)]
    if roots and not doc_ids:
        raise QuestionError("the selected roots hold no documents")
    return Filters(date_from=_date(since, "From"), date_to=_date(until, "Until"), sources=list(sources or []),
                   doc_ids=list(dict.fromkeys(doc_ids)))


def scope_choices(assistant: Assistant) -> list[str]:
    """Choices of the documents/roots filter: every root, then every document id."""
    docs = assistant.documents()
    roots = sorted({d["root"] for d in docs})
    return [ROOT_PREFIX + r for r in roots] + [d["doc_id"] for d in docs]


def answer_stream(assistant: Assistant, question: str, history: Sequence[Turn], filters: Filters,
                  k: int | None) -> Iterator[str | Answer]:
    """What to show as it arrives: the LLM draft's text deltas (str), then the final verified Answer (last).
    Uses the streaming method and follow-up history when the Assistant has them, else one ``ask``."""
    kwargs: dict[str, Any] = {"filters": filters, "k": k}
    stream = getattr(assistant, "ask_stream", None)
    method = stream if callable(stream) else assistant.ask
    if "history" in inspect.signature(method).parameters:
        kwargs["history"] = [(t.question, t.answer) for t in history]
    if callable(stream):
        yield from stream(question, **kwargs)
    else:
        yield assistant.ask(question, **kwargs)
