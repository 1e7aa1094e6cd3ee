"""Orphan vectors: a crash between the Chroma and SQLite writes leaves vectors the next ingest deletes and counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.index import Store
from assistant.index.vectors import VectorIndex, make_vector_index
from assistant.models import Document, IngestReport, Passage

MakeAssistant = Callable[..., Assistant]


class _Killed(Exception):
    """Stands for the process being killed."""


class DyingVectors:
    """A vector index that dies on the first delete once armed (the step after the SQLite commit)."""

    def __init__(self, inner: VectorIndex) -> None:
        self.inner = inner
        self.armed = False

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        self.inner.upsert(ids, vectors, metadatas)

    def delete(self, ids: Sequence[str]) -> None:
        if self.armed and ids:
            raise _Killed("between the SQLite commit and the vector delete")
        self.inner.delete(ids)

    def query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        return self.inner.query(vector, n, where)

    def count(self) -> int:
        return self.inner.count()

    def ids(self) -> list[str]:
        return self.inner.ids()

    def get_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        return self.inner.get_vectors(ids)


class DiesBeforeCommit(Store):
    """Writes a document's vectors, then dies before its SQLite transaction commits."""

    def _commit(self, doc: Document, passages: list[Passage], sentences: np.ndarray | None,
                vectors: np.ndarray) -> None:
        raise _Killed(doc.doc_id)  # called by put_document(s) once the vectors are written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _orphans(assistant: Assistant) -> set[str]:
    return set(assistant.store.vectors.ids()) - assistant.store.docs.all_passage_ids()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    _write(folder / "a.txt", "The bridge at Hajin was destroyed.")
    _write(folder / "b.txt", "Families left Baghuz by truck.")
    return folder


def _crashed(make_assistant: MakeAssistant, store_type: type[Store] = Store) -> tuple[Assistant, DyingVectors]:
    """An assistant on the test index whose store (of ``store_type``) has a vector index that can die."""
    base = make_assistant()
    vectors = DyingVectors(make_vector_index(base.settings))
    store = store_type(base.settings, vectors=vectors)
    return Assistant(base.settings, embedder=base.embedder, store=store), vectors


def test_crash_after_vectors_before_commit(folder: Path, make_assistant: MakeAssistant) -> None:
    """Vectors written, SQLite never committed, and the file gone by the next run: no run would ever delete them."""
    crashing, _ = _crashed(make_assistant, DiesBeforeCommit)
    with pytest.raises(_Killed):
        crashing.ingest([folder / "a.txt"], progress=False)
    crashing.close()
    (folder / "a.txt").unlink()

    assistant = make_assistant()
    left = _orphans(assistant)
    assert len(left) == 1
    report = assistant.ingest([folder], progress=False)
    assert report.orphans_removed == 1 and report.ingested == 1
    assert _orphans(assistant) == set()
    assert set(assistant.store.vectors.ids()) == assistant.store.docs.all_passage_ids()
    assert "1 orphan vectors removed" in report.summary()


def test_crash_after_commit_before_old_vectors_are_deleted(folder: Path, make_assistant: MakeAssistant) -> None:
    """A changed document committed in SQLite, then killed before its old vectors were deleted."""
    crashing, vectors = _crashed(make_assistant)
    crashing.ingest([folder], progress=False)
    old = set(crashing.store.docs.passage_ids("reports/a.txt"))
    _write(folder / "a.txt", "The bridge at Hajin was repaired in March.")
    vectors.armed = True
    with pytest.raises(_Killed):
        crashing.ingest([folder], progress=False)
    crashing.close()

    assistant = make_assistant()
    assert _orphans(assistant) == old  # committed: the new version; the old vectors stayed behind
    report = assistant.ingest([folder], progress=False)
    assert report.orphans_removed == len(old)
    assert (report.unchanged, report.replaced) == (2, 0)
    assert _orphans(assistant) == set()


def test_crash_while_pruning(folder: Path, make_assistant: MakeAssistant) -> None:
    """A pruned document deleted from SQLite, then killed before its vectors were deleted."""
    crashing, vectors = _crashed(make_assistant)
    crashing.ingest([folder], progress=False)
    gone = set(crashing.store.docs.passage_ids("reports/b.txt"))
    (folder / "b.txt").unlink()
    vectors.armed = True
    with pytest.raises(_Killed):
        crashing.ingest([folder], progress=False)
    crashing.close()

    assistant = make_assistant()
    assert _orphans(assistant) == gone
    report = assistant.ingest([folder], progress=False)
    assert (report.orphans_removed, report.removed) == (len(gone), 0)
    assert _orphans(assistant) == set()


def test_summary_mentions_orphans_only_when_there_were_some() -> None:
    assert "orphan" not in IngestReport().summary()
    assert IngestReport(orphans_removed=3).summary().endswith(", 3 orphan vectors removed")


class CountingVectors(DyingVectors):
    """Counts upserts (never armed)."""

    def __init__(self, inner: VectorIndex) -> None:
        super().__init__(inner)
        self.upserts: list[int] = []

    def upsert(self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        self.upserts.append(len(ids))
        super().upsert(ids, vectors, metadatas)


def test_a_flush_writes_its_vectors_in_one_upsert(make_assistant: MakeAssistant, tmp_path: Path) -> None:
    """Ingest hands a flush's documents to Store.put_documents: one upsert for all, then one commit each."""
    folder = tmp_path / "many"
    for i in range(12):
        _write(folder / f"r{i}.txt", f"Report {i}. Shelling hit the market in Idlib on day {i}.")
    base = make_assistant()
    vectors = CountingVectors(make_vector_index(base.settings))
    assistant = Assistant(base.settings, embedder=base.embedder, store=Store(base.settings, vectors=vectors))
    report = assistant.ingest([folder], progress=False)
    assert report.ingested == 12
    assert vectors.upserts == [report.passages_added]
    assert set(vectors.ids()) == assistant.store.docs.all_passage_ids()
    assistant.close()
