"""Errors a user can cause and act on; each message says what to do. Faces show them without a traceback."""

from __future__ import annotations


class SitrepError(Exception):
    """Base class: the CLI and UI show these messages without a traceback."""


class ConfigError(SitrepError):
    """A setting, backend name or data file is not usable."""


class IndexEmptyError(SitrepError):
    def __init__(self, index_dir: object, others: list[str] | None = None) -> None:
        """``others``: collections in the same folder built with other settings (see Settings.collection_name)."""
        if others:
            super().__init__(
                f"The index at {index_dir} holds no documents built with the current settings; it holds "
                f"{len(others)} built with others ({', '.join(others)}): the embedding model, chunking or "
                "SITREP_INDEX__* vector settings changed (the default sentence vectors are now 'pooled': "
                "SITREP_INDEX__DERIVED_VECTORS=windows reads an index built by an older version). Run `sitrep ingest "
                f"PATH --index {index_dir}` to index the files under the current settings."
            )
            return
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
