"""Fixtures of the browser tests (test_app_browser.py, test_knowledge_browser.py): Playwright's sync API and a
headless Chromium (skipped when either is missing; CI installs both), the two viewport sizes every test taking
``viewport`` runs at, the screenshot folder, and a served workbench over the demo corpus plus a report of the
test's own (hash embedder, no frames)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.core import Assistant
from assistant.embed import HashEmbedder
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "mobile": {"width": 390, "height": 844}}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test taking ``viewport`` runs once per size of VIEWPORTS."""
    if "viewport" in metafunc.fixturenames:
        metafunc.parametrize("viewport", list(VIEWPORTS))


@pytest.fixture(scope="session")
def sync_api() -> Any:
    """playwright.sync_api; skips without Playwright or Chromium."""
    api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install '.[test]')")
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return api


@pytest.fixture(scope="session")
def viewports() -> dict[str, dict[str, int]]:
    return VIEWPORTS


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go: ``$SITREP_ARTIFACTS`` (default ``tests/artifacts``) /browser/."""
    folder = Path(os.environ.get("SITREP_ARTIFACTS", REPO / "tests" / "artifacts")) / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(sync_api: Any) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def serve_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], str]]:
    """``serve_demo(report)``: the URL of a workbench over the demo corpus plus ``report`` (as
    xss/2019-03-01-zalqa.txt); closed at the end of the module."""
    from assistant.ui import serve

    started: list[tuple[Any, Assistant]] = []

    def start(report: str) -> str:
        base = tmp_path_factory.mktemp("app")
        corpus = base / "corpus"
        shutil.copytree(REPO / "eval" / "corpus", corpus)
        (corpus / "xss").mkdir()
        (corpus / "xss" / "2019-03-01-zalqa.txt").write_text(report, encoding="utf-8")
        s = Settings()
        settings = s.model_copy(update={
            "embedding": s.embedding.model_copy(update={"backend": "hash"}),
            "frames": s.frames.model_copy(update={"enabled": False}),
            "index": s.index.model_copy(update={"dir": base / "index"}),
            "ui": s.ui.model_copy(update={"upload_dir": base / "uploads"}),
        })
        assistant = Assistant(settings, embedder=HashEmbedder())
        assistant.ingest([corpus], progress=False)
        port = _free_port()
        started.append((serve(assistant, "127.0.0.1", port), assistant))
        return f"http://127.0.0.1:{port}"

    yield start
    for demo, assistant in started:
        demo.close()
        assistant.close()
