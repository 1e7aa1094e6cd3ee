"""One chat turn: draft streamed, verified answer last; follow-ups shown with their rewritten question."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.chat import CURSOR, respond, respond_stream
from assistant.core import Assistant
from tests.assistant.answer.test_generate import CORRECT, SEED, number_of, use_model, write_corpus


def test_follow_up_in_the_chat_is_attributed_and_cited(tmp_path: Path,
                                                        make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    first = respond(assistant, SEED, [])
    history = [{"role": "user", "content": SEED}, {"role": "assistant", "content": first}]
    shown = respond(assistant, "And who reported that?", history)
    assert shown.startswith("_Answering: Who reported that soldiers were injured in the strike on the artillery")
    assert "According to " in shown and "[1]" in shown and "**Sources**" in shown


def test_stream_shows_draft_then_verified(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    n = number_of(assistant.retrieve(SEED), "strike.txt")
    use_model(assistant, GenericFakeChatModel(messages=iter([AIMessage(
        content=f"{CORRECT} [{n}]. The strike also killed 40 civilians [{n}].")])))
    shown = list(respond_stream(assistant, SEED, []))
    assert shown[0].endswith(CURSOR) and any("40 civilians" in s for s in shown[:-1])
    assert "40 civilians" not in shown[-1] and CORRECT in shown[-1]


def test_error_is_one_line(make_assistant: Callable[..., Assistant]) -> None:
    assert respond(make_assistant(), "", []).startswith("⚠️ ")
