"""The store: SQLite documents (the truth), a vector index and a lexical index, kept in step.

Per document, vectors are written first and the SQLite transaction commits last, so SQLite never names a
passage without a vector; vectors without a committed passage (a crash in between, or before old vectors were
deleted) are ignored at query time and deleted by ``reconcile()`` at the start of the next ingest.
The lexical index (BM25 postings and passage frequencies, assistant.index.lexical) lives in the same database
and is written in the same transaction as the passages; only a Lexicon change refills it.
Writers hold ``write_lock()`` (one inter-process lock per index folder); readers never take it.

On a Chroma server (``index.chroma_url``) the server is the truth and SQLite a cache of it (see
assistant.index.shared): every write goes to the server's records first, and ``refresh()`` (before each
question, ingest and removal) brings the cache in step with the server's document hashes.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embed import Embedder
from assistant.errors import ConfigError, NotInIndexError
from assistant.index.documents import UNFILLED_VECTORS, DocumentStore
from assistant.index.lexical import LexicalIndex
from assistant.index.lock import write_lock
from assistant.index.sentences import SentenceVectors, sentence_rows
from assistant.index.shared import ServerRecords
from assistant.index.textscan import FoldedTexts
from assistant.index.vectors import VectorIndex, make_vector_index
from assistant.knowledge import Lexicon, load_knowledge
from assistant.models import Document, Filters, Passage, PassageView, RemoveReport, RootInfo
from assistant.settings import Settings


def date_int(value: date | None) -> int | None:
    """A date as YYYYMMDD, the form vector metadata filters compare."""
    return value.year * 10000 + value.month * 100 + value.day if value else None


#: Most parsed passage views kept between questions (per index generation; see ``Store.views``).
_VIEW_CACHE = 4_000

#: Most vectors in one upsert of ``Store.put_documents`` (Chroma limits a batch's size).
_UPSERT_BATCH = 1000


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
        self.folded = FoldedTexts(self.docs.passage_texts_batched, self.docs.generation)  # regex search of passages
        self._lock = threading.RLock()
        make_records = getattr(self.vectors, "records", None)
        self.records: ServerRecords | None = make_records() if make_records else None
        self._synced: str | None = None  # the server's state token at the last refresh
        self._checked = -1e9  # time.monotonic() of the last look at it
        self._bumped: float | None = None  # time.monotonic() of this store's last token bump
        self._pending = False  # writes not announced yet (see _announce)
        self._dates: tuple[int, list[int]] = (-1, [])  # (generation, sorted publication dates of stored passages)
        self._views: tuple[int, dict[str, PassageView]] = (-1, {})  # (generation, passage id -> view)

    @property
    def shared(self) -> bool:
        """Whether a Chroma server holds the truth (this folder's SQLite is a cache of it)."""
        return self.records is not None

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
        """Delete vectors that have no committed passage (left by a crash); returns how many. Hold the lock.

        On a server the committed passages are those of the server's document records, and only vectors (and
        record blobs) this folder wrote are candidates: another writer's in-flight document is never touched.
        """
        with self._lock:
            if self.records is not None:
                self.refresh(force=True)
                listing = self.records.listing()
                committed = {pid for r in listing.values() for pid in r.passage_ids}
                self.records.delete_blobs(self.records.orphan_blobs(self.docs.index_id(), listing))
            else:
                committed = self.docs.all_passage_ids()
            # On a shared server only this folder's vectors are candidates: another folder's are not orphans.
            shared = getattr(self.vectors, "shared", False)
            stored = self.vectors.ids({"index": self.docs.index_id()}) if shared else self.vectors.ids()
            orphans = [pid for pid in stored if pid not in committed]
            self.vectors.delete(orphans)
            return len(orphans)

    def refresh(self, force: bool = False) -> int:
        """On a server: bring the local cache in step with the server's records (documents whose hash differs
        fetched, documents the server no longer has dropped, roots copied); returns the documents changed.
        One small request when nothing was written since the last refresh. No-op without a server."""
        if self.records is None:
            return 0
        with self._lock:
            if not force and time.monotonic() - self._checked < self.settings.index.sync_interval_s:
                return 0
            self._checked = time.monotonic()
            token = self.records.token()
            if not force and token is not None and token == self._synced:
                return 0
            listing = self.records.listing()
            if not listing and not self.exists():
                self._synced = token
                return 0
            me = self.docs.index_id()
            roots = self.records.roots()
            if self.docs.get_meta(f"published:{self.records.name}") is None:
                if self._publish_local(listing, roots, me):
                    listing, roots = self.records.listing(), self.records.roots()
                self.docs.set_meta(f"published:{self.records.name}", "1")
            local = self.docs.doc_hashes()
            changed = 0
            for doc_id in local:
                if doc_id not in listing:
                    self.docs.remove(doc_id)  # the cache only: the server's vectors are not ours to delete here
                    changed += 1
            wanted = [r for d, r in listing.items() if local.get(d, ("",))[0] != r.content_hash]
            fetched = self.records.fetch(wanted)
            for doc, passages, rows in fetched:
                self._put_local(doc, passages, rows)
                changed += 1
            self.docs.set_roots({n: r.path for n, r in roots.items() if r.owner == me},
                                {n: (r.path, r.owner) for n, r in roots.items() if r.owner != me})
            self._synced = token if len(fetched) == len(wanted) else None
            return changed

    def _publish_local(self, listing: dict[str, Any], roots: dict[str, Any], me: str) -> int:
        """Once per index folder and server: publish what this folder stored before the server held document
        records (an index written by an older version against the server), so upgrading loses nothing. Only
        documents of roots whose name is free (or this folder's) on the server and whose vectors it holds are
        published; the rest is dropped from the cache by the refresh (ingest embeds them again)."""
        assert self.records is not None
        own = {n: p for n, p in self.docs.roots().items() if n not in roots or roots[n].owner == me}
        candidates = [d for d, (_, root) in self.docs.doc_hashes().items() if root in own and d not in listing]
        if not candidates:
            return 0
        present = set(self.vectors.ids({"index": me}))
        published = 0
        for name, path in own.items():
            if name not in roots:
                self.records.put_root(name, path, me)
        for doc_id in candidates:
            doc, passages = self.docs.document(doc_id), self.docs.doc_passages(doc_id)
            if doc is None or not passages or any(p.passage_id not in present for p in passages):
                continue
            stored = self.docs.sentence_vectors([(p.passage_id, s) for p in passages for s, _ in p.sentences])
            rows = [(pid, start, np.asarray(sv, dtype=np.float16).tobytes(), np.asarray(wv, dtype=np.float16).tobytes())
                    for (pid, start), (sv, wv) in sorted(stored.items())]
            self.records.put_document(doc, passages, rows, me)
            published += 1
        self.records.bump()
        return published

    def _put_local(self, doc: Document, passages: list[Passage], rows: Sequence[tuple[str, int, bytes, bytes]],
                   vectors: np.ndarray | None = None) -> None:
        self.lexical.ensure()
        self.docs.put(doc, passages, [self.lexical.encode(p.text) for p in passages], vectors)
        self.docs.put_sentence_vectors(rows)

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content hash, root name)."""
        return self.docs.doc_hashes()

    def roots(self) -> dict[str, str]:
        """Root name -> resolved folder path of this folder's roots (on a server: those it owns)."""
        return self.docs.roots() if self.exists() else {}

    def reserved_roots(self) -> set[str]:
        """Names of roots other index folders own on a shared server: never reused, moved or absorbed here."""
        return set(self.docs.foreign_roots()) if self.exists() else set()

    def all_roots(self) -> dict[str, str]:
        """Every root name -> path, this folder's first, then other folders' on a shared server."""
        return {**self.docs.foreign_roots(), **self.docs.roots()} if self.exists() else {}

    def add_root(self, name: str, path: str) -> None:
        self.docs.add_root(name, path)
        if self.records is not None:
            self.records.put_root(name, path, self.docs.index_id())
            self.records.bump()

    def move_root(self, name: str, path: str) -> None:
        self.docs.move_root(name, path)
        if self.records is not None:
            self.records.put_root(name, path, self.docs.index_id())
            self.records.bump()

    def absorb_root(self, name: str, into: str, prefix: str) -> int:
        """Make root ``name`` (a folder inside root ``into``) part of ``into``: ``name/x`` becomes
        ``into/prefix/x`` and ``name`` is forgotten; returns the number of documents renamed.

        Only SQLite changes; the renamed documents' content hashes no longer match (the id is part of them), so
        the next sync of their files embeds them again, replacing their vectors. A document already stored under
        the new id is the same file: the absorbed copy is dropped.
        """
        with self._lock:
            old = self.docs.root_doc_ids(name)
            if self.records is not None:  # on a server: the child's records go; the outer sync stores them anew
                self.remove_documents(old)
                self.drop_root(name)
                return len(old)
            renamed = {d: f"{into}/{prefix}/{d[len(name) + 1:]}" for d in old}
            clash = [d for d, new in renamed.items() if self.docs.document(new) is not None]
            self.remove_documents(clash)
            self.docs.absorb_root(name, into, f"{into}/{prefix}/")
            return len(old) - len(clash)

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray,
                     sentences: np.ndarray | None = None) -> None:
        """Replace a document and its passages: vectors first, SQLite commit last (see module docstring);
        ``sentences``: the rows of ``sentence_texts(passages)`` (the answerer's vectors), stored with it.
        On a server the document record is the commit point, written after the vectors, before the cache."""
        self.put_documents([(doc, passages, vectors, sentences)])

    def put_documents(self, items: Sequence[tuple[Document, list[Passage], np.ndarray, np.ndarray | None]]) -> None:
        """``put_document`` for several documents (an ingest flush): the vectors of all of them first, in few
        upserts (one per document cost ~25 ms each), then each document committed in turn. A crash in between
        leaves vectors without committed passages, which ``reconcile()`` deletes, as for one document."""
        with self._lock:
            ids: list[str] = []
            rows: list[np.ndarray] = []
            metas: list[dict[str, Any]] = []
            for doc, passages, vectors, _ in items:
                if passages:
                    meta = {**self._vector_meta(doc), "index": self.docs.index_id()}
                    ids += [p.passage_id for p in passages]
                    rows.append(np.asarray(vectors, dtype=np.float32)[:len(passages)])
                    metas += [meta] * len(passages)
            if ids:
                stacked = np.concatenate(rows)
                for at in range(0, len(ids), _UPSERT_BATCH):
                    self.vectors.upsert(ids[at:at + _UPSERT_BATCH], stacked[at:at + _UPSERT_BATCH],
                                        metas[at:at + _UPSERT_BATCH])
            for doc, passages, vectors, sentences in items:
                self._commit(doc, passages, sentences, np.asarray(vectors, dtype=np.float32)[:len(passages)])

    def _commit(self, doc: Document, passages: list[Passage], sentences: np.ndarray | None,
                vectors: np.ndarray) -> None:
        """The rest of ``put_document`` once the vectors are stored: records (on a server), SQLite, old vectors."""
        with self._lock:
            new_ids = {p.passage_id for p in passages}
            old_ids = set(self.docs.passage_ids(doc.doc_id))
            known = bool(old_ids) or self.docs.document(doc.doc_id) is not None
            derived = self.settings.index.derived_vectors != "none"
            rows = sentence_rows(passages, sentences, derived) if sentences is not None else []
            if self.records is not None:
                previous = self.records.put_document(doc, passages, rows, self.docs.index_id(), known)
                old_ids |= set(previous.passage_ids if previous else ())
            self._put_local(doc, passages, rows, vectors)
            self.vectors.delete([pid for pid in old_ids if pid not in new_ids])
            self._announce()

    def put_sentence_vectors(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        """Store the answerer's sentence and window vectors of committed passages (assistant.index.sentences):
        ``vectors`` holds the rows of ``sentence_texts(passages)``."""
        self.docs.put_sentence_vectors(sentence_rows(passages, vectors, self.settings.index.derived_vectors != "none"))

    def sentence_vectors(self, embedder: Embedder) -> SentenceVectors:
        """What the extractive answerer reads sentence vectors from (stored rows, else embedded and stored)."""
        return SentenceVectors(self.docs, embedder, derived=self.settings.index.derived_vectors != "none")

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
                ids = set()
                if self.records is not None:  # the server's record first: the removal's commit point
                    previous = self.records.remove_document(doc_id)
                    ids |= set(previous.passage_ids if previous else ())
                ids |= set(self.docs.remove(doc_id))
                self.vectors.delete(sorted(ids))
            if doc_ids:
                self._announce(now=True)

    def drop_root(self, name: str) -> None:
        self.docs.drop_root(name)
        if self.records is not None:
            self.records.remove_root(name)
            self.records.bump()

    def remove(self, target: str) -> RemoveReport:
        """Remove a root (``NAME``: all its documents) or a document (``NAME/path``, or every record of a file).

        Raises NotInIndexError when nothing by that name is stored. Hold the writer lock.
        """
        with self._lock:
            self.refresh(force=True)
            roots = self.all_roots()
            if target in roots:
                doc_ids = self.docs.root_doc_ids(target)
                self.remove_documents(doc_ids)
                self.drop_root(target)
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

    def _announce(self, now: bool = False) -> None:
        """Tell readers on the server that something was written: the state token is replaced at most once a
        second during a run (and always at ``finish``), so a big ingest does not write it per document."""
        if self.records is None:
            return
        if now or self._bumped is None or time.monotonic() - self._bumped >= 1.0:
            self.records.bump()
            self._bumped = time.monotonic()
            self._pending = False
        else:
            self._pending = True

    def finish(self) -> None:
        """After a run: nothing to rebuild (the lexical index is written with each passage, and so are the
        annotations, filled here for passages stored without them); the common terms' postings packed where
        missing or stale (``LexicalIndex.pack``); on a server, the last writes announced."""
        self.lexical.ensure()
        self.docs.fill_annotations()
        self.fill_passage_vectors()
        self.lexical.pack()
        if self._pending:
            self._announce(now=True)

    def fill_passage_vectors(self, batch: int = 5000) -> int:
        """Copy into the document store the vectors of passages stored without one (an index from before they
        were kept there), from the vector index, a batch per commit; returns how many. Looks only when a passage
        may lack one (the mark ``put`` leaves), so an unchanged re-ingest does not read every passage."""
        if self.shared or not self.exists() or self.docs.get_meta(UNFILLED_VECTORS) == "0":
            return 0
        done = 0
        with self._lock:
            while ids := self.docs.without_vectors(batch):
                found = self.vectors.get_vectors(ids)
                self.docs.put_passage_vectors(list(found.items()))
                done += len(found)
                if len(found) < len(ids):  # passages without vectors in the index: reconcile's business
                    return done
            self.docs.set_meta(UNFILLED_VECTORS, "0")
        return done

    def dated_vectors(self, first: date, last: date, filters: Filters | None = None
                      ) -> tuple[list[str], np.ndarray] | None:
        """(ids, vectors) of the passages published from ``first`` to ``last`` that pass ``filters``' documents and
        sources, from the document store; None on a shared server (another folder's passages are not all here) or
        while some passage may lack its stored vector."""
        return None if self.shared or not self.exists() else self.docs.vectors_where(first, last, filters)

    # --- reading ----------------------------------------------------------------------------------------

    def count(self) -> tuple[int, int]:
        return self.docs.count()

    def has_documents(self) -> bool:
        return self.docs.has_documents()

    def document(self, doc_id: str) -> Document | None:
        return self.docs.document(doc_id) if self.exists() else None

    def lead(self, doc_id: str) -> str | None:
        return self.docs.lead(doc_id) if self.exists() else None

    def documents(self) -> list[dict[str, Any]]:
        return self.docs.documents()

    def root_infos(self) -> list[RootInfo]:
        """Every root with its document count and whether its folder still exists."""
        if not self.exists():
            return []
        counts = self.docs.root_counts()
        return [RootInfo(name=name, path=path, documents=counts.get(name, 0), exists=Path(path).is_dir())
                for name, path in sorted(self.all_roots().items())]

    def match_doc_ids(self, name: str) -> list[str]:
        """``name`` if it is a stored id, else the ids ending in ``/name``."""
        return self.docs.match_doc_ids(name) if self.exists() else []

    def sources(self) -> list[str]:
        return self.docs.sources()

    def views(self, passage_ids: Iterable[str]) -> dict[str, PassageView]:
        """Passages joined with their document fields (ids not committed are absent); parsed views are kept per
        index generation (up to ``_VIEW_CACHE``), so a passage retrieved again costs no SQL or JSON parsing. The
        views are shared: callers copy (``model_copy``) rather than change them."""
        ids = list(passage_ids)
        generation = self.docs.generation()
        if self._views[0] != generation or len(self._views[1]) > _VIEW_CACHE:
            self._views = (generation, {})
        cache = self._views[1]
        missing = [pid for pid in ids if pid not in cache]
        if missing:
            cache.update(self.docs.views(missing))
        return {pid: cache[pid] for pid in ids if pid in cache}

    def published_between(self, first: date, last: date) -> bool:
        """Whether a stored passage's document was published from ``first`` to ``last`` (inclusive). The dated
        search asks this before Chroma's filtered query, which costs ~20 ms at 20k passages even when no passage
        matches; the distinct dates are read once per index generation."""
        generation = self.docs.generation()
        if self._dates[0] != generation:
            self._dates = (generation, self.docs.published_dates())
        dates = self._dates[1]
        at = bisect.bisect_left(dates, date_int(first) or 0)
        return at < len(dates) and dates[at] <= (date_int(last) or 0)

    def generation(self) -> int:
        return self.docs.generation()

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        return self.lexical.idf(terms) if self.exists() else {t: 0.0 for t in terms}
