"""Whole-word answer matching, so "two" == "2" but "2 March" != "22 March" (normalisation: assistant.answer.support)."""

from __future__ import annotations

from assistant.answer.support import normalize, strip_markers

__all__ = ["answer_matches", "contains_tokens", "matched_answer", "normalize", "strip_markers"]


def contains_tokens(haystack: list[str], needle: list[str]) -> bool:
    """Whether ``needle`` occurs as a contiguous token sequence (whole words only)."""
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def matched_answer(text: str, answers: list[str]) -> str | None:
    """The first acceptable answer found in ``text`` (markers ignored), or None."""
    tokens = normalize(strip_markers(text))
    return next((a for a in answers if contains_tokens(tokens, normalize(a))), None)


def answer_matches(text: str, answers: list[str]) -> bool:
    """Whether any acceptable answer appears in ``text`` as whole words after normalisation."""
    return matched_answer(text, answers) is not None
