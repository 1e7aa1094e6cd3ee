"""Chunking: passages are exact spans of the document text, bounded in length, with sentence spans inside."""

from __future__ import annotations

import pytest

from assistant.models import Document
from assistant.settings import ChunkSettings
from ingest.chunk import chunk_document, chunk_spans, passage_id
from ingest.text import normalise_text


def _doc(text: str, content_hash: str = "h1", doc_id: str = "a/b.txt") -> Document:
    return Document(doc_id=doc_id, title="T", text=text, content_hash=content_hash)


LONG_PARAGRAPH = " ".join(
    f"Sentence number {i} reports that the convoy moved {i} km towards the river crossing near Hajin."
    for i in range(40)
)
TEXT = normalise_text(
    "Short headline\n\n"
    + LONG_PARAGRAPH
    + "\n\nA second paragraph of moderate length. It has two sentences.\n\n"
    + "x" * 350  # one monster 'word' longer than max_chars/… forces a hard cut
    + " tail words here.\n\nFinal line."
)


@pytest.mark.parametrize("max_chars", [100, 300, 900])
def test_passages_are_exact_spans_within_max_chars(max_chars: int) -> None:
    doc = _doc(TEXT)
    passages = chunk_document(doc, ChunkSettings(max_chars=max_chars))
    assert len(passages) >= 2
    for i, p in enumerate(passages):
        assert p.text == doc.text[p.start : p.end]
        assert len(p.text) <= max_chars
        assert p.ordinal == i
        assert p.doc_id == doc.doc_id
        assert p.text == p.text.strip()
        assert p.sentences
        for s, e in p.sentences:
            assert p.start <= s < e <= p.end
            assert doc.text[s:e].strip() == doc.text[s:e]


@pytest.mark.parametrize("max_chars", [100, 300, 900])
def test_passages_cover_all_words_in_order(max_chars: int) -> None:
    passages = chunk_document(_doc(TEXT), ChunkSettings(max_chars=max_chars))
    starts = [p.start for p in passages]
    assert starts == sorted(starts)
    for a, b in zip(passages, passages[1:], strict=False):
        assert a.end <= b.start
    # nothing lost or duplicated (a monster word may be hard-cut, so compare without whitespace)
    assert "".join("".join(p.text for p in passages).split()) == "".join(TEXT.split())


def test_short_paragraphs_are_packed_together() -> None:
    text = "Para one.\n\nPara two.\n\nPara three."
    assert chunk_spans(text, ChunkSettings(max_chars=900)) == [(0, len(text))]


def test_long_paragraph_splits_at_sentence_ends() -> None:
    passages = chunk_document(_doc(LONG_PARAGRAPH), ChunkSettings(max_chars=300))
    assert len(passages) > 1
    for p in passages:
        assert p.text.endswith("Hajin.")


def test_empty_text_has_no_passages() -> None:
    assert chunk_spans("", ChunkSettings()) == []


def test_passage_ids_are_stable_and_change_with_content() -> None:
    settings = ChunkSettings(max_chars=200)
    first = [p.passage_id for p in chunk_document(_doc(TEXT, "h1"), settings)]
    again = [p.passage_id for p in chunk_document(_doc(TEXT, "h1"), settings)]
    changed = [p.passage_id for p in chunk_document(_doc(TEXT, "h2"), settings)]
    assert first == again
    assert len(set(first)) == len(first)
    assert not set(first) & set(changed)
    assert passage_id(_doc(TEXT, doc_id="x.txt"), 0) != passage_id(_doc(TEXT, doc_id="y.txt"), 0)
