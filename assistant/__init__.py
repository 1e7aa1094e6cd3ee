"""Sitrep: cited answers about armed conflicts from a corpus of reports.

``from assistant import ask`` is the Python face; imports are lazy so that light modules (models, settings)
load without torch.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from assistant.prompts import REFUSAL  # noqa: E402

if TYPE_CHECKING:
    from assistant.core import Assistant, ask
    from assistant.models import Answer, Citation, Document, Filters, Passage
    from assistant.settings import Settings

__all__ = ["REFUSAL", "Answer", "Assistant", "Citation", "Document", "Filters", "Passage", "Settings", "ask"]

_LAZY = {
    "Assistant": "assistant.core", "ask": "assistant.core", "Answer": "assistant.models",
    "Citation": "assistant.models", "Document": "assistant.models", "Filters": "assistant.models",
    "Passage": "assistant.models", "Settings": "assistant.settings",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
