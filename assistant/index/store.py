"""The store: SQLite documents (the truth), a vector index and a lexical index, kept in step.

Per document, vectors are written first and the SQLite transaction commits last, so SQLite never names a
passage without a vector; vectors without a committed passage (a crash in between) are ignored at query time.
The BM25 index is rebuilt whenever the SQLite generation or the Lexicon version differs from the saved one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ConfigError
from assistant.index.documents import DocumentStore
from assistant.index.lexical import Bm25State, LexicalIndex
from assistant.index.vectors import VectorIndex, make_vector_index
from assistant.knowledge import Lexicon, load_knowledge
from assistant.models import Document, Passage, PassageView
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
        self.dir = index_dir / self.collection_name
        self.lexicon = lexicon or Lexicon(load_knowledge(settings.knowledge.actors_file).actors)
        self.docs = DocumentStore(self.dir / "sitrep.sqlite")
        self.vectors = vectors or make_vector_index(settings)
        self.lexical = LexicalIndex(self.dir / "bm25", self.lexicon)
        self._lock = threading.RLock()

    def exists(self) -> bool:
        return self.docs.exists()

    def close(self) -> None:
        self.docs.close()
        self.lexical.reset()

    # --- writing (the PassageSink interface of ingest) --------------------------------------------------

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        return self.docs.doc_hashes()

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray) -> None:
        """Replace a document and its passages: vectors first, SQLite commit last (see module docstring)."""
        with self._lock:
            if passages:
                meta = self._vector_meta(doc)
                self.vectors.upsert([p.passage_id for p in passages], vectors, [meta] * len(passages))
            new_ids = {p.passage_id for p in passages}
            old_ids = self.docs.passage_ids(doc.doc_id)
            self.docs.put(doc, passages)
            self.vectors.delete([pid for pid in old_ids if pid not in new_ids])

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

    def finish(self) -> None:
        """After a run: bring the lexical index up to date."""
        self.bm25()

    # --- reading ----------------------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        return self.docs.count()

    def document(self, doc_id: str) -> Document | None:
        return self.docs.document(doc_id) if self.exists() else None

    def documents(self) -> list[dict[str, Any]]:
        return self.docs.documents()

    def sources(self) -> list[str]:
        return self.docs.sources()

    def views(self, passage_ids: Iterable[str]) -> dict[str, PassageView]:
        return self.docs.views(passage_ids)

    def generation(self) -> int:
        return self.docs.generation()

    def bm25(self) -> Bm25State:
        return self.lexical.state(self.docs.generation(), self.docs.passage_texts)

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        return self.lexical.idf(self.bm25(), terms)
