"""Snowball (Porter2) stems, shared by the answerer's overlap and the evidence check.

A snowballstemmer object keeps its word in instance state, so one object used by two threads at once (the chat
serves concurrent questions) garbles stems or raises; each thread gets its own.
"""

from __future__ import annotations

import functools
import threading

import snowballstemmer

_LOCAL = threading.local()


@functools.lru_cache(maxsize=100_000)
def stem(token: str) -> str:
    """Stem of a plain word; actor, date and outcome marks ('actor_sdf', 'date:...') stay as they are."""
    if not token.isalpha():
        return token
    stemmer = getattr(_LOCAL, "stemmer", None)
    if stemmer is None:
        stemmer = _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return str(stemmer.stemWord(token))
