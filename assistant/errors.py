"""Errors a user can cause and act on; each message says what to do. Faces show them without a traceback."""

from __future__ import annotations


class SitrepError(Exception):
    """Base class: the CLI and UI show these messages without a traceback."""


class ConfigError(SitrepError):
    """A setting, backend name or data file is not usable."""


class IndexEmptyError(SitrepError):
    def __init__(self, index_dir: object) -> None:
        super().__init__(
            f"The index at {index_dir} holds no documents. Run `sitrep ingest PATH --index {index_dir}` first."
        )


class IndexLockedError(SitrepError):
    """Another process is writing to the same index."""


class NotInIndexError(SitrepError):
    """A root or document named by the user is not in the index."""


class MissingDependency(SitrepError):
    def __init__(self, package: str, purpose: str, extra: str | None = None) -> None:
        hint = f"pip install 'sitrep[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{purpose} needs the package {package!r}, which is not installed: {hint}")


class PromptError(SitrepError):
    """A prompt file is missing or its placeholders are not the expected ones."""


class QuestionError(SitrepError):
    """The question or its options cannot be answered as given (empty, bad filters, bad k)."""
