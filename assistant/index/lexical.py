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

import itertools
import math
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np

from assistant.index.documents import DocumentStore
from assistant.knowledge import Lexicon

K1 = 1.5
B = 0.75
#: Pruning margins of the top-n search: a passage is dropped only when its bound is below the n-th best score by
#: more than float rounding can account for.
_SAFE = 1 - 1e-9
_EPS = 1e-12
#: Terms whose passage frequency is kept between questions (per index generation).
_DF_CACHE = 100_000
#: A common term met for the first time is looked up for the candidates when it has more than this many postings
#: per candidate, the first ``_LOOKUPS`` times (then read whole, and kept: reading 100k postings costs ~0.1 s).
_LOOKUP_RATIO = 4
_LOOKUPS = 2
#: Postings (entries) of the query terms kept in memory between questions (per index generation); a term is read
#: whole from SQLite once, then each question scores from the arrays.
_POSTINGS_CACHE = 6_000_000
#: Bits of a packed posting (``pid << _TF_BITS | tf``) that hold the term frequency (see ``_whole``).
_TF_BITS = 24
#: A term in at least this many passages has its postings kept as one packed blob (``pack``): a process's first
#: read of a term in 35k passages took 16 ms as rows (SQLite's string of numbers, parsed and sorted) and under
#: 1 ms as a blob (at 200k passages, 1,684 terms, 8.6M postings, 69 MB).
PACK_MIN = 1000
#: A pack is written again once the term's postings differ from it in more than this share of its entries.
_PACK_STALE = 0.25
#: Deleted passages the packs remember (``lexical_gone``: a read drops them from a pack and reads those rowids'
#: postings again, as SQLite may give a rowid to a new passage): past this many, or a fiftieth of the passages,
#: ``pack`` writes every pack again and forgets them, so a read never filters more (amortised: once per that
#: many deletions).
_GONE_MIN = 1000
#: A term's postings as packed numbers, read in one statement (one snapshot): its pack, the rowids deleted since
#: packs were kept, and the postings the pack does not hold (rowids after it, and rowids deleted and given again).
_UPTO = "(SELECT upto FROM lexical_packs WHERE term = :t)"
_READ = (
    "SELECT (SELECT data FROM lexical_packs WHERE term = :t), "
    f"(SELECT group_concat(pid) FROM lexical_gone WHERE pid <= {_UPTO}), "
    f"(SELECT group_concat(pid * {1 << _TF_BITS} + tf) FROM lexical_postings WHERE term = :t "
    f"AND pid > COALESCE({_UPTO}, -1)), "
    f"(SELECT group_concat(p.pid * {1 << _TF_BITS} + p.tf) FROM lexical_gone g CROSS JOIN lexical_postings p "
    f"ON p.term = :t AND p.pid = g.pid WHERE g.pid <= {_UPTO})")  # CROSS JOIN: from the few rowids deleted
#: BM25 of each passage over the query terms ``q(term, w)`` (the same expression for the scan and the top n).
_SCORES = ("SELECT p.pid, SUM(q.w * p.tf / (p.tf + ? * (? + ? * l.len / ?))) AS s FROM q "
           "JOIN lexical_postings p ON p.term = q.term JOIN lexical_lengths l ON l.pid = p.pid "
           "GROUP BY p.pid")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lexical_postings (
    term TEXT NOT NULL, pid INTEGER NOT NULL, tf INTEGER NOT NULL, PRIMARY KEY (term, pid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lexical_postings_pid ON lexical_postings(pid);
CREATE TABLE IF NOT EXISTS lexical_lengths (pid INTEGER PRIMARY KEY, len INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS lexical_delete AFTER DELETE ON passages BEGIN
    DELETE FROM lexical_postings WHERE pid = old.rowid;
    DELETE FROM lexical_lengths WHERE pid = old.rowid;
END;
CREATE TABLE IF NOT EXISTS lexical_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lexical_packs (
    term TEXT PRIMARY KEY, upto INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS lexical_gone (pid INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS lexical_gone_add AFTER DELETE ON passages WHEN EXISTS (SELECT 1 FROM lexical_packs)
BEGIN
    INSERT OR IGNORE INTO lexical_gone VALUES (old.rowid);
END;
"""
#: Each term's passage frequency, kept by the postings' own writes (a trigger per posting: adding or removing a
#: passage updates its terms' rows), so a question reads it in one indexed lookup per term instead of counting
#: the postings (60% of BM25's time at 200k passages). Created once the table is filled (``ensure``).
_DF_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS lexical_df_add AFTER INSERT ON lexical_postings BEGIN "
    "INSERT INTO lexical_df VALUES (new.term, 1) ON CONFLICT(term) DO UPDATE SET df = df + 1; END",
    "CREATE TRIGGER IF NOT EXISTS lexical_df_drop AFTER DELETE ON lexical_postings BEGIN "
    "UPDATE lexical_df SET df = df - 1 WHERE term = old.term; END",
)


class LexicalIndex:
    """BM25 postings of one document store: written with each passage, searched in SQL."""

    def __init__(self, docs: DocumentStore, lexicon: Lexicon) -> None:
        self.docs = docs
        self.lexicon = lexicon
        self._ready = False
        self._stats: tuple[int, int, float] | None = None  # (generation, passages, average length)
        self._length_cache: tuple[int, np.ndarray] | None = None  # (generation, length by rowid)
        self._df_cache: tuple[int, dict[str, int]] = (-1, {})  # (generation, term -> passage frequency)
        self._met: Counter[str] = Counter()  # how often a top-n search asked for a term in this generation
        # (generation, term -> (pids ascending, tfs), entries held)
        self._postings_cache: tuple[int, dict[str, tuple[np.ndarray, np.ndarray]], int] = (-1, {}, 0)
        self._packed: tuple[int, frozenset[str]] = (-1, frozenset())  # (generation, terms kept as packs)
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
                counted = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'lexical_df_add'").fetchone()
                count = 0
                refill = (row[0] if row else None) != self.lexicon.version or filled != passages
                if refill or not counted:  # the counts filled in one pass, without a trigger per posting
                    db.execute("DROP TRIGGER IF EXISTS lexical_df_add")
                    db.execute("DROP TRIGGER IF EXISTS lexical_df_drop")
                    db.execute("DELETE FROM lexical_df")
                if refill:
                    db.execute("DELETE FROM lexical_packs")
                    db.execute("DELETE FROM lexical_gone")
                    db.execute("DELETE FROM lexical_postings")
                    db.execute("DELETE FROM lexical_lengths")
                    for rowid, text in db.execute("SELECT rowid, text FROM passages").fetchall():
                        self.docs.write_postings(rowid, self.encode(text))
                        count += 1
                    db.execute("INSERT INTO meta VALUES ('lexical_version', ?) "
                               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (self.lexicon.version,))
                if refill or not counted:
                    db.execute("INSERT INTO lexical_df SELECT term, COUNT(*) FROM lexical_postings GROUP BY term")
                    for trigger in _DF_TRIGGERS:
                        db.execute(trigger)
            self._ready = True
            return count

    def pack(self) -> int:
        """Write the postings of the terms in ``PACK_MIN`` passages or more as packs where none is kept or the
        kept one is stale (``_PACK_STALE``); returns the terms packed. Run at the end of an ingest: after a whole
        corpus it packs every common term (7 s at 200k passages); after one document it packs none, as the few
        postings added are read after the packs, and a deletion is remembered (``lexical_gone``) instead of
        dropping the packs of the deleted passage's terms."""
        self.ensure()
        db = self.docs.db
        with self.docs.lock, db:
            passages = db.execute("SELECT COUNT(*) FROM lexical_lengths").fetchone()[0]
            gone = db.execute("SELECT COUNT(*) FROM lexical_gone").fetchone()[0]
            if gone > max(_GONE_MIN, passages // 50) or not db.execute("SELECT 1 FROM lexical_packs").fetchone():
                db.execute("DELETE FROM lexical_packs")
                db.execute("DELETE FROM lexical_gone")
            todo = [t for (t,) in db.execute(
                "SELECT d.term FROM lexical_df d LEFT JOIN lexical_packs k ON k.term = d.term WHERE d.df >= ? "
                "AND (k.term IS NULL OR ABS(d.df - k.n) > k.n * ?) ORDER BY d.term", (PACK_MIN, _PACK_STALE))]
        for i in range(0, len(todo), 64):  # in short transactions: a reader or another writer is not held up
            with self.docs.lock, db:
                for term in todo[i:i + 64]:
                    row = db.execute(f"SELECT group_concat(pid * {1 << _TF_BITS} + tf), MAX(pid), COUNT(*) "
                                     "FROM lexical_postings WHERE term = ?", (term,)).fetchone()
                    packed = np.sort(_numbers(row[0])).astype("<i8")
                    db.execute("INSERT OR REPLACE INTO lexical_packs VALUES (?, ?, ?, ?)",
                               (term, row[1], row[2], packed.tobytes()))
        with self._lock:
            self._packed = (-1, frozenset())
        return len(todo)

    def _packed_terms(self) -> frozenset[str]:
        """The terms kept as packs (per generation)."""
        generation = self.docs.generation()
        with self._lock:
            if self._packed[0] != generation:
                terms = frozenset(t for (t,) in self.docs.db.execute("SELECT term FROM lexical_packs"))
                self._packed = (generation, terms)
            return self._packed[1]

    def reset(self) -> None:
        self._ready = False
        self._stats = None
        self._length_cache = None
        self._df_cache = (-1, {})

    def _corpus(self) -> tuple[int, float]:
        """(passages, average length), cached per generation."""
        generation = self.docs.generation()
        if self._stats is None or self._stats[0] != generation:
            n, total = self.docs.db.execute("SELECT COUNT(*), COALESCE(SUM(len), 0) FROM lexical_lengths").fetchone()
            self._stats = (generation, int(n), total / n if n else 1.0)
        return self._stats[1], self._stats[2]

    def _df(self, terms: Iterable[str]) -> dict[str, int]:
        """Passage frequency of each term that occurs, in term order (``lexical_df``), kept per generation."""
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        generation = self.docs.generation()
        with self._lock:
            if self._df_cache[0] != generation or len(self._df_cache[1]) > _DF_CACHE:
                self._df_cache = (generation, {})
            cache = self._df_cache[1]
        missing = [t for t in wanted if t not in cache]
        if missing:
            marks = ",".join("?" * len(missing))
            found = dict(self.docs.db.execute(f"SELECT term, df FROM lexical_df WHERE term IN ({marks})", missing))
            cache.update((t, found.get(t, 0)) for t in missing)
        return {t: cache[t] for t in wanted if cache[t]}

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
        if allowed is None:
            try:
                return self._top(weights, df, n, avgdl)
            except IndexError:  # a passage written since the lengths were read: the scan
                self._length_cache = None
        return self._scan(weights, n, avgdl, allowed)

    def _scan(self, weights: list[tuple[str, float]], n: int, avgdl: float,
              allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Every posting of every query term scored in one SQL query (with filters: the allowed ids' best n)."""
        values = ",".join("(?, ?)" for _ in weights)
        args = (*(x for pair in weights for x in pair), K1, 1 - B, B, avgdl)
        if allowed is None:  # ids looked up for the top n only
            top = (f"WITH q(term, w) AS (VALUES {values}), top AS ({_SCORES} ORDER BY s DESC LIMIT ?) "
                   f"SELECT ps.passage_id, top.s FROM top JOIN passages ps ON ps.rowid = top.pid ORDER BY top.s DESC")
            return [(pid, float(s)) for pid, s in self.docs.db.execute(top, (*args, n)) if s > 0]
        sql = (f"WITH q(term, w) AS (VALUES {values}), scored AS ({_SCORES} ORDER BY s DESC) "
               f"SELECT ps.passage_id, scored.s FROM scored JOIN passages ps ON ps.rowid = scored.pid "
               f"ORDER BY scored.s DESC")
        out: list[tuple[str, float]] = []
        for pid, score in self.docs.db.execute(sql, args):
            if pid in allowed and score > 0:
                out.append((pid, float(score)))
                if len(out) >= n:
                    break
        return out

    def _top(self, weights: list[tuple[str, float]], df: dict[str, int], n: int,
             avgdl: float) -> list[tuple[str, float]]:
        """The best ``n`` of the whole index without reading every posting of the common terms (MaxScore).

        Terms are read rarest (highest weight) first, every posting, into partial scores (lower bounds: no
        contribution is negative); a term adds at most its weight (``tf / (tf + ...) < 1``), so once the weights
        of the terms not read yet sum to less than the n-th best partial score, no passage outside those read can
        reach the top n. The remaining terms are then looked up for the passages that still can (dropping, after
        each term, those whose partial score plus the weights still unread falls below the n-th best), and the
        final candidates are scored with the scan's expression added in the query's term order, as SQLite's SUM
        adds them, and ordered as the scan orders ties (the later passage first): same ids, scores and order
        (tests/assistant/index/test_lexical.py compares the two)."""
        db = self.docs.db
        lengths = self._lengths()
        order = sorted(weights, key=lambda tw: (-tw[1], tw[0]))
        acc = np.zeros(len(lengths), dtype=np.float64)
        seen = np.zeros(len(lengths), dtype=bool)
        norm = K1 * ((1 - B) + B * lengths / avgdl)
        rest = sum(w for _, w in order)
        read = 0
        for term, w in order:
            pids, tfs = self._postings(term)
            read += 1
            rest -= w
            if len(pids):
                acc[pids] += w * tfs / (tfs + norm[pids])
                seen[pids] = True
            touched = int(seen.sum())
            if touched >= n and rest < _SAFE * np.partition(acc[seen], touched - n)[touched - n] - _EPS:
                break
        candidates = np.flatnonzero(seen)
        local: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # postings read for the candidates only
        if read < len(order) and len(candidates) > n:
            live = np.zeros(len(lengths), dtype=bool)
            for term, w in order[read:]:  # the rest looked up for the passages that can still reach the top n
                theta = np.partition(acc[candidates], len(candidates) - n)[len(candidates) - n]
                candidates = candidates[acc[candidates] + rest >= _SAFE * theta - _EPS]
                live[:] = False
                live[candidates] = True
                pids, tfs = self._postings(term, candidates, df.get(term, 0))
                local[term] = (pids, tfs)
                rest -= w
                if len(pids):
                    keep = live[pids]
                    pids, tfs = pids[keep], tfs[keep]
                    acc[pids] += w * tfs / (tfs + norm[pids])
        if len(candidates) > n:  # complete (to float rounding): what can tie with the n-th best, scored below
            theta = np.partition(acc[candidates], len(candidates) - n)[len(candidates) - n]
            candidates = candidates[acc[candidates] >= _SAFE * theta - _EPS]
        # the scan's sum: the same expression, added term by term in the query's term order (elementwise float64,
        # so each candidate's total is the one the per-passage sum gives)
        norm_c = K1 * ((1 - B) + B * lengths[candidates] / avgdl)
        total = np.zeros(len(candidates), dtype=np.float64)
        present = np.zeros(len(candidates), dtype=bool)
        for term, w in weights:
            pids, tfs = local[term] if term in local else self._postings(term, candidates, df.get(term, 0))
            if not len(pids):
                continue
            at = np.minimum(np.searchsorted(pids, candidates), len(pids) - 1)
            has = pids[at] == candidates
            tf = tfs[at[has]]
            total[has] += w * tf / (tf + norm_c[has])
            present |= has
        scored = [(float(t), int(pid)) for t, pid in zip(total[present], candidates[present], strict=True)]
        scored.sort(key=lambda r: (-r[0], -r[1]))  # ties as the scan orders them: the later passage first
        best = [(score, pid) for score, pid in scored[:n] if score > 0]
        names = dict(db.execute(f"SELECT rowid, passage_id FROM passages WHERE rowid IN ({','.join('?' * len(best))})",
                                [pid for _, pid in best]).fetchall()) if best else {}
        return [(names[pid], float(score)) for score, pid in best if pid in names]

    def _postings(self, term: str, candidates: np.ndarray | None = None,
                  df: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(passage rowids ascending, term frequencies) of the postings of ``term``: every one, kept per generation
        while the postings held stay under ``_POSTINGS_CACHE`` entries; or, given ``candidates`` (rowids
        ascending), a common term (more than ``_LOOKUP_RATIO`` postings per candidate) met fewer than ``_LOOKUPS``
        times is looked up for those passages only (a superset of their postings: all of them); after that it is
        read whole once, so the common terms questions keep naming are read from memory."""
        generation = self.docs.generation()
        with self._lock:
            if self._postings_cache[0] != generation:
                self._postings_cache = (generation, {}, 0)
                self._met = Counter()
            found = self._postings_cache[1].get(term)
            looked_up = self._met[term]
            self._met[term] += 1
        if found is not None:
            return found
        if candidates is not None and looked_up < _LOOKUPS and df > _LOOKUP_RATIO * len(candidates) \
                and term not in self._packed_terms():  # a pack is read whole faster than looked up
            rows = []
            for i in range(0, len(candidates), 900):
                chunk = candidates[i:i + 900].tolist()
                rows += self.docs.db.execute(f"SELECT pid, tf FROM lexical_postings WHERE term = ? AND pid IN "
                                             f"({','.join('?' * len(chunk))}) ORDER BY pid", (term, *chunk)).fetchall()
            return _columns(rows)
        found = self._whole(term)
        with self._lock:
            gen, cache, held = self._postings_cache
            if gen == generation:
                if held + len(found[0]) > _POSTINGS_CACHE:
                    cache, held = {}, 0
                cache[term] = found
                self._postings_cache = (gen, cache, held + len(found[0]))
        return found

    def _whole(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Every posting of ``term``: its pack (``pack``) with the postings written since, or, for a term not
        packed, SQLite's string of ``pid << 24 | tf`` numbers, which numpy parses in C (a row per posting cost a
        Python tuple each: 4-5x slower for a term in 100k passages). A term frequency is below 2**24: a passage
        holds at most ``ingest.max_file_mb`` of text, two characters a token."""
        data, gone, fresh, again = self.docs.db.execute(_READ, {"t": term}).fetchone()
        parts = [np.sort(_numbers(text)) for text in (fresh, again) if text]
        if data is not None:
            kept = np.frombuffer(data, dtype="<i8").astype(np.int64)
            if gone:
                kept = kept[~np.isin(kept >> _TF_BITS, _numbers(gone))]
            parts.insert(0, kept)
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        packed = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if again:  # rowids given again interleave with the pack's
            packed = np.sort(packed)
        return np.ascontiguousarray(packed >> _TF_BITS), np.ascontiguousarray(packed & ((1 << _TF_BITS) - 1))

    def passages_with(self, terms: Iterable[str]) -> list[str]:
        """Ids (ascending) of the passages indexed under every one of ``terms``: the rarest term's postings, each
        looked up under the others (by primary key), so the cost follows the rarest term, not the commonest: the
        passages that may name a place (assistant.conflict.actors.passages_naming)."""
        self.ensure()
        wanted = sorted(set(terms))
        df = self._df(wanted)
        if not wanted or len(df) < len(wanted):  # a term no passage holds
            return []
        rarest, *others = sorted(wanted, key=lambda t: (df[t], t))
        also = "".join(" AND EXISTS (SELECT 1 FROM lexical_postings o WHERE o.term = ? AND o.pid = p.pid)"
                       for _ in others)
        return sorted(pid for (pid,) in self.docs.db.execute(
            f"SELECT ps.passage_id FROM lexical_postings p JOIN passages ps ON ps.rowid = p.pid WHERE p.term = ?"
            f"{also}", (rarest, *others)))

    def _lengths(self) -> np.ndarray:
        """Passage lengths indexed by passage rowid (0 where none), cached per generation."""
        generation = self.docs.generation()
        if self._length_cache is None or self._length_cache[0] != generation:
            rows = self.docs.db.execute("SELECT pid, len FROM lexical_lengths").fetchall()
            size = max((pid for pid, _ in rows), default=0) + 1
            lengths = np.zeros(size, dtype=np.float64)
            if rows:
                pids, lens = np.asarray(rows, dtype=np.int64).T
                lengths[pids] = lens
            self._length_cache = (generation, lengths)
        return self._length_cache[1]

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """Inverse passage frequency of tokens (smoothed), for weighting lexical overlap in answers."""
        self.ensure()
        wanted = list(terms)
        df = self._df(wanted)
        total, _ = self._corpus()
        return {t: self._idf(total, df.get(t, 0)) for t in wanted}


def _numbers(text: str) -> np.ndarray:
    """The integers of SQLite's ``group_concat`` (comma-separated), parsed in C."""
    return np.fromstring(text, dtype=np.int64, sep=",")


def _columns(rows: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The two integer columns of SQL rows as contiguous int64 arrays: ``np.fromiter`` over the flattened rows,
    ~4x faster than ``np.asarray`` on the list of tuples (a common term has tens of thousands of postings)."""
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows))
    return np.ascontiguousarray(flat[0::2]), np.ascontiguousarray(flat[1::2])
