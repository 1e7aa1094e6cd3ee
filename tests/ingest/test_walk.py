"""Folder walks: unreadable folders are reported and protect their documents; links out of the root are not followed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import Settings
from ingest.walk import walk_folder

MakeAssistant = Callable[..., Assistant]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _ids(assistant: Assistant) -> set[str]:
    return {d["doc_id"] for d in assistant.store.documents()}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    _write(root / "top.txt", "The bridge at Hajin was destroyed.")
    _write(root / "locked" / "inner.txt", "Families left Baghuz by truck.")
    _write(root / "locked" / "deeper" / "deep.txt", "A checkpoint opened at Al-Susah.")
    return root


def _deny(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """os.scandir raises PermissionError for ``folder``, as for a folder without read permission."""
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_unreadable_subfolder_is_reported_and_keeps_its_documents(
    corpus: Path, make_assistant: MakeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant()
    assistant.ingest([corpus], progress=False)
    before = _ids(assistant)
    assert len(before) == 3

    _deny(monkeypatch, corpus / "locked")
    report = assistant.ingest([corpus], progress=False)
    assert report.removed == 0 and _ids(assistant) == before
    assert [(s.path, s.reason) for s in report.skipped] == [
        (str(corpus / "locked"), "cannot read folder (Permission denied); its documents are kept")
    ]
    assert _ids(assistant) == {"corpus/top.txt", "corpus/locked/inner.txt", "corpus/locked/deeper/deep.txt"}
    # a file really deleted elsewhere in the same run is still pruned
    (corpus / "top.txt").unlink()
    assert assistant.ingest([corpus], progress=False).removed == 1
    assert _ids(assistant) == {"corpus/locked/inner.txt", "corpus/locked/deeper/deep.txt"}


def test_unreadable_root_folder_prunes_nothing(
    corpus: Path, make_assistant: MakeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant()
    assistant.ingest([corpus], progress=False)
    _deny(monkeypatch, corpus)
    report = assistant.ingest([corpus], progress=False)
    assert report.removed == 0 and [s.path for s in report.skipped] == [str(corpus)]
    assert len(_ids(assistant)) == 3


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads folders whatever their permissions")
def test_unreadable_subfolder_by_permissions(corpus: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    assistant.ingest([corpus], progress=False)
    locked = corpus / "locked"
    locked.chmod(0)
    try:
        report = assistant.ingest([corpus], progress=False)
    finally:
        locked.chmod(0o755)
    assert report.removed == 0
    assert [s.path for s in report.skipped] == [str(locked)]
    assert len(_ids(assistant)) == 3


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A corpus with links: to a file and a folder outside it, to a file inside it, and a loop."""
    outside = tmp_path / "outside"
    _write(outside / "passwd.txt", "root:x:0:0:root:/root:/bin/bash")
    _write(outside / "dir" / "secret.txt", "A secret outside the corpus.")
    root = tmp_path / "corpus"
    _write(root / "real.txt", "The bridge at Hajin was destroyed.")
    _write(root / "sub" / "inner.txt", "Families left Baghuz by truck.")
    (root / "passwd.txt").symlink_to(outside / "passwd.txt")
    (root / "elsewhere").symlink_to(outside / "dir", target_is_directory=True)
    (root / "alias.txt").symlink_to(root / "real.txt")
    (root / "sub-again").symlink_to(root / "sub", target_is_directory=True)
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    return root


def test_links_outside_the_root_are_skipped(linked: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    report = assistant.ingest([linked], progress=False)
    assert not any("passwd" in i or "secret" in i for i in _ids(assistant))
    assert _ids(assistant) == {"corpus/real.txt", "corpus/sub/inner.txt"}  # each file once, by its real path
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    outside = f"symbolic link to a path outside {linked}"
    assert reasons["passwd.txt"] == outside and reasons["elsewhere"] == outside
    assert reasons["dangling.txt"].startswith("broken symbolic link")
    assert set(reasons) == {"passwd.txt", "elsewhere", "dangling.txt"}
    assert report.ingested == 2


def test_follow_external_links_setting(linked: Path, make_assistant: MakeAssistant) -> None:
    settings = Settings()
    settings = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"follow_external_links": True})}
    )
    assistant = make_assistant(settings)
    report = assistant.ingest([linked], progress=False)
    assert _ids(assistant) == {"corpus/real.txt", "corpus/sub/inner.txt", "corpus/passwd.txt",
                               "corpus/elsewhere/secret.txt"}
    assert [Path(s.path).name for s in report.skipped] == ["dangling.txt"]


def test_external_link_ingested_before_is_pruned(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """A link out of the corpus that an earlier run followed is no longer part of the folder."""
    _write(tmp_path / "outside" / "passwd.txt", "root:x:0:0:root:/root:/bin/bash")
    root = tmp_path / "corpus"
    _write(root / "real.txt", "The bridge at Hajin was destroyed.")
    (root / "passwd.txt").symlink_to(tmp_path / "outside" / "passwd.txt")
    settings = Settings()
    follow = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"follow_external_links": True})})
    make_assistant(follow).ingest([root], progress=False)
    assistant = make_assistant()
    report = assistant.ingest([root], progress=False)
    assert report.removed == 1
    assert not any("passwd" in i for i in _ids(assistant))
    assert _ids(assistant) == {"corpus/real.txt"}


def test_single_file_link_outside_its_folder_is_skipped(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    _write(tmp_path / "outside" / "passwd.txt", "root:x:0:0:root:/root:/bin/bash")
    link = tmp_path / "corpus" / "passwd.txt"
    link.parent.mkdir()
    link.symlink_to(tmp_path / "outside" / "passwd.txt")
    report = make_assistant().ingest([link], progress=False)
    assert report.ingested == 0
    assert [(s.path, s.reason) for s in report.skipped] == [
        (str(link), f"symbolic link to a path outside {link.parent}")
    ]


def test_walk_protects_what_it_cannot_read(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _deny(monkeypatch, corpus / "locked" / "deeper")
    walk = walk_folder(corpus, corpus)
    assert [rel for _, rel in walk.files] == ["locked/inner.txt", "top.txt"]
    assert walk.protected == {"locked/deeper"}
    assert [p.path for p in walk.problems] == [str(corpus / "locked" / "deeper")]
