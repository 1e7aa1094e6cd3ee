"""Who a sentence attributes what it says to: 'according to X', 'X said', "X's spokesman", 'state media'.

X is kept as written: a named entity (NER or actor alias) where one stands next to the cue, else the noun phrase
of a few tokens read without a parser (reports without commas, such as FA-KES, are handled by starting the
phrase at its article: 'materials the reporter said' -> 'the reporter').
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.knowledge.spans import (
    NOT_NAMES,
    NUMERIC_LABELS,
    PHRASE,
    PLACE_LABELS,
    Ent,
    Tok,
    is_punct,
    overlaps,
    plain,
    strip_possessive,
    unique,
)

_NP_STOP = frozenset({"that", "which", "who", "whom", "whose", "and", "but", "while", "when", "as", "after", "before",
                      "because", "since", "following", "if", "where", "also", "had", "has", "have", "was", "were",
                      "is", "are", "be", "been", "being", "in", "on", "with", "to", "from", "at", "by", "into",
                      "against", "near"})
_DETERMINERS = frozenset({"the", "a", "an"})
_LOCATIVE = frozenset({"in", "on", "at", "from", "near"})
_PRONOUNS = frozenset({"it", "he", "she", "they", "we", "i", "you", "this", "which", "who", "that", "one", "there"})
_VERB_SKIP = frozenset({"also", "later", "earlier", "previously", "had", "has", "have", "separately", "further",
                        "then", "reportedly", "recently", "last", "will", "would", "could", "may", "might", "did",
                        "not"})
_SPOKESMAN = re.compile(rf"(?:(?<=\s)|^)(?:[Tt]he\s+)?({PHRASE})['’]s\s+(?:\w+\s+){{0,2}}spokes(?:man|woman|person)\b"
                        rf"|\bspokes(?:man|woman|person)\s+for\s+(?:the\s+)?({PHRASE})")
_BY = re.compile(rf"\b(?:reported|quoted|cited|published|broadcast|aired|announced|claimed) by\s+"
                 rf"((?:the\s+)?{PHRASE})")


class SourceFinder:
    """Finds attributed sources with the knowledge file's verbs of saying and source phrases."""

    def __init__(self, verbs: Iterable[str], phrases: Iterable[str], not_speakers: Iterable[str] = ()) -> None:
        self._verbs = frozenset(verbs)
        self._not_speakers = frozenset(not_speakers)
        alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        self._phrases = re.compile(rf"\b(?:{alternatives})\b", re.I) if alternatives else None

    def find(self, text: str, tokens: list[Tok], ents: list[Ent], actors: list[tuple[int, int]],
             dates: list[tuple[int, int]]) -> list[str]:
        """Who the sentence attributes its content to: 'according to X', 'X said', "X's spokesman", 'state media'."""
        spans = {(s, e): label for s, e, label in ents if label not in NUMERIC_LABELS}
        spans.update({span: "ACTOR" for span in actors})
        phrases = list(self._phrases.finditer(text)) if self._phrases is not None else []
        spans.update({m.span(): "SOURCE" for m in phrases})
        out: list[tuple[int, str]] = [(m.start(), m[0]) for m in phrases]

        def named(s: int, e: int) -> str:
            return text[s - 4:e] if s >= 4 and text[s - 4:s].lower() == "the " else text[s:e]

        low = text.lower()
        for m in re.finditer(r"\baccording to\s+", low):
            at = m.end()
            span = next(((s, e) for s, e in spans if s == at or (s == at + 4 and low[at:at + 4] == "the ")), None)
            phrase = named(*span) if span else _np_after(text, [t for t in tokens if t[0] >= at], dates)
            if phrase:
                out.append((at, phrase))
        for i, (s, _, word) in enumerate(tokens):
            if word.lower() not in self._verbs:
                continue
            j = i - 1
            while j >= 0 and tokens[j][2].lower() in _VERB_SKIP:
                j -= 1
            if j > 0 and tokens[j][2] == ")":  # 'the Office (HCO-NES) said': skip the parenthesis
                opening = next((k for k in range(j - 1, -1, -1) if tokens[k][2] == "("), None)
                j = opening - 1 if opening is not None else j
            if j >= 0 and not is_punct(tokens[j][2]):
                stop = tokens[j][1]
                span = next(((a, b) for (a, b), label in spans.items() if b == stop and label not in PLACE_LABELS),
                            None)  # 'in Hama province said': a place before the verb is rarely who speaks
                phrase = named(*span) if span else _np_before(text, tokens, j, dates)
                if phrase is not None and plain(tokens[j][2]) in self._not_speakers:
                    phrase = None  # 'some early reports circulated': a noun, not a verb of saying
            else:
                phrase = None
                if j > 0 and tokens[j][2] == ",":  # 'Bali, an SDF spokesman, said'
                    phrase = _np_before(text, tokens, j - 1, dates)
                if phrase is None:  # '"...", said the SDF': the source follows the verb
                    span = next(((a, b) for a, b in spans if a == tokens[i][1] + 1), None)
                    phrase = named(*span) if span else _np_after(text, tokens[i + 1:], dates)
            if phrase:
                out.append((s, phrase))
        for m in _SPOKESMAN.finditer(text):
            out.append((m.start(), m[1] or m[2]))
        for m in _BY.finditer(text):
            out.append((m.start(1), m[1]))
        return unique(strip_possessive(p) for _, p in sorted(out))


def _collect_before(tokens: list[Tok], last: int, avoid: list[tuple[int, int]]) -> tuple[list[Tok], int]:
    """Tokens of a phrase ending at ``last``, walking back to punctuation or a clause word; and where it stopped."""
    taken: list[Tok] = []
    k = last
    while k >= 0:
        word = tokens[k][2]
        if is_punct(word) or plain(word) in _NP_STOP or overlaps(tokens[k][0], tokens[k][1], avoid):
            break
        if len(taken) >= 6 and not (word[:1].isupper() and taken[-1][2][:1].isupper()) or len(taken) == 10:
            break  # six tokens, or up to ten to finish a name
        taken.append(tokens[k])
        k -= 1
    taken.reverse()
    return taken, k


def _np_before(text: str, tokens: list[Tok], last: int, avoid: list[tuple[int, int]]) -> str | None:
    """The subject before a verb of saying: 'materials the reporter said' (no commas) starts at its article;
    'White Helmets in the Hama province said' is the phrase before the place."""
    taken, k = _collect_before(tokens, last, avoid)
    det = _head_determiner(taken)
    if taken and k > 0 and tokens[k][2].lower() in _LOCATIVE and det in (0, None):
        head, _ = _collect_before(tokens, k - 1, avoid)
        while head and head[-1][2].lower().endswith(("ed", "ing")):
            head.pop()  # 'Two officials speaking on condition of anonymity told': 'Two officials'
        if head:
            taken = head
            det = _head_determiner(taken)
    return _phrase(text, taken[det or 0:])


def _head_determiner(taken: list[Tok]) -> int | None:
    """Where the speaker's phrase starts: its last article not inside a prepositional phrase ('during the
    airstrikes the same source said': 'the same source'; 'the head of the local council said': 'the head ...')."""
    dets = [i for i, tok in enumerate(taken) if tok[2].lower() in _DETERMINERS]
    free = [i for i in dets if i == 0 or taken[i - 1][2].lower() not in _OF_LIKE]
    return free[-1] if free else (dets[0] if dets else None)


_OF_LIKE = frozenset({"of", "for", "in", "on", "at", "from", "near", "with", "by", "to", "and"})


def _np_after(text: str, tokens: list[Tok], avoid: list[tuple[int, int]]) -> str | None:
    """Up to six tokens after 'according to' or an inverted 'said', stopping at punctuation and clause words."""
    taken: list[Tok] = []
    for tok in tokens:
        word = tok[2]
        if is_punct(word) or plain(word) in _NP_STOP or overlaps(tok[0], tok[1], avoid):
            break
        if len(taken) >= 6 and not (word[:1].isupper() and taken[-1][2][:1].isupper()) or len(taken) == 10:
            break
        taken.append(tok)
    return _phrase(text, taken)


def _phrase(text: str, taken: list[Tok]) -> str | None:
    if not taken or (len(taken) == 1 and plain(taken[0][2]) in _PRONOUNS):
        return None
    phrase = text[taken[0][0]:taken[-1][1]]
    if not any(c.isalpha() for c in phrase) or taken[0][2].lower() in NOT_NAMES - _DETERMINERS:
        return None
    return phrase
