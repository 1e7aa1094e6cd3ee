"""SQLite document store: documents, passages and roots, the truth every citation span points into.

A root is one ingested folder: a short name (the first part of its documents' ids, ``NAME/path``) and its
resolved path. Indexes written before roots existed (ids without a root name) are migrated when first opened:
each folder they were ingested from becomes a root and its documents' ids gain its name. Passages keep their
evidence frames as JSON; an index written before frames gains the column empty (its passages read back with
``frames=None``, and the answer side reads those frames when it needs them). Annotators (set by the Assistant)
work out more per-passage data when a passage is written, so that asking never pays for it: the control cues of
its sentences (``control_cues``) and the answerer's tokens (``answer_tokens``), each in its own table stamped
with the annotator's version; an index written before them, or under other data, is filled by
``fill_annotations`` at the end of an ingest, and meanwhile read without them. Each passage's vector is kept
here too (``passage_vectors``, float32, written with the passage, kept in order of its document's publication
date so that a day's vectors are read together): the dated search ranks the passages of the asked days itself,
where Chroma's metadata filter scans every passage (0.5 s at 200k passages).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pydantic import TypeAdapter

from assistant.models import Document, Filters, Frame, Passage, PassageView

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, root TEXT NOT NULL, path TEXT NOT NULL,
    title TEXT NOT NULL, source TEXT, published TEXT, url TEXT, metadata TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    sentences TEXT NOT NULL, metadata TEXT NOT NULL, frames TEXT);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roots (name TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS foreign_roots (name TEXT PRIMARY KEY, path TEXT NOT NULL, owner TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    passage_id TEXT NOT NULL REFERENCES passages(passage_id) ON DELETE CASCADE, start INTEGER NOT NULL,
    sentence BLOB NOT NULL, win BLOB NOT NULL, PRIMARY KEY (passage_id, start)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passage_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, passage_id TEXT NOT NULL, added INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS passage_log_add AFTER INSERT ON passages BEGIN
    INSERT INTO passage_log (passage_id, added) VALUES (new.passage_id, 1);
END;
CREATE TRIGGER IF NOT EXISTS passage_log_drop AFTER DELETE ON passages BEGIN
    INSERT INTO passage_log (passage_id, added) VALUES (old.passage_id, 0);
END;
CREATE TRIGGER IF NOT EXISTS passage_log_move AFTER UPDATE ON passages BEGIN
    INSERT INTO passage_log (passage_id, added) VALUES (old.passage_id, 0), (new.passage_id, 1);
END;
CREATE TABLE IF NOT EXISTS passage_vectors (
    published TEXT NOT NULL, passage_id TEXT NOT NULL UNIQUE REFERENCES passages(passage_id) ON DELETE CASCADE,
    vector BLOB NOT NULL, PRIMARY KEY (published, passage_id)) WITHOUT ROWID;
-- any writer's new passage (an older sitrep's too, which writes no vector) marks the vectors unfilled; ``put``
-- restores the mark when it wrote every vector itself
CREATE TRIGGER IF NOT EXISTS passage_vectors_unfilled AFTER INSERT ON passages BEGIN
    INSERT OR REPLACE INTO meta (key, value) VALUES ('unfilled:passage_vectors', '1');
END;
CREATE TABLE IF NOT EXISTS derived (
    key TEXT PRIMARY KEY, version TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL);
"""
#: The per-passage tables annotators write (one JSON value per passage, dropped with it).
_ANNOTATION_TABLE = ("CREATE TABLE IF NOT EXISTS {kind} (passage_id TEXT PRIMARY KEY REFERENCES "
                     "passages(passage_id) ON DELETE CASCADE, data TEXT NOT NULL) WITHOUT ROWID")
#: The tables annotators may name (a table name cannot be a query parameter). ``control_cues`` keeps the column
#: name it was created with (``cues``): its statements read and write by position.
ANNOTATIONS = ("control_cues", "answer_tokens")
#: Meta key: "0" once every passage holds that annotation under its current version (``fill_annotations``).
_UNFILLED = "unfilled:{kind}"
#: Meta key: "0" once every passage holds its vector in ``passage_vectors`` (``Store.fill_passage_vectors``).
UNFILLED_VECTORS = _UNFILLED.format(kind="passage_vectors")


class PassageText(NamedTuple):
    """What an annotator reads of a passage: its text, sentence spans and document fields."""

    passage_id: str
    start: int
    text: str
    sentences: Sequence[Sequence[int]]
    title: str
    source: str | None
    published: date | None


class Annotator(Protocol):
    """Works out one kind of per-passage data when the passage is written (``kind``: one of ``ANNOTATIONS``);
    ``version`` changes with what it finds (its data files and rules), and stored data of another is dropped."""

    kind: str
    version: str

    def annotate(self, passage: PassageText) -> Any:
        """The passage's data, as JSON-able values."""
        ...


#: Version of the doc-id layout; 2 = ids start with their root's name.
LAYOUT = "2"

_FRAMES: TypeAdapter[list[Frame]] = TypeAdapter(list[Frame])


def _parse_frames(frames: str | None, starts: set[int] | None) -> list[Frame] | None:
    """Stored frames (JSON), all of them, or only those of the sentences starting at ``starts``."""
    if frames is None:
        return None
    if starts is None:
        return _FRAMES.validate_json(frames)
    return _FRAMES.validate_python([f for f in json.loads(frames) if f["start"] in starts])


def _frames_json(passage: Passage) -> str | None:
    return None if passage.frames is None else _FRAMES.dump_json(passage.frames).decode()


class DocumentStore:
    """One SQLite file; every write bumps a generation that derived indexes (BM25) compare against."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        #: Annotator factories by kind, each made on the first write that needs it (see the module docstring).
        self.annotators: dict[str, Callable[[], Annotator]] = {}
        self._made: dict[str, tuple[Callable[[], Annotator], Annotator]] = {}
        self._lock = threading.RLock()

    @property
    def lock(self) -> threading.RLock:
        """Held by every write (the lexical index writes through the same connection)."""
        return self._lock

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def db(self) -> sqlite3.Connection:
        with self._lock:
            if self._db is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, check_same_thread=False)
                db.execute("PRAGMA foreign_keys = ON")
                db.execute("PRAGMA journal_mode = WAL")
                # WAL + NORMAL: a commit survives a killed process without an fsync of its own (ingest commits
                # per document); a power cut may lose the last commits, never consistency, and vectors a lost
                # commit leaves behind are what Store.reconcile deletes anyway.
                db.execute("PRAGMA synchronous = NORMAL")
                db.executescript(_SCHEMA)
                _add_frames_column(db)
                _migrate(db)
                self._db = db
            return self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # --- writing ----------------------------------------------------------------------------------------

    def passage_ids(self, doc_id: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT passage_id FROM passages WHERE doc_id = ?", (doc_id,))]

    def put(self, doc: Document, passages: list[Passage], lexical: list[list[str]] | None = None,
            vectors: Any | None = None) -> None:
        """Replace a document and its passages in one transaction (with their BM25 postings when ``lexical``
        gives each passage's tokens, see assistant.index.lexical, and their vectors when ``vectors`` has a row
        per passage; without them the index is marked for ``Store.fill_passage_vectors``: the trigger
        ``passage_vectors_unfilled`` marks every inserted passage, and a filled index is marked filled again
        here only when this write stored every vector)."""
        with self._lock, self.db:
            filled = self.get_meta(UNFILLED_VECTORS) == "0"
            self.db.execute("DELETE FROM docs WHERE doc_id = ?", (doc.doc_id,))
            self.db.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)",
                (doc.doc_id, doc.content_hash, doc.root, doc.path, doc.title, doc.source,
                 doc.published.isoformat() if doc.published else None, doc.url,
                 json.dumps(doc.metadata), doc.text),
            )
            self.db.executemany(
                'INSERT INTO passages (passage_id, doc_id, ordinal, start, "end", text, sentences, metadata, '
                "frames) VALUES (?,?,?,?,?,?,?,?,?)",
                [(p.passage_id, p.doc_id, p.ordinal, p.start, p.end, p.text, json.dumps(p.sentences),
                  json.dumps(p.metadata), _frames_json(p)) for p in passages],
            )
            if lexical is not None:
                for p, tokens in zip(passages, lexical, strict=True):
                    rowid = self.db.execute("SELECT rowid FROM passages WHERE passage_id = ?",
                                            (p.passage_id,)).fetchone()[0]
                    self.write_postings(rowid, tokens)
            if vectors is not None:
                self._put_vectors([(p.passage_id, v) for p, v in zip(passages, vectors, strict=True)])
                if filled:
                    self._meta(UNFILLED_VECTORS, "0")
            texts = [PassageText(p.passage_id, p.start, p.text, p.sentences, doc.title, doc.source, doc.published)
                     for p in passages]
            annotators = self._annotators()
            for annotator in annotators:
                self._annotate(annotator, texts)
            for kind in set(ANNOTATIONS) - {a.kind for a in annotators} if passages else ():
                self._meta(_UNFILLED.format(kind=kind), "1")  # written without it: fill_annotations looks
            self._bump()

    # --- annotations ------------------------------------------------------------------------------------

    def _annotators(self) -> list[Annotator]:
        """The annotators, each made once; data stored under another version is dropped first (inside the caller's
        write), and the version stamped."""
        out = []
        for kind, make in self.annotators.items():
            if kind not in ANNOTATIONS:
                raise ValueError(f"unknown annotation {kind!r}: one of {', '.join(ANNOTATIONS)}")
            made = self._made.get(kind)
            if made is None or made[0] is not make:  # made once per factory (a new factory: made anew)
                made = self._made[kind] = (make, make())
            annotator = made[1]
            if annotator.kind != kind:
                raise ValueError(f"annotator registered as {kind!r} writes {annotator.kind!r}")
            self.db.execute(_ANNOTATION_TABLE.format(kind=kind))
            if self.get_meta(kind) != annotator.version:
                self.db.execute(f"DELETE FROM {kind}")
                self._meta(kind, annotator.version)
                self._meta(_UNFILLED.format(kind=kind), "1")
            out.append(annotator)
        return out

    def _annotate(self, annotator: Annotator, passages: Iterable[PassageText]) -> None:
        """Each passage's data (inside the caller's transaction)."""
        rows = [(p.passage_id, json.dumps(annotator.annotate(p), separators=(",", ":"))) for p in passages]
        self.db.executemany(f"INSERT OR REPLACE INTO {annotator.kind} VALUES (?, ?)", rows)

    def fill_annotations(self, batch: int = 2000) -> int:
        """Annotate the passages stored without an annotator's data (an older index, or data files edited
        since): a batch per commit, so a kill keeps what is done. Returns how many passages were annotated
        (counted once per annotator); 0 without annotators. Looks only when a passage may lack one (written
        without that annotator, the data's version changed, or an index older than this mark): the look reads
        every passage (a second at 200k), and an ingest ends with it."""
        done = 0
        for kind in list(self.annotators):
            with self._lock:  # a write beside the look is seen by it, or marks again after
                with self.db:
                    self._annotators()  # a version change is seen (and marked) before the mark is read
                if self.get_meta(_UNFILLED.format(kind=kind)) == "0":
                    continue
                while True:
                    with self.db:
                        annotator = next(a for a in self._annotators() if a.kind == kind)
                        rows = self.db.execute(
                            "SELECT p.passage_id, p.start, p.text, p.sentences, d.title, d.source, d.published "
                            f"FROM passages p JOIN docs d ON d.doc_id = p.doc_id WHERE NOT EXISTS "
                            f"(SELECT 1 FROM {kind} a WHERE a.passage_id = p.passage_id) LIMIT ?",
                            (batch,)).fetchall()
                        self._annotate(annotator, [
                            PassageText(pid, start, text, json.loads(spans), title, source,
                                        date.fromisoformat(published) if published else None)
                            for pid, start, text, spans, title, source, published in rows])
                    done += len(rows)
                    if len(rows) < batch:
                        break
                self.set_meta(_UNFILLED.format(kind=kind), "0")
        return done

    def annotations(self, kind: str, passage_ids: Sequence[str], version: str) -> dict[str, Any]:
        """The stored data of the given passages that have it, when stored under ``version`` (else none)."""
        if kind not in ANNOTATIONS:
            raise ValueError(f"unknown annotation {kind!r}: one of {', '.join(ANNOTATIONS)}")
        if self.get_meta(kind) != version:
            return {}
        return {pid: json.loads(data) for pid, data in self._rows_in(f"SELECT * FROM {kind} WHERE passage_id IN ",
                                                                     passage_ids)}

    def log_head(self) -> int:
        """The position of the passage log (every passage written or deleted, in order: ``passage_log``)."""
        row = self.db.execute("SELECT MAX(seq) FROM passage_log").fetchone()
        return int(row[0] or 0)

    def changed_since(self, seq: int) -> tuple[int, set[str], set[str]]:
        """(log head, passages written or deleted since ``seq``, those of them stored now): a result derived from
        the passages at ``seq`` drops what it took from the first and reads the second. One statement."""
        rows = self.db.execute("SELECT seq, passage_id, EXISTS (SELECT 1 FROM passages p WHERE p.passage_id = "
                               "l.passage_id) FROM passage_log l WHERE seq > ?", (seq,)).fetchall()
        return max((r[0] for r in rows), default=seq), {r[1] for r in rows}, {r[1] for r in rows if r[2]}

    def derived(self, key: str, version: str) -> tuple[int, bytes] | None:
        """(log position, data) of a result derived from the passages (``keep``), when kept under ``version``."""
        row = self.db.execute("SELECT seq, data FROM derived WHERE key = ? AND version = ?", (key, version)).fetchone()
        return (int(row[0]), bytes(row[1])) if row else None

    def keep(self, key: str, version: str, seq: int, data: bytes) -> bool:
        """Keep a result derived from the passages as they were at log position ``seq`` (read again by
        ``derived``, brought up to date with ``changed_since``); rows of the same kind (the key up to its first
        ':') kept under another version go. False when the database cannot be written now (read-only, or a
        writer holds it): the result is simply not kept."""
        kind = key.split(":", 1)[0] + ":"
        with self._lock:
            self.db.execute("PRAGMA busy_timeout = 100")  # a reader does not wait for another process's ingest
            try:
                with self.db:
                    self.db.execute("DELETE FROM derived WHERE version != ? AND substr(key, 1, ?) = ?",
                                    (version, len(kind), kind))
                    self.db.execute("INSERT OR REPLACE INTO derived VALUES (?, ?, ?, ?)", (key, version, seq, data))
                    # the log is kept from the oldest position a kept result needs
                    self.db.execute("DELETE FROM passage_log WHERE seq <= (SELECT MIN(seq) FROM derived)")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                self.db.execute("PRAGMA busy_timeout = 5000")  # sqlite3.connect's default

    def _rows_in(self, sql: str, ids: Sequence[str]) -> Iterator[Any]:
        """The rows of ``sql`` (ending in ``IN ``) for ``ids``, queried 900 at a time (SQLite's limit on
        parameters)."""
        for i in range(0, len(ids), 900):
            chunk = list(ids[i:i + 900])
            yield from self.db.execute(f"{sql}({','.join('?' * len(chunk))})", chunk).fetchall()

    def write_postings(self, rowid: int, tokens: list[str]) -> None:
        """The BM25 postings and length of one passage (inside the caller's transaction)."""
        counts: dict[str, int] = {}
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
        self.db.executemany("INSERT INTO lexical_postings VALUES (?, ?, ?)",
                            [(t, rowid, n) for t, n in counts.items()])
        self.db.execute("INSERT INTO lexical_lengths VALUES (?, ?)", (rowid, len(tokens)))

    def remove(self, doc_id: str) -> list[str]:
        """Delete a document (its passages cascade); returns the passage ids it had."""
        with self._lock:
            ids = self.passage_ids(doc_id)
            with self.db:
                self.db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))
                self._bump()
            return ids

    def put_sentence_vectors(self, rows: Sequence[tuple[str, int, bytes, bytes]]) -> None:
        """Store (passage id, sentence start, sentence vector, window vector) rows (float16 bytes); rows of a
        passage that is no longer stored are dropped. Does not bump the generation (no derived index reads them)."""
        if not rows:
            return
        with self._lock, self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO sentence_vectors SELECT ?1, ?2, ?3, ?4 "
                "WHERE EXISTS (SELECT 1 FROM passages WHERE passage_id = ?1)", rows)

    def sentence_vectors(self, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], tuple[Any, Any]]:
        """(passage id, start) -> (sentence vector, window vector) as float32 arrays, for the stored keys."""
        import numpy as np

        wanted = set(keys)
        pids = sorted({pid for pid, _ in wanted})
        if not pids:
            return {}
        marks = ",".join("?" * len(pids))
        rows = self.db.execute(f"SELECT passage_id, start, sentence, win FROM sentence_vectors "
                               f"WHERE passage_id IN ({marks})", pids).fetchall()
        return {(pid, start): (np.frombuffer(sv, dtype=np.float16).astype(np.float32),
                               np.frombuffer(wv, dtype=np.float16).astype(np.float32))
                for pid, start, sv, wv in rows if (pid, start) in wanted}

    def sentence_vector_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM sentence_vectors").fetchone()[0])

    def add_root(self, name: str, path: str) -> None:
        with self._lock, self.db:
            self.db.execute("INSERT INTO roots VALUES (?, ?)", (name, path))

    def move_root(self, name: str, path: str) -> None:
        with self._lock, self.db:
            self.db.execute("UPDATE roots SET path = ? WHERE name = ?", (path, name))

    def absorb_root(self, name: str, into: str, new_prefix: str) -> None:
        """Rename every ``name/x`` document to ``new_prefix + x`` in root ``into`` and forget root ``name``."""
        cut = len(name) + 2  # 1-based start of x in 'name/x'
        with self._lock, _renaming(self.db):
            self.db.execute("UPDATE passages SET doc_id = ? || substr(doc_id, ?) "
                            "WHERE doc_id IN (SELECT doc_id FROM docs WHERE root = ?)", (new_prefix, cut, name))
            self.db.execute("UPDATE docs SET doc_id = ? || substr(doc_id, ?), root = ? WHERE root = ?",
                            (new_prefix, cut, into, name))
            self.db.execute("DELETE FROM roots WHERE name = ?", (name,))
            self._bump()

    def drop_root(self, name: str) -> None:
        with self._lock, self.db:
            self.db.execute("DELETE FROM roots WHERE name = ?", (name,))
            self.db.execute("DELETE FROM foreign_roots WHERE name = ?", (name,))

    def set_roots(self, own: dict[str, str], foreign: dict[str, tuple[str, str]]) -> None:
        """Replace the roots with a Chroma server's: this folder's own (name -> path) and other folders'
        (name -> (path, owner)), which this folder never prunes, moves or absorbs."""
        with self._lock, self.db:
            if own != self.roots():
                self.db.execute("DELETE FROM roots")
                self.db.executemany("INSERT INTO roots VALUES (?, ?)", sorted(own.items()))
            self.db.execute("DELETE FROM foreign_roots")
            self.db.executemany("INSERT INTO foreign_roots VALUES (?, ?, ?)",
                                [(n, p, o) for n, (p, o) in sorted(foreign.items())])

    def foreign_roots(self) -> dict[str, str]:
        """name -> path of the roots other index folders own on a shared server."""
        return dict(self.db.execute("SELECT name, path FROM foreign_roots ORDER BY name").fetchall())

    def _bump(self) -> None:
        self.db.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def index_id(self) -> str:
        """A random id of this index folder, made once: its vectors on a shared Chroma server carry it, so
        reconciling one folder never deletes another folder's vectors."""
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'index_id'").fetchone()
            if row:
                return str(row[0])
            value = uuid.uuid4().hex
            with self.db:
                self.db.execute("INSERT INTO meta VALUES ('index_id', ?)", (value,))
            return value

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self.db:
            self._meta(key, value)

    def _meta(self, key: str, value: str) -> None:
        """Set a meta value (inside the caller's transaction)."""
        self.db.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (key, value))

    def doc_passages(self, doc_id: str) -> list[Passage]:
        """A document's passages in order."""
        views = self.views(self.passage_ids(doc_id))
        return sorted((v.passage for v in views.values()), key=lambda p: p.ordinal)

    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # --- reading ----------------------------------------------------------------------------------------

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        rows = self.db.execute("SELECT doc_id, content_hash, root FROM docs").fetchall()
        return {doc_id: (h, root) for doc_id, h, root in rows}

    def roots(self) -> dict[str, str]:
        """name -> resolved path of every root."""
        return dict(self.db.execute("SELECT name, path FROM roots ORDER BY name").fetchall())

    def root_counts(self) -> dict[str, int]:
        """name -> number of documents, for every root (own and foreign)."""
        rows = self.db.execute(
            "SELECT r.name, COUNT(d.doc_id) FROM (SELECT name FROM roots UNION SELECT name FROM foreign_roots) r "
            "LEFT JOIN docs d ON d.root = r.name GROUP BY r.name"
        ).fetchall()
        return {name: int(n) for name, n in rows}

    def root_doc_ids(self, name: str) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT doc_id FROM docs WHERE root = ? ORDER BY doc_id", (name,))]

    def match_doc_ids(self, name: str) -> list[str]:
        """``name`` itself if it is a stored id, else every id ending in ``/name``."""
        if self.db.execute("SELECT 1 FROM docs WHERE doc_id = ?", (name,)).fetchone():
            return [name]
        suffix = "/" + name
        rows = self.db.execute("SELECT doc_id FROM docs WHERE substr(doc_id, -?) = ? ORDER BY doc_id",
                               (len(suffix), suffix))
        return [r[0] for r in rows]

    def file_doc_ids(self, file_id: str) -> list[str]:
        """Ids of the documents of one file: ``file_id`` itself and its records ``file_id#...``."""
        prefix = file_id + "#"
        rows = self.db.execute(
            "SELECT doc_id FROM docs WHERE doc_id = ? OR substr(doc_id, 1, ?) = ? ORDER BY doc_id",
            (file_id, len(prefix), prefix),
        )
        return [r[0] for r in rows]

    def all_passage_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT passage_id FROM passages")}

    def has_documents(self) -> bool:
        """Whether any document is stored (without counting them all)."""
        return self.exists() and self.db.execute("SELECT EXISTS (SELECT 1 FROM docs)").fetchone()[0] == 1

    def count(self) -> tuple[int, int]:
        """(documents, passages); zero for a store that does not exist yet, without creating it."""
        if not self.exists():
            return 0, 0
        docs = self.db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
        passages = self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return int(docs), int(passages)

    def document(self, doc_id: str) -> Document | None:
        row = self.db.execute("SELECT * FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        doc_id, content_hash, root, path, title, source, published, url, metadata, text = row
        return Document(
            doc_id=doc_id, content_hash=content_hash, root=root, path=path, title=title, source=source,
            published=date.fromisoformat(published) if published else None, url=url,
            metadata=json.loads(metadata), text=text,
        )

    def lead(self, doc_id: str, chars: int = 400) -> str | None:
        """The first ``chars`` characters of a document's text (where it names its subject), without reading
        the whole text."""
        row = self.db.execute("SELECT substr(text, 1, ?) FROM docs WHERE doc_id = ?", (chars, doc_id)).fetchone()
        return row[0] if row else None

    def documents(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT d.doc_id, d.title, d.source, d.published, COUNT(p.passage_id) FROM docs d "
            "LEFT JOIN passages p ON p.doc_id = d.doc_id GROUP BY d.doc_id ORDER BY d.doc_id"
        ).fetchall()
        return [dict(zip(("doc_id", "title", "source", "published", "passages"), r, strict=True)) for r in rows]

    def sources(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT source FROM docs WHERE source IS NOT NULL "
                                              "ORDER BY source")]

    def passage_texts(self) -> list[tuple[str, str]]:
        """(passage_id, text) of every passage, in id order (the lexical index is built from these)."""
        return self.db.execute("SELECT passage_id, text FROM passages ORDER BY passage_id").fetchall()

    def passage_texts_batched(self, batch: int = 5000) -> Iterator[tuple[str, str]]:
        """``passage_texts`` read ``batch`` rows at a time (by id, one query each): memory bounded by the batch,
        not the corpus (at 200k passages the whole list is ~200 MB of Python strings)."""
        last = ""
        while rows := self.db.execute("SELECT passage_id, text FROM passages WHERE passage_id > ? "
                                      "ORDER BY passage_id LIMIT ?", (last, batch)).fetchall():
            yield from rows
            last = rows[-1][0]

    def texts(self, passage_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(passage_id, text) of the given passages, in the order given (those not stored are absent)."""
        found = dict(self._rows_in("SELECT passage_id, text FROM passages WHERE passage_id IN ", passage_ids))
        return [(pid, found[pid]) for pid in passage_ids if pid in found]

    def published_dates(self) -> list[int]:
        """The distinct publication dates (YYYYMMDD) of the documents holding a passage, ascending."""
        rows = self.db.execute("SELECT DISTINCT d.published FROM docs d WHERE d.published IS NOT NULL AND "
                               "EXISTS (SELECT 1 FROM passages p WHERE p.doc_id = d.doc_id)").fetchall()
        return sorted(int(r[0].replace("-", "")) for r in rows)

    def sentence_spans(self, passage_ids: Sequence[str]) -> list[tuple[str, int, str, list[tuple[int, int]]]]:
        """(passage id, start, text, sentence spans) of the given passages, in the order given (those not stored
        are absent): what screening a passage needs, without parsing its frames."""
        found = {pid: (pid, start, text, [(s, e) for s, e in json.loads(spans)]) for pid, start, text, spans
                 in self._rows_in("SELECT passage_id, start, text, sentences FROM passages WHERE passage_id IN ",
                                  passage_ids)}
        return [found[pid] for pid in passage_ids if pid in found]

    def views(self, passage_ids: Iterable[str]) -> dict[str, PassageView]:
        """Passages joined with their document fields; ids not committed here are simply absent."""
        return self._views(list(passage_ids), None)

    def views_at(self, sentences: dict[str, set[int]]) -> dict[str, PassageView]:
        """``views`` whose frames are only those of the given sentences (passage id -> sentence starts): for a
        reader that needs a few sentences of many passages (a control question's screened ones at 200k passages:
        parsing every frame of a passage was most of reading it). Not for the Store's cache of whole views."""
        return self._views(list(sentences), sentences)

    def _views(self, ids: list[str], only: dict[str, set[int]] | None) -> dict[str, PassageView]:
        if not ids:
            return {}
        out = {}
        rows = self._rows_in(
            'SELECT p.passage_id, p.doc_id, p.ordinal, p.start, p."end", p.text, p.sentences, p.metadata, p.frames, '
            "d.title, d.source, d.published, d.url FROM passages p JOIN docs d ON d.doc_id = p.doc_id "
            "WHERE p.passage_id IN ", ids)
        for pid, doc_id, ordinal, start, end, text, sentences, meta, frames, title, source, published, url in rows:
            passage = Passage(passage_id=pid, doc_id=doc_id, ordinal=ordinal, start=start, end=end, text=text,
                              sentences=[tuple(s) for s in json.loads(sentences)], metadata=json.loads(meta),
                              frames=_parse_frames(frames, only.get(pid) if only is not None else None))
            out[pid] = PassageView(passage=passage, title=title, source=source, url=url,
                                   published=date.fromisoformat(published) if published else None)
        return out

    # --- passage vectors ------------------------------------------------------------------------------

    def put_passage_vectors(self, rows: Sequence[tuple[str, Any]]) -> None:
        """Store (passage id, vector) rows of stored passages (others are dropped), in one commit."""
        with self._lock, self.db:
            self._put_vectors(rows)

    def _put_vectors(self, rows: Sequence[tuple[str, Any]]) -> None:
        import numpy as np

        self.db.executemany(
            "INSERT OR REPLACE INTO passage_vectors SELECT COALESCE(d.published, ''), p.passage_id, ?2 "
            "FROM passages p JOIN docs d ON d.doc_id = p.doc_id WHERE p.passage_id = ?1",
            [(pid, np.asarray(v, dtype=np.float32).tobytes()) for pid, v in rows])

    def without_vectors(self, limit: int) -> list[str]:
        """Up to ``limit`` ids of passages stored without their vector (an index from before they were kept)."""
        return [r[0] for r in self.db.execute(
            "SELECT p.passage_id FROM passages p LEFT JOIN passage_vectors v ON v.passage_id = p.passage_id "
            "WHERE v.passage_id IS NULL LIMIT ?", (limit,))]

    def vectors_where(self, first: date, last: date, filters: Filters | None = None) -> tuple[list[str], Any] | None:
        """(ids, float32 matrix, one row each) of the passages published from ``first`` to ``last`` (inclusive)
        that pass ``filters``' documents and sources; None while some passage may lack its stored vector (the
        mark ``put`` leaves until ``Store.fill_passage_vectors``)."""
        import numpy as np

        if self.get_meta(UNFILLED_VECTORS) != "0":
            return None
        sql = "SELECT v.passage_id, v.vector FROM passage_vectors v"
        kept, args = _filter_sql(filters.model_copy(update={"date_from": None, "date_to": None})) if filters \
            else ("", [])
        if kept:  # documents or sources: through the passage's document
            sql += " JOIN passages p ON p.passage_id = v.passage_id JOIN docs d ON d.doc_id = p.doc_id"
        rows = self.db.execute(sql + " WHERE v.published >= ? AND v.published <= ?" + kept,
                               [first.isoformat(), last.isoformat(), *args]).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.float32).reshape(len(rows), -1)
        return [pid for pid, _ in rows], matrix

    def allowed(self, filters: Filters) -> set[str]:
        """Passage ids that pass the filters (parameterised SQL)."""
        kept, args = _filter_sql(filters)
        return {r[0] for r in self.db.execute(
            "SELECT p.passage_id FROM passages p JOIN docs d ON d.doc_id = p.doc_id WHERE 1=1" + kept, args)}


def _filter_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The conditions (`` AND ...``, and their parameters) over ``passages p JOIN docs d`` that keep what passes
    the filters ("" for none)."""
    sql = ""
    args: list[Any] = []
    if filters.doc_ids:
        sql += f" AND d.doc_id IN ({','.join('?' * len(filters.doc_ids))})"
        args += filters.doc_ids
    if filters.sources:
        sql += f" AND d.source IN ({','.join('?' * len(filters.sources))})"
        args += filters.sources
    if filters.date_from:
        sql += " AND d.published >= ?"
        args.append(filters.date_from.isoformat())
    if filters.date_to:
        sql += " AND d.published <= ?"
        args.append(filters.date_to.isoformat())
    return sql, args


@contextmanager
def _renaming(db: sqlite3.Connection) -> Iterator[None]:
    """One transaction in which document ids may change: foreign keys are checked at its commit."""
    with db:
        db.execute("BEGIN")
        db.execute("PRAGMA defer_foreign_keys = ON")
        yield


def _add_frames_column(db: sqlite3.Connection) -> None:
    """An index written before evidence frames gets the column; its passages keep ``frames`` NULL."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(passages)")}
    if "frames" not in columns:
        with db:
            db.execute("ALTER TABLE passages ADD COLUMN frames TEXT")


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an index written before roots existed to the current layout (ids ``NAME/path``)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
    if row and row[0] == LAYOUT:
        return
    with _renaming(db):
        taken = {r[0] for r in db.execute("SELECT name FROM roots")}
        for (folder,) in db.execute("SELECT DISTINCT root FROM docs").fetchall():
            base = Path(folder).name or "documents"
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}-{n}"
            taken.add(name)
            db.execute("INSERT INTO roots VALUES (?, ?)", (name, folder))
            db.execute("UPDATE passages SET doc_id = ? || '/' || doc_id "
                       "WHERE doc_id IN (SELECT doc_id FROM docs WHERE root = ?)", (name, folder))
            db.execute("UPDATE docs SET doc_id = ? || '/' || doc_id, root = ? WHERE root = ?", (name, name, folder))
        db.execute("INSERT INTO meta VALUES ('layout', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   (LAYOUT,))
