"""LLM incident extraction (SITREP_KNOWLEDGE__INCIDENT_EXTRACTOR=llm) with LangChain's fake chat model: each
record verified against its sentence, unsupported fields or records dropped, the rules when the model fails.

Every sentence below is DEMO MATERIAL written for these tests (invented places and events).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage

from assistant.answer.generate import build_answerer
from assistant.conflict.llm_extract import parse
from assistant.core import Assistant
from assistant.settings import Settings

STRIKE = "Coalition air strikes killed 7 civilians in Tell Marwan on 3 May 2020."
QUIET = "Residents said the market reopened."
TEXT = f"Title: Strike on Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n{STRIKE} {QUIET}\n"
GOOD = {"quote": STRIKE, "event_type": "airstrike", "date": "2020-05-03", "place": "Tell Marwan",
        "actor1": "US-led coalition", "actor2": "civilians", "killed": 7, "injured": None}


class Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.prompts: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[BaseMessage]],
                            **kwargs: Any) -> None:
        self.prompts.extend(messages)


def reply(*records: dict[str, Any]) -> str:
    return json.dumps({"incidents": list(records)})


def fake(*replies: str, recorder: Recorder | None = None) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]),
                                callbacks=[recorder] if recorder else None)


class Failing(GenericFakeChatModel):
    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise TimeoutError("Request timed out.")


@pytest.fixture
def ingested(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> Callable[..., Assistant]:
    """An assistant over the one-document corpus whose answerer's chat model is ``model``."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "strike.txt").write_text(TEXT)

    def make(model: Any, extractor: str = "llm") -> Assistant:
        s = Settings()
        settings = s.model_copy(update={"knowledge": s.knowledge.model_copy(update={"incident_extractor": extractor})})
        a = make_assistant(settings)
        a.ingest([folder], progress=False)
        if model is not None:
            a.answerer = build_answerer(a.settings, a.embedder, a.store.idf, a.analyser, a.prompts, model=model)
        return a

    return make


def test_a_supported_record_is_kept_and_cited_to_its_sentence(ingested: Callable[..., Assistant]) -> None:
    recorder = Recorder()
    a = ingested(fake(reply(GOOD), recorder=recorder))
    [r] = a.incidents()
    assert r.extractor == "llm" and r.unverified == []
    assert r.quote == STRIKE and a.store.document(r.doc_id).text[r.start:r.end] == STRIKE  # the sentence span
    assert (r.event_type, r.location, r.actor1, r.actor2, r.killed_total) == (
        "airstrike", "Tell Marwan", "actor_coalition", "civilians", 7)
    assert str(r.event_date) == "2020-05-03" and r.date_basis == "event"
    assert r.acled_sub_event_type == "Air/drone strike"
    # the prompt: the passage fenced as data, the types listed, the report date given
    [messages] = recorder.prompts
    text = "\n".join(str(m.content) for m in messages)
    assert STRIKE in text and "airstrike" in text and "2020-05-04" in text
    a.incidents()  # cached per passage: no second call (the fake has no second reply)
    assert a.incidents()[0].extractor == "llm" and len(recorder.prompts) == 1


def test_a_part_quote_is_cited_to_the_whole_sentence(ingested: Callable[..., Assistant]) -> None:
    a = ingested(fake(reply({**GOOD, "quote": "killed 7 civilians  in Tell Marwan"})))
    [r] = a.incidents()
    assert r.quote == STRIKE and r.extractor == "llm"


def test_invented_figure_actor_place_and_date_are_dropped_not_the_record(ingested: Callable[..., Assistant]) -> None:
    a = ingested(fake(reply({**GOOD, "killed": 12, "injured": 3, "actor1": "Islamic State", "place": "Hajin",
                             "date": "2020-04-20"})))
    [r] = a.incidents()
    assert r.extractor == "llm" and r.quote == STRIKE
    assert r.killed_total is None and r.injured_total is None and r.fatalities is None
    assert r.actor1 is None and r.location is None and r.event_date is None and r.date_basis == "published"
    assert sorted(r.unverified) == ["actor1", "date", "injured", "killed", "place"]
    assert r.actor2 == "civilians"  # what the sentence supports stays
    from assistant.conflict.render import show_incidents

    assert "read by the LLM, verified against the sentence; not in the sentence, dropped: " in show_incidents([r])
    from assistant.ui.knowledge import incidents_html

    html, _ = incidents_html(a, None, None, None, None, None, grouped=False)
    assert "LLM, verified; dropped&#58; date, killed, injured, actor1, place" in html  # esc() escapes colons


def test_an_alias_the_sentence_does_not_use_still_names_the_actor(ingested: Callable[..., Assistant]) -> None:
    a = ingested(fake(reply({**GOOD, "actor1": "CJTF-OIR"})))  # another alias of the coalition
    assert a.incidents()[0].actor1 == "actor_coalition"


def test_invented_quote_or_unsaid_type_drops_the_record(ingested: Callable[..., Assistant]) -> None:
    invented = {**GOOD, "quote": "Coalition air strikes killed 40 civilians in Hajin."}
    unsaid = {**GOOD, "event_type": "chemical attack"}
    a = ingested(fake(reply(GOOD, invented, unsaid)))
    records = a.incidents()
    assert [(r.quote, r.event_type, r.extractor) for r in records] == [(STRIKE, "airstrike", "llm")]


def test_an_empty_list_is_the_models_reading(ingested: Callable[..., Assistant]) -> None:
    a = ingested(fake(reply()))
    assert a.incidents() == []  # like a refusal: no record, not the rules
    extractor = a.incident_extractor()
    assert extractor is not None and extractor.notes == []


def test_nothing_verifiable_gives_the_rules(ingested: Callable[..., Assistant]) -> None:
    a = ingested(fake(reply({**GOOD, "quote": "Coalition air strikes killed 40 civilians in Hajin."})))
    [r] = a.incidents()
    assert r.extractor == "rules" and r.killed_total == 7
    assert a.incident_extractor() is not None and "none of its records" in a.incident_extractor().notes[0]


@pytest.mark.parametrize("answer", ["Here are the incidents: airstrike in Tell Marwan", '{"incidents": [{"quote": 1',
                                    '{"records": []}', '{"incidents": [{"quote": "x", "event_type": "airstrike", '
                                                       '"killed": "many"}]}'])
def test_malformed_json_falls_back_to_the_rules(ingested: Callable[..., Assistant], answer: str) -> None:
    a = ingested(fake(answer))
    [r] = a.incidents()
    assert r.extractor == "rules" and r.actor1 == "actor_coalition" and r.killed_total == 7
    extractor = a.incident_extractor()
    assert extractor is not None and len(extractor.notes) == 1 and "rules used" in extractor.notes[0]


def test_failure_or_timeout_falls_back_to_the_rules(ingested: Callable[..., Assistant]) -> None:
    a = ingested(Failing(messages=iter([])))
    [r] = a.incidents()
    assert r.extractor == "rules"
    extractor = a.incident_extractor()
    assert extractor is not None and "TimeoutError" in extractor.notes[0]


def test_rules_setting_or_no_llm_backend_never_asks(ingested: Callable[..., Assistant]) -> None:
    recorder = Recorder()
    a = ingested(fake(reply(GOOD), recorder=recorder), extractor="rules")
    assert a.incidents()[0].extractor == "rules" and not recorder.prompts
    b = ingested(None)  # 'llm' but the extractive answerer: no chat model
    assert b.incident_extractor() is None and b.incidents()[0].extractor == "rules"


def test_parse_accepts_a_fence_and_a_bare_list() -> None:
    assert parse(f"```json\n{reply(GOOD)}\n```").incidents[0].killed == 7
    assert parse(json.dumps([GOOD])).incidents[0].place == "Tell Marwan"
    with pytest.raises(ValueError, match="malformed JSON"):
        parse("{incidents: }")
