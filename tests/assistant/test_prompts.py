"""Prompt files load at start and fail loudly on a missing file or a wrong placeholder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import PromptError, SitrepError
from assistant.prompts import EXPECTED, REFUSAL, load_prompts, placeholders, prompts_dir


def test_packaged_prompts_load() -> None:
    prompts = load_prompts()
    assert set(prompts) == set(EXPECTED)
    assert REFUSAL in prompts["answer_system"]
    assert "{refusal}" not in prompts["answer_system"]
    assert placeholders(prompts["answer_user"]) == {"passages", "question"}
    assert prompts["answer_user"].format(passages="[1] x", question="y")


def test_prompts_are_package_data() -> None:
    """Read through importlib.resources from the ``prompts`` package, not from a path relative to the source."""
    folder = prompts_dir()
    assert all((folder / f"{name}.txt").is_file() for name in EXPECTED)
    assert load_prompts(folder) == load_prompts()


def test_placeholders() -> None:
    assert placeholders("a {x} b {y} {{literal}}") == {"x", "y"}


@pytest.fixture
def prompt_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    for name in EXPECTED:
        (folder / f"{name}.txt").write_text((prompts_dir() / f"{name}.txt").read_text(encoding="utf-8"))
    return folder


def test_copy_loads(prompt_dir: Path) -> None:
    assert load_prompts(prompt_dir) == load_prompts()


def test_wrong_placeholder(prompt_dir: Path) -> None:
    path = prompt_dir / "answer_user.txt"
    path.write_text(path.read_text().replace("{question}", "{query}"))
    with pytest.raises(PromptError) as exc:
        load_prompts(prompt_dir)
    assert isinstance(exc.value, SitrepError)
    assert "answer_user.txt" in str(exc.value) and "query" in str(exc.value)


def test_missing_placeholder(prompt_dir: Path) -> None:
    path = prompt_dir / "answer_system.txt"
    path.write_text(path.read_text().replace("{refusal}", "REFUSE"))
    with pytest.raises(PromptError, match="answer_system.txt"):
        load_prompts(prompt_dir)


def test_missing_file(prompt_dir: Path) -> None:
    (prompt_dir / "condense_question.txt").unlink()
    with pytest.raises(PromptError, match="missing.*condense_question.txt"):
        load_prompts(prompt_dir)


def test_incident_prompts_are_checked_at_load(prompt_dir: Path) -> None:
    prompts = load_prompts(prompt_dir)
    assert placeholders(prompts["incidents_user"]) == {"title", "published", "passage"}
    assert '{"incidents": []}' in prompts["incidents_system"].format(types="airstrike")  # JSON braces escaped
    path = prompt_dir / "incidents_user.txt"
    path.write_text(path.read_text().replace("{passage}", "{text}"))
    with pytest.raises(PromptError, match="incidents_user.txt"):
        load_prompts(prompt_dir)
    path.unlink()
    with pytest.raises(PromptError, match="prompt file missing.*incidents_user.txt"):
        load_prompts(prompt_dir)
