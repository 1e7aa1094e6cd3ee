"""Follow-up questions: rewritten into standalone ones (LLM with condense_question.txt, else rules)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answer import Analyser
from assistant.answer.followup import Condenser, looks_like_follow_up, turns
from assistant.core import Assistant
from tests.assistant.answer.test_generate import SEED, Recorder, use_model, write_corpus


@pytest.mark.parametrize(("history", "question", "expected"), [
    ([SEED], "And who reported that?",
     "Who reported that soldiers were injured in the strike on the artillery position?"),
    ([SEED], "Who said so?", "Who said that soldiers were injured in the strike on the artillery position?"),
    (["Who controlled Hajin in December 2018?"], "And in January 2019?", "Who controlled Hajin in January 2019?"),
    (["Who controlled Hajin in December 2018?"], "What about Raqqa?", "Who controlled Raqqa in December 2018?"),
    (["Who controlled Hajin in December 2018?"], "How many civilians were killed there?",
     "How many civilians were killed there (Hajin, December 2018)?"),
    ([SEED], "Who controlled Hajin in December 2018?", "Who controlled Hajin in December 2018?"),
    ([], "And who reported that?", "And who reported that?"),
])
def test_rules_carry_actors_places_dates(analyser: Analyser, history: list[str], question: str,
                                         expected: str) -> None:
    assert Condenser(analyser).standalone(question, history) == expected


def test_rules_chain_through_earlier_follow_ups(analyser: Analyser) -> None:
    history = ["Who controlled Hajin in December 2018?", "And in January 2019?"]
    assert Condenser(analyser).standalone("What about Raqqa?", history) == "Who controlled Raqqa in January 2019?"


def test_history_shapes() -> None:
    messages = [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}]
    assert turns(messages) == [("user", "q1"), ("assistant", "a1")]
    assert turns([("q1", "a1"), ("q2", None)]) == [("user", "q1"), ("assistant", "a1"), ("user", "q2")]
    assert turns(["q1"]) == [("user", "q1")]


def test_standalone_question_is_not_a_follow_up(analyser: Analyser) -> None:
    assert not looks_like_follow_up("Who controlled Hajin in December 2018?", analyser)
    assert looks_like_follow_up("And who reported that?", analyser)


def test_llm_condenses_with_the_prompt(analyser: Analyser) -> None:
    recorder = Recorder()
    model = GenericFakeChatModel(messages=iter([AIMessage(content="Standalone question: Who reported the two "
                                                                  "injured soldiers?\n")]), callbacks=[recorder])
    from assistant.prompts import load_prompts

    condenser = Condenser(analyser, model, load_prompts()["condense_question"])
    history: list[Any] = [{"role": "user", "content": SEED}, {"role": "assistant", "content": "Two soldiers [1]."}]
    assert condenser.standalone("And who reported that?", history) == "Who reported the two injured soldiers?"
    prompt = recorder.prompts[0][-1].content
    assert isinstance(prompt, str) and f"User: {SEED}" in prompt and "Assistant: Two soldiers [1]." in prompt
    assert "Follow-up question: And who reported that?" in prompt


def test_failing_llm_condenser_falls_back_to_rules(analyser: Analyser) -> None:
    condenser = Condenser(analyser, GenericFakeChatModel(messages=iter([])), "{history} {question}")
    assert condenser.standalone("And who reported that?", [SEED]).startswith("Who reported that soldiers")


def test_ask_with_history_answers_the_rewritten_question(tmp_path: Path,
                                                         make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    answer = assistant.ask("And who reported that?", history=[SEED])
    assert answer.question == "Who reported that soldiers were injured in the strike on the artillery position?"
    assert answer.debug["asked"] == "And who reported that?"
    assert not answer.abstained and answer.citations
    assert answer.text.startswith("According to ")  # attributed: who reports it
    assert "soldiers" in answer.text


def test_ask_with_history_uses_the_llm_condenser(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant()
    assistant.ingest([write_corpus(tmp_path / "reports")], progress=False)
    model = GenericFakeChatModel(messages=iter([
        AIMessage(content="Who reported that two soldiers were injured at the artillery position?"),
        AIMessage(content="PLACEHOLDER")]))
    use_model(assistant, model)
    assistant.condenser = Condenser(assistant.analyser, model, assistant.prompts["condense_question"])
    answer = assistant.ask("And who reported that?", history=[SEED])
    assert answer.question == "Who reported that two soldiers were injured at the artillery position?"
