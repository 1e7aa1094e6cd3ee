"""Folder sync: files -> documents -> passages -> vectors, handed to a sink (the store) one document at a time.

Each document is committed by the sink as a unit after its vectors exist, so a run killed half-way leaves
every committed document answerable, and the next run (content hashes) only does the rest.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from tqdm import tqdm

from assistant.models import Document, IngestReport, Passage, SkippedFile
from assistant.settings import Settings
from ingest.chunk import chunk_document
from ingest.loaders import LOADERS, LoadError, load_file

log = logging.getLogger(__name__)


class PassageSink(Protocol):
    """What ingest needs from a store; it never learns which store it is."""

    def doc_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (content hash, root folder) of everything stored."""
        ...

    def put_document(self, doc: Document, passages: list[Passage], vectors: np.ndarray) -> None: ...

    def remove_documents(self, doc_ids: Sequence[str]) -> None: ...

    def finish(self) -> None:
        """Called once after a run (rebuild derived indexes)."""
        ...


class TextEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class _Pending:
    docs: list[tuple[Document, list[Passage], bool]] = field(default_factory=list)
    n_passages: int = 0


def discover(paths: Sequence[Path]) -> Iterator[tuple[Path, Path, str]]:
    """(root, file, doc-id path) for every supported or unknown file; hidden and '_'-prefixed files skipped."""
    for path in paths:
        if not path.exists():
            raise LoadError(str(path), "no such file or folder")
        if path.is_file():
            yield path.parent.resolve(), path, path.name
            continue
        root = path.resolve()
        for file in sorted(root.rglob("*")):
            rel = file.relative_to(root)
            if file.is_file() and not any(part.startswith((".", "_")) for part in rel.parts):
                yield root, file, rel.as_posix()


def content_hash(doc: Document) -> str:
    fields = doc.model_dump(mode="json", exclude={"content_hash", "path", "root"})
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def ingest_paths(
    paths: Sequence[Path], sink: PassageSink, embedder: TextEmbedder, settings: Settings,
    prune: bool | None = None, progress: bool | None = None,
) -> IngestReport:
    """Bring the sink in step with the given files and folders; see the module docstring for guarantees."""
    started = time.perf_counter()
    report = IngestReport()
    prune = settings.ingest.prune if prune is None else prune
    stored = sink.doc_hashes()
    seen: set[str] = set()
    protected: set[str] = set()
    roots = {str(p.resolve()) for p in paths if p.is_dir()}  # only folders are synced
    files = _files(paths, report)
    pending = _Pending()
    show = sys.stderr.isatty() if progress is None else progress
    for root, file, rel in tqdm(files, desc="ingest", unit="file", disable=not show):
        try:
            docs, problems = load_file(file, rel, settings.ingest)
        except LoadError as exc:
            report.skipped.append(SkippedFile(path=exc.path, reason=exc.reason))
            protected.add(rel)
            continue
        for problem in problems:
            report.skipped.append(SkippedFile(path=problem.path, reason=problem.reason))
        if problems:
            protected.add(rel)
        for doc in docs:
            _stage(doc, str(root), stored, seen, report, pending, settings)
            if pending.n_passages >= 256:
                _flush(pending, sink, embedder, report)
    _flush(pending, sink, embedder, report)
    if prune:
        gone = [d for d, (_, root) in stored.items() if root in roots and d not in seen
                and d.split("#", 1)[0] not in protected]
        if gone:
            sink.remove_documents(gone)
            report.removed = len(gone)
    sink.finish()
    report.seconds = time.perf_counter() - started
    return report


def _files(paths: Sequence[Path], report: IngestReport) -> list[tuple[Path, Path, str]]:
    found: list[tuple[Path, Path, str]] = []
    for path in paths:
        try:
            for root, file, rel in discover([path]):
                if file.suffix.lower() in LOADERS:
                    found.append((root, file, rel))
                else:
                    report.skipped.append(SkippedFile(path=str(file), reason=f"unsupported file type {file.suffix}"))
        except LoadError as exc:
            report.skipped.append(SkippedFile(path=exc.path, reason=exc.reason))
    return found


def _stage(
    doc: Document, root: str, stored: dict[str, tuple[str, str]], seen: set[str],
    report: IngestReport, pending: _Pending, settings: Settings,
) -> None:
    if doc.doc_id in seen:
        report.skipped.append(SkippedFile(path=doc.path, reason=f"duplicate document id {doc.doc_id!r}"))
        return
    seen.add(doc.doc_id)
    doc.root = root
    doc.content_hash = content_hash(doc)
    previous = stored.get(doc.doc_id)
    if previous and previous[0] == doc.content_hash:
        report.unchanged += 1
        return
    passages = chunk_document(doc, settings.chunking)
    if not passages:
        report.skipped.append(SkippedFile(path=doc.path, reason="no text"))
        return
    pending.docs.append((doc, passages, previous is not None))
    pending.n_passages += len(passages)


def _flush(pending: _Pending, sink: PassageSink, embedder: TextEmbedder, report: IngestReport) -> None:
    if not pending.docs:
        return
    texts = [p.text for _, passages, _ in pending.docs for p in passages]
    vectors = embedder.embed(texts)
    report.texts_embedded += len(texts)
    offset = 0
    for doc, passages, replaced in pending.docs:
        sink.put_document(doc, passages, vectors[offset:offset + len(passages)])
        offset += len(passages)
        report.passages_added += len(passages)
        if replaced:
            report.replaced += 1
        else:
            report.ingested += 1
    pending.docs.clear()
    pending.n_passages = 0
