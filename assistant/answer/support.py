"""The support test shared by the eval (``supported_statements``) and the LLM answer verifier.

A statement is supported by a text when most of its content words (lowercased, stopwords dropped, number words
written as digits, crude plural stripping) occur in that text: a lexical entailment proxy, not a judgement of
truth. ``normalize`` also serves the eval's whole-word answer matching.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

#: Share of a statement's content words that must occur in its cited text to count as supported.
SUPPORT_THRESHOLD = 0.8

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



_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my no nor not of off
    on once only or other our ours out over own s same she should so some such than that the their theirs
    them then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your according reported reportedly said says"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _stem(token: str) -> str:
    """Crude plural stripping so "strikes" supports "strike"."""
    return token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token


def content_words(text: str) -> list[str]:
    """Normalised, stemmed tokens without stopwords or citation markers."""
    return [_stem(t) for t in normalize(strip_markers(text)) if t not in STOPWORDS]


def support(statement: str, evidence: str | set[str]) -> float:
    """Share of the statement's content words found in the evidence (text or its content-word set).

    A statement without content words is supported by any non-empty evidence (1.0), else 0.0.
    """
    found = set(content_words(evidence)) if isinstance(evidence, str) else evidence
    words = content_words(statement)
    if not words:
        return float(bool(found))
    return sum(w in found for w in words) / len(words)


def is_supported(statement: str, evidence: str | set[str], threshold: float = SUPPORT_THRESHOLD) -> bool:
    found = set(content_words(evidence)) if isinstance(evidence, str) else evidence
    return bool(found) and support(statement, found) >= threshold
