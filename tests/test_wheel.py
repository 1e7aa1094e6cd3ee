"""A plain (non-editable) wheel install works from any directory: prompts, demo corpus and gold files ship inside.

The slow test builds the wheel offline, installs it with ``--no-deps`` into a fresh virtual environment whose
dependencies come from this project's venv (a ``.pth`` line appends its site-packages to ``sys.path``; that folder
is not processed as a site dir, so the editable install's finder stays out), and runs the installed ``sitrep``
from a working directory outside the repository.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import unicodedata
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from eval import run as eval_run
from eval.run import DemoDataMissing, demo_corpus, demo_gold

REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seeds" / "000_a55bb0ee7bbc2b89.txt"
SEED_QUESTION = "How many soldiers were injured in the coalition airstrike on the artillery position?"
#: Used when ../shared is absent: a demo report about the same strike, taken from the installed package.
FALLBACK_DOC = "coalition/2019-02-10-sukkariyeh-self-defense.md"
FALLBACK_QUESTION = "Which coalition spokesman said the coalition acted in self-defense at Al-Sukkariyeh?"
#: What the wheel is built from: the package folders and the files pyproject.toml reads.
SOURCES = ["assistant", "ingest", "eval", "prompts", "pyproject.toml", "README.md"]
GOLD_SUBSET = 5


# -- fast: the demo data resolves through importlib.resources --------------------------------------------------


def test_demo_data_resolves_from_the_eval_package() -> None:
    package = Path(str(importlib.resources.files("eval")))
    assert demo_corpus() == package / "corpus" and demo_corpus().is_dir()
    assert demo_gold() == package / "gold.jsonl" and demo_gold().is_file()
    assert (demo_corpus() / "_DEMO_MATERIAL.md").is_file()
    corpus, gold = eval_run.DEMO_CORPUS, eval_run.DEMO_GOLD  # module constants, resolved on first use
    assert (corpus, gold) == (demo_corpus(), demo_gold())
    with pytest.raises(AttributeError):
        _ = eval_run.NO_SUCH_NAME


def test_missing_demo_data_is_a_clear_sitrep_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """E.g. a zip import, where the corpus is no folder on disk: one message, a SitrepError, no traceback."""
    monkeypatch.setattr(eval_run.importlib.resources, "files", lambda _package: tmp_path)
    with pytest.raises(DemoDataMissing, match=r"eval/corpus.*--corpus"):
        demo_corpus()
    with pytest.raises(DemoDataMissing, match="eval/gold.jsonl"):
        _ = eval_run.DEMO_GOLD


# -- slow: build, install into a clean venv, run from elsewhere ------------------------------------------------


@dataclass
class Installed:
    venv: Path
    site: Path
    wheel: Path

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _words(text: str) -> str:
    """Lower-case words only, so the check ignores the quote and whitespace normalisation ingest applies."""
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower()))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools in this venv")
    root = tmp_path_factory.mktemp("wheel")
    # Build from a clean copy: an in-tree build leaves build/ in the repo, and stale files there end up in wheels.
    src = root / "src"
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "out"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    wheels = root / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", wheels, src], cwd=root)
    (wheel,) = wheels.glob("sitrep-*.whl")

    venv = root / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", "--without-pip", venv], cwd=root)
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root).strip())
    # Dependencies from this project's venv: appended to sys.path, after the new venv's own site-packages.
    (site / "_sitrep_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
         cwd=root)
    return Installed(venv=venv, site=site, wheel=wheel)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_") and k != "PYTHONPATH"}
    env.update(
        SITREP_HOME=str(tmp_path / "home"),
        SITREP_INDEX__DIR=str(tmp_path / "index"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


@pytest.mark.slow
def test_wheel_holds_prompts_gold_and_the_whole_demo_corpus(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    assert {"prompts/__init__.py", "prompts/answer_system.txt", "prompts/answer_user.txt",
            "prompts/condense_question.txt"} <= names
    assert {"eval/gold.jsonl", "eval/gold_wiki.jsonl", "eval/corpus/_DEMO_MATERIAL.md"} <= names
    corpus = REPO / "eval" / "corpus"
    expected = {f"eval/corpus/{p.relative_to(corpus).as_posix()}" for p in corpus.rglob("*") if p.is_file()}
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_installed_wheel_runs_from_any_directory(installed: Installed, tmp_path: Path) -> None:
    started = time.perf_counter()
    env, work = _env(tmp_path), tmp_path / "elsewhere"
    work.mkdir()
    python, sitrep = installed.bin("python"), installed.bin("sitrep")

    # The installed copy is the one imported (not /work/main through the editable finder), and it finds its data.
    probe = _run([python, "-c", (
        "import json, assistant, eval.run as r; from assistant.prompts import load_prompts, prompts_dir; "
        "load_prompts(); "
        "print(json.dumps({'assistant': assistant.__file__, 'prompts': str(prompts_dir()), "
        "'corpus': str(r.DEMO_CORPUS), 'gold': str(r.DEMO_GOLD)}))"
    )], cwd=work, env=env)
    where = json.loads(probe.strip().splitlines()[-1])
    for key, path in where.items():
        assert Path(path).resolve().is_relative_to(installed.site.resolve()), (key, path)
    assert not Path(where["assistant"]).resolve().is_relative_to(REPO)
    corpus, gold = Path(where["corpus"]), Path(where["gold"])
    assert (corpus / "_DEMO_MATERIAL.md").is_file() and gold.is_file()

    # Ingest one report and ask about it: the seed from ../shared, else a report of the installed demo corpus.
    if SEED.is_file():
        report, question = SEED, SEED_QUESTION
    else:
        report, question = corpus / FALLBACK_DOC, FALLBACK_QUESTION
    out = _run([sitrep, "ingest", report], cwd=work, env=env)
    assert re.search(r"\bingested 1\b", out), out
    answer = json.loads(_run([sitrep, "ask", question, "--json"], cwd=work, env=env))
    assert not answer["abstained"], answer["text"]
    assert answer["citations"], answer
    source = _words(report.read_text(encoding="utf-8"))
    for citation in answer["citations"]:
        assert citation["doc_id"] == f"{report.parent.name}/{report.name}"  # ROOT/path, ROOT = its folder
        assert _words(citation["quote"]) in source, citation["quote"]
    expected = r"\b(two|2)\b" if report == SEED else r"\bRyan\b"
    assert re.search(expected, answer["text"]), answer["text"]

    # Evaluate a few gold questions over the installed demo corpus.
    subset = tmp_path / "gold5.jsonl"
    lines = [line for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    subset.write_text("\n".join(lines[:GOLD_SUBSET]) + "\n", encoding="utf-8")
    table = _run([sitrep, "eval", "--corpus", corpus, "--gold", subset], cwd=work, env=env)
    assert re.search(r"^category\s+n\s+answer_acc", table, re.M), table
    assert re.search(rf"^overall\s+{GOLD_SUBSET}\s", table, re.M), table

    # The chat opens over the index ingested above.
    page = _chat_page(sitrep, work, env)
    assert "gradio" in page.lower(), page[:500]

    assert not list(work.iterdir()), "nothing may be written to the working directory"
    print(f"\ninstalled wheel: ingest + ask + eval ({GOLD_SUBSET} q) + chat in {time.perf_counter() - started:.1f}s")


def _chat_page(sitrep: Path, cwd: Path, env: dict[str, str], timeout: float = 90) -> str:
    """Start ``sitrep chat`` on a free port, return its home page once it answers, then stop it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [str(sitrep), "chat", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"sitrep chat exited ({proc.returncode}):\n{proc.communicate()[0]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    return str(response.read().decode("utf-8", "replace"))
            except OSError:
                time.sleep(1)
        pytest.fail(f"sitrep chat did not answer on port {port} within {timeout}s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
