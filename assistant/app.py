"""Gradio chat over the same Assistant as every other face (a fuller analyst UI comes later)."""

from __future__ import annotations

import html
import os
import threading
from typing import Any

from assistant.core import Assistant
from assistant.errors import SitrepError
from assistant.models import Answer
from assistant.settings import Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def render(answer: Answer) -> str:
    """Answer text plus, for each citation, title, source, date and the quoted sentence."""
    if not answer.citations:
        return answer.text
    parts = [answer.text, "", "**Sources**"]
    for c in answer.citations:
        when = c.published.strftime("%d %b %Y") if c.published else "undated"
        title = f"[{html.escape(c.title)}]({c.url})" if c.url else html.escape(c.title)
        parts.append(f"{c.marker}. {title} — {html.escape(c.source or 'unknown source')}, {when}  \n"
                     f"   > {html.escape(c.quote)}  \n   `{c.doc_id}` chars {c.start}–{c.end}")
    return "\n".join(parts)


def respond(assistant: Assistant, message: str) -> str:
    try:
        return render(assistant.ask(message))
    except SitrepError as exc:
        return f"⚠️ {exc}"


def build(assistant: Assistant) -> Any:
    import gradio as gr

    with gr.Blocks(title="Sitrep") as demo:
        gr.Markdown("## Sitrep — cited answers from your conflict reports")
        gr.ChatInterface(
            fn=lambda message, history: respond(assistant, message),
            examples=["How many soldiers were injured in the strike on the artillery position?",
                      "Who controlled Hajin in December 2018?"],
        )
    return demo


def launch(settings: Settings, host: str, port: int) -> None:
    assistant = Assistant(settings)
    # load the embedding model while the page opens, not on the first question
    threading.Thread(target=assistant.embedder.embed, args=(["warm-up"],), daemon=True).start()
    build(assistant).launch(server_name=host, server_port=port, share=False)
