"""hybrid_search reads the views of the first k ranked ids, and of the next k only when some are missing."""

from __future__ import annotations

from typing import Any

from assistant.index.search import _views, keep_tops, rrf


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
