"""End to end on both vector backends: the embedded store and a Chroma server (when .ci/run started one)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.core import Assistant
from assistant.embed import Embedder
from assistant.index import Store
from assistant.index.vectors import VectorIndex
from assistant.settings import Settings
from tests.conftest import DEMO_CORPUS, fake_settings


def test_ingest_ask_reingest_remove(tmp_path: Path, fake_embedder: Embedder,
                                    vector_backend: Callable[[Settings], VectorIndex | None]) -> None:
    settings = fake_settings(Settings().with_index(tmp_path / "index"))
    store = Store(settings, vectors=vector_backend(settings))
    assistant = Assistant(settings, embedder=fake_embedder, store=store)
    report = assistant.ingest([DEMO_CORPUS], progress=False)
    assert report.ingested > 0 and store.vectors.count() == store.count()[1]

    answer = assistant.ask("How many soldiers were injured in the strike on the artillery position?")
    assert answer.passages
    for c in answer.citations:
        doc = assistant.document(c.doc_id)
        assert doc is not None and doc.text[c.start:c.end] == c.quote

    again = assistant.ingest([DEMO_CORPUS], progress=False)
    assert again.texts_embedded == 0 and again.unchanged == report.ingested

    doc_id = store.documents()[0]["doc_id"]
    gone = set(store.docs.passage_ids(doc_id))
    assistant.remove(doc_id)
    assert not gone & set(store.vectors.ids())
    assert store.vectors.count() == store.count()[1]
    assistant.close()


def test_two_folders_on_one_collection_never_reconcile_each_other_away(
    tmp_path: Path, fake_embedder: Embedder, vector_backend: Callable[[Settings], VectorIndex | None]
) -> None:
    """Two index folders with the same settings share one server collection; a crash leftover of one folder
    is deleted by its next ingest, the other folder's vectors are not."""
    first = fake_settings(Settings().with_index(tmp_path / "a"))
    second = first.with_index(tmp_path / "b")
    vectors_a = vector_backend(first)
    if vectors_a is None:  # embedded: each folder has its own Chroma anyway
        return
    vectors_b = vector_backend(second)
    assert vectors_b is not None
    vectors_b.name = vectors_a.name  # type: ignore[attr-defined]
    vectors_b.shared = vectors_a.shared = True  # type: ignore[attr-defined]
    a = Assistant(first, embedder=fake_embedder, store=Store(first, vectors=vectors_a))
    b = Assistant(second, embedder=fake_embedder, store=Store(second, vectors=vectors_b))
    a.ingest([DEMO_CORPUS / "wire"], progress=False)
    theirs = set(vectors_a.ids())
    assert theirs
    leftover = fake_embedder.embed(["a crash left this"])
    vectors_b.upsert(["b-orphan"], leftover, [{"doc_id": "x", "index": b.store.docs.index_id()}])
    report = b.ingest([DEMO_CORPUS / "wire"], progress=False)
    assert report.orphans_removed == 1
    assert theirs <= set(vectors_a.ids())  # a's vectors survive b's reconcile
    a.close()
    b.close()
