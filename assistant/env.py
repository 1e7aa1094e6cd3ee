"""The one place that sets the process environment: offline models, no telemetry, quiet tokenizers.

Called when ``assistant`` is imported, before chromadb, gradio or transformers are; values the user already
set are kept.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",  # models come from installed packages, never from a hub
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def configure() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
