"""The lexical side of hybrid search: SQLite FTS5 over the Lexicon's tokens, in the documents database.

Each passage's tokens (stemmed content words, numbers, canonical actor tokens: aliases already expanded by the
Lexicon) are written to the ``passages_fts`` table in the same transaction as the passage, and a trigger
deletes them with it, so adding or replacing one document costs time proportional to that document (the old
bm25s index was rebuilt for the whole corpus on every change). Ranking is FTS5's ``bm25()``; the answerer's
idf weights come from the ``fts5vocab`` document frequencies. When the Lexicon version (aliases, tokenizer)
differs from the one the table was filled with, it is refilled once from the stored passages.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable

import numpy as np

from assistant.index.documents import DocumentStore
from assistant.knowledge import Lexicon

_PLAIN = re.compile(r"[a-z0-9]+")

_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0');
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts_vocab USING fts5vocab(passages_fts, 'row');
CREATE TRIGGER IF NOT EXISTS passages_fts_delete AFTER DELETE ON passages BEGIN
    DELETE FROM passages_fts WHERE rowid = old.rowid;
END;
"""


def term(token: str) -> str:
    """A Lexicon token as one FTS5 term: plain ``[a-z0-9]+`` tokens as they are, others (``actor_isis``,
    accented words) hex-encoded so the FTS tokenizer never splits or folds them."""
    return token if _PLAIN.fullmatch(token) else "zz" + token.encode().hex()


class LexicalIndex:
    """FTS5 table of one document store: written with each passage, searched with BM25."""

    def __init__(self, docs: DocumentStore, lexicon: Lexicon) -> None:
        self.docs = docs
        self.lexicon = lexicon
        self._ready = False
        self._lock = threading.RLock()

    def encode(self, text: str) -> str:
        """The FTS5 row of a passage text."""
        return " ".join(term(t) for t in self.lexicon.tokens(text))

    def ensure(self) -> int:
        """Create the table, or refill it when the Lexicon changed; returns the passages (re)indexed."""
        with self._lock:
            if self._ready:
                return 0
            db = self.docs.db
            with self.docs.lock:
                db.executescript(_SCHEMA)
            with self.docs.lock, db:
                row = db.execute("SELECT value FROM meta WHERE key = 'lexical_version'").fetchone()
                filled = db.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0]
                passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
                refill = (row[0] if row else None) != self.lexicon.version or filled != passages
                count = 0
                if refill:
                    db.execute("DELETE FROM passages_fts")
                    rows = db.execute("SELECT rowid, text FROM passages").fetchall()
                    db.executemany("INSERT INTO passages_fts (rowid, tokens) VALUES (?, ?)",
                                   ((rowid, self.encode(text)) for rowid, text in rows))
                    db.execute("INSERT INTO meta VALUES ('lexical_version', ?) "
                               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (self.lexicon.version,))
                    count = len(rows)
            self._ready = True
            return count

    def reset(self) -> None:
        self._ready = False

    def search(self, query_tokens: Iterable[str], n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(passage id, BM25 score) best first; only ids in ``allowed`` when given."""
        self.ensure()
        terms = sorted({term(t) for t in query_tokens})
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        sql = ("SELECT p.passage_id, -bm25(passages_fts) FROM passages_fts JOIN passages p "
               "ON p.rowid = passages_fts.rowid WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts)")
        if allowed is None:
            return [(pid, float(s)) for pid, s in self.docs.db.execute(sql + " LIMIT ?", (match, n))]
        out: list[tuple[str, float]] = []
        for pid, score in self.docs.db.execute(sql, (match,)):
            if pid in allowed:
                out.append((pid, float(score)))
                if len(out) >= n:
                    break
        return out

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """Inverse passage frequency of tokens (smoothed), for weighting lexical overlap in answers."""
        self.ensure()
        wanted = list(terms)
        if not wanted:
            return {}
        coded = {t: term(t) for t in wanted}
        marks = ",".join("?" * len(coded))
        try:
            rows = self.docs.db.execute(f"SELECT term, doc FROM passages_fts_vocab WHERE term IN ({marks})",
                                        list(set(coded.values()))).fetchall()
        except sqlite3.OperationalError:
            rows = []
        df = dict(rows)
        n = self.docs.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return {t: float(np.log(1 + (n - df.get(c, 0) + 0.5) / (df.get(c, 0) + 0.5))) for t, c in coded.items()}
