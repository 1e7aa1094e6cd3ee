"""Shared fixtures: real embedding model (once per session), real Chroma and files under tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.answer import Analyser
from assistant.core import Assistant
from assistant.embed import Embedder, make_embedder
from assistant.knowledge import Knowledge, Lexicon, load_knowledge
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[1]
DEMO_CORPUS = REPO / "eval" / "corpus"
SHARED = REPO / ".." / "shared"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing a test does may touch ~/.sitrep: home and default index live under tmp_path."""
    monkeypatch.setenv("SITREP_HOME", str(tmp_path / "home"))
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


@pytest.fixture
def make_assistant(tmp_path: Path, embedder: Embedder) -> Iterator[Callable[..., Assistant]]:
    """Build an Assistant over a fresh index in tmp_path (optionally with other settings or index dir)."""
    created: list[Assistant] = []

    def factory(settings: Settings | None = None, index: Path | None = None) -> Assistant:
        base = settings or Settings()
        assistant = Assistant(base.with_index(index or tmp_path / "index"), embedder=embedder)
        created.append(assistant)
        return assistant

    yield factory
    for assistant in created:
        assistant.store.close()


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
