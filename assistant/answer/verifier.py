"""Per-statement verification of generated answers: which sentence span of which passage supports a statement.

One ``Verifier`` interface, so an NLI model can be plugged in later. The default, ``LexicalVerifier``, uses the
support test the eval uses (``supported_statements``: content words found in the cited span, with the passage's
title, source and date as context), requires every number of the statement to be in the span, and an embedding
similarity between statement and span. Sentences that address the model ("ignore previous instructions ...") are
never evidence: a passage is data, and text that tries to steer the model supports nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np

from assistant.answer.support import SUPPORT_THRESHOLD, content_words
from assistant.embed import Embedder
from assistant.models import RetrievedPassage

#: Sentences written to steer a model rather than to report; never used as evidence.
INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules?|context|above|previous)\b"
    r"|\b(?:system prompt|you are (?:an?|the) (?:ai|assistant|language model|chatbot)|as an ai\b)"
    r"|\b(?:assistant|ai|model|chatbot)s?\b.{0,30}\b(?:must|should) (?:say|answer|reply|respond|state)\b"
    r"|\b(?:say|answer|reply|respond) (?:only )?(?:with|that)\b.{0,80}\binstead\b",
    re.I | re.S,
)
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass
class Support:
    """The best span of one passage for a statement."""

    passage: RetrievedPassage
    start: int
    end: int
    quote: str
    lexical: float
    similarity: float
    supported: bool
    missing: list[str] = field(default_factory=list)


class Verifier(Protocol):
    """Finds, in each given passage, the sentence span that best supports a statement, and judges it."""

    def supports(self, statement: str, passages: Sequence[RetrievedPassage]) -> list[Support]:
        """One ``Support`` per passage that has any usable sentence, best first."""
        ...


def _date_words(d: date | None) -> str:
    return f"{d.isoformat()} {d.day} {d:%B} {d.year}" if d else ""


class LexicalVerifier:
    """Content-word support (the eval's test) + all numbers present + embedding similarity, per sentence span.

    A span is one sentence of the passage, or two adjacent ones when one alone does not hold the statement.
    """

    def __init__(self, embedder: Embedder, threshold: float = SUPPORT_THRESHOLD, min_similarity: float = 0.3) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.min_similarity = min_similarity

    def supports(self, statement: str, passages: Sequence[RetrievedPassage]) -> list[Support]:
        words = content_words(statement)
        numbers = {w for w in words if _NUMBER.match(w)}
        found: list[Support] = []
        for item in passages:
            best = self._best_span(words, numbers, item)
            if best is not None:
                found.append(best)
        if not found:
            return []
        vectors = self.embedder.embed([statement] + [s.quote for s in found])
        sims = vectors[1:] @ vectors[0]
        for s, sim in zip(found, np.asarray(sims).tolist(), strict=True):
            s.similarity = round(float(sim), 4)
            s.supported = (s.lexical >= self.threshold and not s.missing
                           and s.similarity >= self.min_similarity)
        found.sort(key=lambda s: (not s.supported, -s.lexical, -s.similarity))
        return found

    def _best_span(self, words: list[str], numbers: set[str], item: RetrievedPassage) -> Support | None:
        view = item.view
        passage = view.passage
        context = set(content_words(f"{view.title} {view.source or ''} {_date_words(view.published)}"))
        sentences = [(s, e, passage.text[s - passage.start:e - passage.start]) for s, e in passage.sentences]
        sentences = [x for x in sentences if x[2].strip() and not INJECTION.search(x[2])]
        if not sentences:
            return None
        sets = [set(content_words(text)) for _, _, text in sentences]
        spans: list[tuple[int, int, set[str]]] = [(i, i, sets[i]) for i in range(len(sentences))]
        spans += [(i, i + 1, sets[i] | sets[i + 1]) for i in range(len(sentences) - 1)
                  if sentences[i][1] <= sentences[i + 1][0]]
        best: tuple[float, int, int] | None = None
        for i, j, span_words in spans:
            missing = sum(n not in span_words for n in numbers)
            key = _share(words, span_words | context) - missing - 0.001 * (j - i)  # one sentence wins a tie
            if best is None or key > best[0]:
                best = (key, i, j)
        assert best is not None
        _, i, j = best
        span_words = sets[i] | sets[j]
        start, end = sentences[i][0], sentences[j][1]
        quote = passage.text[start - passage.start:end - passage.start]
        return Support(passage=item, start=start, end=end, quote=quote,
                       lexical=round(_share(words, span_words | context), 4), similarity=0.0, supported=False,
                       missing=sorted(n for n in numbers if n not in span_words))


def _share(words: list[str], evidence: set[str]) -> float:
    if not words:
        return float(bool(evidence))
    return sum(w in evidence for w in words) / len(words)
