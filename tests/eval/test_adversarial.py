"""The scripted adversary and `sitrep eval --backend openai` against the local stub (hash embedder, tiny set)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.answer.generate import format_passages
from assistant.cli import app
from assistant.core import Assistant
from eval.adversarial import adversary
from eval.llm_stub import OpenAIStub
from tests.assistant.answer.test_generate import SEED, write_corpus


def test_adversary_mixes_correct_wrong_and_invented(tmp_path: Path,
                                                   make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    retrieved = assistant.retrieve(SEED)
    prompt = assistant.prompts["answer_user"].format(passages=format_passages(retrieved), question=SEED)
    text = adversary([{"role": "user", "content": prompt}])
    assert "civilians" in text and f"[{len(retrieved) + 3}]" in text and "According to" in text


def test_eval_with_backend_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    corpus = write_corpus(tmp_path / "reports")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "id": "t1", "question": SEED, "answers": ["two"], "category": "incident",
        "evidence": [{"doc": "strike.txt", "quote": "Two soldiers were injured in the strike"}]}) + "\n")
    out = tmp_path / "eval.json"
    with OpenAIStub(adversary) as stub:
        monkeypatch.setenv("SITREP_LLM__BASE_URL", stub.base_url)
        result = CliRunner().invoke(app, ["eval", "--backend", "openai", "--corpus", str(corpus), "--gold",
                                          str(gold), "--json", str(out)])
        assert stub.requests
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())["questions"][0]
    assert "civilians" not in record["answer"] and record["answer_correct"] is True
    assert all(s["supported"] for s in record["statements"])
