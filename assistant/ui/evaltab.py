"""Eval tab: a ``sitrep eval --json`` result as a per-category table and the failing questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.ui.evidence import esc

METRICS = ["answer_accuracy", "citation_recall", "evidence_recall", "citation_precision", "supported_statements",
           "abstention_precision", "abstention_recall", "retrieval_recall", "mrr", "latency_p50", "latency_p95"]
CATEGORY_COLUMNS = ["category", "n", *METRICS]
FAILURE_COLUMNS = ["id", "category", "question", "gold", "answer", "failed"]


def _cell(value: Any) -> Any:
    return "n/a" if value is None else round(value, 3) if isinstance(value, float) else value


def load_result(path: str | Path) -> tuple[list[list[Any]], list[list[Any]], str]:
    """(category rows with an 'overall' row last, failing-question rows, a one-line summary)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        categories: dict[str, dict[str, Any]] = data["categories"]
        overall: dict[str, Any] = data["overall"]
        questions: list[dict[str, Any]] = data["questions"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a `sitrep eval --json` result ({type(exc).__name__}: {exc})") from None
    rows = [[name, m.get("n"), *(_cell(m.get(k)) for k in METRICS)]
            for name, m in [*sorted(categories.items()), ("overall", overall)]]
    failing = [[q.get("id"), q.get("category"), q.get("question"), ", ".join(q.get("gold_answers") or []) or "—",
                q.get("answer"), ", ".join(q.get("failed") or [])] for q in questions if q.get("failed")]
    summary = (f"{len(questions)} questions from <code>{esc(str(data.get('gold', '?')))}</code> "
               f"(k = {esc(str(data.get('k', '?')))}): {len(failing)} failing.")
    return rows, failing, summary


def build_tab() -> None:
    import gradio as gr

    with gr.Tab("Eval"):
        result = gr.File(label="A `sitrep eval --json FILE` result", file_types=[".json"], elem_id="sitrep-eval-file")
        summary = gr.Markdown(elem_id="sitrep-eval-summary")
        cats = gr.Dataframe(headers=CATEGORY_COLUMNS, value=[], interactive=False, label="Per category",
                            elem_id="sitrep-eval-categories")
        fails = gr.Dataframe(headers=FAILURE_COLUMNS, value=[], interactive=False, wrap=True, max_height=600,
                             label="Failing questions", elem_id="sitrep-eval-failing", show_search="filter")

        def show(path: str | None) -> tuple[Any, Any, str]:
            if not path:
                return [], [], ""
            try:
                rows, failing, text = load_result(path)
            except ValueError as exc:
                return [], [], f"⚠️ {exc}"
            return rows, failing, text

        result.change(show, [result], [cats, fails, summary], api_visibility="private")
