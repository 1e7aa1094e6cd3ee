"""The benchmark's building blocks (``make bench`` itself runs for an hour and is not a test)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from eval.bench import _langchain, _p95, synthesise


class _Unit:
    """A stand-in embedder: random unit vectors (the baseline's cost here is Chroma's, not the model's)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        vectors = np.random.default_rng(len(self.calls)).normal(size=(len(texts), 8)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_langchain_baseline_adds_more_passages_than_one_chroma_call_takes() -> None:
    """The wiki corpus (5,940 passages) is more than Chroma takes in one upsert (5,461 here): the baseline adds
    in batches of the client's maximum, every passage embedded once."""
    pytest.importorskip("langchain_chroma")
    import chromadb

    limit = chromadb.EphemeralClient().get_max_batch_size()
    embedder = _Unit()
    seconds = _langchain(embedder, [f"passage {i}" for i in range(limit + 10)])
    assert seconds > 0 and sum(embedder.calls) == limit + 10 and max(embedder.calls) <= limit


def test_p95_is_the_value_below_which_95_percent_fall() -> None:
    assert _p95([float(i) for i in range(1, 101)]) == 95.0
    assert _p95([3.0, 1.0, 2.0]) == 3.0


def test_synthetic_index_has_what_ingest_writes(demo: Assistant, demo_index_dir: Path, tmp_path: Path) -> None:
    """A synthetic index built from the demo index answers like an ingested one: passages, vectors, and the
    annotations ingest writes (control cues, answer tokens) under the current versions."""
    figures = synthesise(demo_index_dir, tmp_path / "syn", 300)
    assert figures["build_passages_per_s"] > 0
    syn = Assistant(Settings().with_index(tmp_path / "syn"), embedder=demo.embedder)
    ids = sorted(syn.store.docs.all_passage_ids())
    assert len(ids) == 300 and syn.store.vectors.count() == 300
    tokens = syn.answer_tokens
    assert set(syn.store.docs.annotations(tokens.kind, ids, tokens.version)) == set(ids)
    cues = syn._control_readers()[0]
    assert set(syn.store.docs.annotations(cues.kind, ids, cues.version)) == set(ids)
    assert syn.store.docs.without_vectors(1) == []  # and marked so: the dated search reads them
    assert syn.store.dated_vectors(date(1900, 1, 1), date(2100, 1, 1)) is not None
    assert syn.ask("When did the SDF capture Raqqa?").text
    syn.close()
