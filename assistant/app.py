"""The Gradio app (kept as the stable import path): see ``assistant.ui``."""

from assistant.ui import build, launch, serve

__all__ = ["build", "launch", "serve"]
