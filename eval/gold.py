"""Gold question files: one JSON object per line, validated strictly so a typo never skews a score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import SitrepError

Category = Literal[
    "incident", "actor", "territory", "attribution", "temporal", "aggregate", "alias", "unanswerable"
]
CATEGORIES: tuple[str, ...] = get_args(Category)


class GoldError(SitrepError, ValueError):
    """A gold file that cannot be trusted; the message names the file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path = path
        self.line = line
        super().__init__(f"{path}:{line}: {message}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Evidence(_Model):
    """A passage that supports the answer: ``quote`` is copied verbatim from the raw file ``doc``."""

    doc: str = Field(
        min_length=1,
        description="Path of the document holding the quote, relative to the corpus folder ('path#record' for "
        "records); the index stores it as ROOT/path.",
    )
    quote: str = Field(min_length=1, description="Exact substring of the raw file.")


class GoldItem(_Model):
    """One evaluation question with its acceptable answers and supporting evidence."""

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str]
    evidence: list[Evidence]
    category: Category

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"

    @model_validator(mode="after")
    def _consistent(self) -> GoldItem:
        """Answers and evidence exist exactly when the question is answerable, else the metrics are void."""
        if self.answerable and not (self.answers and self.evidence):
            raise ValueError("an answerable question needs at least one answer and one evidence item")
        if not self.answerable and (self.answers or self.evidence):
            raise ValueError("an unanswerable question must have empty answers and evidence")
        if any(not a.strip() for a in self.answers):
            raise ValueError("answers must not be blank")
        return self


def _describe(error: ValidationError) -> str:
    """Pydantic's errors flattened to one line, e.g. ``category: Input should be ...``."""
    parts = []
    for err in error.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def _parse_line(path: Path, number: int, line: str) -> GoldItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldError(path, number, f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise GoldError(path, number, f"expected a JSON object, got {type(data).__name__}")
    try:
        return GoldItem.model_validate(data)
    except ValidationError as exc:
        raise GoldError(path, number, _describe(exc)) from exc


def load_gold(path: str | Path) -> list[GoldItem]:
    """Read a JSON Lines gold file (blank lines allowed); raise GoldError on the first bad line."""
    path = Path(path)
    items: list[GoldItem] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        item = _parse_line(path, number, line)
        if item.id in seen:
            raise GoldError(path, number, f"duplicate id {item.id!r} (first on line {seen[item.id]})")
        seen[item.id] = number
        items.append(item)
    if not items:
        raise GoldError(path, 0, "no questions in file")
    return items
