"""Regex search over every stored passage's folded text, narrowed by a literal the pattern requires.

``passages_matching`` (the control timeline's and incident records' way to find every passage naming a place or
an actor's event heads) used to read every passage from SQLite, fold it and run the regex on it: a full scan
per question, 0.3-0.6 s at 6k passages and linear beyond. Here the folded texts are read once per index
generation into one UTF-8 buffer, and a pattern is first narrowed to the passages containing a literal every
match must contain (drawn from the compiled pattern itself: ``required_literals``), then confirmed with the
pattern on each candidate's folded text. The result is exactly the scan's: the literal is a necessary condition
of a match, never a tokenisation of it; a pattern with no such literal is run on every passage.

Case-insensitive patterns: a literal is taken only from ASCII characters and searched lower-cased in the folded
(lower-cased) text; the few non-ASCII characters ``re.IGNORECASE`` equates with ASCII ones (dotless i, long s,
the Kelvin sign, dotted capital I) put their passages among the candidates whatever the literal.
"""

from __future__ import annotations

import bisect
import re
import threading
from array import array
from collections.abc import Callable, Iterable
from typing import Any

from assistant.knowledge.lexicon import fold

#: Non-ASCII characters that ``re.IGNORECASE`` matches against ASCII ones (tests/…/test_textscan.py checks the
#: whole Unicode range against this set).
ICASE_ASCII_TWINS = "\u0130\u0131\u017f\u212a"
_TWINS = re.compile(f"[{ICASE_ASCII_TWINS}]")
_SEP = b"\x00"


def required_literals(pattern: re.Pattern[str]) -> tuple[list[str], bool] | None:
    """Strings at least one of which occurs in the text of every match of ``pattern``, and whether they are to
    be searched case-insensitively (lower-cased, ASCII only); None when no such literal is found."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser as p  # type: ignore[attr-defined]

        parsed = p.parse(pattern.pattern, pattern.flags)
    except Exception:  # another Python's internals: no narrowing, the full scan
        return None
    icase = bool(pattern.flags & re.IGNORECASE)
    found = _required(list(parsed), c, icase)
    if not found or any(not s for s in found):
        return None
    return ([s.lower() for s in found] if icase else found), icase


def _required(items: list[tuple[Any, Any]], c: Any, icase: bool) -> list[str] | None:
    """The best requirement (alternatives, one of which every match contains) of a parsed sequence."""
    options: list[list[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            text = "".join(run)
            parts = re.findall(r"[\x00-\x7f]+", text) if icase else [text]
            if parts:
                options.append([max(parts, key=len)])
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        close()
        sub: list[str] | None = None
        if op is c.SUBPATTERN:
            _group, add, remove, body = av
            if not add and not remove:
                sub = _required(list(body), c, icase)
        elif op is c.BRANCH:
            branches = [_required(list(b), c, icase) for b in av[1]]
            if all(branches):
                sub = [s for b in branches if b for s in b]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            sub = _required(list(av[2]), c, icase)
        elif op is getattr(c, "ATOMIC_GROUP", None):
            sub = _required(list(av), c, icase)
        if sub:
            options.append(sub)
    close()
    if not options:
        return None
    return max(options, key=lambda alts: (min(len(s) for s in alts), -len(alts)))


class FoldedTexts:
    """Every passage's folded text in one buffer, refreshed when the store's generation changes."""

    def __init__(self, rows: Callable[[], Iterable[tuple[str, str]]], generation: Callable[[], int]) -> None:
        self._rows = rows
        self._generation = generation
        self._lock = threading.Lock()
        self._state: tuple[int, list[str], bytearray, array[int], list[int]] | None = None

    def _load(self) -> tuple[list[str], bytearray, array[int], list[int]]:
        generation = self._generation()
        with self._lock:
            if self._state is None or self._state[0] != generation:
                ids: list[str] = []
                blob = bytearray()  # grown in place: a list of chunks joined at the end held the texts twice
                starts = array("q")
                twins: list[int] = []
                for pid, text in self._rows():
                    folded = fold(text)
                    if not folded.isascii() and _TWINS.search(folded):
                        twins.append(len(ids))
                    ids.append(pid)
                    starts.append(len(blob))
                    blob += folded.encode("utf-8", "surrogatepass")
                    blob += _SEP
                starts.append(len(blob))
                self._state = (generation, ids, blob, starts, twins)
            return self._state[1:]

    def matching(self, pattern: re.Pattern[str]) -> list[str]:
        """Ids (in stored order) of the passages whose folded text ``pattern`` searches successfully."""
        ids, blob, starts, twins = self._load()
        literals = required_literals(pattern)
        if literals is None:
            candidates: Iterable[int] = range(len(ids))
        else:
            found: set[int] = set(twins) if literals[1] else set()
            for literal in literals[0]:
                needle = literal.encode("utf-8", "surrogatepass")
                at = blob.find(needle)
                while at >= 0:
                    i = bisect.bisect_right(starts, at) - 1
                    found.add(i)
                    at = blob.find(needle, starts[i + 1])
            candidates = sorted(found)
        out = []
        for i in candidates:
            text = blob[starts[i]:starts[i + 1] - 1].decode("utf-8", "surrogatepass")
            if pattern.search(text):
                out.append(ids[i])
        return out

    def ids(self) -> list[str]:
        """Every passage id, in stored order."""
        return list(self._load()[0])
