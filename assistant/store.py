"""The store: SQLite holds documents and passages (the truth), Chroma their vectors, bm25s a lexical index.

This is the only module that talks to Chroma. Per document, vectors go into Chroma first and the SQLite
transaction commits last, so SQLite never names a passage without a vector; vectors without a committed
passage (a crash in between) are ignored at query time and overwritten or deleted on the next run.
The BM25 index carries the SQLite generation it was built from and is rebuilt whenever they differ.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.lexicon import tokens
from assistant.models import Document, Filters, Passage, PassageView
from assistant.settings import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, root TEXT NOT NULL, path TEXT NOT NULL,
    title TEXT NOT NULL, source TEXT, published TEXT, url TEXT, metadata TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    sentences TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _date_int(value: date | None) -> int | None:
    return value.year * 10000 + value.month * 100 + value.day if value else None


class Store:
    """Documents, passages, vectors and the BM25 index of one collection (model + chunking)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.collection_name = settings.collection_name()
        self.dir = Path(settings.index.dir) / self.collection_name
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._collection: Any = None
        self._bm25: tuple[int, Any, list[str], dict[str, int], int] | None = None

    # --- connections ------------------------------------------------------------------------------------

    def exists(self) -> bool:
        return (self.dir / "sitrep.sqlite").exists()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.dir / "sitrep.sqlite", check_same_thread=False)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    @property
    def collection(self) -> Any:
        if self._collection is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            url = self.settings.index.chroma_url
            if url:
                from urllib.parse import urlparse

                parsed = urlparse(url)
                client: Any = chromadb.HttpClient(
                    host=parsed.hostname or "localhost", port=parsed.port or 8000, settings=chroma_settings
                )
            else:
                client = chromadb.PersistentClient(path=str(Path(self.settings.index.dir) / "chroma"),
                                                   settings=chroma_settings)
            self._collection = client.get_or_create_collection(
                self.collection_name, embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": self.settings.embedding.model},
            )
        return self._collection

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._collection = None
        self._bm25 = None

    # --- writing (the PassageSink interface of ingest) --------------------------------------------------

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        rows = self.db.execute("SELECT doc_id, content_hash, root FROM docs").fetchall()
        return {doc_id: (h, root) for doc_id, h, root in rows}

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray) -> None:
        """Replace a document and its passages: vectors first, SQLite commit last (see module docstring)."""
        with self._lock:
            if passages:
                self.collection.upsert(
                    ids=[p.passage_id for p in passages],
                    embeddings=np.asarray(vectors, dtype=np.float32),
                    metadatas=[self._vector_meta(doc) for _ in passages],
                )
            new_ids = {p.passage_id for p in passages}
            old_ids = [r[0] for r in self.db.execute("SELECT passage_id FROM passages WHERE doc_id = ?",
                                                     (doc.doc_id,))]
            with self.db:
                self.db.execute("DELETE FROM docs WHERE doc_id = ?", (doc.doc_id,))
                self.db.execute(
                    "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (doc.doc_id, doc.content_hash, doc.root, doc.path, doc.title, doc.source,
                     doc.published.isoformat() if doc.published else None, doc.url,
                     json.dumps(doc.metadata), doc.text),
                )
                self.db.executemany(
                    'INSERT INTO passages VALUES (?,?,?,?,?,?,?,?)',
                    [(p.passage_id, p.doc_id, p.ordinal, p.start, p.end, p.text, json.dumps(p.sentences),
                      json.dumps(p.metadata)) for p in passages],
                )
                self._bump()
            stale = [pid for pid in old_ids if pid not in new_ids]
            if stale:
                self.collection.delete(ids=stale)

    def _vector_meta(self, doc: Document) -> dict[str, Any]:
        meta: dict[str, Any] = {"doc_id": doc.doc_id}
        if doc.source:
            meta["source"] = doc.source
        if doc.published:
            meta["date"] = _date_int(doc.published)
        return meta

    def remove_documents(self, doc_ids: Sequence[str]) -> None:
        with self._lock:
            for doc_id in doc_ids:
                ids = [r[0] for r in self.db.execute("SELECT passage_id FROM passages WHERE doc_id = ?",
                                                     (doc_id,))]
                with self.db:
                    self.db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))
                    self._bump()
                if ids:
                    self.collection.delete(ids=ids)

    def finish(self) -> None:
        self._ensure_bm25()

    def _bump(self) -> None:
        self.db.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    def generation(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    # --- reading ----------------------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        """(documents, passages); zero for an index that does not exist yet, without creating it."""
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

    def documents(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT d.doc_id, d.title, d.source, d.published, COUNT(p.passage_id) FROM docs d "
            "LEFT JOIN passages p ON p.doc_id = d.doc_id GROUP BY d.doc_id ORDER BY d.doc_id"
        ).fetchall()
        return [dict(zip(("doc_id", "title", "source", "published", "passages"), r, strict=True)) for r in rows]

    def sources(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT source FROM docs WHERE source IS NOT NULL "
                                              "ORDER BY source")]

    def views(self, passage_ids: Iterable[str]) -> dict[str, PassageView]:
        """Passages joined with their document fields; ids not committed in SQLite are simply absent."""
        ids = list(passage_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f'SELECT p.passage_id, p.doc_id, p.ordinal, p.start, p."end", p.text, p.sentences, p.metadata, '
            f"d.title, d.source, d.published, d.url FROM passages p JOIN docs d ON d.doc_id = p.doc_id "
            f"WHERE p.passage_id IN ({marks})", ids,
        ).fetchall()
        out = {}
        for pid, doc_id, ordinal, start, end, text, sentences, meta, title, source, published, url in rows:
            passage = Passage(passage_id=pid, doc_id=doc_id, ordinal=ordinal, start=start, end=end, text=text,
                              sentences=[tuple(s) for s in json.loads(sentences)], metadata=json.loads(meta))
            out[pid] = PassageView(passage=passage, title=title, source=source, url=url,
                                   published=date.fromisoformat(published) if published else None)
        return out

    # --- search -----------------------------------------------------------------------------------------

    def vector_search(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        if self.collection.count() == 0:
            return []
        where = self._chroma_where(filters)
        result = self.collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32), n_results=n, where=where,
            include=["distances"],
        )
        return list(zip(result["ids"][0], (1.0 - d for d in result["distances"][0]), strict=True))

    @staticmethod
    def _chroma_where(filters: Filters | None) -> dict[str, Any] | None:
        if filters is None or filters.is_empty():
            return None
        clauses: list[dict[str, Any]] = []
        if filters.doc_ids:
            clauses.append({"doc_id": {"$in": filters.doc_ids}})
        if filters.sources:
            clauses.append({"source": {"$in": filters.sources}})
        if filters.date_from:
            clauses.append({"date": {"$gte": _date_int(filters.date_from)}})
        if filters.date_to:
            clauses.append({"date": {"$lte": _date_int(filters.date_to)}})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def bm25_search(self, query: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        _, bm25, ids, _, _ = self._ensure_bm25()
        query_tokens = [t for t in tokens(query) if bm25 is not None and t in bm25.vocab_dict]
        if bm25 is None or not query_tokens:
            return []
        scores = bm25.get_scores(query_tokens)
        if filters is not None and not filters.is_empty():
            allowed = self._allowed(filters)
            scores = np.where(np.fromiter((i in allowed for i in ids), bool, len(ids)), scores, 0.0)
        top = np.argsort(-scores)[:n]
        return [(ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def _allowed(self, filters: Filters) -> set[str]:
        sql = "SELECT p.passage_id FROM passages p JOIN docs d ON d.doc_id = p.doc_id WHERE 1=1"
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
        return {r[0] for r in self.db.execute(sql, args)}

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """Inverse passage frequency of tokens (smoothed), for weighting lexical overlap in answers."""
        _, _, _, df, n = self._ensure_bm25()
        return {t: float(np.log(1 + (n - df.get(t, 0) + 0.5) / (df.get(t, 0) + 0.5))) for t in terms}

    def _ensure_bm25(self) -> tuple[int, Any, list[str], dict[str, int], int]:
        with self._lock:
            generation = self.generation()
            if self._bm25 is not None and self._bm25[0] == generation:
                return self._bm25
            self._bm25 = self._load_bm25(generation) or self._build_bm25(generation)
            return self._bm25

    def _load_bm25(self, generation: int) -> tuple[int, Any, list[str], dict[str, int], int] | None:
        folder = self.dir / "bm25"
        try:
            state = json.loads((folder / "state.json").read_text())
        except (OSError, ValueError):
            return None
        if state.get("generation") != generation:
            return None
        if not state["ids"]:
            return generation, None, [], {}, 0
        import bm25s

        bm25 = bm25s.BM25.load(str(folder), load_corpus=False, show_progress=False)
        return generation, bm25, state["ids"], state["df"], len(state["ids"])

    def _build_bm25(self, generation: int) -> tuple[int, Any, list[str], dict[str, int], int]:
        import bm25s

        rows = self.db.execute("SELECT passage_id, text FROM passages ORDER BY passage_id").fetchall()
        ids = [r[0] for r in rows]
        corpus = [tokens(r[1]) or ["_empty_"] for r in rows]
        df: Counter[str] = Counter()
        for toks in corpus:
            df.update(set(toks))
        bm25 = None
        folder = self.dir / "bm25"
        folder.mkdir(parents=True, exist_ok=True)
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
            bm25.save(str(folder), show_progress=False)
        tmp = folder / "state.json.tmp"
        tmp.write_text(json.dumps({"generation": generation, "ids": ids, "df": df}))
        tmp.replace(folder / "state.json")
        return generation, bm25, ids, dict(df), len(ids)
