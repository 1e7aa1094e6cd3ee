"""Sentence vectors: embedded at ingest (or at the first question that needs them) and kept in SQLite.

The extractive answerer compares the question with every sentence of the retrieved passages, alone and with
its predecessor (its *window*). Those texts are known at ingest, so they are embedded there in the same batch
as the passages and stored as float16 rows keyed by (passage id, sentence start); at question time only the
question is embedded. Passages stored before this existed (or whose rows a crash lost) get theirs computed
when a question first retrieves them, then stored, so older indexes keep working and speed up as they are used.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress

import numpy as np

from assistant.embed import Embedder
from assistant.index.documents import DocumentStore
from assistant.models import Passage

#: Sentences shorter than this are never quoted (assistant.answer.extractive.candidates), so need no vector.
MIN_CHARS = 20

#: (passage id, sentence start, sentence text, window text): what the answerer asks vectors for.
SentenceKey = tuple[str, int, str, str]


def sentence_windows(passage: Passage) -> list[tuple[int, str, str]]:
    """(start, sentence, predecessor + sentence) of every sentence the answerer may quote, as it builds them."""
    out: list[tuple[int, str, str]] = []
    previous = ""
    for s, e in passage.sentences:
        text = passage.text[s - passage.start:e - passage.start]
        if len(text) >= MIN_CHARS:
            out.append((s, text, f"{previous} {text}".strip()))
        previous = text
    return out


def sentence_rows(passages: Sequence[Passage], vectors: np.ndarray,
                  derived: bool = False) -> list[tuple[str, int, bytes, bytes]]:
    """Rows for ``DocumentStore.put_sentence_vectors`` from vectors laid out as [sentences..., windows...]
    (``derived``: one vector per sentence, each window the normalised sum of its two sentences' vectors)."""
    if derived:
        return _derived_rows(passages, vectors)
    keys = [(p.passage_id, s) for p in passages for s, _, _ in sentence_windows(p)]
    n = len(keys)
    half = np.asarray(vectors, dtype=np.float16)
    return [(pid, start, half[i].tobytes(), half[n + i].tobytes()) for i, (pid, start) in enumerate(keys)]


def _derived_rows(passages: Sequence[Passage], vectors: np.ndarray) -> list[tuple[str, int, bytes, bytes]]:
    rows, i = [], 0
    for p in passages:
        previous: np.ndarray | None = None
        for s, e in p.sentences:
            v = np.asarray(vectors[i], dtype=np.float32)
            i += 1
            if e - s >= MIN_CHARS and len(p.text[s - p.start:e - p.start]) >= MIN_CHARS:
                w = v if previous is None else window_vector(previous, v)
                rows.append((p.passage_id, s, v.astype(np.float16).tobytes(), w.astype(np.float16).tobytes()))
            previous = v if p.text[s - p.start:e - p.start].strip() else previous
    return rows


def window_vector(previous: np.ndarray, sentence: np.ndarray) -> np.ndarray:
    """A sentence+predecessor window derived from the two sentence vectors (normalised sum)."""
    total = np.asarray(previous, dtype=np.float32) + np.asarray(sentence, dtype=np.float32)
    norm = float(np.linalg.norm(total))
    return total / norm if norm else np.asarray(sentence, dtype=np.float32)


def passage_means(passages: Sequence[Passage], vectors: np.ndarray) -> list[np.ndarray | None]:
    """Each passage's vector as the normalised mean of its sentences' (rows of ``sentence_texts(.., True)``);
    None for a passage without sentences (embed its text)."""
    out: list[np.ndarray | None] = []
    i = 0
    for p in passages:
        n = len(p.sentences)
        if n == 0:
            out.append(None)
            continue
        mean = np.asarray(vectors[i:i + n], dtype=np.float32).mean(axis=0)
        i += n
        norm = float(np.linalg.norm(mean))
        out.append(mean / norm if norm else None)
    return out


def sentence_texts(passages: Sequence[Passage], derived: bool = False) -> list[str]:
    """The texts to embed for ``sentence_rows``: every sentence, then every window, in passage order
    (``derived``: every sentence of every passage, once; windows are derived from them)."""
    if derived:
        return [p.text[s - p.start:e - p.start] for p in passages for s, e in p.sentences]
    found = [w for p in passages for w in sentence_windows(p)]
    return [t for _, t, _ in found] + [w for _, _, w in found]


class SentenceVectors:
    """Vectors of questions (a small memo: retrieval and answering embed the same question once) and of
    sentences (stored rows, else embedded now and stored)."""

    def __init__(self, docs: DocumentStore, embedder: Embedder, memo: int = 64, derived: bool = False) -> None:
        self.docs = docs
        self.derived = derived  # windows derived from sentence vectors (index.derived_vectors)
        self.embedder = embedder
        self._memo: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = memo
        self._lock = threading.Lock()
        self.embedded = 0  # sentence/window texts embedded at question time (0 when ingest stored them all)

    def question(self, text: str) -> np.ndarray:
        return self.questions([text])[0]

    def expanded(self, expanded: str, text: str, inserted: Sequence[tuple[int, int]]) -> np.ndarray:
        """The vector of a question with names inserted for the search (``Question.expanded``); the question as
        asked, which the answerer reads, is remembered from the same forward pass (the inserted tokens left out
        of the pooling) when the embedder can, else both are embedded in one call."""
        without = getattr(self.embedder, "embed_without", None)
        with self._lock:
            remembered = expanded in self._memo and text in self._memo
        got = None if remembered or without is None else without(expanded, inserted)
        if got is None:
            return self.questions([expanded, text])[0]
        self._remember({expanded: got[0], text: got[1]})
        return got[0]

    def questions(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Vectors of several texts, those not remembered embedded in one call (an expanded question and the
        question as asked, when the embedder cannot pool one from the other: see ``expanded``)."""
        with self._lock:
            known = {t: self._memo[t] for t in texts if t in self._memo}
            for t in known:
                self._memo.move_to_end(t)
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        if todo:
            embedded = dict(zip(todo, self.embedder.embed(todo), strict=True))
            known.update(embedded)
            self._remember(embedded)
        return [known[t] for t in texts]

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep question vectors, the oldest forgotten past the memo's size."""
        with self._lock:
            self._memo.update(vectors)
            while len(self._memo) > self._size:
                self._memo.popitem(last=False)

    def __call__(self, question: str, keys: Sequence[SentenceKey]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(question vector, sentence vectors, window vectors), rows in the order of ``keys``."""
        q = self.question(question)
        stored = self.docs.sentence_vectors([(pid, start) for pid, start, _, _ in keys])
        missing = [k for k in keys if (k[0], k[1]) not in stored]
        if missing:
            if self.derived:  # the window's predecessor embedded alone, the window derived
                previous = [k[3][:len(k[3]) - len(k[2])].strip() or k[2] for k in missing]
                alone = self.embedder.embed([k[2] for k in missing] + previous)
                self.embedded += len(alone)
                n = len(missing)
                vectors = np.concatenate([alone[:n], np.stack([
                    alone[i] if previous[i] == k[2] else window_vector(alone[n + i], alone[i])
                    for i, k in enumerate(missing)])])
            else:
                vectors = self.embedder.embed([k[2] for k in missing] + [k[3] for k in missing])
                self.embedded += len(vectors)
            n = len(missing)
            for i, (pid, start, _, _) in enumerate(missing):
                stored[(pid, start)] = (vectors[i], vectors[n + i])
            half = np.asarray(vectors, dtype=np.float16)
            rows = [(pid, start, half[i].tobytes(), half[n + i].tobytes())
                    for i, (pid, start, _, _) in enumerate(missing)]
            with suppress(sqlite3.OperationalError):  # busy or read-only: answer now, store another time
                self.docs.put_sentence_vectors(rows)
        dim = len(q)
        sent = np.empty((len(keys), dim), dtype=np.float32)
        win = np.empty((len(keys), dim), dtype=np.float32)
        for i, (pid, start, _, _) in enumerate(keys):
            sent[i], win[i] = stored[(pid, start)]
        return q, sent, win
