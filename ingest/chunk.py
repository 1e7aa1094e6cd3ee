"""Paragraph-aware chunking into passages whose offsets point into the document text."""

from __future__ import annotations

import hashlib

from assistant.models import Document, Passage
from assistant.settings import ChunkSettings
from ingest.text import split_sentences


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _pieces(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    """Split one over-long paragraph at sentence ends (or, for a monster sentence, at spaces)."""
    out: list[tuple[int, int]] = []
    for s, e in split_sentences(text, *span):
        while e - s > max_chars:
            cut = text.rfind(" ", s, s + max_chars)
            cut = cut if cut > s else s + max_chars
            out.append((s, cut))
            s = cut + 1 if text[cut:cut + 1] == " " else cut
        if out and e - out[-1][0] <= max_chars and out[-1][1] <= s:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def chunk_spans(text: str, settings: ChunkSettings) -> list[tuple[int, int]]:
    """Greedy packing of whole paragraphs up to max_chars; long paragraphs split at sentence ends."""
    units: list[tuple[int, int]] = []
    for span in _paragraphs(text):
        units.extend([span] if span[1] - span[0] <= settings.max_chars else _pieces(text, span, settings.max_chars))
    chunks: list[tuple[int, int]] = []
    for s, e in units:
        if chunks and e - chunks[-1][0] <= settings.max_chars:
            chunks[-1] = (chunks[-1][0], e)
        else:
            chunks.append((s, e))
    return chunks


def passage_id(doc: Document, ordinal: int) -> str:
    """Stable while the document is unchanged; a new version gets new ids."""
    key = f"{doc.doc_id}\x00{doc.content_hash}"
    return f"{hashlib.sha1(key.encode()).hexdigest()[:16]}-{ordinal:04d}"


def chunk_document(doc: Document, settings: ChunkSettings) -> list[Passage]:
    passages = []
    for i, (s, e) in enumerate(chunk_spans(doc.text, settings)):
        passages.append(
            Passage(
                passage_id=passage_id(doc, i), doc_id=doc.doc_id, ordinal=i, start=s, end=e,
                text=doc.text[s:e], sentences=split_sentences(doc.text, s, e),
            )
        )
    return passages
