"""The lexical side of hybrid search: BM25 over postings kept in the documents database, updated per passage.

Each passage's tokens (stemmed content words, numbers, canonical actor tokens: aliases already expanded by the
Lexicon) are written as postings (term, passage, term frequency) and a length row in the same transaction as
the passage, and a trigger deletes them with it, so adding or replacing one document costs time proportional
to that document (the old bm25s index was rebuilt for the whole corpus on every change). Scoring is the same
Lucene BM25 bm25s computed (k1 1.5, b 0.75, idf ``log(1 + (N - df + 0.5) / (df + 0.5))``), in one SQL query
over the query's terms; the answerer's idf weights come from the same document frequencies. When the Lexicon
version (aliases, tokenizer) differs from the one the postings were written with, they are refilled once.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable

from assistant.index.documents import DocumentStore
from assistant.knowledge import Lexicon

K1 = 1.5
B = 0.75

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lexical_postings (
    term TEXT NOT NULL, pid INTEGER NOT NULL, tf INTEGER NOT NULL, PRIMARY KEY (term, pid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lexical_postings_pid ON lexical_postings(pid);
CREATE TABLE IF NOT EXISTS lexical_lengths (pid INTEGER PRIMARY KEY, len INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS lexical_delete AFTER DELETE ON passages BEGIN
    DELETE FROM lexical_postings WHERE pid = old.rowid;
    DELETE FROM lexical_lengths WHERE pid = old.rowid;
END;
"""


class LexicalIndex:
    """BM25 postings of one document store: written with each passage, searched in SQL."""

    def __init__(self, docs: DocumentStore, lexicon: Lexicon) -> None:
        self.docs = docs
        self.lexicon = lexicon
        self._ready = False
        self._stats: tuple[int, int, float] | None = None  # (generation, passages, average length)
        self._lock = threading.RLock()

    def encode(self, text: str) -> list[str]:
        """The tokens a passage is indexed under."""
        return self.lexicon.tokens(text)

    def ensure(self) -> int:
        """Create the tables, or refill them when the Lexicon changed; returns the passages (re)indexed."""
        with self._lock:
            if self._ready:
                return 0
            db = self.docs.db
            with self.docs.lock:
                db.executescript(_SCHEMA)
            with self.docs.lock, db:
                row = db.execute("SELECT value FROM meta WHERE key = 'lexical_version'").fetchone()
                filled = db.execute("SELECT COUNT(*) FROM lexical_lengths").fetchone()[0]
                passages = db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
                count = 0
                if (row[0] if row else None) != self.lexicon.version or filled != passages:
                    db.execute("DELETE FROM lexical_postings")
                    db.execute("DELETE FROM lexical_lengths")
                    for rowid, text in db.execute("SELECT rowid, text FROM passages").fetchall():
                        self.docs.write_postings(rowid, self.encode(text))
                        count += 1
                    db.execute("INSERT INTO meta VALUES ('lexical_version', ?) "
                               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (self.lexicon.version,))
            self._ready = True
            return count

    def reset(self) -> None:
        self._ready = False
        self._stats = None

    def _corpus(self) -> tuple[int, float]:
        """(passages, average length), cached per generation."""
        generation = self.docs.generation()
        if self._stats is None or self._stats[0] != generation:
            n, total = self.docs.db.execute("SELECT COUNT(*), COALESCE(SUM(len), 0) FROM lexical_lengths").fetchone()
            self._stats = (generation, int(n), total / n if n else 1.0)
        return self._stats[1], self._stats[2]

    def _df(self, terms: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        return dict(self.docs.db.execute(
            f"SELECT term, COUNT(*) FROM lexical_postings WHERE term IN ({marks}) GROUP BY term", wanted))

    @staticmethod
    def _idf(n: int, df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def search(self, query_tokens: Iterable[str], n: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(passage id, BM25 score) best first; only ids in ``allowed`` when given."""
        self.ensure()
        counts = Counter(query_tokens)
        df = self._df(counts)
        if not df:
            return []
        total, avgdl = self._corpus()
        weights = [(t, self._idf(total, df[t]) * counts[t]) for t in df]
        values = ",".join("(?, ?)" for _ in weights)
        scores = ("SELECT p.pid, SUM(q.w * p.tf / (p.tf + ? * (? + ? * l.len / ?))) AS s FROM q "
                  "JOIN lexical_postings p ON p.term = q.term JOIN lexical_lengths l ON l.pid = p.pid "
                  "GROUP BY p.pid ORDER BY s DESC")
        args = (*(x for pair in weights for x in pair), K1, 1 - B, B, avgdl)
        if allowed is None:  # ids looked up for the top n only
            top = (f"WITH q(term, w) AS (VALUES {values}), top AS ({scores} LIMIT ?) SELECT ps.passage_id, top.s "
                   f"FROM top JOIN passages ps ON ps.rowid = top.pid ORDER BY top.s DESC")
            return [(pid, float(s)) for pid, s in self.docs.db.execute(top, (*args, n)) if s > 0]
        sql = (f"WITH q(term, w) AS (VALUES {values}), scored AS ({scores}) SELECT ps.passage_id, scored.s "
               f"FROM scored JOIN passages ps ON ps.rowid = scored.pid ORDER BY scored.s DESC")
        out: list[tuple[str, float]] = []
        for pid, score in self.docs.db.execute(sql, args):
            if pid in allowed and score > 0:
                out.append((pid, float(score)))
                if len(out) >= n:
                    break
        return out

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """Inverse passage frequency of tokens (smoothed), for weighting lexical overlap in answers."""
        self.ensure()
        wanted = list(terms)
        df = self._df(wanted)
        total, _ = self._corpus()
        return {t: self._idf(total, df.get(t, 0)) for t in wanted}
