"""The Chroma server as the team's shared truth: two clients, two empty index folders, one real server.

Run when a server is up (``SITREP_TEST_CHROMA_URL``, set by .ci/run); skipped otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.embed import Embedder
from assistant.index import Store
from assistant.index.vectors import http_index
from assistant.models import Answer
from assistant.settings import Settings
from tests.conftest import CHROMA_URL, DEMO_CORPUS, fake_settings

pytestmark = pytest.mark.skipif(not CHROMA_URL, reason="no Chroma server (SITREP_TEST_CHROMA_URL, set by .ci/run)")

Client = Callable[[str], Assistant]

QUESTION = "How many civilians were killed in the airstrike on Hajin?"


@pytest.fixture
def client(tmp_path: Path, fake_embedder: Embedder) -> Iterator[Client]:
    """``client(name)``: an Assistant over its own empty index folder, on one collection of the test server."""
    collection = f"test-{uuid.uuid4().hex}"
    made: list[Assistant] = []

    def make(name: str) -> Assistant:
        base = fake_settings(Settings().with_index(tmp_path / f"index-{name}"))
        settings = base.model_copy(update={"index": base.index.model_copy(
            update={"chroma_url": CHROMA_URL, "sync_interval_s": 0})})
        vectors = http_index(settings)
        vectors.name = collection
        assistant = Assistant(settings, embedder=fake_embedder, store=Store(settings, vectors=vectors))
        made.append(assistant)
        return assistant

    yield make
    for assistant in made:
        assistant.close()
    if made:
        vectors = made[0].store.vectors
        vectors._client().delete_collection(collection)  # type: ignore[attr-defined]
        vectors._client().delete_collection(f"{collection}-records")  # type: ignore[attr-defined]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _report(folder: Path, name: str, figure: str) -> Path:
    return _write(folder / name, f"Title: Strike on Hajin\nSource: Monitor\nDate: 2018-12-03\n\n"
                                 f"An airstrike on Hajin killed {figure} civilians on Sunday, the monitor said. "
                                 f"Families left the town by truck after the strike.\n")


def _verified(assistant: Assistant, answer: Answer) -> None:
    """Every citation's span holds its quote in the document this client has (from the server)."""
    assert answer.citations
    for c in answer.citations:
        doc = assistant.document(c.doc_id)
        assert doc is not None and doc.text[c.start:c.end] == c.quote


def _filler(folder: Path) -> None:
    _write(folder / "other.txt", "Title: Market\nSource: Wire\nDate: 2018-12-01\n\n"
                                 "The market in Deir ez-Zor reopened after repairs to the roof and the stalls.\n")


def test_teammate_with_an_empty_folder_answers_with_citations(client: Client) -> None:
    a, b = client("a"), client("b")
    a.ingest([DEMO_CORPUS], progress=False)
    assert not b.store.exists() or b.store.count() == (0, 0)  # nothing local yet
    question = "How many soldiers were injured in the strike on the artillery position?"
    mine, theirs = a.ask(question), b.ask(question)
    assert b.store.count() == a.store.count()  # b's cache holds every document a ingested
    assert theirs.text == mine.text and not theirs.abstained
    assert [(c.doc_id, c.start, c.end) for c in theirs.citations] == [(c.doc_id, c.start, c.end)
                                                                     for c in mine.citations]
    _verified(b, theirs)
    assert b.sentence_vectors.embedded == 0  # the sentence vectors came from the server, not re-embedded
    assert {r.name for r in b.roots()} == {r.name for r in a.roots()}


def test_change_and_removal_reach_the_teammate(tmp_path: Path, client: Client) -> None:
    folder = tmp_path / "reports"
    _report(folder, "hajin.txt", "12")
    _filler(folder)
    a, b = client("a"), client("b")
    a.ingest([folder], progress=False)
    first = b.ask(QUESTION)
    _verified(b, first)
    assert any("killed 12 civilians" in c.quote for c in first.citations)

    _report(folder, "hajin.txt", "15")  # a's file changes; a syncs its folder again
    report = a.ingest([folder], progress=False)
    assert report.replaced == 1
    second = b.ask(QUESTION)
    _verified(b, second)
    assert any("killed 15 civilians" in c.quote for c in second.citations)
    assert not any("killed 12" in c.quote for c in second.citations)

    (folder / "hajin.txt").unlink()  # gone from a's folder: pruned from the server
    assert a.ingest([folder], progress=False).removed == 1
    third = b.ask(QUESTION)
    assert not any(c.doc_id == "reports/hajin.txt" for c in third.citations)
    assert b.document("reports/hajin.txt") is None
    assert not any(p.view.passage.doc_id == "reports/hajin.txt" for p in third.passages)
    assert set(b.store.vectors.ids()) == b.store.docs.all_passage_ids()  # server vectors = committed passages


def test_removal_by_a_teammate(tmp_path: Path, client: Client) -> None:
    folder = tmp_path / "reports"
    _report(folder, "hajin.txt", "12")
    _filler(folder)
    a, b = client("a"), client("b")
    a.ingest([folder], progress=False)
    b.remove("reports/hajin.txt")  # b removes a document a ingested: it goes for everyone
    a.stats()  # any read refreshes the cache
    assert a.document("reports/hajin.txt") is None
    assert not any(c.doc_id == "reports/hajin.txt" for c in a.ask(QUESTION).citations)


def test_two_roots_on_one_server_never_prune_each_other(tmp_path: Path, client: Client) -> None:
    """Two teammates ingest folders of the same name with different files: two roots, neither prunes the other."""
    mine, theirs = tmp_path / "a" / "reports", tmp_path / "b" / "reports"
    _report(mine, "hajin.txt", "12")
    _filler(theirs)
    _write(theirs / "baghuz.txt", "Title: Baghuz\nSource: Wire\nDate: 2019-03-01\n\nFamilies left Baghuz by truck.\n")
    a, b = client("a"), client("b")
    a.ingest([mine], progress=False)
    report = b.ingest([theirs], progress=False)
    assert report.roots == ["reports-2"]  # the name is a's: b's folder is another root
    assert a.ingest([mine], progress=False).removed == 0
    assert b.ingest([theirs], progress=False).removed == 0
    expected = {"reports/hajin.txt", "reports-2/other.txt", "reports-2/baghuz.txt"}
    assert {d["doc_id"] for d in a.documents()} == expected
    assert {d["doc_id"] for d in b.documents()} == expected
    assert {r.name for r in a.roots()} == {"reports", "reports-2"}
    (theirs / "other.txt").unlink()  # b's prune reaches only b's root
    assert b.ingest([theirs], progress=False).removed == 1
    assert {d["doc_id"] for d in a.documents()} == {"reports/hajin.txt", "reports-2/baghuz.txt"}
    _verified(a, a.ask(QUESTION))


def test_an_index_written_before_the_records_is_published_not_lost(tmp_path: Path, client: Client) -> None:
    """An index folder an older version wrote against the server (vectors there, text only in its SQLite)
    publishes its documents at its first refresh instead of dropping them."""
    folder = tmp_path / "reports"
    _report(folder, "hajin.txt", "12")
    _filler(folder)
    old = client("a")
    old.store.records = None  # the older version: no document records on the server
    old.ingest([folder], progress=False)
    upgraded = client("a")  # the same folder with this version
    assert len(upgraded.documents()) == 2
    b = client("b")
    answer = b.ask(QUESTION)
    _verified(b, answer)
    assert any("killed 12 civilians" in c.quote for c in answer.citations)
    assert upgraded.ingest([folder], progress=False).texts_embedded == 0  # nothing re-embedded


def test_a_reader_checks_the_server_at_most_every_sync_interval(tmp_path: Path, client: Client) -> None:
    folder = tmp_path / "reports"
    _report(folder, "hajin.txt", "12")
    a, b = client("a"), client("b")
    a.ingest([folder], progress=False)
    b.store.settings = b.store.settings.model_copy(update={"index": b.store.settings.index.model_copy(
        update={"sync_interval_s": 3600})})
    assert b.store.refresh() == 1  # the first look always happens
    _filler(folder)
    a.ingest([folder], progress=False)
    assert b.store.refresh() == 0  # within the interval: no request
    assert b.store.refresh(force=True) == 1
