"""Sitrep: cited answers about armed conflicts from a corpus of reports.

``from assistant import ask`` is the Python face; imports are lazy so that light modules (models, settings)
load without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.env import configure

configure()

from assistant.prompts import REFUSAL  # noqa: E402

if TYPE_CHECKING:
    from assistant.core import Assistant, actor, ask, control, incidents
    from assistant.errors import SitrepError
    from assistant.models import Answer, Citation, Document, Filters, Passage, Statement
    from assistant.settings import Settings

__all__ = ["REFUSAL", "Answer", "Assistant", "Citation", "Document", "Filters", "Passage", "Settings",
           "SitrepError", "Statement", "actor", "ask", "control", "incidents"]

_LAZY = {
    "Assistant": "assistant.core", "ask": "assistant.core", "Answer": "assistant.models",
    "Citation": "assistant.models", "Document": "assistant.models", "Filters": "assistant.models",
    "Passage": "assistant.models", "Statement": "assistant.models", "Settings": "assistant.settings",
    "SitrepError": "assistant.errors", "actor": "assistant.core", "control": "assistant.core",
    "incidents": "assistant.core",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
