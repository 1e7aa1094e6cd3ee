"""The Assistant: the one object behind ``ask()``, the CLI, the Gradio app and the eval.

One question goes one way: analysed once (``Question``) -> hybrid retrieval -> answerer -> verify -> Answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answer import Analyser, Answerer, Question, make_answerer, verify
from assistant.embed import Embedder, make_embedder
from assistant.errors import IndexEmptyError, QuestionError
from assistant.index import Store, hybrid_search
from assistant.knowledge import Lexicon, load_knowledge
from assistant.models import Answer, Document, Filters, IngestReport, RemoveReport, RetrievedPassage, RootInfo
from assistant.prompts import load_prompts
from assistant.settings import Settings, load_settings


class Assistant:
    """Ingest, retrieve and answer over one index; every backend can be injected."""

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None,
        store: Store | None = None, answerer: Answerer | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.prompts = load_prompts()
        self.knowledge = load_knowledge(self.settings.knowledge.actors_file)
        self.lexicon = store.lexicon if store else Lexicon(self.knowledge.actors)
        self.analyser = Analyser(self.knowledge, self.lexicon)
        self.embedder = embedder or make_embedder(self.settings.embedding)
        self.store = store or Store(self.settings, self.lexicon)
        self.answerer = answerer or make_answerer(self.settings.answer, self.embedder, self.store.idf, self.analyser)
        self.sentence_vectors = self.store.sentence_vectors(self.embedder)  # stored at ingest (index.sentences)
        if answerer is None and hasattr(self.answerer, "vectors"):
            self.answerer.vectors = self.sentence_vectors
        self._lock = threading.Lock()

    def ingest(self, paths: Sequence[Path | str], prune: bool | None = None,
               progress: bool | None = None) -> IngestReport:
        """Sync files and folders into the index (each folder a root, see ingest.roots).

        Holds the index's writer lock: raises IndexLockedError when another writer keeps it longer than
        ``ingest.lock_timeout_s``.
        """
        from ingest import ingest_paths

        with self._lock:
            return ingest_paths([Path(p) for p in paths], self.store, self.embedder, self.settings,
                                prune=prune, progress=progress)

    def remove(self, target: str) -> RemoveReport:
        """Remove a root (``NAME``, all its documents) or a document (``NAME/path``; a file's records too).

        A removed document comes back if its folder is ingested again while the file is still there.
        Raises NotInIndexError for an unknown name and IndexLockedError when another writer holds the index.
        """
        with self._lock, self.store.write_lock():
            report = self.store.remove(target)
            self.store.finish()
            return report

    def roots(self) -> list[RootInfo]:
        """Every ingested root: name, path, document count, whether the folder still exists."""
        return self.store.root_infos()

    def resolve_doc_id(self, doc: str, folder: Path | str | None = None) -> str | None:
        """The stored id of a document named by its path relative to a folder (e.g. a gold file's ``doc``).

        With ``folder``: ``ROOT/sub/doc`` for the root holding that folder (None when it was never ingested).
        Without: ``doc`` itself when it is a stored id, else the only id ending in ``/doc`` (None when there
        is none, or several).
        """
        if folder is not None:
            real = Path(folder).resolve()
            real = real.parent if real.is_file() else real  # a corpus given as one file: its folder
            roots = {name: Path(path) for name, path in self.store.roots().items()}
            holding = sorted((len(p.parts), name) for name, p in roots.items() if real.is_relative_to(p))
            if not holding:
                return None
            name = holding[0][1]
            rel = real.relative_to(roots[name]).as_posix()
            return f"{name}/{doc}" if rel == "." else f"{name}/{rel}/{doc}"
        matches = self.store.match_doc_ids(doc)
        return matches[0] if len(matches) == 1 else None

    def question(self, text: str) -> Question:
        """The analysis every later stage reads; raises QuestionError for an empty question."""
        if not text.strip():
            raise QuestionError("The question is empty.")
        return self.analyser.question(text)

    def retrieve(self, question: str | Question, filters: Filters | None = None,
                 k: int | None = None) -> list[RetrievedPassage]:
        q = question if isinstance(question, Question) else self.question(question)
        _check_options(filters, k)
        self._require_documents()
        vector = self.sentence_vectors.question(q.text)
        return hybrid_search(self.store, q.search_tokens, vector, self.settings.retrieval, filters, k)

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        """Answer with citations, or abstain with the refusal.

        Raises QuestionError for an empty question, an inverted date range or k < 1, and IndexEmptyError
        when nothing is ingested: those are mistakes to fix, not questions the corpus cannot answer.
        """
        started = time.perf_counter()
        q = self.question(question)
        retrieved = self.retrieve(q, filters, k)
        retrieved_at = time.perf_counter()
        answer = verify(self.answerer.answer(q, retrieved), self._doc_text)
        done = time.perf_counter()
        timings = {"retrieve": retrieved_at - started, "answer": done - retrieved_at, "total": done - started}
        return answer.model_copy(update={"timings": timings})

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def stats(self) -> dict[str, Any]:
        docs, passages = self.store.count()
        return {"index": str(self.store.dir), "collection": self.store.collection_name, "documents": docs,
                "passages": passages, "embedding_model": self.settings.embedding.model,
                "roots": [r.model_dump() for r in self.roots()]}

    def close(self) -> None:
        self.store.close()

    def _doc_text(self, doc_id: str) -> str | None:
        doc = self.store.document(doc_id)
        return doc.text if doc else None

    def _require_documents(self) -> None:
        if self.store.count()[0] == 0:
            raise IndexEmptyError(self.settings.index.dir)


def _check_options(filters: Filters | None, k: int | None) -> None:
    if k is not None and k < 1:
        raise QuestionError(f"k must be at least 1, got {k}")
    if filters and filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise QuestionError(f"the date range is empty: since {filters.date_from} is after until {filters.date_to}")


_DEFAULT: dict[str, Assistant] = {}


def ask(question: str, *, index: str | Path | None = None, filters: Filters | None = None,
        k: int | None = None, settings: Settings | None = None) -> Answer:
    """Answer a question over the default (or given) index; the Assistant is built once per index."""
    settings = (settings or load_settings()).with_index(index)
    key = settings.model_dump_json()
    if key not in _DEFAULT:
        _DEFAULT[key] = Assistant(settings)
    return _DEFAULT[key].ask(question, filters=filters, k=k)
