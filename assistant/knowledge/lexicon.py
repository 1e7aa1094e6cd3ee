"""Tokens for lexical matching: stopwords out, light stemming, numbers unified, actor aliases canonicalised.

A ``Lexicon`` is built from the actor entries of the knowledge files: it says that "Daesh" and "ISIL" name one
actor, so that a question asked under one name finds reports written under another (BM25, the question analysis
and the answerer share one Lexicon). Its ``version`` changes with the aliases and the tokenizer, so an index
built with other tokens is rebuilt.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from assistant.knowledge.loader import ActorEntry, ForceRule

#: Bump when tokens() would produce different tokens for the same text.
TOKENIZER_VERSION = 1

STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from into onto about as is are was were be been being
    it its this that these those there here their them they he she his her we our you your i me my do does did
    done has have had having not no nor so than then too very can could would should may might will shall must
    what which who whom whose when where why how many much any some all each every other such own same both
    few more most also just only over under again further once up down out off above below between through
    during before after since until while per via according said says say tell told report reported reports
    according happened happen did get got give gave""".split()
)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "dozen": 12, "dozens": 24, "hundreds": 200, "thousands": 2000,
}
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-z][a-z'’\-]*[a-z]|[a-z]")
_DATE_RX = re.compile(
    r"\b(\d{1,2}\s+(january|february|march|april|may|june|july|august|september|october|november|december)"
    r"|(january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}"
    r"|(january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2}|(19|20)\d{2}"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|overnight)\b"
)


def fold(text: str) -> str:
    """Lower case without accents, so 'Raqqa' and 'Raqqā' meet."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    # the combining marks removed one distinct mark at a time (str.replace), not by a test of every character
    for mark in {c for c in set(decomposed) if not c.isascii() and unicodedata.combining(c)}:
        decomposed = decomposed.replace(mark, "")
    return decomposed.lower()


def stem(token: str) -> str:
    """Very light stemming: enough to meet plurals and possessives, never so much that names collide."""
    token = token.strip("'’-")
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def numbers_in(text: str) -> set[str]:
    """Numbers a text states, in digits (number words converted)."""
    found = {t.replace(",", "") for t in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text)}
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in NUMBER_WORDS and word not in {"one", "hundreds", "thousands", "dozens"}:
            found.add(str(NUMBER_WORDS[word]))
    return found


def has_date(text: str) -> bool:
    return bool(_DATE_RX.search(text.lower()))


def _content_tokens(text: str) -> list[str]:
    out: list[str] = []
    for raw in _TOKEN.findall(fold(text)):
        out.extend(_raw_tokens(raw))
    return out


@lru_cache(maxsize=1 << 16)
def _raw_tokens(raw: str) -> tuple[str, ...]:
    """The tokens of one raw word, worked out once per word (the same words recur in every text: a question's
    first look at its retrieved passages spent a quarter of its tokenising in ``stem`` and these tests)."""
    if raw[0].isdigit():
        return (raw.replace(",", ""),)
    if raw in NUMBER_WORDS:
        return (str(NUMBER_WORDS[raw]),)
    if raw in STOPWORDS or len(raw) < 2:
        return ()
    return tuple(stem(part) for part in (raw.split("-") if "-" in raw else [raw]) if part and part not in STOPWORDS)


#: A character trie: next character -> subtrie; the key "" marks a form ending here.
_Trie = dict[str, "_Trie"]


def _trie(forms: Iterable[str]) -> str:
    """One pattern matching exactly the longest of ``forms`` that matches at a position, as an alternation sorted
    longest first does, but factored by common prefixes (a character trie), so the engine follows one branch
    instead of trying every form at every position (3x faster over the wiki and FA-KES texts, same matches).
    Longest first holds because a node's branches start with different characters (one at most can match) and a
    form ending inside another is an optional tail, tried after the longer continuation."""
    root: _Trie = {}
    for form in forms:
        node = root
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: _Trie) -> str:
        alts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})"
        if "" in node:  # a form ends here: the longer ones first, then this one
            return f"(?:{body})?" if len(alts) == 1 else f"{body}?"
        return body

    return pattern(root)


def _alternation(forms: Iterable[str]) -> str:
    return "|".join(map(re.escape, sorted(forms, key=lambda f: (-len(f), f))))


def _force_patterns(rule: ForceRule) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str] | None]:
    """(head + force noun, head at a position, a ``not_after`` word ending right before a position)."""
    heads = _alternation(rule.heads)
    modifiers = rf"(?:\s+(?:{_alternation(rule.modifiers)}))?" if rule.modifiers else ""
    full = re.compile(rf"(?<![\w-])(?:{heads})(?:['’]s)?{modifiers}\s+(?:{_alternation(rule.nouns)})(?![\w-])")
    head = re.compile(rf"(?:{heads})(?![\w-])")
    not_after = re.compile(rf"(?<![\w-])(?:{_alternation(rule.not_after)})\s+$") if rule.not_after else None
    return full, head, not_after


#: Texts (at most this long) whose tokens a Lexicon remembers, and how many before it forgets them all.
_MEMO_CHARS = 4000
_MEMO_SIZE = 8192


class Lexicon:
    """Tokenizer plus actor matching under any alias, built from actor entries."""

    def __init__(self, actors: Iterable[ActorEntry]) -> None:
        self.actors = list(actors)
        # One alternation of every alias, longest first: at each position the longest alias wins, so 'free syrian
        # army' is the FSA and never the SAA's 'syrian army' inside it (an alias two actors share: the first's).
        self._canon: dict[str, str] = {}
        for a in self.actors:
            for form in a.aliases:
                self._canon.setdefault(form, f"actor_{a.id}")
        forms = sorted(self._canon, key=lambda f: (-len(f), f))
        self._aliases = re.compile(rf"(?<![\w-])(?:{_trie(forms)})(?![\w-])") if forms else None
        # (token, pattern, the form every match holds: a substring test spares the search where it is absent)
        self._exact = [
            (f"actor_{a.id}", re.compile(r"(?<![\w-])" + re.escape(form) + r"\b"), form) for a in self.actors
            for form in a.case_sensitive
        ]
        # Force rules: 'government' / 'regime' name the army only with a force noun after them; with the heads,
        # one of which both patterns need.
        self._forces = [(f"actor_{a.id}", *_force_patterns(a.forces), list(a.forces.heads))
                        for a in self.actors if a.forces]
        key = repr((TOKENIZER_VERSION, [(f, self._canon[f]) for f in forms],
                    [(c, p.pattern) for c, p, _ in self._exact],
                    [(c, p.pattern, h.pattern, n.pattern if n else None) for c, p, h, n, _ in self._forces]))
        self.version = hashlib.sha256(key.encode()).hexdigest()[:16]
        self._token_memo: dict[tuple[str, bool], tuple[str, ...]] = {}

    def actor_spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical token) of every actor mention in ``text``, in order; the longest alias wins."""
        folded = fold(text)
        if len(folded) != len(text):  # accents folded away: keep offsets aligned with the original
            folded = text.lower()
        spans = [(m.start(), m.end(), self._canon[m[0]]) for m in self._aliases.finditer(folded)] \
            if self._aliases is not None else []
        if self._forces:
            spans = self._force_spans(folded, spans)
        for canon, pattern, form in self._exact:
            if form not in text:
                continue
            for m in pattern.finditer(text):
                if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                    spans.append((m.start(), m.end(), canon))
        return sorted(spans)

    def _force_spans(self, folded: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """``spans`` with the force rules applied: a head plus a force noun is the actor (the longest match wins
        where it overlaps an alias); an alias beginning with a head is dropped after a ``not_after`` word."""
        for canon, pattern, head, not_after, heads in self._forces:
            if not any(h in folded for h in heads):
                continue
            if not_after is not None:
                spans = [s for s in spans if not (s[2] == canon and head.match(folded, s[0])
                                                  and not_after.search(folded, 0, s[0]))]
            for m in pattern.finditer(folded):
                if not_after is not None and not_after.search(folded, 0, m.start()):
                    continue
                inside = [s for s in spans if s[0] < m.end() and m.start() < s[1]]
                if all(m.start() <= s[0] and s[1] <= m.end() and (s[1] - s[0]) < m.end() - m.start()
                       for s in inside):
                    spans = [s for s in spans if s not in inside] + [(m.start(), m.end(), canon)]
        return sorted(spans)

    def actors_in(self, text: str) -> set[str]:
        """Canonical actor tokens mentioned in a text (under any alias)."""
        if self._forces:
            return {canon for _, _, canon in self.actor_spans(text)}
        found: set[str] = set()
        if self._aliases is not None:
            found.update(self._canon[m] for m in self._aliases.findall(fold(text)))
        found.update(canon for canon, pattern, form in self._exact if form in text and pattern.search(text))
        return found

    def mask_actors(self, text: str) -> tuple[str, set[str]]:
        """The text with every actor alias blanked out, and the canonical actors found (for matching by actor)."""
        chars = list(text)
        spans = self.actor_spans(text)
        for start, end, _ in spans:
            chars[start:end] = " " * (end - start)
        return "".join(chars), {canon for _, _, canon in spans}

    def tokens(self, text: str, with_actors: bool = True) -> list[str]:
        """Index/query tokens: stemmed content words, numbers without separators, plus canonical actor tokens.

        Remembered for the last few thousand short texts: answering reads the same sentences several times
        (scoring, the evidence check's names and attributes)."""
        key = (text, with_actors)
        found = self._token_memo.get(key)
        if found is None:
            out = _content_tokens(text)
            if with_actors:
                out.extend(sorted(self.actors_in(text)))
            found = tuple(out)
            if len(text) <= _MEMO_CHARS:
                if len(self._token_memo) >= _MEMO_SIZE:
                    self._token_memo.clear()
                self._token_memo[key] = found
        return list(found)
