"""The store: SQLite documents (the truth), a vector index and a lexical index, kept in step.

Per document, vectors are written first and the SQLite transaction commits last, so SQLite never names a
passage without a vector; vectors without a committed passage (a crash in between, or before old vectors were
deleted) are ignored at query time and deleted by ``reconcile()`` at the start of the next ingest.
The lexical index (SQLite FTS5, assistant.index.lexical) lives in the same database and is written in the
same transaction as the passages; only a Lexicon change refills it.
Writers hold ``write_lock()`` (one inter-process lock per index folder); readers never take it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import Embedder
from assistant.errors import ConfigError, NotInIndexError
from assistant.index.documents import DocumentStore
from assistant.index.lexical import LexicalIndex
from assistant.index.lock import write_lock
from assistant.index.sentences import SentenceVectors, sentence_rows
from assistant.index.vectors import VectorIndex, make_vector_index
from assistant.knowledge import Lexicon, load_knowledge
from assistant.models import Document, Passage, PassageView, RemoveReport, RootInfo
from assistant.settings import Settings


def date_int(value: date | None) -> int | None:
    """A date as YYYYMMDD, the form vector metadata filters compare."""
    return value.year * 10000 + value.month * 100 + value.day if value else None


class Store:
    """Documents, passages, vectors and the BM25 index of one collection (model + chunking)."""

    def __init__(self, settings: Settings, lexicon: Lexicon | None = None,
                 vectors: VectorIndex | None = None) -> None:
        self.settings = settings
        self.collection_name = settings.collection_name()
        index_dir = Path(settings.index.dir)
        if index_dir.exists() and not index_dir.is_dir():
            raise ConfigError(f"the index folder {index_dir} is a file, not a folder (--index / SITREP_INDEX__DIR)")
        self.index_dir = index_dir
        self.dir = index_dir / self.collection_name
        self.lexicon = lexicon or Lexicon(load_knowledge(settings.knowledge.actors_file).actors)
        self.docs = DocumentStore(self.dir / "sitrep.sqlite")
        self.vectors = vectors or make_vector_index(settings)
        self.lexical = LexicalIndex(self.docs, self.lexicon)
        self._lock = threading.RLock()

    def exists(self) -> bool:
        return self.docs.exists()

    def close(self) -> None:
        self.docs.close()
        self.lexical.reset()

    # --- writing (the PassageSink interface of ingest) --------------------------------------------------

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """The inter-process writer lock of the index folder (see assistant.index.lock)."""
        with write_lock(self.index_dir, self.settings.ingest.lock_timeout_s):
            yield

    def reconcile(self) -> int:
        """Delete vectors that have no committed passage (left by a crash); returns how many. Hold the lock."""
        with self._lock:
            committed = self.docs.all_passage_ids()
            # On a shared server only this folder's vectors are candidates: another folder's are not orphans.
            shared = getattr(self.vectors, "shared", False)
            stored = self.vectors.ids({"index": self.docs.index_id()}) if shared else self.vectors.ids()
            orphans = [pid for pid in stored if pid not in committed]
            self.vectors.delete(orphans)
            return len(orphans)

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content hash, root name)."""
        return self.docs.doc_hashes()

    def roots(self) -> dict[str, str]:
        """Root name -> resolved folder path."""
        return self.docs.roots() if self.exists() else {}

    def add_root(self, name: str, path: str) -> None:
        self.docs.add_root(name, path)

    def move_root(self, name: str, path: str) -> None:
        self.docs.move_root(name, path)

    def absorb_root(self, name: str, into: str, prefix: str) -> int:
        """Make root ``name`` (a folder inside root ``into``) part of ``into``: ``name/x`` becomes
        ``into/prefix/x`` and ``name`` is forgotten; returns the number of documents renamed.

        Only SQLite changes; the renamed documents' content hashes no longer match (the id is part of them), so
        the next sync of their files embeds them again, replacing their vectors. A document already stored under
        the new id is the same file: the absorbed copy is dropped.
        """
        with self._lock:
            old = self.docs.root_doc_ids(name)
            renamed = {d: f"{into}/{prefix}/{d[len(name) + 1:]}" for d in old}
            clash = [d for d, new in renamed.items() if self.docs.document(new) is not None]
            self.remove_documents(clash)
            self.docs.absorb_root(name, into, f"{into}/{prefix}/")
            return len(old) - len(clash)

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray) -> None:
        """Replace a document and its passages: vectors first, SQLite commit last (see module docstring)."""
        with self._lock:
            if passages:
                meta = {**self._vector_meta(doc), "index": self.docs.index_id()}
                self.vectors.upsert([p.passage_id for p in passages], vectors, [meta] * len(passages))
            new_ids = {p.passage_id for p in passages}
            old_ids = self.docs.passage_ids(doc.doc_id)
            self.lexical.ensure()
            self.docs.put(doc, passages, [self.lexical.encode(p.text) for p in passages])
            self.vectors.delete([pid for pid in old_ids if pid not in new_ids])

    def put_sentence_vectors(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Store the answerer's sentence and window vectors of committed passages (assistant.index.sentences):
        ``vectors`` holds the rows of ``sentence_texts(passages)``."""
        self.docs.put_sentence_vectors(sentence_rows(passages, vectors))

    def sentence_vectors(self, embedder: Embedder) -> SentenceVectors:
        """What the extractive answerer reads sentence vectors from (stored rows, else embedded and stored)."""
        return SentenceVectors(self.docs, embedder)

    @staticmethod
    def _vector_meta(doc: Document) -> dict[str, Any]:
        meta: dict[str, Any] = {"doc_id": doc.doc_id}
        if doc.source:
            meta["source"] = doc.source
        if doc.published:
            meta["date"] = date_int(doc.published)
        return meta

    def remove_documents(self, doc_ids: Sequence[str]) -> None:
        with self._lock:
            for doc_id in doc_ids:
                self.vectors.delete(self.docs.remove(doc_id))

    def remove(self, target: str) -> RemoveReport:
        """Remove a root (``NAME``: all its documents) or a document (``NAME/path``, or every record of a file).

        Raises NotInIndexError when nothing by that name is stored. Hold the writer lock.
        """
        with self._lock:
            roots = self.roots()
            if target in roots:
                doc_ids = self.docs.root_doc_ids(target)
                self.remove_documents(doc_ids)
                self.docs.drop_root(target)
                return RemoveReport(target=target, root=target, documents=doc_ids)
            doc_ids = self.docs.file_doc_ids(target) if self.exists() else []
            if not doc_ids:
                names = ", ".join(roots) or "none"
                raise NotInIndexError(
                    f"the index {self.index_dir} holds no root or document {target!r} (roots: {names}; "
                    f"document ids are ROOT/path, see `sitrep stats`)"
                )
            self.remove_documents(doc_ids)
            return RemoveReport(target=target, documents=doc_ids)

    def finish(self) -> None:
        """After a run: nothing to rebuild (the lexical index is written with each passage)."""
        self.lexical.ensure()

    # --- reading ----------------------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        return self.docs.count()

    def document(self, doc_id: str) -> Document | None:
        return self.docs.document(doc_id) if self.exists() else None

    def documents(self) -> list[dict[str, Any]]:
        return self.docs.documents()

    def root_infos(self) -> list[RootInfo]:
        """Every root with its document count and whether its folder still exists."""
        if not self.exists():
            return []
        counts = self.docs.root_counts()
        return [RootInfo(name=name, path=path, documents=counts.get(name, 0), exists=Path(path).is_dir())
                for name, path in self.docs.roots().items()]

    def match_doc_ids(self, name: str) -> list[str]:
        """``name`` if it is a stored id, else the ids ending in ``/name``."""
        return self.docs.match_doc_ids(name) if self.exists() else []

    def sources(self) -> list[str]:
        return self.docs.sources()

    def views(self, passage_ids: Iterable[str]) -> dict[str, PassageView]:
        return self.docs.views(passage_ids)

    def generation(self) -> int:
        return self.docs.generation()

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        return self.lexical.idf(terms) if self.exists() else {t: 0.0 for t in terms}
