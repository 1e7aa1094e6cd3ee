"""Embedders: the ONNX runtime gives PyTorch's vectors; identical texts are embedded once; the fallback."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant import embed
from assistant.embed import SentenceTransformerEmbedder
from assistant.settings import EmbeddingSettings, Settings

TEXTS = [
    "Two soldiers were killed in a strike on the artillery position near Hajin on Saturday.",
    "Hajin",
    "",
    "The ministry said 14 civilians were injured; the local council gave a higher figure. " * 20,  # truncated
    "Two soldiers were killed in a strike on the artillery position near Hajin on Saturday.",  # a duplicate
]


class _Counting:
    """Stands in for a runtime: counts the texts it is asked to embed, one distinct vector per text."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        self.seen += texts
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, len(text) % 4] = 1.0
        return out


def test_identical_texts_are_embedded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _Counting()
    monkeypatch.setattr(embed, "_onnx_model", lambda settings: runner)
    emb = SentenceTransformerEmbedder(EmbeddingSettings(runtime="onnx"))
    vectors = emb.embed(["a b", "c", "a b", "dd", "c"])
    assert runner.seen == ["a b", "c", "dd"]
    assert vectors.shape == (5, 4)
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[1], vectors[4])
    assert emb.texts_embedded == 5  # what the caller asked for


def test_onnx_falls_back_to_torch_when_it_cannot_be_had(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(settings: EmbeddingSettings) -> None:
        raise RuntimeError("Module onnx is not installed!")

    monkeypatch.setattr(embed, "_build_onnx", broken)
    monkeypatch.setattr(embed, "_ONNX", {})
    settings = EmbeddingSettings(runtime="onnx", onnx_dir=tmp_path)
    assert embed._onnx_model(settings) is None
    assert SentenceTransformerEmbedder(settings).runtime == "torch"


def test_onnx_is_only_for_models_it_reproduces(tmp_path: Path) -> None:
    model = tmp_path / "cls-model"
    (model / "1_Pooling").mkdir(parents=True)
    (model / "modules.json").write_text(json.dumps([{"type": t} for t in embed._ONNX_MODULES]))
    (model / "1_Pooling" / "config.json").write_text(json.dumps(
        {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False}))
    assert embed._build_onnx(EmbeddingSettings(model=str(model), onnx_dir=tmp_path / "onnx")) is None
    assert not (tmp_path / "onnx").exists()


def test_fast_ingest_defaults() -> None:
    """The defaults measured in the README ("Speed", "pooled + titles"): ONNX runtime, small batches, sentence
    vectors pooled from the passages' own forward pass."""
    assert Settings().embedding.runtime == "onnx"
    assert Settings().embedding.batch_size == 16
    assert Settings().index.derived_vectors == "pooled"
    assert Settings().embedding.onnx_spin is False


@pytest.mark.model
def test_onnx_session_does_not_spin_unless_asked(tmp_path: Path) -> None:
    for spin in (False, True):
        settings = EmbeddingSettings(onnx_dir=tmp_path, onnx_spin=spin)
        model = embed._onnx_model(settings)
        assert model is not None
        options = model.session.get_session_options()
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == ("1" if spin else "0")
    assert EmbeddingSettings().onnx_dir.parent.name == "home"  # under SITREP_HOME (tests/conftest.py)
    assert "runtime" in EmbeddingSettings.model_fields and EmbeddingSettings.model_fields["runtime"].description


@pytest.mark.model
def test_onnx_gives_the_torch_vectors(tmp_path: Path) -> None:
    """Exported into a fresh folder, then reused; the same vectors as PyTorch, whatever the batch."""
    onnx = SentenceTransformerEmbedder(EmbeddingSettings(runtime="onnx", onnx_dir=tmp_path, batch_size=2))
    torch = SentenceTransformerEmbedder(EmbeddingSettings(runtime="torch"))
    assert onnx.runtime == "onnx"
    assert len(list(tmp_path.glob("*/model.onnx"))) == 1
    a, b = onnx.embed(TEXTS), torch.embed(TEXTS)
    assert a.shape == b.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert float((a * b).sum(axis=1).min()) > 0.9999
    single = onnx.embed(TEXTS[:1])
    assert float(single[0] @ b[0]) > 0.9999


def test_span_means_pool_the_tokens_inside_each_span() -> None:
    """Per character span, the normalised mean of the non-special tokens overlapping it; NaN when none does."""
    hidden = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [3.0, 0.0], [9.0, 9.0]], dtype=np.float32)
    offsets = [(0, 0), (0, 4), (5, 9), (10, 14), (0, 0)]  # [CLS] w0 w1 w2 [SEP]
    special = [1, 0, 0, 0, 1]
    out = embed.span_means(hidden, offsets, special, [(0, 9), (10, 14), (11, 12), (20, 30)])
    assert np.allclose(out[0], [2 ** -0.5, 2 ** -0.5])  # w0 + w1, not the special tokens
    assert np.allclose(out[1], [1.0, 0.0]) and np.allclose(out[2], [1.0, 0.0])  # a token partly inside counts
    assert np.isnan(out[3]).all()  # past the truncated end


@pytest.mark.model
def test_pooled_spans_come_from_the_same_pass(tmp_path: Path) -> None:
    """``embed_pooled``: the texts' own vectors, and per span a unit vector near the span embedded alone; a span
    past the 256-token truncation is NaN (ingest embeds it alone)."""
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(runtime="onnx", onnx_dir=tmp_path))
    first, second = "Shelling hit the market in Hajin on Monday.", "The SDF said the strike came from the south."
    text = f"{first} {second}"
    long = " ".join([first] * 60) + " " + second
    got = embedder.embed_pooled([text, long], [[(0, len(first)), (len(first) + 1, len(text))],
                                               [(len(long) - len(second), len(long))]])
    assert got is not None
    vectors, pooled = got
    assert np.allclose(vectors, embedder.embed([text, long]), atol=1e-5)
    alone = embedder.embed([first, second])
    assert pooled[0].shape == (2, 384) and np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-5)
    assert float(pooled[0][0] @ alone[0]) > 0.7 and float(pooled[0][1] @ alone[1]) > 0.7
    assert float(pooled[0][0] @ alone[0]) > float(pooled[0][0] @ alone[1])
    assert np.isnan(pooled[1]).all()
    torch = SentenceTransformerEmbedder(EmbeddingSettings(runtime="torch"))
    assert torch.embed_pooled([text], [[(0, 5)]]) is None  # PyTorch: ingest embeds the sentences instead


@pytest.mark.model
def test_a_question_without_its_inserted_names_comes_from_the_same_pass(tmp_path: Path) -> None:
    """``embed_without``: the expanded text's own vector, and the pooling without the inserted tokens, near the
    question as asked embedded alone (closer than the expanded vector in 27 of the 37 expanded wiki and FA-KES
    gold questions, median cosine 0.982 vs 0.978); nothing cut gives the text's vector twice."""
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(runtime="onnx", onnx_dir=tmp_path))
    plain = "How many Daesh fighters did the Kurdish-led forces kill in Hajin?"
    expanded = ("How many Daesh (Islamic State) fighters did the Kurdish-led forces (Syrian Democratic Forces) kill "
                "in Hajin?")
    cut = [(expanded.index(name), expanded.index(name) + len(name))
           for name in (" (Islamic State)", " (Syrian Democratic Forces)")]
    got = embedder.embed_without(expanded, cut)
    assert got is not None
    full, without = got
    alone = embedder.embed([expanded, plain])
    assert float(full @ alone[0]) > 0.9999 and abs(float(np.linalg.norm(without)) - 1.0) < 1e-5
    assert float(without @ alone[1]) > 0.95 and float(without @ full) < 0.999
    same = embedder.embed_without(plain, [])
    assert same is not None and np.allclose(same[0], same[1]) and float(same[1] @ alone[1]) > 0.9999
    assert SentenceTransformerEmbedder(EmbeddingSettings(runtime="torch")).embed_without(plain, cut) is None


def test_span_means_after_a_prefix_pool_the_same_tokens() -> None:
    """A title prefix adds tokens before the passage; the sentence spans shifted by its length pick the very tokens
    they picked without it, so a sentence's pooled vector is made of its own tokens' states either way."""
    hidden = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [3.0, 0.0], [9.0, 9.0]], dtype=np.float32)
    offsets = [(0, 0), (0, 4), (5, 9), (10, 14), (0, 0)]  # [CLS] w0 w1 w2 [SEP]
    spans = [(0, 9), (10, 14)]
    plain = embed.span_means(hidden, offsets, [1, 0, 0, 0, 1], spans)
    prefix = "Siege: "  # two more tokens, 'Siege' and ':', in front
    shift = len(prefix)
    titled_hidden = np.concatenate([hidden[:1], [[5.0, -5.0], [-5.0, 5.0]], hidden[1:]]).astype(np.float32)
    titled_offsets = [(0, 0), (0, 5), (5, 6)] + [(s + shift, e + shift) for s, e in offsets[1:4]] + [(0, 0)]
    shifted = [(s + shift, e + shift) for s, e in spans]
    titled = embed.span_means(titled_hidden, titled_offsets, [1, 0, 0, 0, 0, 0, 1], shifted)
    assert np.allclose(titled, plain)
    unshifted = embed.span_means(titled_hidden, titled_offsets, [1, 0, 0, 0, 0, 0, 1], spans)
    assert not np.allclose(unshifted, plain)  # left where they were, the spans would take the title's tokens


@pytest.mark.model
def test_pooled_spans_under_a_title_stay_the_sentences(tmp_path: Path) -> None:
    """With 'title: text' embedded, the shifted spans pool the sentence's own tokens: each vector stays close to
    the untitled pass's (the title reaches it only through attention) and nearer its own sentence than the other."""
    embedder = SentenceTransformerEmbedder(EmbeddingSettings(runtime="onnx", onnx_dir=tmp_path))
    first, second = "Shelling hit the market in Hajin on Monday.", "The SDF said the strike came from the south."
    text, prefix = f"{first} {second}", "Battle of Hajin: "
    spans = [(0, len(first)), (len(first) + 1, len(text))]
    plain = embedder.embed_pooled([text], [spans])
    titled = embedder.embed_pooled([prefix + text], [[(s + len(prefix), e + len(prefix)) for s, e in spans]])
    assert plain is not None and titled is not None
    same = (plain[1][0] * titled[1][0]).sum(axis=1)
    assert float(same.min()) > 0.9
    assert float(titled[1][0][0] @ plain[1][0][0]) > float(titled[1][0][0] @ plain[1][0][1])
