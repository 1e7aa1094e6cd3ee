"""The analyst's workbench (Gradio): chat with an evidence panel and filters, corpus upload, eval results."""

from assistant.ui.app import build, launch, serve

__all__ = ["build", "launch", "serve"]
