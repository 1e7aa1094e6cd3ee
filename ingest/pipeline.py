"""Folder sync: files -> documents -> passages -> vectors, handed to a sink (the store) one document at a time.

Each document is committed by the sink as a unit after its vectors exist, so a run killed half-way leaves
every committed document answerable, and the next run (content hashes) only does the rest.
Every document belongs to a root (ingest.roots) and pruning never reaches beyond the folder being synced;
files that fail to load and folders that cannot be read (ingest.walk) keep their stored documents.
Evidence frames (assistant.knowledge.frames) are read per flush, like the vectors, so spaCy sees big batches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from assistant.index.sentences import passage_means, sentence_texts
from assistant.knowledge import Lexicon, load_knowledge
from assistant.knowledge.frames import FrameReader
from assistant.models import Document, IngestReport, Passage, SkippedFile
from assistant.settings import Settings
from ingest.chunk import chunk_document
from ingest.loaders import LOADERS, LoadError, load_file
from ingest.roots import RootRegistry, Target, plan
from ingest.walk import follow_link, walk_folder

log = logging.getLogger(__name__)


class PassageSink(RootRegistry, Protocol):
    """What ingest needs from a store; it never learns which store it is."""

    def write_lock(self) -> AbstractContextManager[None]:
        """Held for a whole run: one writer per index at a time."""
        ...

    def reconcile(self) -> int:
        """Delete vectors without a committed passage (an earlier crash); returns how many."""
        ...

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content hash, root name) of everything stored."""
        ...

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray,
                     sentences: np.ndarray | None = None) -> None:
        """Store one document (``sentences``: the answerer's vectors, passed only to a sink that has
        ``put_sentence_vectors``)."""
        ...

    # A sink may also have ``put_documents(items)``: the same for the (doc, passages, vectors, sentences) of a
    # whole flush, vectors first (assistant.index.store.Store.put_documents); ingest uses it when present.

    def remove_documents(self, doc_ids: Sequence[str]) -> None: ...

    def finish(self) -> None:
        """Called once after a run (rebuild derived indexes)."""
        ...


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def frame_reader(settings: Settings, lexicon: Lexicon | None = None) -> FrameReader | None:
    """The reader of evidence frames for an ingest run, or None when ``frames.enabled`` is off."""
    if not settings.frames.enabled:
        return None
    knowledge = load_knowledge(settings.knowledge.actors_file)
    return FrameReader(knowledge, lexicon or Lexicon(knowledge.actors), settings.frames)


@dataclass
class _Pending:
    docs: list[tuple[Document, list[Passage], bool]] = field(default_factory=list)
    n_passages: int = 0


@dataclass
class _Run:
    """State of one ingest run."""

    stored: dict[str, tuple[str, str]]
    seen: set[str] = field(default_factory=set)  # ids of documents found in the files this run
    protected: set[str] = field(default_factory=set)  # ids (files, folders) whose stored documents are kept
    files: set[Path] = field(default_factory=set)  # real paths already loaded (a file is never loaded twice)
    pending: _Pending = field(default_factory=_Pending)

    def is_protected(self, doc_id: str) -> bool:
        """Whether ``doc_id`` lies in a protected file (``f`` or ``f#record``) or folder (``d/...``)."""
        cuts = [i for i, ch in enumerate(doc_id) if ch in "/#"]
        return doc_id in self.protected or any(doc_id[:i] in self.protected for i in cuts)


def discover(paths: Sequence[Path]) -> Iterator[tuple[Path, Path, str]]:
    """(root, file, path relative to the folder) for every file of the given folders and files.

    Hidden and '_'-prefixed names are skipped, as are links out of the folder (see ingest.walk).
    """
    for path in paths:
        if not path.exists():
            raise LoadError(str(path), "no such file or folder")
        if path.is_file():
            yield path.parent.resolve(), path, path.name
            continue
        root = path.resolve()
        for file, rel in walk_folder(root, root).files:
            yield root, file, rel


def content_hash(doc: Document) -> str:
    fields = doc.model_dump(mode="json", exclude={"content_hash", "path", "root"})
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def ingest_paths(
    paths: Sequence[Path], sink: PassageSink, embedder: TextEmbedder, settings: Settings,
    prune: bool | None = None, progress: bool | None = None, frames: FrameReader | None = None,
) -> IngestReport:
    """Bring the sink in step with the given files and folders (see the module docstring and ingest.roots).

    Holds the sink's writer lock for the whole run; first deletes vectors an earlier crash left behind.
    ``frames`` reads the passages' evidence frames (default: one built from the settings, None when disabled).
    """
    started = time.perf_counter()
    report = IngestReport()
    prune = settings.ingest.prune if prune is None else prune
    reader = frames or frame_reader(settings, getattr(sink, "lexicon", None))
    # Frames are read on one worker thread while the main thread embeds (onnxruntime and spaCy's matrix code
    # release the GIL); spaCy starts loading there at once, while files are read and vectors reconciled.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitrep-frames") as worker, sink.write_lock():
        if reader is not None:
            worker.submit(lambda: reader.nlp)
        report.orphans_removed = sink.reconcile()
        targets = plan(paths, sink, report)
        run = _Run(stored=sink.doc_hashes())
        files = [(t, file, rel) for t in targets for file, rel in _files(t, run, report, settings)]
        show = sys.stderr.isatty() if progress is None else progress
        for target, file, rel in tqdm(files, desc="ingest", unit="file", disable=not show):
            _load(target, file, rel, run, report, settings)
            if run.pending.n_passages >= 256:
                _flush(run.pending, sink, embedder, report, reader, settings, worker)
        _flush(run.pending, sink, embedder, report, reader, settings, worker)
        if prune:
            for target in targets:
                if target.is_folder:
                    _sync(target, run, sink, report)
        finishing = time.thread_time()
        sink.finish()
        _add_cpu(report, "store", time.thread_time() - finishing)
    report.seconds = time.perf_counter() - started
    return report


def _files(target: Target, run: _Run, report: IngestReport, settings: Settings) -> list[tuple[Path, str]]:
    """The loadable files of a target (walk problems reported, their paths protected from pruning)."""
    follow = settings.ingest.follow_external_links
    if target.is_folder:
        walk = walk_folder(target.path, target.root_path, follow)
        report.skipped += walk.problems
        run.protected |= {target.doc_id(rel).rstrip("/") for rel in walk.protected}  # "": the whole root
        found = walk.files
    else:
        rel = (target.folder / target.path.name).relative_to(target.root_path).as_posix()
        link = follow_link(target.path, target.folder, follow) if target.path.is_symlink() else None
        if link is not None and link.target is None:
            report.skipped.append(SkippedFile(path=str(target.path), reason=link.reason))
            if link.keep:
                run.protected.add(target.doc_id(rel))
            return []
        found = [(target.path, rel)]
    out = []
    for file, rel in found:
        if file.suffix.lower() not in LOADERS:
            report.skipped.append(SkippedFile(path=str(file), reason=f"unsupported file type {file.suffix}"))
            continue
        real = file.resolve()
        if real not in run.files:
            run.files.add(real)
            out.append((file, rel))
    return out


def _load(target: Target, file: Path, rel: str, run: _Run, report: IngestReport, settings: Settings) -> None:
    try:
        docs, problems = load_file(file, rel, settings.ingest)
    except LoadError as exc:
        report.skipped.append(SkippedFile(path=exc.path, reason=exc.reason))
        run.protected.add(target.doc_id(rel))
        return
    for problem in problems:  # record-level: the loader names them relative to the root folder
        where = problem.path if Path(problem.path).is_absolute() else target.doc_id(problem.path)
        report.skipped.append(SkippedFile(path=where, reason=problem.reason))
    if problems:
        run.protected.add(target.doc_id(rel))
    for doc in docs:
        doc.doc_id = target.doc_id(doc.doc_id)
        doc.root = target.root
        _stage(doc, run, report, settings)


def _sync(target: Target, run: _Run, sink: PassageSink, report: IngestReport) -> None:
    """After a folder target: remove the documents under it whose files are gone (not the protected ones)."""
    scope = target.scope
    gone = [doc_id for doc_id, (_, root) in run.stored.items()
            if root == target.root and doc_id.startswith(scope) and doc_id not in run.seen
            and not run.is_protected(doc_id)]
    if gone:
        sink.remove_documents(gone)
        report.removed += len(gone)


def _stage(doc: Document, run: _Run, report: IngestReport, settings: Settings) -> None:
    if doc.doc_id in run.seen:
        report.skipped.append(SkippedFile(path=doc.path, reason=f"duplicate document id {doc.doc_id!r}"))
        return
    run.seen.add(doc.doc_id)
    doc.content_hash = content_hash(doc)
    previous = run.stored.get(doc.doc_id)
    if previous and previous[0] == doc.content_hash:
        report.unchanged += 1
        return
    passages = chunk_document(doc, settings.chunking)
    if not passages:
        report.skipped.append(SkippedFile(path=doc.path, reason="no text"))
        return
    run.pending.docs.append((doc, passages, previous is not None))
    run.pending.n_passages += len(passages)


def _flush(pending: _Pending, sink: PassageSink, embedder: TextEmbedder, report: IngestReport,
           reader: FrameReader | None, settings: Settings, worker: Executor | None = None) -> None:
    if not pending.docs:
        return
    framed: Future[float] | None = None
    if reader is not None:  # beside the embedding when there is a worker; done before anything is stored
        if worker is not None:
            framed = worker.submit(_read_frames, pending, reader)
        else:
            _add_cpu(report, "frames", _read_frames(pending, reader))
    texts = [p.text for _, passages, _ in pending.docs for p in passages]
    # The answerer's sentence vectors ride in the same batch (assistant.index.sentences); a sink without them
    # (or the setting off) leaves them to the first question.
    put_sentences = getattr(sink, "put_sentence_vectors", None) if settings.index.sentence_vectors else None
    derive = settings.index.derived_vectors
    sentence_parts = ([sentence_texts(passages, derive != "none") for _, passages, _ in pending.docs]
                      if put_sentences or derive == "all" else [])
    flat = [t for part in sentence_parts for t in part]
    pooled = (_embed_pooled(pending, embedder, settings, flat)
              if derive == "pooled" and flat and hasattr(embedder, "embed_pooled") else None)
    if pooled is not None:  # 'pooled': sentence vectors from the passages' own forward pass
        vectors = pooled
    elif derive == "all":  # only sentences embedded, each passage's vector their mean
        vectors = _embed_derived(pending, embedder, flat)
    else:
        vectors = embedder.embed(_titled(pending, settings) + flat)
    report.texts_embedded += len(texts)
    if framed is not None:
        _add_cpu(report, "frames", framed.result())
    stored = time.thread_time()
    offset, extra = 0, len(texts)
    items: list[tuple[Document, list[Passage], np.ndarray, np.ndarray | None]] = []
    for i, (doc, passages, _) in enumerate(pending.docs):
        sentences = None
        if put_sentences:  # a sink with sentence vectors takes them with the document (one commit)
            sentences = vectors[extra:extra + len(sentence_parts[i])]
            extra += len(sentence_parts[i])
        items.append((doc, passages, vectors[offset:offset + len(passages)], sentences))
        offset += len(passages)
    put_many = getattr(sink, "put_documents", None)
    if put_many is not None:  # every vector of the flush in few writes, then one commit per document
        put_many(items)
    else:
        for doc, passages, vecs, sentences in items:
            if sentences is not None:
                sink.put_document(doc, passages, vecs, sentences=sentences)
            else:
                sink.put_document(doc, passages, vecs)
    _add_cpu(report, "store", time.thread_time() - stored)
    for _, passages, replaced in pending.docs:
        report.passages_added += len(passages)
        if replaced:
            report.replaced += 1
        else:
            report.ingested += 1
    pending.docs.clear()
    pending.n_passages = 0


def _titled(pending: _Pending, settings: Settings) -> list[str]:
    """The passage texts as embedded (see ``embedded_text``)."""
    return [embedded_text(doc.title, p.text, settings) for doc, passages, _ in pending.docs for p in passages]


def embedded_text(title: str, text: str, settings: Settings) -> str:
    """A passage's text as ingest embeds it: 'title: text' (``index.title_in_vectors``), so a passage that never
    names what its document is about is found by it; the benchmark's floor embeds the same."""
    return title_prefix(title, settings) + text


def title_prefix(title: str, settings: Settings) -> str:
    """What precedes a passage in the embedded text ('title: ', or nothing), so the pooled sentence spans can be
    shifted past it."""
    return f"{title}: " if settings.index.title_in_vectors and title else ""


def _embed_pooled(pending: _Pending, embedder: TextEmbedder, settings: Settings, sentences: list[str]
                  ) -> np.ndarray | None:
    """[passage vectors..., sentence vectors...] from one forward pass over the passages as embedded ('title:
    text', see ``_titled``) (``derived_vectors='pooled'``): a sentence's vector is the mean of its tokens' states
    inside its passage, its character span shifted past the title prefix so it covers the sentence's own tokens;
    the few sentences truncation cut off are embedded alone. None when the embedder cannot pool (embed them)."""
    texts = _titled(pending, settings)
    spans = [pooled_spans(p, len(title_prefix(doc.title, settings))) for doc, ps, _ in pending.docs for p in ps]
    got = embedder.embed_pooled(texts, spans)  # type: ignore[attr-defined]
    if got is None:
        return None
    vectors, pooled = got
    stacked = np.concatenate(pooled) if pooled else np.zeros((0, vectors.shape[1]), dtype=np.float32)
    if len(stacked) != len(sentences):
        return None
    lost = np.flatnonzero(np.isnan(stacked).any(axis=1))
    if len(lost):
        stacked[lost] = embedder.embed([sentences[i] for i in lost])
    return np.concatenate([vectors, stacked.astype(np.float32)])


def pooled_spans(passage: Passage, shift: int) -> list[tuple[int, int]]:
    """The passage's sentence spans relative to its embedded text: from document offsets to passage offsets,
    then right by ``shift`` (the length of the title prefix that precedes the passage text)."""
    return [(s - passage.start + shift, e - passage.start + shift) for s, e in passage.sentences]


def _embed_derived(pending: _Pending, embedder: TextEmbedder, sentences: list[str]) -> np.ndarray:
    """[passage vectors..., sentence vectors...] with only the sentences embedded (``derived_vectors='all'``):
    a passage's vector is the normalised mean of its sentences' (its text is embedded only when it has none)."""
    vectors = embedder.embed(sentences) if sentences else np.zeros((0, 0), dtype=np.float32)
    passages = [p for _, ps, _ in pending.docs for p in ps]
    means = passage_means(passages, vectors)
    lonely = [i for i, m in enumerate(means) if m is None]
    if lonely:
        for i, v in zip(lonely, embedder.embed([passages[i].text for i in lonely]), strict=True):
            means[i] = v
    stacked = np.stack([m for m in means if m is not None])
    return np.concatenate([stacked, vectors]) if len(vectors) else stacked


def _add_cpu(report: IngestReport, stage: str, seconds: float) -> None:
    report.stage_cpu[stage] = report.stage_cpu.get(stage, 0.0) + seconds


def _read_frames(pending: _Pending, reader: FrameReader) -> float:
    """Each passage gets the frames of its own sentences; all sentences of the flush are read in one batch.
    Returns the CPU seconds it took (of the thread it ran on)."""
    started = time.thread_time()
    items = [(doc.text, [span for p in passages for span in p.sentences], doc.published)
             for doc, passages, _ in pending.docs]
    for (_, passages, _), frames in zip(pending.docs, reader.read_many(items), strict=True):
        at = 0
        for passage in passages:
            passage.frames = frames[at:at + len(passage.sentences)]
            at += len(passage.sentences)
    return time.thread_time() - started
