"""Answer normalisation and whole-word matching, so "two" == "2" but "2 March" != "22 March"."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

_UNIT_WORDS = "one two three four five six seven eight nine"
_TEEN_WORDS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_TEN_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNITS = {w: i for i, w in enumerate(_UNIT_WORDS.split(), start=1)}
_TEENS = {w: i for i, w in enumerate(_TEEN_WORDS.split(), start=10)}
_TENS = {w: 10 * i for i, w in enumerate(_TEN_WORDS.split(), start=2)}
_SCALES = {"thousand": 1000, "million": 10**6, "billion": 10**9}

#: Which token kind may extend a number phrase after which; anything else ends the phrase.
_FOLLOWS: dict[str | None, set[str]] = {
    None: {"zero", "unit", "teen", "ten", "hundred", "scale", "digit"},
    "zero": set(),
    "unit": {"hundred", "scale"},
    "teen": {"hundred", "scale"},
    "ten": {"unit", "scale"},
    "digit": {"hundred", "scale"},
    "hundred": {"unit", "teen", "ten", "scale", "and"},
    "scale": {"unit", "teen", "ten", "and"},
    "and": {"unit", "teen", "ten"},
}

_MARKERS = re.compile(r"\[\s*\d+(?:\s*,\s*\d+)*\s*\]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(?:st|nd|rd|th)?(?![^\W\d_])|\d+|[^\W\d_]+")
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def strip_markers(text: str) -> str:
    """Drop [n] citation markers, whose digits would otherwise match numeric answers."""
    return _MARKERS.sub(" ", text)


def _fold_case(text: str) -> str:
    """NFKC, casefold and accents removed, so typography never decides a match."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def _raw_tokens(text: str) -> list[str]:
    text = _THOUSANDS.sub("", _fold_case(text)).replace("%", " percent ")
    return [m.group(1) or m.group(0) for m in _TOKEN.finditer(text)]


def _kind(token: str) -> tuple[str, Decimal] | None:
    """Classify a token for number folding; None when it is not part of a number."""
    if token == "zero":
        return "zero", Decimal(0)
    if token == "and":
        return "and", Decimal(0)
    if token == "hundred":
        return "hundred", Decimal(100)
    for kind, table in (("unit", _UNITS), ("teen", _TEENS), ("ten", _TENS), ("scale", _SCALES)):
        if token in table:
            return kind, Decimal(table[token])
    if _DIGITS.fullmatch(token):
        return "digit", Decimal(token)
    return None


def _format(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _number_run(tokens: list[str], i: int) -> tuple[str, int] | None:
    """Parse the longest number phrase at ``tokens[i]``; return its digits and the index after it."""
    total, current, last, last_scale, j = Decimal(0), Decimal(0), None, None, i
    while j < len(tokens):
        kind = _kind(tokens[j])
        if kind is None or kind[0] not in _FOLLOWS[last]:
            break
        name, value = kind
        if name == "and" and (
            j + 1 >= len(tokens) or (_kind(tokens[j + 1]) or ("",))[0] not in _FOLLOWS["and"]
        ):
            break
        if name == "hundred":
            if current >= 100:
                break
            current = (current or 1) * value
        elif name == "scale":
            if last_scale is not None and value >= last_scale:
                break
            total, current, last_scale = total + (current or 1) * value, Decimal(0), value
        else:
            current += value
        last, j = name, j + 1
    return (_format(total + current), j) if last is not None else None


def normalize(text: str) -> list[str]:
    """Lowercased word tokens with punctuation dropped and every number phrase written as digits."""
    tokens, out, i = _raw_tokens(text), [], 0
    while i < len(tokens):
        run = _number_run(tokens, i)
        if run is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(run[0])
            i = run[1]
    return out


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
