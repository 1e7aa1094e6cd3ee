"""The Assistant: the one object behind ``ask()``, the CLI, the Gradio app and the eval."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.compose import Answerer, make_answerer, verify
from assistant.embed import Embedder, make_embedder
from assistant.errors import IndexEmptyError, SitrepError
from assistant.models import Answer, Document, Filters, IngestReport, RetrievedPassage
from assistant.prompts import load_prompts
from assistant.retrieve import hybrid_search
from assistant.settings import Settings
from assistant.store import Store


class Assistant:
    """Ingest, retrieve and answer over one index; every backend can be injected."""

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None,
        store: Store | None = None, answerer: Answerer | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.prompts = load_prompts()
        self.embedder = embedder or make_embedder(self.settings.embedding)
        self.store = store or Store(self.settings)
        self.answerer = answerer or make_answerer(self.settings.answer, self.embedder, self.store.idf)
        self._lock = threading.Lock()

    def ingest(self, paths: Sequence[Path | str], prune: bool | None = None,
               progress: bool | None = None) -> IngestReport:
        from ingest import ingest_paths

        with self._lock:
            return ingest_paths([Path(p) for p in paths], self.store, self.embedder, self.settings,
                                prune=prune, progress=progress)

    def retrieve(self, question: str, filters: Filters | None = None, k: int | None = None) -> list[RetrievedPassage]:
        self._require_documents()
        vector = self.embedder.embed([question])[0]
        return hybrid_search(self.store, question, vector, self.settings.retrieval, filters, k)

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        """Answer with citations, or abstain; raises SitrepError for an empty question or index."""
        question = question.strip()
        if not question:
            raise SitrepError("The question is empty.")
        started = time.perf_counter()
        retrieved = self.retrieve(question, filters, k)
        retrieved_at = time.perf_counter()
        answer = self.answerer.answer(question, retrieved)
        answer = verify(answer, self._doc_text)
        done = time.perf_counter()
        timings = {"retrieve": retrieved_at - started, "answer": done - retrieved_at, "total": done - started}
        return answer.model_copy(update={"timings": timings})

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id) if self.store.exists() else None

    def stats(self) -> dict[str, Any]:
        docs, passages = self.store.count()
        return {"index": str(self.store.dir), "collection": self.store.collection_name, "documents": docs,
                "passages": passages, "embedding_model": self.settings.embedding.model}

    def _doc_text(self, doc_id: str) -> str | None:
        doc = self.store.document(doc_id)
        return doc.text if doc else None

    def _require_documents(self) -> None:
        if self.store.count()[0] == 0:
            raise IndexEmptyError(self.settings.index.dir)


_DEFAULT: dict[str, Assistant] = {}


def ask(question: str, *, index: str | Path | None = None, filters: Filters | None = None,
        k: int | None = None, settings: Settings | None = None) -> Answer:
    """Answer a question over the default (or given) index; the Assistant is built once per index."""
    settings = (settings or Settings()).with_index(index)
    key = settings.model_dump_json()
    if key not in _DEFAULT:
        _DEFAULT[key] = Assistant(settings)
    return _DEFAULT[key].ask(question, filters=filters, k=k)
