"""Store: SQLite truth, Chroma vectors and the BM25 index, against a real embedded Chroma in tmp_path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant.embed import Embedder
from assistant.index import FilterPlan, Store
from assistant.index.documents import DocumentStore, PassageText
from assistant.index.search import chroma_where, dated_search, lexical_search, vector_search
from assistant.index.vectors import VectorIndex
from assistant.knowledge import ActorEntry, Lexicon, load_knowledge
from assistant.models import Document, Filters, Passage
from assistant.settings import Settings
from ingest.chunk import chunk_document
from ingest.pipeline import content_hash

TEXTS = {
    "a.txt": ("Wire", date(2019, 1, 10), "The SDF retook Al-Shaafa after three days of fighting."),
    "b.txt": ("Monitor", date(2019, 2, 10), "A coalition strike wounded two soldiers near Al-Sukkariyeh."),
    "c.txt": (None, None, "Families left the Baghuz encampment by truck."),
}


def _vectors(store: Store, vector, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
    return vector_search(store, vector, n, FilterPlan.build(store, filters))


def _bm25(store: Store, text: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
    return lexical_search(store, store.lexicon.tokens(text), n, FilterPlan.build(store, filters))


def _doc(doc_id: str, source: str | None, published: date | None, text: str) -> Document:
    doc = Document(
        doc_id=doc_id,
        title=doc_id.upper(),
        source=source,
        published=published,
        text=text,
        root="/r",
        path=f"/r/{doc_id}",
        metadata={"k": "v"},
    )
    doc.content_hash = content_hash(doc)
    return doc


@pytest.fixture
def store(tmp_path: Path, fake_embedder: Embedder, vector_backend: Callable[[Settings], VectorIndex | None]
          ) -> Iterator[Store]:
    settings = Settings().with_index(tmp_path / "index")
    store = Store(settings, vectors=vector_backend(settings))
    for doc_id, (source, published, text) in TEXTS.items():
        doc = _doc(doc_id, source, published, text)
        passages = chunk_document(doc, store.settings.chunking)
        store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    store.finish()
    yield store
    store.close()


def test_missing_index_counts_zero_without_creating_it(tmp_path: Path) -> None:
    store = Store(Settings().with_index(tmp_path / "nothing"))
    assert not store.exists()
    assert store.count() == (0, 0) and not store.has_documents()
    assert not (tmp_path / "nothing").exists()


def test_store_lives_in_a_collection_folder(store: Store, tmp_path: Path) -> None:
    assert store.dir == tmp_path / "index" / store.settings.collection_name()
    assert (store.dir / "sitrep.sqlite").is_file()
    # the embedded store keeps its vectors beside SQLite; a server keeps them on the server
    on_server = getattr(store.vectors, "name", "").startswith("test-")  # conftest's server collections
    assert (tmp_path / "index" / "chroma").is_dir() != on_server


def test_round_trip(store: Store) -> None:
    assert store.count() == (3, 3) and store.has_documents()
    doc = store.document("b.txt")
    assert doc is not None
    assert (doc.source, doc.published, doc.metadata, doc.title) == (
        "Monitor",
        date(2019, 2, 10),
        {"k": "v"},
        "B.TXT",
    )
    assert doc.content_hash == content_hash(doc)
    assert store.document("zzz") is None
    assert store.doc_hashes()["b.txt"] == (doc.content_hash, "/r")
    assert store.sources() == ["Monitor", "Wire"]
    assert [d["doc_id"] for d in store.documents()] == ["a.txt", "b.txt", "c.txt"]
    assert all(d["passages"] == 1 for d in store.documents())


def test_views_join_document_fields(store: Store) -> None:
    pid = store.docs.db.execute("SELECT passage_id FROM passages WHERE doc_id = 'b.txt'").fetchone()[0]
    views = store.views([pid, "not-a-passage"])
    assert list(views) == [pid]
    view = views[pid]
    assert view.title == "B.TXT" and view.source == "Monitor" and view.published == date(2019, 2, 10)
    assert view.passage.text == TEXTS["b.txt"][2]
    assert view.passage.sentences == [(0, len(TEXTS["b.txt"][2]))]
    assert store.views([]) == {}


def test_views_are_kept_per_generation(store: Store, fake_embedder: Embedder) -> None:
    """A view read again costs no SQL; ingesting a document again (new text, same passage id) reads it anew."""
    pid = store.docs.db.execute("SELECT passage_id FROM passages WHERE doc_id = 'b.txt'").fetchone()[0]
    first = store.views([pid])[pid]
    statements: list[str] = []
    store.docs.db.set_trace_callback(statements.append)
    assert store.views([pid])[pid] is first
    store.docs.db.set_trace_callback(None)
    assert not any("FROM passages" in s for s in statements)
    doc = _doc("b.txt", "Monitor", date(2019, 2, 11), "A drone strike wounded three soldiers near Al-Sukkariyeh.")
    passages = chunk_document(doc, store.settings.chunking)
    store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    store.finish()
    pid = store.docs.db.execute("SELECT passage_id FROM passages WHERE doc_id = 'b.txt'").fetchone()[0]
    view = store.views([pid])[pid]
    assert view.published == date(2019, 2, 11) and "drone" in view.passage.text
    store.remove_documents(["b.txt"])
    assert store.views([pid]) == {}


def test_published_between_follows_writes(store: Store, fake_embedder: Embedder) -> None:
    assert store.published_between(date(2019, 1, 10), date(2019, 1, 10))
    assert store.published_between(date(2019, 1, 1), date(2019, 12, 31))
    assert not store.published_between(date(2019, 1, 11), date(2019, 2, 9))
    assert not store.published_between(date(2020, 1, 1), date(2020, 1, 2))
    doc = _doc("d.txt", "Wire", date(2020, 1, 2), "Shelling hit Hajin.")
    passages = chunk_document(doc, store.settings.chunking)
    store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    store.finish()
    assert store.published_between(date(2020, 1, 1), date(2020, 1, 2))
    store.remove_documents(["d.txt"])
    assert not store.published_between(date(2020, 1, 1), date(2020, 1, 2))


def _dated_store(store: Store, fake_embedder: Embedder) -> tuple[Any, tuple[date, date], Filters]:
    """Three more reports of 10 January 2019 (beside a.txt) and one of the 11th; the window of the 10th."""
    for doc_id, text in [("d1.txt", "Shelling hit the market in Hajin; two soldiers were wounded."),
                         ("d2.txt", "Aid trucks reached Baghuz after the strike on the bridge."),
                         ("d3.txt", "The SDF said the strike near Al-Sukkariyeh wounded soldiers."),
                         ("e1.txt", "A strike wounded soldiers in Hajin the next morning.")]:
        doc = _doc(doc_id, "Wire", date(2019, 1, 11 if doc_id == "e1.txt" else 10), text)
        passages = chunk_document(doc, store.settings.chunking)
        store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    store.finish()
    vector = fake_embedder.embed(["soldiers wounded by a strike"])[0]
    days = (date(2019, 1, 10), date(2019, 1, 10))
    return vector, days, Filters(date_from=days[0], date_to=date(2019, 1, 11))


def _through_chroma(store: Store, vector: Any, window: Filters, n: int) -> list[str]:
    return [pid for pid, _ in vector_search(store, vector, n, FilterPlan(where=chroma_where(window)))]


def test_dated_search_ranks_the_days_passages_as_chromas_filter_does(store: Store, fake_embedder: Embedder) -> None:
    """The dated search ranks the asked days' passages from the vectors SQLite keeps (on a server: Chroma's
    filtered query): the same list, best first, with the user's other filters applied."""
    vector, days, window = _dated_store(store, fake_embedder)
    expected = _through_chroma(store, vector, window, 8)
    assert len(expected) == 5  # a.txt, d1-d3 and e1 (the day after)
    assert dated_search(store, vector, days, 8, None) == expected
    assert dated_search(store, vector, days, 2, None) == expected[:2]
    wire = window.model_copy(update={"doc_ids": ["d2.txt", "e1.txt"]})
    assert dated_search(store, vector, days, 8, Filters(doc_ids=["d2.txt", "e1.txt"])) == \
        _through_chroma(store, vector, wire, 8)
    assert dated_search(store, vector, (date(2021, 1, 1), date(2021, 1, 1)), 8, None) == []
    local = store.dated_vectors(days[0], date(2019, 1, 11))
    assert (local is None) == store.shared  # a server's other folders' passages are not all in SQLite
    if local is not None:
        ids, matrix = local
        assert sorted(ids) == sorted(expected) and matrix.shape == (5, fake_embedder.embed(["x"]).shape[1])


def test_an_index_without_stored_passage_vectors_is_filled_at_the_end_of_an_ingest(
        store: Store, fake_embedder: Embedder) -> None:
    """An index from before passages kept their vectors in SQLite: the dated search asks Chroma meanwhile, and
    ``finish`` copies the vectors over (once: then the mark says there is nothing to look for)."""
    if store.shared:
        pytest.skip("on a server the dated search always asks Chroma")
    vector, days, window = _dated_store(store, fake_embedder)
    expected = dated_search(store, vector, days, 8, None)
    with store.docs.db:
        store.docs.db.execute("DELETE FROM passage_vectors WHERE passage_id IN (SELECT passage_id FROM passages "
                              "WHERE doc_id IN ('d1.txt', 'e1.txt'))")
        store.docs.db.execute("DELETE FROM meta WHERE key = 'unfilled:passage_vectors'")
    assert store.dated_vectors(days[0], date(2019, 1, 11)) is None
    assert dated_search(store, vector, days, 8, None) == expected  # through Chroma's filter
    assert store.fill_passage_vectors() == 2
    assert store.fill_passage_vectors() == 0  # marked filled
    ids, matrix = store.dated_vectors(days[0], date(2019, 1, 11)) or ([], None)
    chroma = store.vectors.get_vectors(ids)
    assert matrix is not None and all((matrix[i] == chroma[pid]).all() for i, pid in enumerate(ids))
    assert dated_search(store, vector, days, 8, None) == expected


def test_a_passage_written_without_its_vector_by_an_older_writer_sends_the_dated_search_to_chroma(
        store: Store, fake_embedder: Embedder) -> None:
    """A filled index stays filled through this version's writes, but a passage another writer inserts without
    its vector (an older sitrep, which knows no passage_vectors) marks it unfilled (a trigger in the index), so
    the dated search asks Chroma, whose list holds that passage, until an ingest's end copies the vector over."""
    if store.shared:
        pytest.skip("on a server the dated search always asks Chroma")
    vector, days, window = _dated_store(store, fake_embedder)
    assert store.docs.get_meta("unfilled:passage_vectors") == "0"
    doc = _doc("f1.txt", "Wire", days[0], "Soldiers were wounded by a strike in Hajin.")
    passages = chunk_document(doc, store.settings.chunking)
    store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    assert store.docs.get_meta("unfilled:passage_vectors") == "0"  # this version wrote every vector
    old = _doc("g1.txt", "Wire", days[0], "A strike wounded soldiers near Hajin at dawn.")
    [passage] = chunk_document(old, store.settings.chunking)
    store.vectors.upsert([passage.passage_id], fake_embedder.embed([passage.text]),
                         [{**Store._vector_meta(old), "index": store.docs.index_id()}])
    with store.docs.db as db:  # what an older version's put writes: the rows, no vector, no mark
        db.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)", (old.doc_id, old.content_hash, old.root,
                   old.path, old.title, old.source, old.published.isoformat(), None, "{}", old.text))
        db.execute('INSERT INTO passages (passage_id, doc_id, ordinal, start, "end", text, sentences, metadata) '
                   "VALUES (?,?,?,?,?,?,?,?)", (passage.passage_id, old.doc_id, 0, passage.start, passage.end,
                                                passage.text, "[]", "{}"))
    assert store.dated_vectors(days[0], date(2019, 1, 11)) is None
    expected = _through_chroma(store, vector, window, 8)
    assert passage.passage_id in expected
    assert dated_search(store, vector, days, 8, None) == expected
    assert store.fill_passage_vectors() == 1
    assert store.docs.get_meta("unfilled:passage_vectors") == "0"
    assert dated_search(store, vector, days, 8, None) == expected


def test_passage_vectors_follow_their_passages(store: Store, fake_embedder: Embedder) -> None:
    """A replaced or removed document's passage vectors go with its passages (one row per stored passage)."""
    def rows() -> int:
        return int(store.docs.db.execute("SELECT COUNT(*) FROM passage_vectors").fetchone()[0])

    assert rows() == store.count()[1]
    doc = _doc("a.txt", "Wire", date(2019, 1, 10), "The SDF retook Al-Shaafa. " * 200)
    passages = chunk_document(doc, store.settings.chunking)
    store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    assert len(passages) > 1 and rows() == store.count()[1]
    store.remove_documents(["a.txt"])
    assert rows() == store.count()[1] == 2


def test_vector_search_and_filters(store: Store, fake_embedder: Embedder) -> None:
    vector = fake_embedder.embed(["soldiers wounded by a strike"])[0]
    hits = _vectors(store, vector, 3)
    assert len(hits) == 3
    top = store.views([hits[0][0]])[hits[0][0]]
    assert top.passage.doc_id == "b.txt"
    assert hits[0][1] >= hits[1][1] >= hits[2][1]

    def docs(filters: Filters) -> set[str]:
        ids = [pid for pid, _ in _vectors(store, vector, 3, filters)]
        return {v.passage.doc_id for v in store.views(ids).values()}

    assert docs(Filters(sources=["Wire"])) == {"a.txt"}
    assert docs(Filters(doc_ids=["c.txt", "a.txt"])) == {"a.txt", "c.txt"}
    assert docs(Filters(date_from=date(2019, 2, 1))) == {"b.txt"}
    assert docs(Filters(date_to=date(2019, 1, 31))) == {"a.txt"}
    assert docs(Filters(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31), sources=["Monitor"])) == {
        "b.txt"
    }


def test_bm25_search_and_filters(store: Store) -> None:
    hits = _bm25(store, "Baghuz encampment truck", 5)
    assert hits and store.views([hits[0][0]])[hits[0][0]].passage.doc_id == "c.txt"
    assert _bm25(store, "xylophone", 5) == []
    assert _bm25(store, "Baghuz", 5, Filters(sources=["Wire"])) == []
    filtered = _bm25(store, "Al-Shaafa Al-Sukkariyeh", 5, Filters(date_to=date(2019, 1, 31)))
    assert {store.views([p])[p].passage.doc_id for p, _ in filtered} == {"a.txt"}


def test_bm25_sees_writes_at_once_from_every_store(store: Store, fake_embedder: Embedder) -> None:
    generation = store.generation()
    again = Store(store.settings)
    assert _bm25(again, "Baghuz", 5)
    assert again.lexical.ensure() == 0  # already filled: a second store does not rebuild anything
    # a write bumps the generation and the next search (of any store on the folder) sees the new passage
    doc = _doc("d.txt", "Wire", None, "A xylophone factory was shelled.")
    passages = chunk_document(doc, store.settings.chunking)
    store.put_document(doc, passages, fake_embedder.embed([p.text for p in passages]))
    assert store.generation() == generation + 1
    assert [p for p, _ in _bm25(store, "xylophone", 5)] == [passages[0].passage_id]
    assert [p for p, _ in _bm25(again, "xylophone", 5)] == [passages[0].passage_id]
    again.close()


def test_remove_documents(store: Store, fake_embedder: Embedder) -> None:
    pid = store.docs.db.execute("SELECT passage_id FROM passages WHERE doc_id = 'c.txt'").fetchone()[0]
    store.remove_documents(["c.txt", "never-there"])
    assert store.count() == (2, 2)
    assert store.document("c.txt") is None
    assert store.views([pid]) == {}
    assert pid not in store.vectors.ids()
    assert _bm25(store, "Baghuz encampment", 5) == []


def test_idf_prefers_rare_terms(store: Store) -> None:
    idf = store.idf(["baghuz", "unseen"])
    assert idf["unseen"] > idf["baghuz"] > 0


def test_empty_store_searches_return_nothing(tmp_path: Path, fake_embedder: Embedder) -> None:
    store = Store(Settings().with_index(tmp_path / "empty"))
    assert _vectors(store, fake_embedder.embed(["x"])[0], 5) == []
    assert _bm25(store, "anything", 5) == []
    store.finish()
    assert store.count() == (0, 0) and not store.has_documents()
    store.close()


def test_other_chunking_uses_another_collection(tmp_path: Path) -> None:
    base = Settings().with_index(tmp_path / "i")
    other = base.model_copy(update={"chunking": base.chunking.model_copy(update={"max_chars": 400})})
    assert Store(base).dir != Store(other).dir
    assert Store(base).dir.parent == Store(other).dir.parent


def test_bm25_is_rebuilt_when_the_alias_list_changes(store: Store) -> None:
    """A new alias changes the tokens: the saved index must not be reused (it was before the Lexicon version)."""
    assert _bm25(store, "Baghuz", 5)
    assert _bm25(store, "Wolverines", 5) == []
    actors = [*load_knowledge().actors, ActorEntry(id="wolves", name="Wolves", aliases=["wolverines", "baghuz"])]
    again = Store(store.settings, lexicon=Lexicon(actors))
    assert again.lexicon.version != store.lexicon.version
    hits = _bm25(again, "Wolverines", 5)  # found through the shared actor token of 'baghuz'
    assert [again.views([p])[p].passage.doc_id for p, _ in hits] == ["c.txt"]
    saved = again.docs.db.execute("SELECT value FROM meta WHERE key = 'lexical_version'").fetchone()[0]
    assert saved == again.lexicon.version
    again.close()


def test_index_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    from assistant.errors import ConfigError

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        Store(Settings().with_index(a_file))


class _Cues:
    """An annotator finding the word 'captured' (cue 0) and 'besieged' (cue 1) in each sentence."""

    kind = "control_cues"

    def __init__(self, version: str) -> None:
        self.version = version

    def annotate(self, passage: PassageText) -> list[list[Any]]:
        out = []
        for s, e in passage.sentences:
            sentence = passage.text[s - passage.start:e - passage.start]
            found = [[m.start(), m.end(), 0 if m[0] == "captured" else 1]
                     for m in re.finditer(r"captured|besieged", sentence)]
            if found:
                out.append([s, found])
        return out


class _Title:
    """An annotator keeping the document fields it is given."""

    kind = "answer_tokens"
    version = "t1"

    def annotate(self, passage: PassageText) -> list[Any]:
        return [passage.title, passage.source, str(passage.published)]


def test_annotations_written_with_passages_versioned_filled_and_dropped(tmp_path: Path) -> None:
    """Each passage written gets each annotator's data under its version; another version drops them all (read
    as none meanwhile), ``fill_annotations`` annotates what was stored without, a removed document's go."""
    docs = DocumentStore(tmp_path / "s.sqlite")
    text = "Rebels captured the town. It rained. The army besieged it and captured the hill."
    doc = Document(doc_id="r/a.txt", content_hash="h", root="r", path="a.txt", title="A", text=text,
                   source="Wire", published=date(2017, 5, 1))
    spans = [(0, 25), (26, 36), (37, len(text))]
    passage = Passage(passage_id="p1", doc_id="r/a.txt", ordinal=0, start=0, end=len(text), text=text,
                      sentences=spans)
    docs.put(doc, [passage])  # no annotators: nothing stored
    assert docs.annotations("control_cues", ["p1"], "v1") == {}
    docs.annotators["control_cues"] = lambda: _Cues("v1")
    assert docs.fill_annotations() == 1 and docs.fill_annotations() == 0
    expected = [[0, [[7, 15, 0]]], [37, [[9, 17, 1], [25, 33, 0]]]]
    assert docs.annotations("control_cues", ["p1", "missing"], "v1") == {"p1": expected}
    assert docs.annotations("control_cues", ["p1"], "v2") == {}
    docs.annotators.update(control_cues=lambda: _Cues("v2"), answer_tokens=_Title)
    doc2 = doc.model_copy(update={"doc_id": "r/b.txt", "path": "b.txt", "title": "B"})
    docs.put(doc2, [passage.model_copy(update={"passage_id": "p2", "doc_id": "r/b.txt"})])
    assert docs.annotations("control_cues", ["p1", "p2"], "v2") == {"p2": expected}  # p1's v1 data dropped
    assert docs.annotations("answer_tokens", ["p1", "p2"], "t1") == {"p2": ["B", "Wire", "2017-05-01"]}
    assert docs.fill_annotations() == 2  # p1 by each annotator, its document fields read back from the docs
    assert docs.annotations("answer_tokens", ["p1"], "t1") == {"p1": ["A", "Wire", "2017-05-01"]}
    assert set(docs.annotations("control_cues", ["p1", "p2"], "v2")) == {"p1", "p2"}
    docs.remove("r/b.txt")
    assert docs.db.execute("SELECT passage_id FROM control_cues").fetchall() == [("p1",)]
    assert docs.db.execute("SELECT passage_id FROM answer_tokens").fetchall() == [("p1",)]
    with pytest.raises(ValueError, match="unknown annotation 'passages'"):
        docs.annotations("passages", ["p1"], "v1")
    docs.close()


def test_fill_annotations_looks_only_when_a_passage_may_lack_one(tmp_path: Path) -> None:
    """Once every passage is annotated, the end of an ingest does not read every passage again: it looks after
    a passage is written without an annotator, after a data version change, and in an index older than the
    mark (none kept)."""
    docs = DocumentStore(tmp_path / "s.sqlite")
    text = "Rebels captured the town."
    doc = Document(doc_id="r/a.txt", content_hash="h", root="r", path="a.txt", title="A", text=text)
    passage = Passage(passage_id="p1", doc_id="r/a.txt", ordinal=0, start=0, end=len(text), text=text,
                      sentences=[(0, len(text))])
    docs.put(doc, [passage])
    docs.annotators["control_cues"] = lambda: _Cues("v1")
    statements: list[str] = []
    docs.db.set_trace_callback(statements.append)

    def looked() -> bool:
        statements.clear()
        docs.fill_annotations()
        return any("WHERE NOT EXISTS" in s for s in statements)

    assert looked() and not looked()  # p1 filled; then nothing may lack one
    docs.put(doc.model_copy(update={"doc_id": "r/b.txt"}), [passage.model_copy(update={"passage_id": "p2",
                                                                                       "doc_id": "r/b.txt"})])
    assert not looked()  # written with the annotator
    docs.annotators.pop("control_cues")
    docs.put(doc.model_copy(update={"doc_id": "r/c.txt"}), [passage.model_copy(update={"passage_id": "p3",
                                                                                       "doc_id": "r/c.txt"})])
    docs.annotators["control_cues"] = lambda: _Cues("v1")
    assert looked() and set(docs.annotations("control_cues", ["p1", "p2", "p3"], "v1")) == {"p1", "p2", "p3"}
    docs.annotators["control_cues"] = lambda: _Cues("v2")
    assert looked() and set(docs.annotations("control_cues", ["p1", "p2", "p3"], "v2")) == {"p1", "p2", "p3"}
    docs.db.execute("DELETE FROM meta WHERE key LIKE 'unfilled:%'")  # an index older than the mark
    assert looked() and not looked()
    docs.close()


def test_views_at_parse_only_the_frames_asked(tmp_path: Path) -> None:
    """``views_at`` gives the views of ``views`` with only the frames of the sentences asked (the rest unparsed);
    a passage stored without frames keeps None."""
    from assistant.index.documents import DocumentStore
    from assistant.models import Frame

    docs = DocumentStore(tmp_path / "s.sqlite")
    text = "Rebels captured the town. It rained. The army besieged it."
    spans = [(0, 25), (26, 36), (37, len(text))]
    doc = Document(doc_id="r/a.txt", content_hash="h", root="r", path="a.txt", title="A", text=text)
    frames = [Frame(start=s, end=e, places=["town"] if s == 0 else [], actors=["actor_x"] if s == 37 else [])
              for s, e in spans]
    with_frames = Passage(passage_id="p1", doc_id="r/a.txt", ordinal=0, start=0, end=len(text), text=text,
                          sentences=spans, frames=frames)
    docs.put(doc, [with_frames])
    doc2 = doc.model_copy(update={"doc_id": "r/b.txt", "path": "b.txt"})
    docs.put(doc2, [with_frames.model_copy(update={"passage_id": "p2", "doc_id": "r/b.txt", "frames": None})])
    whole = docs.views(["p1", "p2"])
    part = docs.views_at({"p1": {0, 37}, "p2": {0}, "missing": {0}})
    assert set(part) == {"p1", "p2"}
    assert part["p1"].passage.frames == [frames[0], frames[2]]
    assert part["p1"].model_copy(update={"passage": part["p1"].passage.model_copy(update={"frames": frames})}) \
        == whole["p1"]
    assert part["p2"] == whole["p2"] and part["p2"].passage.frames is None
    assert docs.views_at({"p1": set()})["p1"].passage.frames == []
    docs.close()


def test_results_kept_against_the_passage_log(tmp_path: Path) -> None:
    """A derived result is kept with the passage-log position it was read at: the passages written, replaced,
    deleted or moved since are what ``changed_since`` gives; another version of the same kind is dropped, other
    kinds stay; the log is kept only from the oldest position a result needs; a locked database keeps nothing."""
    import sqlite3

    docs = DocumentStore(tmp_path / "s.sqlite")

    def put(doc_id: str, *pids: str) -> None:
        doc = Document(doc_id=doc_id, content_hash="h", root="r", path=doc_id[2:], title="T", text="Some text.")
        docs.put(doc, [Passage(passage_id=pid, doc_id=doc_id, ordinal=i, start=0, end=10, text="Some text.",
                               sentences=[(0, 10)]) for i, pid in enumerate(pids)])

    put("r/a.txt", "a1", "a2")
    head = docs.log_head()
    assert head == 2 and docs.changed_since(0) == (2, {"a1", "a2"}, {"a1", "a2"})
    assert docs.keep("control:x", "v1", head, b"[1]") and docs.derived("control:x", "v1") == (2, b"[1]")
    assert docs.derived("control:x", "v2") is None and docs.changed_since(head) == (head, set(), set())
    put("r/b.txt", "b1")
    put("r/a.txt", "a1")  # replaced: a1 written again, a2 gone
    docs.remove("r/b.txt")
    found = docs.changed_since(head)
    assert found[1] == {"a1", "a2", "b1"} and found[2] == {"a1"}
    assert docs.keep("other:y", "w1", found[0], b"[]") and docs.keep("control:z", "v2", found[0], b"[2]")
    assert docs.derived("control:x", "v1") is None and docs.derived("other:y", "w1") is not None  # kinds apart
    assert docs.db.execute("SELECT MIN(seq) FROM passage_log").fetchone()[0] is None  # nothing older needed
    docs.absorb_root("r", "q", "q/")  # a1 now in another document: read again
    assert docs.changed_since(found[0])[1:] == ({"a1"}, {"a1"})
    other = sqlite3.connect(tmp_path / "s.sqlite")
    other.execute("BEGIN IMMEDIATE")  # another process writing
    assert not docs.keep("control:z", "v2", found[0], b"[3]")
    other.rollback()
    assert docs.derived("control:z", "v2") == (found[0], b"[2]")
    other.close()
    docs.close()


def test_passage_texts_read_in_batches_are_the_whole_list(store: Store) -> None:
    """The folded-text scan reads the passages a batch at a time: the same rows, in the same (id) order."""
    assert list(store.docs.passage_texts_batched(batch=2)) == store.docs.passage_texts()
    assert len(store.docs.passage_texts()) == 3
