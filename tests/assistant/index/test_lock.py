"""The writer lock, between real processes: a second writer waits, says so once, then gives up naming the index."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.errors import IndexLockedError, SitrepError
from assistant.index.lock import LOCK_NAME
from assistant.settings import Settings

MakeAssistant = Callable[..., Assistant]

HOLDER = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
"""


@contextmanager
def held(index: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the index's writer lock for ``seconds`` (returns once it holds it)."""
    index.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(index / LOCK_NAME), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _settings(timeout: float) -> Settings:
    settings = Settings()
    return settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"lock_timeout_s": timeout})})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("The bridge at Hajin was destroyed.")
    return folder


def test_second_writer_gives_up_naming_the_index(
    folder: Path, tmp_path: Path, make_assistant: MakeAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    assistant = make_assistant(_settings(0.5))
    index = assistant.settings.index.dir
    with held(index, 60):
        started = time.monotonic()
        with pytest.raises(IndexLockedError) as exc:
            assistant.ingest([folder], progress=False)
        waited = time.monotonic() - started
        assert isinstance(exc.value, SitrepError)
        assert str(index) in str(exc.value)
        assert 0.4 <= waited < 5
        err = capsys.readouterr().err
        assert err.count("waiting for another writer on") == 1 and str(index) in err
        # nothing was written while another writer held the index
        assert assistant.stats()["documents"] == 0
        # remove is a writer too
        with pytest.raises(IndexLockedError):
            assistant.remove("reports")


def test_readers_do_not_take_the_lock(folder: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(_settings(0.5))
    assistant.ingest([folder], progress=False)
    with held(assistant.settings.index.dir, 60):
        answer = assistant.ask("Was the bridge at Hajin destroyed?")
        assert answer.passages
        assert assistant.stats()["documents"] == 1


def test_second_writer_proceeds_when_the_first_finishes(
    folder: Path, make_assistant: MakeAssistant, capsys: pytest.CaptureFixture[str]
) -> None:
    assistant = make_assistant(_settings(30))
    with held(assistant.settings.index.dir, 1.0):
        started = time.monotonic()
        report = assistant.ingest([folder], progress=False)
        waited = time.monotonic() - started
    assert report.ingested == 1 and waited >= 0.5
    assert "waiting for another writer on" in capsys.readouterr().err


def test_zero_timeout_refuses_at_once(folder: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(_settings(0))
    with held(assistant.settings.index.dir, 60), pytest.raises(IndexLockedError, match="another process"):
        assistant.ingest([folder], progress=False)


def test_lock_is_released_after_a_failed_run(folder: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant(_settings(0))
    with pytest.raises(SitrepError):
        assistant.remove("nothing-here")
    assert assistant.ingest([folder], progress=False).ingested == 1  # would raise IndexLockedError if still held


def test_two_ingest_processes_at_once_lose_no_vector(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """Two real `sitrep ingest` runs on one index: one waits for the other, every passage keeps its vector."""
    folders = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(40):
            text = f"Report {i} of {name}: shelling near Hajin, {i} families left."
            (folder / f"{name}-{i:02d}.txt").write_text(text)
        folders.append(folder)
    index = tmp_path / "index"
    env = {**os.environ, "SITREP_EMBEDDING__BACKEND": "hash"}
    procs = [subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(f), "--index", str(index)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in folders]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all("ingested 40" in out for out, _ in outputs), outputs
    assistant = make_assistant(index=index)
    assert assistant.stats()["documents"] == 80
    assert set(assistant.store.vectors.ids()) == assistant.store.docs.all_passage_ids()
