"""``[n]`` citation markers in answer text: parsing statements with the markers that back them.

The eval scores statements with this parser, and LLM answers are split with it, so both read markers alike.
"""

from __future__ import annotations

import re

from assistant.prompts import REFUSAL

MARKER_RUN = re.compile(r"(?:\s*\[\s*\d+(?:\s*,\s*\d+)*\s*\])+")
_MARKER_NUMS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W_]")


def markers_in(text: str) -> list[int]:
    """Every marker number in a text, in order of appearance (duplicates kept)."""
    return [int(n) for m in MARKER_RUN.finditer(text) for n in _MARKER_NUMS.findall(m.group())]


def strip_markers(text: str) -> str:
    return MARKER_RUN.sub(" ", text)


def split_statements(text: str) -> list[tuple[str, list[int]]]:
    """Statements with their markers: text up to each run of [n]; trailing words form an uncited one.

    The refusal sentence is not a statement and is removed first.
    """
    text = text.replace(REFUSAL, " ")
    out: list[tuple[str, list[int]]] = []
    pos = 0
    for m in MARKER_RUN.finditer(text):
        out.append((text[pos:m.start()], [int(n) for n in _MARKER_NUMS.findall(m.group())]))
        pos = m.end()
    out.append((text[pos:], []))
    return [(s.strip(" \t\n.;:,"), markers) for s, markers in out if _WORD.search(s)]
