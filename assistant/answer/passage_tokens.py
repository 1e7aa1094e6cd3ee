"""The tokens the extractive answerer scores a passage's sentences by, worked out when the passage is written.

Scoring compares a question's words with each candidate sentence's tokens and with its passage's (text, title,
source, publication date): stemmed words, numbers, actors under any alias, day-level dates, outcome words. They
depend on the passage and the knowledge files only, yet a question's first look at its passages tokenised them
(~0.3 ms a passage and ~0.1 ms a sentence of CPU, a fifth of a question's at 20k passages). So ingest stores them
(the ``answer_tokens`` annotation, assistant.index.documents) under a version of the lexicon and the outcome
cues, and the answerer reads them back, tokenising only what was stored under another version or not at all.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from assistant.answer.question import Analyser
from assistant.index.documents import PassageText

#: Bump when the tokens of the same text change under the same lexicon and cues (stored tokens go stale).
_VERSION = 1


def context_text(text: str, title: str, source: str | None, published: date | None) -> str:
    """A passage's surroundings as one text: its words, title, source and publication date."""
    day = f"{published.day} {published:%B %Y}" if published else ""
    return f"{text} {title} {source or ''} {day}"


class AnswerTokens:
    """Token sets of passages (their context) and sentences: worked out here, stored by ingest, read back."""

    #: The document store's table of what ``annotate`` finds.
    kind = "answer_tokens"

    def __init__(self, analyser: Analyser) -> None:
        self.analyser = analyser
        key = f"{_VERSION}:{analyser.lexicon.version}:{analyser.marks_version}"
        self.version = hashlib.sha256(key.encode()).hexdigest()[:16]

    def context(self, text: str, title: str, source: str | None, published: date | None) -> set[str]:
        """Tokens of a passage with its document fields (its sentences' context when scoring)."""
        a = self.analyser
        context = context_text(text, title, source, published)
        return set(a.lexicon.tokens(context)) | a.date_marks(context)

    def sentence(self, text: str) -> set[str]:
        """Tokens of one sentence, with its dates and outcome words."""
        a = self.analyser
        return set(a.lexicon.tokens(text)) | a.date_marks(text) | a.outcome_marks(text)

    def annotate(self, passage: PassageText) -> dict[str, Any]:
        """{"c": the context's tokens, "s": [[sentence start, its tokens], ...]}, sorted (what ``read`` reads)."""
        text, start = passage.text, passage.start
        return {"c": sorted(self.context(text, passage.title, passage.source, passage.published)),
                "s": [[s, sorted(self.sentence(text[s - start:e - start]))] for s, e in passage.sentences]}

    @staticmethod
    def read(data: dict[str, Any]) -> tuple[set[str], dict[int, set[str]]]:
        """(context tokens, sentence start -> tokens) as ``annotate`` stored them."""
        return set(data["c"]), {s: set(tokens) for s, tokens in data["s"]}
