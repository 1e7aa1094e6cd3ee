"""Vector indexes: one narrow protocol, Chroma embedded (PersistentClient) and Chroma server (HttpClient).

This package is the only place that talks to Chroma.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np

from assistant.errors import ConfigError
from assistant.index.shared import ServerRecords
from assistant.settings import Settings


class VectorIndex(Protocol):
    """Vectors by passage id, with metadata to filter on."""

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """(passage id, cosine similarity), best first."""
        ...

    def count(self) -> int: ...

    def ids(self, where: dict[str, Any] | None = None) -> list[str]:
        """Every stored id (to reconcile with the document store), or those whose metadata match ``where``."""
        ...

    def get_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ids (float32; ids not stored are absent)."""
        ...


class ChromaIndex:
    """A Chroma collection (cosine space, no embedding function: vectors come from our embedder)."""

    def __init__(self, client: Callable[[], Any], name: str, model: str, search_ef: int = 100,
                 construction_ef: int = 100, max_neighbors: int = 32) -> None:
        self._client = client
        self.name = name
        self._model = model
        self.search_ef = search_ef
        self.construction_ef = construction_ef
        self.max_neighbors = max_neighbors
        self.shared = False  # a server other index folders may write to (see Store.reconcile)
        self._collection: Any = None
        self._records: ServerRecords | None = None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            collection = self._client().get_or_create_collection(
                self.name, embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": self._model,
                          "hnsw:search_ef": self.search_ef, "hnsw:construction_ef": self.construction_ef,
                          "hnsw:M": self.max_neighbors},
            )
            hnsw = (getattr(collection, "configuration", None) or {}).get("hnsw") or {}
            if hnsw.get("ef_search", self.search_ef) != self.search_ef:  # an older collection, or the setting moved
                collection.modify(configuration={"hnsw": {"ef_search": self.search_ef}})
            self._collection = collection
        return self._collection

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        self.collection.upsert(ids=list(ids), embeddings=np.asarray(vectors, dtype=np.float32),
                               metadatas=list(metadatas))

    def delete(self, ids: Sequence[str]) -> None:
        if ids:
            self.collection.delete(ids=list(ids))

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        # no count() first (7-8 ms at 200k passages): Chroma answers an empty collection with no ids; a version
        # that raises instead is asked for the count only then
        try:
            result = self.collection.query(
                query_embeddings=np.asarray([vector], dtype=np.float32), n_results=n, where=where,
                include=["distances"],
            )
        except Exception:
            if self.collection.count() == 0:
                return []
            raise
        return list(zip(result["ids"][0], (1.0 - d for d in result["distances"][0]), strict=True))

    def count(self) -> int:
        return int(self.collection.count())

    def ids(self, where: dict[str, Any] | None = None) -> list[str]:
        return list(self.collection.get(where=where, include=[])["ids"])

    def get_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        return dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))

    def records(self) -> ServerRecords | None:
        """On a server: the document records beside this collection (assistant.index.shared), else None."""
        if not self.shared:
            return None
        if self._records is None or self._records.name != f"{self.name}-records":
            self._records = ServerRecords(self._client, f"{self.name}-records")
        return self._records


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def persistent_index(settings: Settings) -> ChromaIndex:
    """Embedded Chroma in the index folder."""
    def client() -> Any:
        import chromadb

        return chromadb.PersistentClient(path=str(Path(settings.index.dir) / "chroma"), settings=_chroma_settings())

    return _chroma_index(client, settings)


def _chroma_index(client: Callable[[], Any], settings: Settings) -> ChromaIndex:
    return ChromaIndex(client, settings.collection_name(), settings.embedding.model,
                       settings.index.hnsw_search_ef, settings.index.hnsw_construction_ef,
                       settings.index.hnsw_max_neighbors)


def http_index(settings: Settings) -> ChromaIndex:
    """A Chroma server at ``index.chroma_url`` (``chroma run``)."""
    url = settings.index.chroma_url or ""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"SITREP_INDEX__CHROMA_URL must look like http://host:port, got {url!r}")

    def client() -> Any:
        import chromadb

        return chromadb.HttpClient(host=parsed.hostname or "localhost", port=parsed.port or 8000,
                                   ssl=parsed.scheme == "https", settings=_chroma_settings())

    index = _chroma_index(client, settings)
    index.shared = True
    return index


def make_vector_index(settings: Settings) -> VectorIndex:
    return http_index(settings) if settings.index.chroma_url else persistent_index(settings)
