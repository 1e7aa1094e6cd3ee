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
