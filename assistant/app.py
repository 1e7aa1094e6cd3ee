"""Gradio chat over the same Assistant and renderer as every other face (a fuller analyst UI comes later)."""

from __future__ import annotations

import threading
from typing import Any

from assistant.answer import render_markdown
from assistant.core import Assistant
from assistant.errors import SitrepError
from assistant.settings import Settings


def respond(assistant: Assistant, message: str) -> str:
    try:
        return render_markdown(assistant.ask(message))
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
