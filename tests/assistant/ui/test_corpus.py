"""Corpus tab actions: uploads are staged in the upload folder and ingested; removal deletes an uploaded file."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from assistant.core import Assistant
from assistant.settings import Settings
from assistant.ui.corpus import ingest_uploads, remove_document, table


def test_upload_ingest_and_remove(make_assistant: Callable[..., Assistant], tmp_path: Path) -> None:
    s = Settings()
    upload_dir = tmp_path / "uploads"
    assistant = make_assistant(s.model_copy(update={"ui": s.ui.model_copy(update={"upload_dir": upload_dir})}))
    src = tmp_path / "in"
    src.mkdir()
    (src / "bridge.txt").write_text("Title: Bridge\nSource: Wire\nDate: 2019-04-02\n\nThe bridge reopened.\n")
    (src / "evil<img src=x onerror=alert(1)>.exe").write_bytes(b"MZ")
    with zipfile.ZipFile(src / "more.zip", "w") as zf:
        zf.writestr("road.md", "# Road\n\nThe road was closed on 3 April 2019.\n")
        zf.writestr("../escape.txt", "no")
    summary = ingest_uploads(assistant, [str(p) for p in sorted(src.iterdir())])
    assert "**1 file(s) accepted**" in summary and "ingested 1" in summary
    assert "<img" not in summary and "refused" in summary and "zip" in summary
    assert not list(tmp_path.rglob("escape.txt"))
    rows = table(assistant)
    assert [r[0] for r in rows] == ["Bridge"] and rows[0][1:4] == ["Wire", "2019-04-02", 1]
    doc_id = rows[0][-1]
    stored = assistant.document(doc_id)
    assert stored is not None and Path(stored.path).resolve().is_relative_to(upload_dir.resolve())
    assert remove_document(assistant, doc_id) == f"removed document {doc_id}"
    assert table(assistant) == [] and not Path(stored.path).exists()
    assert "Choose" in remove_document(assistant, None) and "Choose" in ingest_uploads(assistant, [])
    assert remove_document(assistant, "nope/x.txt").startswith("⚠️")
