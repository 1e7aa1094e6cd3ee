"""hybrid_search reads the views of the first k ranked ids, and of the next k only when some are missing; BM25 on a
worker thread beside the question's embedding ranks the same."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from assistant.core import Assistant
from assistant.index.search import _views, hybrid_search, keep_tops, rrf
from assistant.models import RetrievedPassage


class _Store:
    """Records which ids were asked for; ``committed`` are the ids that have a view."""

    def __init__(self, committed: set[str]) -> None:
        self.committed = committed
        self.asked: list[list[str]] = []

    def views(self, ids: list[str]) -> dict[str, Any]:
        self.asked.append(list(ids))
        return {pid: f"view-{pid}" for pid in ids if pid in self.committed}


def test_views_reads_only_the_first_k_when_all_are_committed() -> None:
    ranked = [f"p{i}" for i in range(10)]
    store = _Store(set(ranked))
    views = _views(store, ranked, 3)  # type: ignore[arg-type]
    assert store.asked == [["p0", "p1", "p2"]]
    assert set(views) == {"p0", "p1", "p2"}


def test_views_reads_the_next_k_when_some_are_missing() -> None:
    ranked = [f"p{i}" for i in range(10)]
    store = _Store(set(ranked) - {"p1"})
    views = _views(store, ranked, 3)  # type: ignore[arg-type]
    assert store.asked == [["p0", "p1", "p2"], ["p3", "p4", "p5"]]
    assert set(views) == {"p0", "p2", "p3", "p4", "p5"}  # the first k present among the first 2k, as before


def test_each_retrievers_first_passages_are_kept_among_the_k() -> None:
    """A passage BM25 ranks first but the vectors rank low falls below k in the fusion; it is kept, in place of
    the last fused passage that no retriever ranks first, and the order stays the fusion's."""
    lexical = ["rare", "a", "b", "c", "d"]
    semantic = ["a", "b", "c", "d", "e"]
    fused = rrf([lexical, semantic], 60)
    ranked = sorted(fused, key=lambda pid: -fused[pid])
    assert ranked.index("rare") >= 4  # below a k of 4 by plain fusion
    kept = keep_tops(ranked, [lexical, semantic], 1, 4)
    assert kept[:4] == ["a", "b", "c", "rare"] and sorted(kept) == sorted(ranked)
    assert keep_tops(ranked, [lexical, semantic], 0, 4) == ranked  # off
    assert keep_tops(ranked, [lexical, semantic], 1, 2) == ranked  # no room beside the two firsts: fusion decides
    assert keep_tops(ranked, [lexical, semantic], 1, 6) == ranked  # already within k


_REPORTS = {
    "a.txt": "Shelling hit the market of Hajin on Monday. The SDF said the strike came from the south.",
    "b.txt": "The SDF captured Hajin in December 2018 after weeks of fighting with Islamic State.",
    "c.txt": "Aid agencies said thousands of civilians fled the Euphrates valley towards the camps.",
    "d.txt": "Coalition aircraft struck Islamic State positions near Baghuz, the coalition said.",
}


def _ranking(found: list[RetrievedPassage]) -> list[tuple[str, float, int, int | None, int | None]]:
    return [(r.view.passage.passage_id, r.score, r.rank, r.bm25_rank, r.vector_rank) for r in found]


def test_bm25_beside_the_embedding_ranks_the_same(ingested: Callable[..., Assistant]) -> None:
    """With a pool, BM25 runs on a worker thread while the asking thread embeds the question (``vector`` given as
    the function that embeds it) and searches Chroma: the same passages, scores and ranks as one after the other."""
    assistant = ingested(_REPORTS)
    q = assistant.question("When did the SDF capture Hajin?")
    vector = assistant.sentence_vectors.question(q.text)
    plain = hybrid_search(assistant.store, q.search_tokens, vector, assistant.settings.retrieval)
    embedded_on: list[str] = []

    def embed() -> np.ndarray:
        embedded_on.append(threading.current_thread().name)
        return vector

    with ThreadPoolExecutor(2) as pool:
        overlapped = hybrid_search(assistant.store, q.search_tokens, embed, assistant.settings.retrieval, pool=pool)
    assert plain and _ranking(overlapped) == _ranking(plain)
    assert embedded_on == [threading.current_thread().name]


def test_bm25_threads_is_a_setting(ingested: Callable[..., Assistant]) -> None:
    """``retrieval.bm25_threads`` 0: no worker threads, and the same answer as with them."""
    on = ingested(_REPORTS)
    off_settings = on.settings.model_copy(update={"retrieval": on.settings.retrieval.model_copy(
        update={"bm25_threads": 0})})
    off = Assistant(off_settings, embedder=on.embedder)
    assert off._search_pool() is None and on._search_pool() is not None
    asked = "When did the SDF capture Hajin?"
    assert _ranking(off.retrieve(asked)) == _ranking(on.retrieve(asked))
    assert off.ask(asked).text == on.ask(asked).text
    on.close()
    assert on._pool is None
    off.close()
