"""Every mistake a user can make reaches them as one clear line, never a traceback (CLI) or a SitrepError (Python)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import ConfigError, QuestionError, SitrepError
from assistant.settings import load_settings


def _one_line_error(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI with the hash embedder (these tests are about messages, not the model)."""
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    return CliRunner()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("Two soldiers were wounded in a strike near Al-Sukkariyeh on 10 February.\n")
    return folder


def test_invalid_setting_names_the_variable(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_RETRIEVAL__K", "abc")
    with pytest.raises(ConfigError, match="SITREP_RETRIEVAL__K"):
        load_settings()
    _one_line_error(runner.invoke(app, ["ask", "anything"]), "SITREP_RETRIEVAL__K", "'abc'")


def test_index_that_is_a_file(runner: CliRunner, report: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "index.txt"
    a_file.write_text("not an index")
    _one_line_error(runner.invoke(app, ["ingest", str(report), "--index", str(a_file)]), str(a_file))
    assert a_file.read_text() == "not an index"


def test_missing_model_path(runner: CliRunner, report: Path, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "sentence-transformers")
    monkeypatch.setenv("SITREP_EMBEDDING__MODEL", str(tmp_path / "no-such-model"))
    result = runner.invoke(app, ["ingest", str(report), "--index", str(tmp_path / "idx")])
    _one_line_error(result, "no-such-model", "SITREP_EMBEDDING__MODEL")


@pytest.mark.parametrize(("variable", "value"), [("SITREP_ANSWER__BACKEND", "llm"),
                                                 ("SITREP_EMBEDDING__BACKEND", "nope")])
def test_unknown_backend(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    _one_line_error(runner.invoke(app, ["ask", "x", "--index", str(tmp_path / "idx")]), repr(value), variable)


def test_bad_options_are_refused_not_answered(runner: CliRunner, report: Path, tmp_path: Path) -> None:
    index = str(tmp_path / "idx")
    assert runner.invoke(app, ["ingest", str(report), "--index", index]).exit_code == 0
    _one_line_error(runner.invoke(app, ["ask", "How many were wounded?", "--index", index,
                                        "--since", "2019-03-01", "--until", "2019-02-01"]), "date range is empty")
    _one_line_error(runner.invoke(app, ["ask", "How many were wounded?", "--index", index, "--k", "-1"]),
                    "k must be at least 1")
    _one_line_error(runner.invoke(app, ["ask", "   ", "--index", index]), "The question is empty.")


def test_python_ask_raises_question_error_for_empty_question(make_assistant, report: Path) -> None:  # type: ignore[no-untyped-def]
    assistant = make_assistant()
    assistant.ingest([report], progress=False)
    with pytest.raises(QuestionError, match="empty"):
        assistant.ask("  ")
    assert issubclass(QuestionError, SitrepError)
