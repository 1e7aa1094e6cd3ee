"""Prompt files, loaded and checked at start: a missing file or a wrong placeholder fails loudly and early.

The templates live in the ``prompts`` package (``prompts/*.txt``) and are read through ``importlib.resources``,
so they are found in a source checkout, an editable install and a plain wheel install alike.
"""

from __future__ import annotations

import string
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant.errors import PromptError

#: The one refusal sentence: the prompts, the extractive answerer, the UI and the tests all use this constant.
REFUSAL = "The corpus does not contain enough evidence to answer this question."

#: The package whose data files are the prompt templates.
PROMPTS_PACKAGE = "prompts"

#: file stem -> the placeholders it must use (exactly these).
EXPECTED: dict[str, set[str]] = {
    "answer_system": {"refusal"},
    "answer_user": {"passages", "question"},
    "condense_question": {"history", "question"},
    "incidents_system": {"types"},
    "incidents_user": {"title", "published", "passage"},
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def prompts_dir() -> Traversable:
    """The installed prompt templates (a folder on disk in every ordinary install)."""
    try:
        return files(PROMPTS_PACKAGE)
    except ModuleNotFoundError:
        raise PromptError(
            f"the {PROMPTS_PACKAGE!r} package with the prompt files is not installed; reinstall sitrep"
        ) from None


def load_prompts(folder: Path | Traversable | None = None) -> dict[str, str]:
    """All prompt templates, with ``{refusal}`` already filled in; ``folder`` overrides the packaged ones."""
    if folder is None:
        folder = prompts_dir()
    prompts: dict[str, str] = {}
    for name, expected in EXPECTED.items():
        path = folder / f"{name}.txt"
        if not path.is_file():
            raise PromptError(f"prompt file missing: {path}")
        text = path.read_text(encoding="utf-8")
        found = placeholders(text)
        if found != expected:
            raise PromptError(f"{path}: placeholders {sorted(found)} but expected {sorted(expected)}")
        prompts[name] = text.replace("{refusal}", REFUSAL) if "refusal" in expected else text
    return prompts
