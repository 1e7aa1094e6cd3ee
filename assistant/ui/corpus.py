"""Corpus tab: the documents in the index, upload (files or a zip) -> ingest with progress, removal."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from assistant.core import Assistant
from assistant.errors import SitrepError
from assistant.ui.evidence import esc
from assistant.ui.uploads import SUPPORTED, UploadLimits, stage

COLUMNS = ["title", "source", "date", "passages", "root", "doc_id"]


def table(assistant: Assistant) -> list[list[Any]]:
    return [[d["title"], d["source"] or "", d["published"] or "undated", d["passages"], d["root"], d["doc_id"]]
            for d in assistant.documents()]


def limits(assistant: Assistant) -> UploadLimits:
    ui = assistant.settings.ui
    return UploadLimits(max_file_bytes=int(ui.upload_max_mb * 1024 * 1024),
                        max_total_bytes=int(ui.upload_max_total_mb * 1024 * 1024))


def ingest_uploads(assistant: Assistant, files: list[str] | None) -> str:
    """Stage the uploaded files into a new batch folder of the upload folder and ingest it; a summary."""
    if not files:
        return "Choose files (or a zip) to upload first."
    batch = time.strftime("upload-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4]
    staged = stage([Path(f) for f in files], assistant.settings.ui.upload_dir, batch, limits(assistant))
    lines = [f"**{len(staged.saved)} file(s) accepted**"]
    lines += [f"- refused <code>{esc(name)}</code>: {esc(reason)}" for name, reason in staged.refused]
    if staged.saved:
        try:
            report = assistant.ingest([staged.folder], prune=False, progress=True)
        except SitrepError as exc:
            return "\n\n".join([*lines, f"⚠️ ingest failed: {esc(str(exc))}"])
        lines.append(f"Ingested into root <code>{esc(batch)}</code>: {esc(report.summary())}")
        lines += [f"- skipped <code>{esc(Path(s.path).name)}</code>: {esc(s.reason)}" for s in report.skipped]
    return "\n\n".join(lines)


def remove_document(assistant: Assistant, doc_id: str | None) -> str:
    """Remove one document; an uploaded file is deleted too, so it does not come back."""
    if not doc_id:
        return "Choose a document to remove."
    doc = assistant.document(doc_id)
    try:
        report = assistant.remove(doc_id)
    except SitrepError as exc:
        return f"⚠️ {esc(str(exc))}"
    if doc is not None and doc.path:
        path = Path(doc.path)
        upload_dir = assistant.settings.ui.upload_dir.resolve()
        if path.is_file() and path.resolve().is_relative_to(upload_dir) and "#" not in doc_id:
            path.unlink()
    return esc(report.summary())


def refresh(assistant: Assistant) -> tuple[Any, ...]:
    """New values of the corpus tab's table and removal list."""
    import gradio as gr

    rows = table(assistant)
    return (gr.Dataframe(value={"headers": COLUMNS, "data": rows}),
            gr.Dropdown(choices=[r[-1] for r in rows], value=None))


def build_tab(assistant: Assistant) -> tuple[list[Any], list[Any]]:
    """The tab; returns (events after which the index changed, components ``refresh`` updates)."""
    import gradio as gr

    types = sorted(SUPPORTED | {".zip"})
    with gr.Tab("Corpus"), gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            upload = gr.File(label=f"Upload reports ({', '.join(types)})", file_count="multiple",
                             file_types=types, elem_id="sitrep-upload")
            ingest = gr.Button("Ingest uploaded files", variant="primary", elem_id="sitrep-ingest")
            ingest_out = gr.Markdown(elem_id="sitrep-ingest-summary")
            remove_dd = gr.Dropdown(label="Document to remove", choices=[], elem_id="sitrep-remove-doc")
            remove = gr.Button("Remove document", variant="stop", elem_id="sitrep-remove")
            remove_out = gr.Markdown(elem_id="sitrep-remove-summary")
        with gr.Column(scale=3, min_width=320):
            docs = gr.Dataframe(headers=COLUMNS, value=[], interactive=False, wrap=True, max_height=600,
                                column_widths=["32%", "20%", "12%", "9%", "10%", "17%"],
                                label="Documents in the index", elem_id="sitrep-docs", show_search="filter")

    def do_ingest(files: list[str] | None, progress: Any = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        progress(0, desc="Saving uploads")
        return ingest_uploads(assistant, files)

    def do_remove(doc_id: str | None) -> str:
        return remove_document(assistant, doc_id)

    events = [
        ingest.click(do_ingest, [upload], [ingest_out], concurrency_id="writer", concurrency_limit=1,
                     api_visibility="private"),
        remove.click(do_remove, [remove_dd], [remove_out], concurrency_id="writer", concurrency_limit=1,
                     api_visibility="private"),
    ]
    return events, [docs, remove_dd]
