"""Shared pieces of sentence reading: token and entity spans, capitalised phrases, small span helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.knowledge.dates import _MONTHS, _WEEKDAYS

#: (start, end, text) of a token, offsets into the sentence.
Tok = tuple[int, int, str]
#: (start, end, label) of a named entity, offsets into the sentence.
Ent = tuple[int, int, str]

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
NAME_LABELS = frozenset({"ORG", "PERSON", "NORP"})
#: NER labels that veto a capitalised phrase as a place (PERSON does not: NER calls many villages people).
NOT_PLACE_LABELS = frozenset({"ORG", "NORP", "LANGUAGE", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT", "DATE", "TIME"})
#: Numbers and dates: never a source or a name.
NUMERIC_LABELS = frozenset({"CARDINAL", "DATE", "TIME", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"})

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:-[^\W\d_]+)*|['’]s\b|\S")
#: A capitalised word, Arabic article prefixes included ('al-Hol', 'Deir ez-Zor').
WORD = r"(?:(?:al|el|ad|ar|as|ash|at|az|ez|es|an|ed|en|ul|ibn|bin|abu)-)?[A-Z][\w'’]*(?:-[\w'’]+)*"
#: A capitalised phrase ('Syrian Observatory for Human Rights').
PHRASE = rf"{WORD}(?:\s+(?:(?:of|for|and|al|el|ez|de|the)\s+)?{WORD}){{0,5}}"
#: Words that are never a place, a source or a name on their own.
NOT_NAMES = frozenset(_MONTHS + _WEEKDAYS + ["the", "a", "an", "this", "that", "it", "he", "she", "they", "we",
                                              "english", "arabic", "kurdish", "russian", "turkish", "french"])


def tokens_of(text: str) -> list[Tok]:
    """A plain tokenizer for sentences spaCy does not see: words (hyphens kept), numbers, "'s", punctuation."""
    return [(m.start(), m.end(), m[0]) for m in _TOKEN.finditer(text)]


def unique(items: Iterable[str]) -> list[str]:
    """First spelling of each item, case-insensitively, in order."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        key = item.lower()
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < be and bs < e for bs, be in spans)


def is_punct(word: str) -> bool:
    return not any(c.isalnum() for c in word)


def plain(word: str) -> str:
    """A word lower-cased for stop lists, unless it is an acronym ('WHO' is not 'who')."""
    return word if word.isupper() and len(word) > 1 else word.lower()


def strip_possessive(name: str) -> str:
    return name[:-2] if name.endswith(("'s", "’s")) else name


def blanked(text: str, masked: str) -> list[tuple[int, int]]:
    """Spans the Lexicon blanked out of ``masked`` (actor aliases), as offsets into ``text``."""
    spans: list[tuple[int, int]] = []
    start = None
    for i, (a, b) in enumerate(zip(text, masked, strict=False)):
        differs = a != b
        if differs and start is None:
            start = i
        elif not differs and start is not None and not a.isspace():
            spans.append((start, len(text[:i].rstrip())))
            start = None
    if start is not None:
        spans.append((start, len(text.rstrip())))
    return spans
