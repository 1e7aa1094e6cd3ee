"""Hybrid retrieval: BM25 and vector search fused by reciprocal rank."""

from __future__ import annotations

import numpy as np

from assistant.models import Filters, RetrievedPassage
from assistant.settings import RetrievalSettings
from assistant.store import Store


def rrf(rankings: list[list[str]], k: int) -> dict[str, float]:
    """Reciprocal rank fusion: robust to the two retrievers' incomparable score scales."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return fused


def hybrid_search(
    store: Store, question: str, vector: np.ndarray, settings: RetrievalSettings,
    filters: Filters | None = None, k: int | None = None,
) -> list[RetrievedPassage]:
    k = k or settings.k
    lexical = [pid for pid, _ in store.bm25_search(question, settings.candidates, filters)]
    semantic = [pid for pid, _ in store.vector_search(vector, settings.candidates, filters)]
    fused = rrf([lexical, semantic], settings.rrf_k)
    ranked = sorted(fused, key=lambda pid: -fused[pid])
    views = store.views(ranked[: k * 2])  # ids without a committed passage drop out here
    results: list[RetrievedPassage] = []
    for pid in ranked:
        if pid in views and len(results) < k:
            results.append(RetrievedPassage(
                view=views[pid], score=fused[pid], rank=len(results) + 1,
                bm25_rank=lexical.index(pid) + 1 if pid in lexical else None,
                vector_rank=semantic.index(pid) + 1 if pid in semantic else None,
            ))
    return results
