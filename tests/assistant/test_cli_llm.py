"""The real ``openai`` backend end to end through `sitrep ask --backend openai`, against a local stub server
speaking the OpenAI chat-completions protocol (streaming and not); then with the stub stopped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.models import Answer
from eval.llm_stub import OpenAIStub, passages_in, prompt_of
from tests.assistant.answer.test_generate import CORRECT, SEED, write_corpus

INVENTED = "The strike also killed 40 civilians [7]."


def reply(messages: list[dict[str, Any]]) -> str:
    """One correct cited statement (on the right passage) and one invented one."""
    passages = passages_in(prompt_of(messages))
    n = next(i for i, text in passages.items() if "Two soldiers were injured" in text)
    return f"{CORRECT} [{n}]. {INVENTED}"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    monkeypatch.setenv("SITREP_LLM__TIMEOUT_S", "10")
    index = tmp_path / "idx"
    result = CliRunner().invoke(app, ["ingest", str(write_corpus(tmp_path / "reports")), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return index


def test_done_when_stub_then_stopped(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_ANSWER__BACKEND", "openai")
    monkeypatch.setenv("SITREP_LLM__API_KEY", "sk-test-secret")
    stub = OpenAIStub(reply).start()
    try:
        monkeypatch.setenv("SITREP_LLM__BASE_URL", stub.base_url)
        result = CliRunner().invoke(app, ["ask", SEED, "--json", "--index", str(env)])
        assert result.exit_code == 0, result.output
        answer = Answer.model_validate_json(result.stdout)
        assert stub.requests and stub.requests[0]["stream"] is True
        assert stub.requests[0]["temperature"] == 0
    finally:
        stub.stop()
    assert [(s.text, s.verified) for s in answer.statements] == [(CORRECT, True)]
    assert "40 civilians" not in answer.text and not answer.notes
    assert answer.citations[0].quote.startswith("Two soldiers were injured")
    assert "sk-test-secret" not in result.output

    # the stub is stopped: the same command gives the extractive answer and the note
    result = CliRunner().invoke(app, ["ask", SEED, "--json", "--index", str(env)])
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert len(answer.notes) == 1 and answer.notes[0].startswith("LLM unavailable: ")
    assert not answer.abstained and answer.citations and answer.debug["backend"] == "extractive"
    plain = CliRunner().invoke(app, ["ask", SEED, "--index", str(env)])
    assert plain.stdout.startswith("LLM unavailable: ") and "Traceback" not in plain.output


def test_backend_flag_and_streamed_tokens(env: Path) -> None:
    with OpenAIStub(reply) as stub:
        result = CliRunner().invoke(app, ["ask", SEED, "--backend", "openai", "--index", str(env)],
                                    env={"SITREP_LLM__BASE_URL": stub.base_url})
    assert result.exit_code == 0, result.output
    assert "killed 40 civilians" in result.stderr  # the draft, streamed token by token
    assert "--- verified ---" in result.stderr
    assert "40 civilians" not in result.stdout and re.search(r"injured in the strike.*\[1\]\.", result.stdout)


def test_non_streaming_invoke_through_stub() -> None:
    from assistant.answer.llm import make_chat_model
    from assistant.settings import LLMSettings

    with OpenAIStub(lambda messages: "plain reply") as stub:
        model = make_chat_model("openai", LLMSettings(base_url=stub.base_url, timeout_s=5))
        assert model.invoke("hello").content == "plain reply"
        assert stub.requests[-1].get("stream") in (None, False)


def test_slow_server_times_out(env: Path) -> None:
    with OpenAIStub(reply, delay_s=2.0) as stub:
        result = CliRunner().invoke(app, ["ask", SEED, "--backend", "openai", "--json", "--index", str(env)],
                                    env={"SITREP_LLM__BASE_URL": stub.base_url, "SITREP_LLM__TIMEOUT_S": "0.5"})
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.notes and answer.notes[0].startswith("LLM unavailable: ")


def test_unknown_backend_is_one_error_line(env: Path) -> None:
    result = CliRunner().invoke(app, ["ask", SEED, "--backend", "nope", "--index", str(env)])
    assert result.exit_code == 1 and result.output.startswith("error: unknown answer backend 'nope'")


def test_ask_after_an_earlier_question(env: Path) -> None:
    result = CliRunner().invoke(app, ["ask", "And who reported that?", "--after", SEED, "--json", "--index", str(env)])
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert answer.question == "Who reported that soldiers were injured in the strike on the artillery position?"
    assert not answer.abstained and answer.citations and answer.text.startswith("According to ")


def test_ollama_backend_through_the_stub(env: Path) -> None:
    with OpenAIStub(reply) as stub:
        result = CliRunner().invoke(app, ["ask", SEED, "--backend", "ollama", "--json", "--index", str(env)],
                                    env={"SITREP_LLM__BASE_URL": stub.ollama_url, "SITREP_LLM__MODEL": "llama3.2"})
        assert stub.requests and stub.requests[0]["model"] == "llama3.2"
    assert result.exit_code == 0, result.output
    answer = Answer.model_validate_json(result.stdout)
    assert not answer.notes, answer.notes
    assert [(s.text, s.verified) for s in answer.statements] == [(CORRECT, True)]


def incident_reply(messages: list[dict[str, Any]]) -> str:
    """The incident extraction prompt: one supported record with one invented figure; other passages: none."""
    import json

    prompt = prompt_of(messages)
    if "Two soldiers were injured" not in prompt:
        return json.dumps({"incidents": []})
    return json.dumps({"incidents": [{
        "quote": "Two soldiers were injured in the strike on the artillery position near Hajin.",
        "event_type": "attack", "place": "Hajin",
        "injured": 2, "killed": 40, "date": None, "actor1": None, "actor2": None}]})


def test_incidents_read_by_the_llm_through_the_cli_then_the_rules(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    monkeypatch.setenv("SITREP_ANSWER__BACKEND", "openai")
    monkeypatch.setenv("SITREP_KNOWLEDGE__INCIDENT_EXTRACTOR", "llm")
    stub = OpenAIStub(incident_reply).start()
    try:
        monkeypatch.setenv("SITREP_LLM__BASE_URL", stub.base_url)
        result = CliRunner().invoke(app, ["incidents", "--place", "Hajin", "--json", "--index", str(env)])
        assert result.exit_code == 0, result.output
        assert stub.requests and "incidents" in json.dumps(stub.requests[0]["messages"])
    finally:
        stub.stop()
    [record] = [r for r in json.loads(result.stdout) if r["quote"].startswith("Two soldiers")]
    assert record["extractor"] == "llm" and record["unverified"] == ["killed"]
    assert record["injured_total"] == 2 and record["killed_total"] is None and record["location"] == "Hajin"

    # the stub is stopped: the rules' records, and one note on stderr
    result = CliRunner().invoke(app, ["incidents", "--place", "Hajin", "--json", "--index", str(env)])
    assert result.exit_code == 0, result.output
    assert all(r["extractor"] == "rules" for r in json.loads(result.stdout))
    assert "fell back to the rules" in result.stderr
