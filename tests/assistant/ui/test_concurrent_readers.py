"""Several users at once: concurrent asks on one Assistant (as the app's queue runs them) give the answers a
lone ask gives, also while a writer ingests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.core import Assistant

DEMO = Path(__file__).resolve().parents[3] / "eval" / "corpus"
QUESTIONS = [
    "How many civilians came out of Hajin on the first day the humanitarian corridor was open?",
    "Who controlled Hajin in December 2018?",
    "How many car bombs did the SDF say it destroyed during its advance through Hajin?",
    "What is the capital of France?",
]


def _key(assistant: Assistant, q: str) -> tuple[str, list[str], list[str]]:
    a = assistant.ask(q)
    return a.text, [c.passage_id for c in a.citations], [p.view.passage.passage_id for p in a.passages]


def test_concurrent_asks_match_sequential(make_assistant: Callable[..., Assistant], tmp_path: Path) -> None:
    corpus = tmp_path / "sdf"
    shutil.copytree(DEMO / "sdf", corpus)
    assistant = make_assistant()
    assistant.ingest([corpus], progress=False)
    expected = {q: _key(assistant, q) for q in QUESTIONS}
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "note.txt").write_text("Title: Note\n\nA note about the weather in Raqqa on 3 March 2019.\n")
    with ThreadPoolExecutor(8) as pool:
        writer = pool.submit(assistant.ingest, [extra], None, False)
        results = list(pool.map(lambda q: (q, _key(assistant, q)), QUESTIONS * 6))
        writer.result()
    for q, got in results:
        assert got == expected[q], q
