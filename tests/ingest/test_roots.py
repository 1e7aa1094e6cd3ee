"""Roots: every ingested folder keeps its own documents (ids ROOT/path), prunes only itself, and can be removed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core import Assistant
from assistant.errors import NotInIndexError
from assistant.index import Store

MakeAssistant = Callable[..., Assistant]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _ids(assistant: Assistant) -> set[str]:
    return {d["doc_id"] for d in assistant.store.documents()}


def _roots(assistant: Assistant) -> dict[str, tuple[str, int, bool]]:
    return {r.name: (r.path, r.documents, r.exists) for r in assistant.roots()}


def _consistent(assistant: Assistant) -> None:
    """SQLite passages and vectors name the same ids."""
    passages = assistant.store.docs.all_passage_ids()
    assert set(assistant.store.vectors.ids()) == passages


def test_same_file_name_in_two_folders_does_not_collide(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    a = _write(tmp_path / "A" / "report.txt", "Shelling hit the market in Hajin.").parent
    b = _write(tmp_path / "B" / "report.txt", "A convoy reached the camp at Al-Hol.").parent
    assistant = make_assistant()
    assert assistant.ingest([a], progress=False).ingested == 1
    second = assistant.ingest([b], progress=False)
    assert (second.ingested, second.replaced, second.removed) == (1, 0, 0)
    assert second.roots == ["B"]
    assert _ids(assistant) == {"A/report.txt", "B/report.txt"}
    doc_a, doc_b = assistant.document("A/report.txt"), assistant.document("B/report.txt")
    assert doc_a is not None and "Hajin" in doc_a.text
    assert doc_b is not None and "Al-Hol" in doc_b.text
    # syncing A again touches nothing of B (and B's file is not "gone" from A)
    again = assistant.ingest([a], progress=False)
    assert (again.unchanged, again.replaced, again.removed) == (1, 0, 0)
    assert _ids(assistant) == {"A/report.txt", "B/report.txt"}
    _consistent(assistant)


def test_same_folder_name_elsewhere_gets_a_suffix(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    first = _write(tmp_path / "x" / "data" / "r.txt", "First report about Baghuz.").parent
    second = _write(tmp_path / "y" / "data" / "r.txt", "Second report about Susah.").parent
    assistant = make_assistant()
    assistant.ingest([first], progress=False)
    assistant.ingest([second], progress=False)
    assert _ids(assistant) == {"data/r.txt", "data-2/r.txt"}
    assert _roots(assistant) == {"data": (str(first), 1, True), "data-2": (str(second), 1, True)}
    # both keep their names on re-ingest, in any order and together
    report = assistant.ingest([second, first], progress=False)
    assert (report.unchanged, report.ingested, report.removed) == (2, 0, 0)
    assert sorted(report.roots) == ["data", "data-2"]


def test_prune_stays_within_the_root_being_ingested(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    a = _write(tmp_path / "A" / "one.txt", "The bridge at Hajin was destroyed.").parent
    b = _write(tmp_path / "B" / "two.txt", "Families left Baghuz by truck.").parent
    assistant = make_assistant()
    assistant.ingest([a], progress=False)
    assistant.ingest([b], progress=False)
    (a / "one.txt").unlink()
    report = assistant.ingest([b], progress=False)
    assert report.removed == 0
    assert _ids(assistant) == {"A/one.txt", "B/two.txt"}
    assert assistant.ingest([a], progress=False).removed == 1
    assert _ids(assistant) == {"B/two.txt"}


def test_single_file_belongs_to_its_folder_root(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    folder = tmp_path / "A"
    _write(folder / "one.txt", "The bridge at Hajin was destroyed.")
    _write(folder / "sub" / "two.txt", "Families left Baghuz by truck.")
    assistant = make_assistant()
    assistant.ingest([folder], progress=False)
    # a file of a known root keeps its id there, and a single file never prunes
    (folder / "one.txt").unlink()
    report = assistant.ingest([folder / "sub" / "two.txt"], progress=False)
    assert (report.unchanged, report.removed, report.roots) == (1, 0, ["A"])
    assert _ids(assistant) == {"A/one.txt", "A/sub/two.txt"}
    # a file elsewhere gets the root of its own folder
    other = _write(tmp_path / "B" / "three.txt", "A checkpoint opened at Al-Susah.")
    assert assistant.ingest([other], progress=False).roots == ["B"]
    assert "B/three.txt" in _ids(assistant)


def test_subfolder_then_parent_is_stored_once(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """Ingesting the parent of a root absorbs it: its documents get the parent's ids, none is stored twice."""
    parent = tmp_path / "corpus"
    _write(parent / "sub" / "x.txt", "The SDF retook Al-Shaafa after three days.")
    _write(parent / "sub" / "gone.txt", "A report whose file will be deleted.")
    _write(parent / "y.txt", "The coalition struck an artillery position.")
    assistant = make_assistant()
    assistant.ingest([parent / "sub"], progress=False)
    assert _ids(assistant) == {"sub/x.txt", "sub/gone.txt"}
    (parent / "sub" / "gone.txt").unlink()

    report = assistant.ingest([parent], progress=False)
    assert _ids(assistant) == {"corpus/sub/x.txt", "corpus/y.txt"}
    assert list(_roots(assistant)) == ["corpus"]
    assert report.removed == 1 and report.ingested == 1 and report.replaced == 1
    assert any("root sub" in note and "corpus" in note for note in report.notes)
    _consistent(assistant)
    # and the subfolder on its own now syncs as part of its parent's root
    again = assistant.ingest([parent / "sub"], progress=False)
    assert (again.unchanged, again.ingested, again.roots) == (1, 0, ["corpus"])
    assert _ids(assistant) == {"corpus/sub/x.txt", "corpus/y.txt"}


def test_subfolder_of_a_root_is_a_partial_sync(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    root = tmp_path / "corpus"
    _write(root / "top.txt", "Top-level report about Hajin.")
    _write(root / "sub" / "keep.txt", "Sub report about Baghuz.")
    _write(root / "sub" / "drop.txt", "Sub report about Susah.")
    assistant = make_assistant()
    assistant.ingest([root], progress=False)
    (root / "top.txt").unlink()
    (root / "sub" / "drop.txt").unlink()
    _write(root / "sub" / "new.txt", "New sub report about Al-Hol.")

    report = assistant.ingest([root / "sub"], progress=False)
    assert (report.removed, report.ingested, report.unchanged, report.roots) == (1, 1, 1, ["corpus"])
    # top.txt lies outside the synced subfolder: not pruned by it
    assert _ids(assistant) == {"corpus/top.txt", "corpus/sub/keep.txt", "corpus/sub/new.txt"}
    assert list(_roots(assistant)) == ["corpus"]


def test_files_deleted_from_a_moved_folder_are_pruned(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    old = tmp_path / "old" / "A"
    _write(old / "keep.txt", "The bridge at Hajin was destroyed.")
    _write(old / "delete-me.txt", "Families left Baghuz by truck.")
    assistant = make_assistant()
    assistant.ingest([old], progress=False)

    new = tmp_path / "new" / "A"
    new.parent.mkdir()
    shutil.move(old, new)
    (new / "delete-me.txt").unlink()
    assert _roots(assistant) == {"A": (str(old), 2, False)}  # stats shows the root as missing
    stats = assistant.stats()
    assert stats["roots"] == [{"name": "A", "path": str(old), "documents": 2, "exists": False}]

    report = assistant.ingest([new], progress=False)
    assert (report.removed, report.unchanged, report.texts_embedded) == (1, 1, 0)
    assert _ids(assistant) == {"A/keep.txt"}
    assert _roots(assistant) == {"A": (str(new), 1, True)}
    assert any("moved" in note for note in report.notes)
    answer = assistant.ask("Did families leave Baghuz?")
    assert all(c.doc_id != "A/delete-me.txt" for c in answer.citations)
    _consistent(assistant)


def test_live_folder_with_the_same_name_is_not_taken_over(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    first = _write(tmp_path / "one" / "A" / "a.txt", "Report one.").parent
    second = _write(tmp_path / "two" / "A" / "b.txt", "Report two.").parent
    assistant = make_assistant()
    assistant.ingest([first], progress=False)
    report = assistant.ingest([second], progress=False)
    assert report.removed == 0
    assert _ids(assistant) == {"A/a.txt", "A-2/b.txt"}


def test_remove_a_root_or_a_document(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    a = _write(tmp_path / "A" / "report.txt", "Shelling hit the market in Hajin.").parent
    _write(a / "feed.jsonl", json.dumps({"id": "e1", "text": "Shelling hit Baghuz camp."}) + "\n"
           + json.dumps({"id": "e2", "text": "Families left Baghuz."}) + "\n")
    b = _write(tmp_path / "B" / "report.txt", "A convoy reached the camp at Al-Hol.").parent
    _write(b / "other.txt", "The bridge at Hajin was repaired.")
    assistant = make_assistant()
    assistant.ingest([a, b], progress=False)
    assert len(_ids(assistant)) == 5

    removed = assistant.remove("A")
    assert (removed.root, sorted(removed.documents)) == ("A", ["A/feed.jsonl#e1", "A/feed.jsonl#e2", "A/report.txt"])
    assert _ids(assistant) == {"B/report.txt", "B/other.txt"}
    assert list(_roots(assistant)) == ["B"]
    _consistent(assistant)
    assert assistant.store.docs.db.execute("SELECT COUNT(*) FROM lexical_lengths").fetchone()[0] == 2  # lexical follows

    one = assistant.remove("B/report.txt")
    assert one.documents == ["B/report.txt"] and one.summary() == "removed document B/report.txt"
    assert _ids(assistant) == {"B/other.txt"}
    _consistent(assistant)

    with pytest.raises(NotInIndexError, match="no root or document 'C'") as exc:
        assistant.remove("C")
    assert str(assistant.settings.index.dir) in str(exc.value)


def test_resolve_doc_id(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    corpus = tmp_path / "corpus"
    _write(corpus / "wire" / "a.txt", "Report A.")
    _write(corpus / "b.txt", "Report B.")
    _write(tmp_path / "other" / "b.txt", "Another report B.")
    assistant = make_assistant()
    assistant.ingest([corpus, tmp_path / "other"], progress=False)
    assert assistant.resolve_doc_id("wire/a.txt", corpus) == "corpus/wire/a.txt"
    assert assistant.resolve_doc_id("a.txt", corpus / "wire") == "corpus/wire/a.txt"
    assert assistant.resolve_doc_id("x.txt", tmp_path / "never-ingested") is None
    assert assistant.resolve_doc_id("corpus/b.txt") == "corpus/b.txt"  # an exact id
    assert assistant.resolve_doc_id("wire/a.txt") == "corpus/wire/a.txt"  # the only */wire/a.txt
    assert assistant.resolve_doc_id("b.txt") is None  # corpus/b.txt and other/b.txt: ambiguous
    assert assistant.resolve_doc_id("nothing.txt") is None


def test_index_from_before_roots_is_migrated(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """An index whose ids have no root name gets them on first open, and the next sync keeps one copy."""
    folder = _write(tmp_path / "corpus" / "a.txt", "The bridge at Hajin was destroyed.").parent
    assistant = make_assistant()
    assistant.ingest([folder], progress=False)
    db = assistant.store.docs.db
    with db:  # rewrite it as the old layout: ids relative to the folder, root = the folder's path
        db.execute("PRAGMA defer_foreign_keys = ON")
        db.execute("UPDATE passages SET doc_id = 'a.txt'")
        db.execute("UPDATE docs SET doc_id = 'a.txt', root = ?, content_hash = 'old'", (str(folder),))
        db.execute("DELETE FROM roots")
        db.execute("DELETE FROM meta WHERE key = 'layout'")
    assistant.close()

    store = Store(assistant.settings)
    assert store.roots() == {"corpus": str(folder)}
    assert set(store.doc_hashes()) == {"corpus/a.txt"}
    store.close()
    again = make_assistant()
    report = again.ingest([folder], progress=False)
    assert report.replaced == 1 and report.removed == 0  # the id is part of the content hash: embedded again
    assert _ids(again) == {"corpus/a.txt"}
    _consistent(again)


def test_cli_stats_and_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    folder = _write(tmp_path / "reports" / "a.txt", "The bridge at Hajin was destroyed.").parent
    index = str(tmp_path / "idx")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(folder), "--index", index])
    assert result.exit_code == 0, result.output
    stats = json.loads(runner.invoke(app, ["stats", "--index", index]).stdout)
    assert stats["roots"] == [{"name": "reports", "path": str(folder), "documents": 1, "exists": True}]

    result = runner.invoke(app, ["remove", "reports/nope.txt", "--index", index])
    assert result.exit_code == 1 and "error:" in result.stderr and "reports/nope.txt" in result.stderr
    result = runner.invoke(app, ["remove", "reports", "--index", index])
    assert result.exit_code == 0 and result.stdout.strip() == "removed root reports (1 documents)"
    stats = json.loads(runner.invoke(app, ["stats", "--index", index]).stdout)
    assert (stats["documents"], stats["roots"]) == (0, [])
