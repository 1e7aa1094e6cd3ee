"""The lexical index (BM25 postings in SQLite): written with each passage, aliases expanded, refilled on a
Lexicon change."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.embed import Embedder
from assistant.index import FilterPlan, Store, lexical
from assistant.index.search import lexical_search
from assistant.knowledge import ActorEntry, Lexicon, load_knowledge
from assistant.models import Document, Passage
from assistant.settings import Settings
from ingest.chunk import chunk_document
from ingest.pipeline import content_hash


def _doc(store: Store, doc_id: str, text: str) -> tuple[Document, list[Passage]]:
    doc = Document(doc_id=doc_id, title=doc_id, text=text, root="r", path=doc_id)
    doc.content_hash = content_hash(doc)
    return doc, chunk_document(doc, store.settings.chunking)


def _put(store: Store, embedder: Embedder, doc_id: str, text: str) -> list[str]:
    doc, passages = _doc(store, doc_id, text)
    store.put_document(doc, passages, embedder.embed([p.text for p in passages]))
    return [p.passage_id for p in passages]


def _put_sqlite(store: Store, doc_id: str, text: str) -> None:
    """The SQLite half of put_document (documents, passages, FTS rows), without the vector store."""
    doc, passages = _doc(store, doc_id, text)
    store.lexical.ensure()
    store.docs.put(doc, passages, [store.lexical.encode(p.text) for p in passages])


def _search(store: Store, text: str, n: int = 5) -> list[str]:
    return [pid for pid, _ in lexical_search(store, store.lexicon.tokens(text), n, FilterPlan())]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(Settings().with_index(tmp_path / "index"))
    yield store
    store.close()


def test_scores_are_lucene_bm25(store: Store, fake_embedder: Embedder) -> None:
    """The same ranking bm25s gave: k1 1.5, b 0.75, idf log(1 + (N - df + 0.5) / (df + 0.5)), summed per query
    token (a repeated token counts twice)."""
    import math

    short = _put(store, fake_embedder, "r/a.txt", "Hajin shelled.")
    _put(store, fake_embedder, "r/b.txt", "Farmers harvested wheat near the river this season, far from Raqqa.")
    tokens = store.lexicon.tokens("Hajin shelled")
    hits = lexical_search(store, tokens, 5, FilterPlan())
    n, df, avgdl = 2, 1, (2 + len(store.lexicon.tokens(
        "Farmers harvested wheat near the river this season, far from Raqqa."))) / 2
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expected = 2 * idf * 1 / (1 + 1.5 * (0.25 + 0.75 * 2 / avgdl))
    assert [pid for pid, _ in hits] == short and abs(hits[0][1] - expected) < 1e-9
    twice = lexical_search(store, ["hajin", "hajin"], 5, FilterPlan())
    once = lexical_search(store, ["hajin"], 5, FilterPlan())
    assert abs(twice[0][1] - 2 * once[0][1]) < 1e-9


def test_aliases_match_each_other(store: Store, fake_embedder: Embedder) -> None:
    daesh = _put(store, fake_embedder, "r/a.txt", "Daesh fighters withdrew from the old market at dawn.")
    _put(store, fake_embedder, "r/b.txt", "Farmers harvested wheat near the river this season.")
    assert _search(store, "Where did ISIS withdraw from?")[:1] == daesh
    assert _search(store, "ISIL")[:1] == daesh


def test_replace_and_remove_update_the_index(store: Store, fake_embedder: Embedder) -> None:
    old = _put(store, fake_embedder, "r/a.txt", "A xylophone factory was shelled in the night.")
    assert _search(store, "xylophone") == old
    new = _put(store, fake_embedder, "r/a.txt", "A marimba workshop was shelled in the night.")
    assert _search(store, "xylophone") == [] and _search(store, "marimba") == new
    store.remove_documents(["r/a.txt"])
    assert _search(store, "marimba") == [] and _search(store, "shelled") == []
    assert store.docs.db.execute("SELECT COUNT(*) FROM lexical_postings").fetchone()[0] == 0
    assert store.docs.db.execute("SELECT COUNT(*) FROM lexical_lengths").fetchone()[0] == 0


def _counts(store: Store) -> dict[str, int]:
    return dict(store.docs.db.execute("SELECT term, df FROM lexical_df WHERE df > 0"))


def _counted(store: Store) -> dict[str, int]:
    return dict(store.docs.db.execute("SELECT term, COUNT(*) FROM lexical_postings GROUP BY term"))


def test_passage_frequencies_follow_every_write(store: Store, fake_embedder: Embedder) -> None:
    """lexical_df (read by BM25 instead of counting postings) equals the postings' counts after adding,
    replacing and removing documents, and is filled once for an index written before it existed."""
    _put(store, fake_embedder, "r/a.txt", "Shelling hit Hajin. Shelling hit Hajin again at night.")
    _put(store, fake_embedder, "r/b.txt", "Hajin was quiet. Farmers harvested wheat.")
    assert _counts(store) == _counted(store) and _counts(store)["hajin"] == 2
    _put(store, fake_embedder, "r/a.txt", "A marimba workshop was shelled.")
    assert _counts(store) == _counted(store) and _counts(store)["hajin"] == 1
    store.remove_documents(["r/b.txt"])
    assert _counts(store) == _counted(store) and "hajin" not in _counts(store)
    assert store.lexical.idf(["marimba"])["marimba"] == pytest.approx(lexical.LexicalIndex._idf(1, 1))
    with store.docs.lock, store.docs.db:  # an index from before the table: no triggers, no counts
        store.docs.db.execute("DROP TRIGGER lexical_df_add")
        store.docs.db.execute("DROP TRIGGER lexical_df_drop")
        store.docs.db.execute("DELETE FROM lexical_df")
    other = Store(store.settings)
    assert other.lexical.ensure() == 0  # the counts filled, nothing re-tokenised
    assert _counts(other) == _counted(other) and _counts(other)
    _put(other, fake_embedder, "r/c.txt", "Wheat was harvested near Hajin.")
    assert _counts(other) == _counted(other) and _counts(other)["hajin"] == 1
    other.close()


def test_passages_with_every_term(store: Store, fake_embedder: Embedder) -> None:
    """The passages indexed under all the terms (a place's words), read from the rarest."""
    both = _put(store, fake_embedder, "r/a.txt", "Shelling hit the Tabqa Dam at night.")
    _put(store, fake_embedder, "r/b.txt", "Tabqa was quiet.")
    _put(store, fake_embedder, "r/c.txt", "A dam upstream of Raqqa. Another dam.")
    assert store.lexical.passages_with(["tabqa", "dam"]) == both
    assert len(store.lexical.passages_with(["dam"])) == 2 and store.lexical.passages_with(["tabqa", "nowhere"]) == []
    assert store.lexical.passages_with([]) == []


def test_a_lexicon_change_refills_once(store: Store, fake_embedder: Embedder, tmp_path: Path) -> None:
    pids = _put(store, fake_embedder, "r/a.txt", "The Zarqawi Brigade entered the village of Tal Abyad.")
    knowledge = load_knowledge()
    extra = ActorEntry(id="zb", name="Zarqawi Brigade", aliases=["zarqawi brigade", "zqb"])
    other = Store(store.settings, Lexicon([*knowledge.actors, extra]))
    assert other.lexical.ensure() == 1  # refilled with the new alias
    assert _search(other, "ZQB") == pids and _counts(other) == _counted(other) and _counts(other)["actor_zb"] == 1
    assert Store(store.settings, Lexicon([*knowledge.actors, extra])).lexical.ensure() == 0
    other.close()


def test_adding_one_document_does_not_touch_the_rest(store: Store) -> None:
    """Cost proportional to the document: timing one add at 200 and at 2,000 passages."""
    words = "strike convoy market hospital checkpoint village shelling drone bridge wounded".split()

    def fill(start: int, count: int) -> None:
        for i in range(start, start + count):
            _put_sqlite(store, f"r/{i}.txt", " ".join(words[(i + j) % 10] for j in range(40)) + f" n{i}.")

    def one_add(i: int) -> float:
        began = time.perf_counter()
        _put_sqlite(store, f"r/extra{i}.txt", "A single new report about the bridge.")
        return time.perf_counter() - began

    fill(0, 200)
    small = min(one_add(i) for i in range(3))
    fill(200, 1800)
    large = min(one_add(i) for i in range(3, 6))
    assert large < small * 4 + 0.02  # ten times the corpus, not ten times the cost
    assert _search(store, "n1999") == [store.docs.passage_ids("r/1999.txt")[0]]


def _reference(store: Store, tokens: list[str], n: int) -> list[tuple[str, float]]:
    """The full scan: every posting of every query term scored in one SQL query."""
    lexical = store.lexical
    counts = Counter(tokens)
    df = lexical._df(counts)
    if not df:
        return []
    total, avgdl = lexical._corpus()
    return lexical._scan([(t, lexical._idf(total, df[t]) * counts[t]) for t in df], n, avgdl)


@pytest.mark.parametrize(("cache", "lookup_ratio"), [(6_000_000, 4), (6_000_000, 0), (40, 4), (40, 0)])
def test_top_n_is_the_full_scan(store: Store, cache: int, lookup_ratio: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pruned top-n search returns the scan's passages, scores (to the bit) and order, ties included; with
    the postings kept in memory (a second pass reads none from SQLite), with a cache too small to keep them, and
    with common terms met for the first time looked up for the candidates only (lookup ratio 0: every one)."""
    monkeypatch.setattr(lexical, "_POSTINGS_CACHE", cache)
    monkeypatch.setattr(lexical, "_LOOKUP_RATIO", lookup_ratio)
    rng = random.Random(7)
    vocab = [f"{a}{b}{c}x" for a in "bcdfg" for b in "aeiou" for c in "klmnprtvz"][:400]  # words, no stopword
    zipf = [1 / (i + 1) for i in range(len(vocab))]
    texts = [" ".join(rng.choices(vocab, zipf, k=rng.randint(3, 60))) for _ in range(300)]
    texts += texts[:40]  # duplicates: exact ties
    texts += [f"{vocab[0]} {vocab[1]}", vocab[0], " ".join(vocab[-3:]), f"{vocab[5]} " * 30]
    for i, text in enumerate(texts):
        _put_sqlite(store, f"d{i}.txt", text)
    assert store.docs.db.execute("SELECT COUNT(*) FROM lexical_lengths").fetchone()[0] == len(texts)
    queries = [store.lexical.encode(" ".join(rng.choices(vocab, zipf, k=rng.randint(1, 12)))) for _ in range(150)]
    queries += [store.lexical.encode(q) for q in [vocab[0], f"{vocab[0]} {vocab[0]} {vocab[1]}", vocab[-1],
                                                  "nothing", " ".join(vocab[1:8])]]
    statements: list[str] = []
    store.docs.db.set_trace_callback(statements.append)
    for query in queries:
        for n in (1, 8, 40, 1000):
            assert store.lexical.search(query, n) == _reference(store, query, n), (query, n)
    store.docs.db.set_trace_callback(None)
    assert any("FROM lexical_postings WHERE term = " in s for s in statements)
    if not lookup_ratio:  # common terms were left to the candidates
        assert sum("AND pid IN" in s for s in statements) > 5
    for _ in range(3):  # the third time a common term is met it is read whole; then from memory
        statements.clear()
        store.docs.db.set_trace_callback(statements.append)
        for query in queries:
            for n in (1, 8, 40, 1000):
                assert store.lexical.search(query, n) == _reference(store, query, n), (query, n)
        store.docs.db.set_trace_callback(None)
    reads = sum("FROM lexical_postings WHERE term = " in s and "AND pid IN" not in s for s in statements)
    assert (reads == 0) if cache > 1000 else (reads > 20)


def test_top_n_after_a_write(store: Store) -> None:
    _put_sqlite(store, "a.txt", "Shelling hit Hajin on Monday.")
    assert [p for p, _ in store.lexical.search(["hajin"], 5)] == [p for p, _ in _reference(store, ["hajin"], 5)]
    _put_sqlite(store, "b.txt", "Hajin again: shelling of Hajin.")  # the cached passage lengths are read again
    assert store.lexical.search(["hajin", "shelling"], 5) == _reference(store, ["hajin", "shelling"], 5)
    assert len(store.lexical.search(["hajin"], 5)) == 2
    _put_sqlite(store, "c.txt", "Hajin, Hajin, Hajin.")  # the kept postings of 'hajin' are read again
    assert store.lexical.search(["hajin"], 5) == _reference(store, ["hajin"], 5)
    assert len(store.lexical.search(["hajin"], 5)) == 3
    store.remove_documents(["c.txt"])
    assert len(store.lexical.search(["hajin"], 5)) == 2


def test_passage_frequencies_follow_writes(store: Store) -> None:
    _put_sqlite(store, "a.txt", "Shelling hit Hajin on Monday.")
    assert store.lexical._df(["hajin", "nowhere"]) == {"hajin": 1}
    _put_sqlite(store, "b.txt", "Hajin again.")
    assert store.lexical._df(["hajin", "nowhere"]) == {"hajin": 2}
    store.remove_documents(["a.txt"])
    assert store.lexical._df(["hajin", "shell"]) == {"hajin": 1}


def test_columns_of_sql_rows() -> None:
    import numpy as np

    from assistant.index.lexical import _columns

    pids, tfs = _columns([(3, 1), (7, 2), (2**40, 5)])
    assert pids.tolist() == [3, 7, 2**40] and tfs.tolist() == [1, 2, 5]
    assert pids.dtype == np.int64 and pids.flags.c_contiguous and tfs.flags.c_contiguous
    empty = _columns([])
    assert len(empty[0]) == 0 and len(empty[1]) == 0 and empty[0].dtype == np.int64


def _postings_of(store: Store, term: str) -> tuple[list[int], list[int]]:
    rows = store.docs.db.execute("SELECT pid, tf FROM lexical_postings WHERE term = ? ORDER BY pid", (term,))
    found = rows.fetchall()
    return [pid for pid, _ in found], [tf for _, tf in found]


def _same_as_the_rows(store: Store, terms: list[str]) -> None:
    for term in terms:
        pids, tfs = store.lexical._whole(term)
        assert (pids.tolist(), tfs.tolist()) == _postings_of(store, term), term


def test_packs_read_as_the_postings_through_adds_deletes_and_reused_rowids(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A packed term reads exactly its postings after passages are added (read after the pack), deleted
    (remembered, dropped from the pack) and deleted then given the same rowid again; the top n stays the scan's."""
    monkeypatch.setattr(lexical, "PACK_MIN", 5)
    rng = random.Random(3)
    vocab = [f"{a}{b}{c}x" for a in "bcdfg" for b in "aeiou" for c in "klmnprtvz"][:120]
    zipf = [1 / (i + 1) for i in range(len(vocab))]

    def text() -> str:
        return " ".join(rng.choices(vocab, zipf, k=rng.randint(3, 40)))

    for i in range(80):
        _put_sqlite(store, f"d{i}.txt", text())
    packed = store.lexical.pack()
    db = store.docs.db
    assert packed == db.execute("SELECT COUNT(*) FROM lexical_df WHERE df >= 5").fetchone()[0] > 10
    terms = [t for (t,) in db.execute("SELECT term FROM lexical_df")]
    queries = [store.lexical.encode(text()) for _ in range(30)]

    def check() -> None:
        _same_as_the_rows(store, terms)
        for query in queries:
            assert store.lexical.search(query, 8) == _reference(store, query, 8)

    check()
    for i in range(80, 90):  # read after the packs
        _put_sqlite(store, f"d{i}.txt", text())
    check()
    store.remove_documents([f"d{i}.txt" for i in range(0, 80, 7)])
    assert db.execute("SELECT COUNT(*) FROM lexical_gone").fetchone()[0] > 0
    check()
    assert store.lexical.pack() < packed  # a few deletions and additions leave most packs as they are
    check()
    _put_sqlite(store, "last.txt", " ".join(vocab[:30]))
    monkeypatch.setattr(lexical, "_PACK_STALE", -1.0)  # every pack written again: the common terms' hold it
    store.lexical.pack()
    last = db.execute("SELECT rowid FROM passages WHERE doc_id = 'last.txt'").fetchone()[0]
    assert db.execute("SELECT MIN(upto) FROM lexical_packs k JOIN lexical_postings p ON p.term = k.term "
                      "WHERE p.pid = ?", (last,)).fetchone()[0] == last
    store.remove_documents(["last.txt"])
    _put_sqlite(store, "again.txt", " ".join(vocab[10:40]))  # SQLite gives the deleted last rowid again
    assert db.execute("SELECT rowid FROM passages WHERE doc_id = 'again.txt'").fetchone()[0] == last
    assert db.execute("SELECT 1 FROM lexical_gone WHERE pid = ?", (last,)).fetchone()
    check()


def test_packs_are_written_again_when_stale_or_after_many_deletions(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical, "PACK_MIN", 4)
    monkeypatch.setattr(lexical, "_GONE_MIN", 6)
    for i in range(8):
        _put_sqlite(store, f"a{i}.txt", f"convoy shelled at the bridge {i}")
    assert store.lexical.pack() == 3  # convoy, shelled, bridge
    assert store.lexical.pack() == 0  # nothing changed
    _put_sqlite(store, "b0.txt", "convoy")
    assert store.lexical.pack() == 0  # one posting more of eight: not stale
    for i in range(1, 4):
        _put_sqlite(store, f"b{i}.txt", "convoy")
    assert store.lexical.pack() == 1  # twelve postings against a pack of eight
    _same_as_the_rows(store, ["convoy", "shelled", "bridge"])
    store.remove_documents([f"a{i}.txt" for i in range(7)])  # seven deletions remembered: past the limit
    assert store.docs.db.execute("SELECT COUNT(*) FROM lexical_gone").fetchone()[0] == 7
    assert store.lexical.pack() == 1  # every pack dropped; only convoy is still common
    assert store.docs.db.execute("SELECT COUNT(*) FROM lexical_gone").fetchone()[0] == 0
    _same_as_the_rows(store, ["convoy", "shelled", "bridge"])


def test_an_ingest_packs_and_a_lexicon_change_drops_the_packs(
        store: Store, fake_embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexical, "PACK_MIN", 2)
    for i in range(3):
        _put(store, fake_embedder, f"r/{i}.txt", f"Shelling hit Hajin on day {i}.")
    store.finish()
    assert {t for (t,) in store.docs.db.execute("SELECT term FROM lexical_packs")} >= {"shelling", "hajin"}
    assert store.lexical.search(["hajin"], 5) == _reference(store, ["hajin"], 5)
    extra = ActorEntry(id="hf", name="Hajin Front", aliases=["hajin front"])
    other = Store(store.settings, Lexicon([*load_knowledge().actors, extra]))
    assert other.lexical.ensure() == 3  # refilled
    assert other.docs.db.execute("SELECT COUNT(*) FROM lexical_packs").fetchone()[0] == 0
    other.close()
