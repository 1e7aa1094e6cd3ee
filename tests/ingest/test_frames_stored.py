"""Frames are read at ingest, stored with their passages in SQLite and read back; old indexes still open."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.index.documents import DocumentStore
from assistant.knowledge import frames as frames_module
from assistant.models import DateSpan, Document, Figure, Frame, Passage
from assistant.settings import Settings

MakeAssistant = Callable[..., Assistant]

REPORT = """Title: Strike on Al-Shaafa
Source: Monitor
Date: 2019-02-14

An airstrike hit the market near the village of Al-Shaafa on Saturday, killing 5 and injuring 12, \
according to SANA. Daesh fighters withdrew to Baghuz yesterday.

The Observatory said 36 fighters were killed in March 2018.
"""


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames by rules only (spaCy unimportable), so these tests stay in the fast tier."""
    monkeypatch.setattr(frames_module, "_NLP", {})
    monkeypatch.setitem(sys.modules, "spacy", None)


def _with_frames(enabled: bool) -> Settings:
    base = Settings()
    return base.model_copy(update={"frames": base.frames.model_copy(update={"enabled": enabled})})


def test_ingest_stores_one_frame_per_sentence(tmp_path: Path, make_assistant: MakeAssistant,
                                              rules_only: None) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.txt").write_text(REPORT)
    assistant = make_assistant(_with_frames(True))
    report = assistant.ingest([tmp_path / "docs"], progress=False)
    assert report.stage_cpu["frames"] > 0  # the reading's CPU, reported beside the storing's
    ids = sorted(assistant.store.docs.all_passage_ids())
    views = assistant.store.views(ids)
    frames = [f for pid in ids for f in views[pid].passage.frames or []]
    for pid in ids:
        passage = views[pid].passage
        assert passage.frames is not None
        assert [(f.start, f.end) for f in passage.frames] == passage.sentences
    first = frames[0]
    assert first.places == ["Al-Shaafa"] and first.sources == ["SANA"]
    assert [(f.value, f.counts) for f in first.figures] == [(5, "kill"), (12, "wound")]
    assert [(d.start, d.relative) for d in first.dates] == [(date(2019, 2, 9), True)]
    assert frames[1].actors == ["actor_isis"] and frames[1].dates[0].start == date(2019, 2, 13)
    assert frames[1].places == ["Baghuz"] and frames[1].event_types == ["withdrawal"]
    assert frames[2].sources == ["The Observatory"] and frames[2].dates[0].end == date(2018, 3, 31)


def test_frames_disabled_stores_none(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.txt").write_text(REPORT)
    assistant = make_assistant(_with_frames(False))
    assistant.ingest([tmp_path / "docs"], progress=False)
    views = assistant.store.views(assistant.store.docs.all_passage_ids())
    assert views and all(v.passage.frames is None for v in views.values())


def _document(text: str) -> Document:
    return Document(doc_id="r/a.txt", title="A", source="Wire", published=date(2019, 2, 14), text=text,
                    root="r", path="/r/a.txt", content_hash="h")


def test_frames_round_trip_through_sqlite(tmp_path: Path) -> None:
    text = "Two were killed in Hajin on Saturday. Nothing else."
    frame = Frame(start=0, end=37, event_types=["attack"], outcomes=["kill"], places=["Hajin"],
                  dates=[DateSpan(text="on Saturday", start=date(2019, 2, 9), end=date(2019, 2, 9), relative=True)],
                  figures=[Figure(text="Two", value=2, counts="kill")], actors=["actor_isis"], names=["SANA"],
                  sources=["SANA"])
    with_frames = Passage(passage_id="p1", doc_id="r/a.txt", ordinal=0, start=0, end=37, text=text[:37],
                          sentences=[(0, 37)], frames=[frame])
    without = Passage(passage_id="p2", doc_id="r/a.txt", ordinal=1, start=38, end=len(text), text=text[38:],
                      sentences=[(38, len(text))])
    store = DocumentStore(tmp_path / "sitrep.sqlite")
    store.put(_document(text), [with_frames, without])
    store.close()
    views = DocumentStore(tmp_path / "sitrep.sqlite").views(["p1", "p2"])
    assert views["p1"].passage.frames == [frame]
    assert views["p2"].passage.frames is None


def test_index_written_before_frames_opens(tmp_path: Path) -> None:
    path = tmp_path / "sitrep.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE docs (doc_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, root TEXT NOT NULL,
            path TEXT NOT NULL, title TEXT NOT NULL, source TEXT, published TEXT, url TEXT, metadata TEXT NOT NULL,
            text TEXT NOT NULL);
        CREATE TABLE passages (passage_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES docs(doc_id)
            ON DELETE CASCADE, ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            text TEXT NOT NULL, sentences TEXT NOT NULL, metadata TEXT NOT NULL);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE roots (name TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE);
        INSERT INTO meta VALUES ('layout', '2');
        INSERT INTO roots VALUES ('r', '/r');
        INSERT INTO docs VALUES ('r/a.txt', 'h', 'r', '/r/a.txt', 'A', 'Wire', '2019-02-14', NULL, '{}',
            'Old text.');
    """)
    db.execute("INSERT INTO passages VALUES ('old', 'r/a.txt', 0, 0, 9, 'Old text.', ?, '{}')",
               (json.dumps([[0, 9]]),))
    db.commit()
    db.close()
    store = DocumentStore(path)
    assert store.views(["old"])["old"].passage.frames is None
    text = "New text."
    store.put(_document(text), [Passage(passage_id="new", doc_id="r/a.txt", ordinal=0, start=0, end=9, text=text,
                                        sentences=[(0, 9)], frames=[Frame(start=0, end=9)])])
    assert store.views(["new"])["new"].passage.frames == [Frame(start=0, end=9)]
    store.close()


@pytest.mark.model
def test_ingest_reads_named_entities_with_spacy(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    if frames_module.load_nlp(Settings().frames.spacy_model) is None:
        pytest.skip("the spaCy model of the [nlp] extra is not installed")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "report.txt").write_text(REPORT)
    assistant = make_assistant(_with_frames(True))
    assistant.ingest([tmp_path / "docs"], progress=False)
    views = assistant.store.views(assistant.store.docs.all_passage_ids())
    frames = [f for v in sorted(views.values(), key=lambda v: v.passage.ordinal) for f in v.passage.frames or []]
    assert "Al-Shaafa" in frames[0].places and "SANA" in frames[0].sources
    assert "Baghuz" in frames[1].places
