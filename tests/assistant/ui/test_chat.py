"""What the chat sends: input rules, filters from the form, the streaming/history seam, sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assistant.core import Assistant
from assistant.errors import QuestionError
from assistant.models import Answer, Filters
from assistant.settings import Settings
from assistant.ui.app import chat_turn, new_session
from assistant.ui.chat import Turn, answer_stream, check_message, make_filters, scope_choices


def test_check_message() -> None:
    assert check_message("", 10) is None and check_message(" \n\t ", 10) is None and check_message(None, 10) is None
    assert check_message("  why?  ", 10) == "why?"
    with pytest.raises(QuestionError, match="2,001 characters long; the limit is 2,000"):
        check_message("x" * 2001, 2000)


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "wire"
    root.mkdir()
    (root / "a.txt").write_text("Title: A\nSource: Wire\nDate: 2019-01-05\n\nThe bridge at Hajin was destroyed.\n")
    (root / "b.txt").write_text("Title: B\nSource: Monitor\nDate: 2019-02-05\n\nThe road to Hajin was closed.\n")
    return root


def test_filters_and_choices(make_assistant: Callable[..., Assistant], tmp_path: Path) -> None:
    assistant = make_assistant()
    assert scope_choices(assistant) == [] and assistant.sources() == []
    assistant.ingest([_corpus(tmp_path)], progress=False)
    assert scope_choices(assistant) == ["root: wire", "wire/a.txt", "wire/b.txt"]
    assert assistant.sources() == ["Monitor", "Wire"]
    f = make_filters(assistant, "2019-01-01", " ", ["Wire"], ["root: wire", "wire/a.txt"])
    assert f == Filters(date_from=date(2019, 1, 1), sources=["Wire"], doc_ids=["wire/a.txt", "wire/b.txt"])
    with pytest.raises(QuestionError, match="From wants a date"):
        make_filters(assistant, "5 May", None, None, None)
    with pytest.raises(QuestionError, match="hold no documents"):
        make_filters(assistant, None, None, None, ["root: nowhere"])


class _Streaming:
    """An Assistant as the LLM backend will make it: ask_stream with history."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}
        self.settings = Settings()

    def document(self, doc_id: str) -> None:
        return None

    def ask_stream(self, question: str, filters: Filters | None = None, k: int | None = None,
                   history: list[tuple[str, str]] | None = None) -> Iterator[str | Answer]:
        self.seen = {"filters": filters, "k": k, "history": history}
        yield "Part"
        yield " and <b>whole"
        yield Answer(question=question, text="Part and whole")


def test_answer_stream_uses_streaming_and_history_when_present() -> None:
    fake = _Streaming()
    out = list(answer_stream(fake, "q", [Turn("q0", "a0")], Filters(), 3))  # type: ignore[arg-type]
    assert out[:2] == ["Part", " and <b>whole"] and isinstance(out[-1], Answer)
    assert fake.seen == {"filters": Filters(), "k": 3, "history": [("q0", "a0")]}


def test_chat_turn_shows_the_draft_as_text_then_the_verified_answer() -> None:
    drafts, steps = [], []
    for step in chat_turn(_Streaming(), "q", [], new_session(), "", "", [], [], 3):  # type: ignore[arg-type]
        steps.append(step)
        if step[4].startswith("drafting"):  # the chat list is updated in place: read it as it is shown
            drafts.append(step[1][-1]["content"])
    assert drafts == ["Part …", "Part and &#60;b&#62;whole …"]  # escaped: the draft is unverified model text
    final = steps[-1]
    assert final[2]["answer"].text == "Part and whole"


def test_chat_turn_sessions_are_separate(make_assistant: Callable[..., Assistant], tmp_path: Path) -> None:
    assistant = make_assistant()
    assistant.ingest([_corpus(tmp_path)], progress=False)
    alice, bob = new_session(), new_session()
    steps = list(chat_turn(assistant, "What happened to the bridge at Hajin?", [], alice, "", "", [], [], 4))
    _, chat, alice2, evidence, status, _ = steps[-1]
    assert alice2["turn"] == 1 and len(alice2["turns"]) == 1 and alice["turns"] == []  # state is copied, not shared
    assert chat[0]["role"] == "user" and chat[1]["role"] == "assistant"
    assert bob == new_session()
    # blank and too-long messages are not sent
    blank = list(chat_turn(assistant, "   ", [], bob, "", "", [], [], 4))
    assert len(blank) == 1 and blank[0][4] == ""
    long = list(chat_turn(assistant, "x" * 5000, [], bob, "", "", [], [], 4))
    assert len(long) == 1 and "limit is 2,000" in long[0][4]
    bad_date = list(chat_turn(assistant, "bridge?", [], bob, "yesterday", "", [], [], 4))
    assert "From wants a date" in bad_date[0][4]
