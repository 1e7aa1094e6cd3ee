"""Shared fixtures: a fake and a real embedder, assistants over fresh indexes, files under tmp_path.

Tests of logic use ``fake_embedder`` / ``make_assistant`` (a deterministic hash embedder, no model). Tests that
need the real model use ``embedder`` / ``make_real_assistant`` / ``demo``; they are marked ``model``
automatically, so ``make test-fast`` (``-m "not model and not slow"``) runs without loading it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from assistant.answer import Analyser
from assistant.core import Assistant
from assistant.embed import Embedder, HashEmbedder, make_embedder
from assistant.index.vectors import VectorIndex, http_index
from assistant.knowledge import Knowledge, Lexicon, load_knowledge
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO / "eval" / "corpus"
SHARED = REPO / ".." / "shared"


#: Fixtures that load the real embedding model: a test using any of them is marked ``model``.
MODEL_FIXTURES = frozenset({"embedder", "make_real_assistant", "demo", "demo_index_dir"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


#: A running Chroma server (``.ci/run`` starts one): the store and end-to-end tests also run against it.
CHROMA_URL = os.environ.get("SITREP_TEST_CHROMA_URL")


@pytest.fixture(params=["embedded", "server"])
def vector_backend(request: pytest.FixtureRequest) -> Callable[[Settings], VectorIndex | None]:
    """Vectors for a Store: the embedded default (None), or a collection of its own on the test server."""
    if request.param == "server" and not CHROMA_URL:
        pytest.skip("no Chroma server (SITREP_TEST_CHROMA_URL, set by .ci/run)")

    def make(settings: Settings) -> VectorIndex | None:
        if request.param == "embedded":
            return None
        index = http_index(settings.model_copy(update={"index": settings.index.model_copy(
            update={"chroma_url": CHROMA_URL})}))
        index.name = f"test-{uuid.uuid4().hex}"
        return index

    return make


def fake_settings(settings: Settings | None = None) -> Settings:
    """Settings naming the hash embedder, so its vectors get a collection of their own.

    Evidence frames are off (no spaCy load, no NER in tests of logic) unless the given settings set ``frames``
    themselves, as the tests about frames do.
    """
    base = settings or Settings()
    update = {"embedding": base.embedding.model_copy(update={"backend": "hash"})}
    if "frames" not in base.model_fields_set:
        update["frames"] = base.frames.model_copy(update={"enabled": False})
    return base.model_copy(update=update)


@pytest.fixture(scope="session")
def _onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the embedding model's ONNX export in a test session (exported once, not per test)."""
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _onnx_dir: Path) -> None:
    """Nothing a test does may touch ~/.sitrep: home and default index live under tmp_path (the ONNX export of
    the embedding model under one folder of the session)."""
    monkeypatch.setenv("SITREP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SITREP_EMBEDDING__ONNX_DIR", str(_onnx_dir))
    monkeypatch.setenv("SITREP_INDEX__DIR", str(tmp_path / "default-index"))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def lexicon(knowledge: Knowledge) -> Lexicon:
    return Lexicon(knowledge.actors)


@pytest.fixture(scope="session")
def analyser(knowledge: Knowledge, lexicon: Lexicon) -> Analyser:
    return Analyser(knowledge, lexicon)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged MiniLM; embed.py caches the model process-wide, so it loads once."""
    emb = make_embedder(Settings().embedding)
    emb.embed(["warm up"])  # load now, so per-test timings do not include it
    return emb


@pytest.fixture(scope="session")
def fake_embedder() -> Embedder:
    """Deterministic hash embedder: texts sharing words are similar; nothing to load."""
    return HashEmbedder()


def _factory(tmp_path: Path, embedder: Embedder, fake: bool) -> Iterator[Callable[..., Assistant]]:
    created: list[Assistant] = []

    def factory(settings: Settings | None = None, index: Path | None = None) -> Assistant:
        base = fake_settings(settings) if fake else (settings or Settings())
        assistant = Assistant(base.with_index(index or tmp_path / "index"), embedder=embedder)
        created.append(assistant)
        return assistant

    yield factory
    for assistant in created:
        assistant.store.close()


@pytest.fixture
def make_assistant(tmp_path: Path, fake_embedder: Embedder) -> Iterator[Callable[..., Assistant]]:
    """An Assistant with the fake embedder over a fresh index in tmp_path (optionally other settings/index)."""
    yield from _factory(tmp_path, fake_embedder, fake=True)


@pytest.fixture
def write_reports(tmp_path: Path) -> Callable[..., Path]:
    """``write_reports(files, folder="demo")``: the files ({relative path: text}) written under tmp_path/folder."""

    def write(files: Mapping[str, str], folder: str = "demo") -> Path:
        root = tmp_path / folder
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        return root

    return write


@pytest.fixture
def ingested(write_reports: Callable[..., Path], make_assistant: Callable[..., Assistant]) -> Callable[..., Assistant]:
    """``ingested(files, folder="demo")``: a fake-embedder Assistant over those files, written and ingested (doc
    ids ``folder/<relative path>``)."""

    def make(files: Mapping[str, str], folder: str = "demo", settings: Settings | None = None) -> Assistant:
        assistant = make_assistant(settings)
        assistant.ingest([write_reports(files, folder)], progress=False)
        return assistant

    return make


@pytest.fixture
def make_real_assistant(tmp_path: Path, embedder: Embedder) -> Iterator[Callable[..., Assistant]]:
    """The same with the real embedding model (for tests about retrieval and answer quality)."""
    yield from _factory(tmp_path, embedder, fake=False)


@pytest.fixture(scope="session")
def demo_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "index"


@pytest.fixture(scope="session")
def demo(demo_index_dir: Path, embedder: Embedder) -> Assistant:
    """The demo corpus eval/corpus, ingested once per session; tests using it must only read."""
    assistant = Assistant(Settings().with_index(demo_index_dir), embedder=embedder)
    report = assistant.ingest([DEMO_CORPUS], progress=False)
    assert report.ingested > 0 and not report.skipped, report
    return assistant


def _write_pdf(
    path: Path, paragraphs: list[str], title: str | None = None, author: str | None = None
) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para)
        pdf.ln(4)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


@pytest.fixture
def write_pdf() -> Callable[..., Path]:
    """write_pdf(path, paragraphs, title=None, author=None): a real PDF made with fpdf2."""
    return _write_pdf
