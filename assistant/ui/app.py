"""The analyst's workbench: chat with an evidence panel and filters, the corpus (upload, remove), knowledge
(actors, control, incidents), eval results.

Per-session state only (``gr.State`` and the form's values): no history, answer or filter is shared between
users. The queue serves ``ui.concurrency`` chat requests at once; writers (ingest, remove) run one at a time.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.core import Assistant
from assistant.errors import SitrepError
from assistant.models import Answer
from assistant.settings import Settings
from assistant.ui import corpus, evaltab, knowledge
from assistant.ui.chat import Turn, answer_stream, check_message, make_filters, scope_choices
from assistant.ui.evidence import answer_html, esc, evidence_html, export_markdown
from assistant.ui.static import CSS, HEAD

EXAMPLES = ["How many soldiers were injured in the strike on the artillery position?",
            "Who controlled Hajin in December 2018?"]


def new_session() -> dict[str, Any]:
    """What one browser session keeps: its earlier turns, its last answer, the answer counter."""
    return {"turns": [], "answer": None, "turn": 0}


def _export_file(answer: Answer) -> str:
    folder = Path(tempfile.gettempdir()) / "sitrep-exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"sitrep-answer-{uuid.uuid4().hex[:8]}.md"
    path.write_text(export_markdown(answer), encoding="utf-8")
    return str(path)


def chat_turn(assistant: Assistant, message: str, chat: list[dict[str, Any]], session: dict[str, Any],
              since: str | None, until: str | None, sources: list[str] | None, scope: list[str] | None,
              k: float | None) -> Iterator[tuple[Any, ...]]:
    """One chat request: yields (textbox, chat, session, evidence, status, export) as the answer arrives."""
    import gradio as gr

    chat = list(chat or [])
    try:
        question = check_message(message, assistant.settings.ui.max_question_chars)
        if question is None:  # empty or blank: not sent
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), "", gr.skip()
            return
        filters = make_filters(assistant, since, until, sources, scope)
    except SitrepError as exc:
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), f"⚠️ {esc(str(exc))}", gr.skip()
        return
    turn = session["turn"] + 1
    chat += [{"role": "user", "content": esc(question)}, {"role": "assistant", "content": "Searching…"}]
    yield "", chat, session, gr.skip(), "", gr.skip()
    history = [Turn(**t) for t in session["turns"]]
    answer: Answer | None = None
    draft = ""
    try:
        for event in answer_stream(assistant, question, history, filters, int(k) if k else None):
            if isinstance(event, str):  # the LLM's draft as it is written; the verified answer replaces it
                draft += event
                chat[-1] = {"role": "assistant", "content": f"{esc(draft)} …"}
                yield gr.skip(), chat, gr.skip(), gr.skip(), "drafting; verifying when complete", gr.skip()
                continue
            answer = event
            chat[-1] = {"role": "assistant", "content": answer_html(answer, turn, asked=question)}
            yield gr.skip(), chat, gr.skip(), evidence_html(answer, turn, assistant.document), "", gr.skip()
    except SitrepError as exc:
        chat[-1] = {"role": "assistant", "content": f"⚠️ {esc(str(exc))}"}
        yield gr.skip(), chat, gr.skip(), gr.skip(), "", gr.skip()
        return
    if answer is None:
        return
    session = {"turns": [*session["turns"], {"question": question, "answer": answer.text}],
               "answer": answer, "turn": turn}
    summary = f"{len(answer.citations)} citation(s), {len(answer.passages)} passage(s) searched"
    if not filters.is_empty():
        summary += " (filtered)"
    yield (gr.skip(), chat, session, gr.skip(), summary,
           gr.DownloadButton(value=_export_file(answer), visible=True))


def build(assistant: Assistant) -> Any:
    import gradio as gr

    settings = assistant.settings
    with gr.Blocks(title="Sitrep", fill_width=True) as demo:
        session = gr.State(new_session())
        with gr.Tab("Chat"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                chat = gr.Chatbot(elem_id="sitrep-chat", label="Sitrep — cited answers from your reports",
                                  height="68vh", min_height=320, feedback_options=None, buttons=["copy"],
                                  latex_delimiters=[], placeholder="Ask about incidents, actors or territory.")
                with gr.Row():
                    message = gr.Textbox(show_label=False, scale=5, lines=1, max_lines=6, autofocus=True,
                                         placeholder="Your question (Enter to send)", elem_id="sitrep-question")
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="sitrep-send")
                status = gr.Markdown("", elem_id="sitrep-status")
                with gr.Accordion("Filters", open=False, elem_id="sitrep-filters"):
                    with gr.Row():
                        since = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="sitrep-since")
                        until = gr.Textbox(label="Until (YYYY-MM-DD)", elem_id="sitrep-until")
                    sources = gr.Dropdown(label="Sources", multiselect=True, choices=[], elem_id="sitrep-sources")
                    scope = gr.Dropdown(label="Documents or roots", multiselect=True, choices=[],
                                        elem_id="sitrep-scope")
                    k = gr.Slider(1, 30, value=settings.retrieval.k, step=1, label="Passages retrieved (k)",
                                  elem_id="sitrep-k")
                gr.Examples(EXAMPLES, inputs=message)
                export = gr.DownloadButton("Download answer (Markdown)", visible=False, elem_id="sitrep-export")
            with gr.Column(scale=2, min_width=320):
                evidence = gr.HTML(evidence_html(None, 0, assistant.document), elem_id="sitrep-evidence")
        inputs = [message, chat, session, since, until, sources, scope, k]
        outputs = [message, chat, session, evidence, status, export]

        def ask(*args: Any) -> Iterator[tuple[Any, ...]]:
            yield from chat_turn(assistant, *args)

        message.submit(ask, inputs, outputs, api_name="chat")
        send.click(ask, inputs, outputs, api_visibility="private")

        def clear() -> tuple[Any, ...]:  # the chat's bin: a fresh session (no follow-up history), empty panel
            return new_session(), evidence_html(None, 0, assistant.document), "", gr.DownloadButton(visible=False)

        chat.clear(clear, None, [session, evidence, status, export], api_visibility="private")
        changed, corpus_parts = corpus.build_tab(assistant)
        knowledge.build_tab(assistant)
        evaltab.build_tab()

        def choices() -> tuple[Any, ...]:
            return (gr.Dropdown(choices=assistant.sources()), gr.Dropdown(choices=scope_choices(assistant)),
                    *corpus.refresh(assistant))

        targets = [sources, scope, *corpus_parts]
        demo.load(choices, None, targets, api_visibility="private")
        for event in changed:
            event.then(choices, None, targets, api_visibility="private")
    return demo


def launch(settings: Settings, host: str, port: int, share: bool = False) -> None:
    assistant = Assistant(settings)
    # load the embedding model and the folded passage texts while the page opens, not on the first question
    threading.Thread(target=assistant.warm, daemon=True).start()
    serve(assistant, host, port, share=share, block=True)


def serve(assistant: Assistant, host: str, port: int, share: bool = False, block: bool = False) -> Any:
    """Start the app; with ``block=False`` returns the Blocks (``.close()`` stops it), as tests and eval.ui_load do."""
    settings = assistant.settings.ui
    demo = build(assistant)
    demo.queue(default_concurrency_limit=settings.concurrency)
    max_mb = max(settings.upload_max_mb, settings.upload_max_total_mb)
    demo.launch(server_name=host, server_port=port, share=share, prevent_thread_lock=not block, quiet=not block,
                max_file_size=f"{int(max_mb) + 1}mb", css=CSS, head=HEAD, footer_links=[])
    return demo
