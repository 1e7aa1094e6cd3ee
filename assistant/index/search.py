"""Hybrid retrieval: BM25 and vector search fused by reciprocal rank, with filters translated once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from assistant.index.store import Store, date_int
from assistant.models import Filters, PassageView, RetrievedPassage
from assistant.settings import RetrievalSettings


@dataclass(frozen=True)
class FilterPlan:
    """Filters in the two forms the retrievers need: a Chroma ``where`` and the allowed passage ids."""

    where: dict[str, Any] | None = None
    allowed: set[str] | None = None

    @classmethod
    def build(cls, store: Store, filters: Filters | None) -> FilterPlan:
        if filters is None or filters.is_empty():
            return cls()
        return cls(where=chroma_where(filters), allowed=store.docs.allowed(filters))


def chroma_where(filters: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": filters.doc_ids}})
    if filters.sources:
        clauses.append({"source": {"$in": filters.sources}})
    if filters.date_from:
        clauses.append({"date": {"$gte": date_int(filters.date_from)}})
    if filters.date_to:
        clauses.append({"date": {"$lte": date_int(filters.date_to)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def rrf(rankings: list[list[str]], k: int) -> dict[str, float]:
    """Reciprocal rank fusion: robust to the two retrievers' incomparable score scales."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (k + rank)
    return fused


def lexical_search(store: Store, query_tokens: list[str], n: int, plan: FilterPlan) -> list[tuple[str, float]]:
    return store.lexical.search(query_tokens, n, plan.allowed) if store.exists() else []


def vector_search(store: Store, vector: np.ndarray, n: int, plan: FilterPlan) -> list[tuple[str, float]]:
    return store.vectors.query(vector, n, plan.where)


def dated_search(store: Store, vector: np.ndarray, days: tuple[date, date] | None, n: int,
                 filters: Filters | None) -> list[str]:
    """The passages of the reports published on the asked days or the day after, by meaning: a report of that
    day is where a dated question is most often answered, yet its wording may rank it below the fold.
    Nothing when no day is asked, the setting is off, or the user already restricts dates. Ranked by the vectors
    the document store keeps in publication-date order (a day's are read together): Chroma's ``where`` scans
    every passage's metadata (4 ms at 3k passages, 50 at 20k, 0.5 s at 200k); it remains the way on a
    shared server, or while an older index has passages without a stored vector."""
    if days is None or n == 0 or (filters is not None and (filters.date_from or filters.date_to)):
        return []
    local = store.dated_vectors(days[0], days[1] + timedelta(days=1), filters)
    if local is not None:  # those days' passages ranked here: Chroma's filter scans every passage's metadata
        ids, matrix = local
        if not ids:
            return []
        sims = matrix @ np.asarray(vector, dtype=np.float32)
        return [ids[i] for i in np.argsort(-sims, kind="stable")[:n]]
    if not store.shared and not store.published_between(days[0], days[1] + timedelta(days=1)):
        return []  # no stored passage of those days: Chroma's filtered query would find none, slowly
    # the vector search reads only the Chroma ``where``: the allowed ids (a scan of every passage) are not built
    window = (filters or Filters()).model_copy(update={"date_from": days[0], "date_to": days[1] + timedelta(days=1)})
    return [pid for pid, _ in vector_search(store, vector, n, FilterPlan(where=chroma_where(window)))]


def hybrid_search(
    store: Store, query_tokens: list[str], vector: np.ndarray | Callable[[], np.ndarray], settings: RetrievalSettings,
    filters: Filters | None = None, k: int | None = None, days: tuple[date, date] | None = None,
    pool: Executor | None = None,
) -> list[RetrievedPassage]:
    """BM25 and vector rankings (and, for a question naming ``days``, the dated list) fused by reciprocal rank.

    ``vector`` may be the function that embeds the question: with a ``pool`` the BM25 search then runs on one of
    its threads while this one embeds the question and searches Chroma (onnxruntime and SQLite release the GIL),
    so the question's wait is the longer of the two, not their sum; the rankings are the same.
    """
    k = k or settings.k
    plan = FilterPlan.build(store, filters)
    pending = pool.submit(lexical_search, store, query_tokens, settings.candidates, plan) if pool else None
    vec = vector() if callable(vector) else vector
    semantic = [pid for pid, _ in vector_search(store, vec, settings.candidates, plan)]
    found = pending.result() if pending else lexical_search(store, query_tokens, settings.candidates, plan)
    lexical = [pid for pid, _ in found]
    dated = dated_search(store, vec, days, settings.dated, filters)
    fused = rrf([lexical, semantic, dated], settings.rrf_k)
    ranked = keep_tops(sorted(fused, key=lambda pid: -fused[pid]), [lexical, semantic], settings.keep_top, k)
    views = _views(store, ranked, k)
    lex_rank = {pid: i for i, pid in enumerate(lexical, start=1)}
    vec_rank = {pid: i for i, pid in enumerate(semantic, start=1)}
    results: list[RetrievedPassage] = []
    for pid in ranked:
        if pid in views and len(results) < k:
            results.append(RetrievedPassage(view=views[pid], score=fused[pid], rank=len(results) + 1,
                                            bm25_rank=lex_rank.get(pid), vector_rank=vec_rank.get(pid)))
    return results


def keep_tops(ranked: list[str], rankings: list[list[str]], top: int, k: int) -> list[str]:
    """``ranked`` with the first ``top`` of every ranking moved into its first ``k`` (in place of the last fused
    ones): a passage one retriever ranks first may sit low in the other (a rare exact term, a paraphrase) and
    fall below k in the fusion."""
    tops = {pid for ranking in rankings for pid in ranking[:top]}
    head = ranked[:k]
    missing = tops - set(head)
    if not missing or len(tops) >= k:  # no room beside them: the fusion decides
        return ranked
    spare = [pid for pid in reversed(head) if pid not in tops][:len(missing)]
    chosen = (set(head) - set(spare)) | missing
    return [pid for pid in ranked if pid in chosen] + [pid for pid in ranked if pid not in chosen]


def _views(store: Store, ranked: list[str], k: int) -> dict[str, PassageView]:
    """The views of the first ``k`` ranked ids, and of the next ``k`` only when some of those are not committed
    (they drop out here): the same passages as reading all ``2k``, with half the frames parsed."""
    views = store.views(ranked[:k])
    if len(views) < k:
        views.update(store.views(ranked[k:k * 2]))
    return views
