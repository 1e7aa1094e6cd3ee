"""The lexical side of hybrid search: a bm25s index over the Lexicon's tokens, persisted beside SQLite.

The saved state records the SQLite generation and the Lexicon version it was built from; when either differs
(documents changed, or the alias list / tokenizer changed) it is rebuilt, so a stale index is never used.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.knowledge import Lexicon


@dataclass(frozen=True)
class Bm25State:
    """One built BM25 index and the statistics the answerer's idf weights come from."""

    generation: int
    version: str
    model: Any | None
    ids: list[str] = field(default_factory=list)
    df: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


class LexicalIndex:
    """Loads, builds and searches the BM25 state in ``folder``."""

    def __init__(self, folder: Path, lexicon: Lexicon) -> None:
        self.folder = folder
        self.lexicon = lexicon
        self._state: Bm25State | None = None
        self._lock = threading.RLock()

    def state(self, generation: int, rows: Callable[[], list[tuple[str, str]]]) -> Bm25State:
        """The index for this generation: cached, else loaded from disk, else built from ``rows()``."""
        with self._lock:
            if self._state is None or self._state.generation != generation:
                self._state = self._load(generation) or self._build(generation, rows())
            return self._state

    def reset(self) -> None:
        self._state = None

    def search(self, state: Bm25State, query_tokens: Iterable[str], n: int,
               allowed: set[str] | None = None) -> list[tuple[str, float]]:
        if state.model is None:
            return []
        known = [t for t in query_tokens if t in state.model.vocab_dict]
        if not known:
            return []
        scores = state.model.get_scores(known)
        if allowed is not None:
            scores = np.where(np.fromiter((i in allowed for i in state.ids), bool, state.n), scores, 0.0)
        top = np.argsort(-scores)[:n]
        return [(state.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    @staticmethod
    def idf(state: Bm25State, terms: Iterable[str]) -> dict[str, float]:
        """Inverse passage frequency of tokens (smoothed), for weighting lexical overlap in answers."""
        df, n = state.df, state.n
        return {t: float(np.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5))) for t in terms}

    def _load(self, generation: int) -> Bm25State | None:
        try:
            saved = json.loads((self.folder / "state.json").read_text())
        except (OSError, ValueError):
            return None
        if saved.get("generation") != generation or saved.get("version") != self.lexicon.version:
            return None
        if not saved["ids"]:
            return Bm25State(generation, self.lexicon.version, None)
        import bm25s

        model = bm25s.BM25.load(str(self.folder), load_corpus=False, show_progress=False)
        return Bm25State(generation, self.lexicon.version, model, saved["ids"], saved["df"])

    def _build(self, generation: int, rows: list[tuple[str, str]]) -> Bm25State:
        import bm25s

        ids = [r[0] for r in rows]
        corpus = [self.lexicon.tokens(r[1]) or ["_empty_"] for r in rows]
        df: Counter[str] = Counter()
        for toks in corpus:
            df.update(set(toks))
        model = None
        self.folder.mkdir(parents=True, exist_ok=True)
        if ids:
            model = bm25s.BM25()
            model.index(corpus, show_progress=False)
            model.save(str(self.folder), show_progress=False)
        tmp = self.folder / "state.json.tmp"
        tmp.write_text(json.dumps({"generation": generation, "version": self.lexicon.version, "ids": ids,
                                   "df": df}))
        tmp.replace(self.folder / "state.json")
        return Bm25State(generation, self.lexicon.version, model, ids, dict(df))
