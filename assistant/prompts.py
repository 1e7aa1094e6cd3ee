"""Prompt files, loaded and checked at start: a missing file or a wrong placeholder fails loudly and early."""

from __future__ import annotations

import string
from pathlib import Path

from assistant.errors import PromptError

#: The one refusal sentence: the prompts, the extractive answerer, the UI and the tests all use this constant.
REFUSAL = "The corpus does not contain enough evidence to answer this question."

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

#: file stem -> the placeholders it must use (exactly these).
EXPECTED: dict[str, set[str]] = {
    "answer_system": {"refusal"},
    "answer_user": {"passages", "question"},
    "condense_question": {"history", "question"},
}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def load_prompts(folder: Path = PROMPTS_DIR) -> dict[str, str]:
    """All prompt templates, with ``{refusal}`` already filled in."""
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
