"""The `sitrep` command through typer's CliRunner, plus one real run of the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Answer
from assistant.prompts import REFUSAL

SEED = "How many soldiers were injured in the strike on the artillery position?"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI with the hash embedder: these tests are about the command, not the model."""
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    return CliRunner()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    (folder / "wire").mkdir(parents=True)
    (folder / "wire" / "strike.txt").write_text(
        "Title: Strike on the artillery position\nSource: Levant Wire\nDate: 2019-02-10\n\n"
        "A coalition strike hit an artillery position near Al-Sukkariyeh. "
        "State media said the strike wounded two soldiers.\n"
    )
    (folder / "aid.md").write_text(
        "---\ntitle: Convoy\nsource: Relief Desk\ndate: 2019-03-01\n---\n"
        "Forty trucks carried families from Baghuz to the camp at Al-Hol.\n"
    )
    return folder


def test_ingest_ask_stats(runner: CliRunner, small_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    result = runner.invoke(app, ["ingest", str(small_corpus), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert (
        "ingested 2, unchanged 0, replaced 0, removed 0, skipped 0; 2 passages, 2 embedded" in result.stdout
    )

    again = runner.invoke(app, ["ingest", str(small_corpus), "--index", str(index)])
    assert again.exit_code == 0 and "ingested 0, unchanged 2" in again.stdout and "0 embedded" in again.stdout

    result = runner.invoke(app, ["ask", SEED, "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert not answer.abstained and "two" in answer.text
    assert answer.citations[0].doc_id == "reports/wire/strike.txt"

    result = runner.invoke(app, ["ask", SEED, "--index", str(index)])
    assert result.exit_code == 0
    assert '"State media said the strike wounded two soldiers." [1]' in result.stdout
    assert "[1] Strike on the artillery position — Levant Wire, 2019-02-10 (reports/wire/strike.txt " in result.stdout

    result = runner.invoke(app, ["ask", "What is the GDP of Brazil?", "--index", str(index)])
    assert result.exit_code == 0 and result.stdout.strip() == REFUSAL

    result = runner.invoke(app, ["stats", "--index", str(index)])
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert (stats["documents"], stats["passages"]) == (2, 2)
    assert stats["index"].startswith(str(index))


def test_ask_filters(runner: CliRunner, small_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    assert runner.invoke(app, ["ingest", str(small_corpus), "--index", str(index)]).exit_code == 0
    result = runner.invoke(app, ["ask", SEED, "--json", "--index", str(index), "--source", "Relief Desk"])
    answer = Answer.model_validate_json(result.stdout)
    assert {r.view.source for r in answer.passages} == {"Relief Desk"}
    result = runner.invoke(
        app,
        [
            "ask",
            SEED,
            "--json",
            "--index",
            str(index),
            "--since",
            "2019-02-01",
            "--until",
            "2019-02-28",
            "--k",
            "1",
        ],
    )
    answer = Answer.model_validate_json(result.stdout)
    assert [r.view.passage.doc_id for r in answer.passages] == ["reports/wire/strike.txt"]
    result = runner.invoke(app, ["ask", SEED, "--json", "--index", str(index), "--doc", "reports/aid.md"])
    answer = Answer.model_validate_json(result.stdout)
    assert {r.view.passage.doc_id for r in answer.passages} == {"reports/aid.md"}


def test_bad_date_option(runner: CliRunner, small_corpus: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", SEED, "--index", str(tmp_path / "idx"), "--since", "last week"])
    assert result.exit_code == 1
    assert "error: --since wants a date as YYYY-MM-DD" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_ask_on_missing_index_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    index = tmp_path / "nothing"
    result = runner.invoke(app, ["ask", "Anything?", "--index", str(index)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: The index at ")
    assert "holds no documents" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_ingest_with_only_bad_files_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(
        app,
        ["ingest", str(tmp_path / "empty.txt"), str(tmp_path / "missing"), "--index", str(tmp_path / "idx")],
    )
    assert result.exit_code == 1
    assert "skipped " in result.stderr and "empty.txt: file is empty" in result.stderr
    assert "missing: no such file or folder" in result.stderr
    assert "skipped 2" in result.stdout


def test_ingest_no_prune(runner: CliRunner, small_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "idx"
    runner.invoke(app, ["ingest", str(small_corpus), "--index", str(index)])
    (small_corpus / "aid.md").unlink()
    result = runner.invoke(app, ["ingest", str(small_corpus), "--no-prune", "--index", str(index)])
    assert "removed 0" in result.stdout
    result = runner.invoke(app, ["ingest", str(small_corpus), "--index", str(index)])
    assert "removed 1" in result.stdout


def test_default_index_comes_from_env(runner: CliRunner, small_corpus: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(small_corpus)])
    assert result.exit_code == 0
    assert (tmp_path / "default-index").is_dir()
    stats = json.loads(runner.invoke(app, ["stats"]).stdout)
    assert stats["documents"] == 2 and stats["index"].startswith(str(tmp_path / "default-index"))


def test_help_lists_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "ask", "eval", "chat", "stats"):
        assert command in result.stdout


@pytest.mark.model
def test_installed_console_script(runner: CliRunner, small_corpus: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "sentence-transformers")  # the real model, as users run it
    script = Path(sys.executable).parent / "sitrep"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    index = tmp_path / "idx"
    assert runner.invoke(app, ["ingest", str(small_corpus), "--index", str(index)]).exit_code == 0
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(
        [str(script), "ask", SEED, "--json", "--index", str(index)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    answer = Answer.model_validate_json(done.stdout)
    assert "two" in answer.text and answer.citations
    failed = subprocess.run(
        [str(script), "ask", "x", "--index", str(tmp_path / "empty")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert failed.returncode == 1
    assert "error: The index at" in failed.stderr and "Traceback" not in failed.stderr
