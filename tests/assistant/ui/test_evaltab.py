"""The Eval tab reads a `sitrep eval --json` result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ui.evaltab import load_result

METRICS = {"n": 2, "n_answerable": 1, "n_unanswerable": 1, "answer_accuracy": 0.5, "citation_recall": None,
           "evidence_recall": None, "citation_precision": None, "supported_statements": 1.0,
           "abstention_precision": 1.0, "abstention_recall": 1.0, "retrieval_recall": 1.0, "mrr": 0.75,
           "latency_p50": 0.1234, "latency_p95": 0.2}


def test_load_result(tmp_path: Path) -> None:
    path = tmp_path / "eval.json"
    questions = [{"id": "q1", "category": "incident", "question": "How many?", "gold_answers": ["3"],
                  "answer": "none", "failed": ["answer"]},
                 {"id": "q2", "category": "incident", "question": "Who?", "gold_answers": [], "answer": "x",
                  "failed": []}]
    path.write_text(json.dumps({"gold": "gold.jsonl", "k": 8, "overall": METRICS,
                                "categories": {"incident": METRICS}, "questions": questions}))
    rows, failing, summary = load_result(path)
    assert [r[0] for r in rows] == ["incident", "overall"]
    assert rows[0][2] == 0.5 and rows[0][3] == "n/a" and rows[0][-2] == 0.123
    assert failing == [["q1", "incident", "How many?", "3", "none", "answer"]]
    assert "2 questions" in summary and "1 failing" in summary


def test_not_an_eval_result(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a `sitrep eval --json` result"):
        load_result(path)
