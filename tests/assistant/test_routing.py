"""The question router end to end: ask() answers control, incident and contested questions from cited records,
verified like any answer, and falls back to passage retrieval when the records do not cover the question.

Every report below is DEMO MATERIAL written for these tests: invented places (Tell Marwan, Kafr Zeita) and events.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core import Assistant
from assistant.models import Citation, Filters
from assistant.settings import Settings

MakeAssistant = Callable[..., Assistant]
Ingested = Callable[..., Assistant]

DEMO = {  # DEMO MATERIAL: invented reports, written for these tests
    "wire/capture.txt": "Title: SDF takes Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n"
                        "The SDF captured Tell Marwan on 2 May 2020 after two days of clashes. "
                        "Residents said the market was closed.\n",
    "monitor/retaken.txt": "Title: Daesh back in Tell Marwan\nSource: Demo Monitor\nDate: 2020-05-13\n\n"
                           "Daesh captured Tell Marwan on 11 May 2020, the Demo Monitor said.\n",
    "wire/strike.txt": "Title: Strike on Kafr Zeita\nSource: Demo Wire\nDate: 2020-06-10\n\n"
                       "The coalition airstrike on a depot in Kafr Zeita on 8 June 2020 killed 4 fighters.\n",
    "monitor/strike.txt": "Title: Kafr Zeita strike toll\nSource: Demo Monitor\nDate: 2020-06-11\n\n"
                          "The Demo Monitor said the coalition airstrike on Kafr Zeita on 8 June 2020 killed 9 "
                          "fighters.\n",
    "state/shelling.txt": "Title: Shelling near Kafr Zeita\nSource: Demo State Agency\nDate: 2020-06-20\n\n"
                          "Rebels shelled Kafr Zeita on 19 June 2020, state media reported.\n",
}


@pytest.fixture
def reports(ingested: Ingested) -> Assistant:
    return ingested(DEMO)


def _verified(assistant: Assistant, citations: list[Citation]) -> None:
    assert citations
    for c in citations:
        doc = assistant.document(c.doc_id)
        assert doc is not None and doc.text[c.start:c.end] == c.quote
        assert (c.title, c.source, c.published) == (doc.title, doc.source, doc.published)  # the document's fields


def test_who_holds_is_answered_from_the_control_timeline(reports: Assistant) -> None:
    answer = reports.ask("Who held Tell Marwan on 5 May 2020?")
    assert answer.debug["route"]["name"] == "control" and answer.debug["route"]["mode"] == "holder"
    assert answer.text.startswith("Syrian Democratic Forces held Tell Marwan as of 5 May 2020")
    assert [c.doc_id for c in answer.citations] == ["demo/wire/capture.txt"]
    _verified(reports, answer.citations)
    later = reports.ask("Who controls Tell Marwan as of 31 May 2020?")
    assert later.text.startswith("Islamic State held Tell Marwan") and "per Demo Monitor" in later.text


def test_change_of_hands_lists_the_captures_by_date(reports: Assistant) -> None:
    answer = reports.ask("When did Tell Marwan change hands?")
    assert answer.debug["route"]["name"] == "control"
    assert answer.text.index("2 May 2020") < answer.text.index("11 May 2020")
    _verified(reports, answer.citations)


def test_when_a_place_was_taken_is_the_capture_of_all_of_it(ingested: Ingested) -> None:
    """'By 1 May the SDF had captured 90% of Tell Marwan' is a claim about part of the place: kept in the timeline
    (marked partial), left out of 'when did the SDF take Tell Marwan' while a claim about the whole place exists."""
    files = {"wire/part.txt": "Title: Most of Tell Marwan taken\nSource: Demo Wire\nDate: 2020-05-01\n\n"
                              "By 1 May 2020 the SDF had captured 90% of western Tell Marwan.\n",
             **DEMO}  # DEMO MATERIAL
    assistant = ingested(files)
    claims = assistant.control("Tell Marwan").claims
    assert [(c.as_of.isoformat() if c.as_of else None, c.partial) for c in claims if c.actor == "actor_sdf"] == [
        ("2020-05-01", True), ("2020-05-02", False)]
    from assistant.conflict.render import show_control
    assert "Syrian Democratic Forces holds part of Tell Marwan" in show_control(assistant.control("Tell Marwan"))
    answer = assistant.ask("When did the SDF take Tell Marwan?")
    assert answer.debug["route"]["name"] == "control"
    assert "2 May 2020" in answer.text and "90%" not in answer.text
    _verified(assistant, answer.citations)


def test_listing_and_counting_come_from_incident_records(reports: Assistant) -> None:
    answer = reports.ask("List the airstrikes near Kafr Zeita in June 2020")
    route = answer.debug["route"]
    assert route["name"] == "incidents" and route["matched"] == 2 and len(route["records"]) == 2
    assert answer.text.startswith("2 incident records of airstrike in Kafr Zeita in June 2020")
    _verified(reports, answer.citations)
    count = reports.ask("How many shelling incidents were reported in Kafr Zeita?")
    assert count.text.startswith("1 report of shelling in Kafr Zeita")
    assert [c.doc_id for c in count.citations] == ["demo/state/shelling.txt"]


def test_records_obey_the_filters(reports: Assistant) -> None:
    answer = reports.ask("List the airstrikes near Kafr Zeita in June 2020", filters=Filters(sources=["Demo Wire"]))
    assert answer.debug["route"]["matched"] == 1 and [c.doc_id for c in answer.citations] == ["demo/wire/strike.txt"]


def test_uncovered_questions_fall_back_to_retrieval(reports: Assistant) -> None:
    answer = reports.ask("Who holds Atlantis?")
    route = answer.debug["route"]
    assert route["name"] == "control" and route["answered_by"] == "retrieval"
    assert route["fallback"] == "no control claim covers Atlantis"
    none = reports.ask("List the airstrikes near Tell Marwan in 1999")
    assert none.debug["route"]["fallback"] == "no incident record matches"
    plain = reports.ask("What was closed in Tell Marwan?")
    assert plain.debug["route"] == {"name": "retrieval", "reason": "no route cue"}


def test_routing_can_be_switched_off(tmp_path: Path, make_assistant: MakeAssistant, reports: Assistant) -> None:
    settings = Settings().model_copy(update={"answer": Settings().answer.model_copy(update={"route": False})})
    off = make_assistant(settings, index=reports.settings.index.dir)
    assert off.ask("Who held Tell Marwan on 5 May 2020?").debug["route"]["reason"] == "off"


def test_routed_citations_are_verified(reports: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record whose span no longer matches the stored text is dropped like any invented citation; with none
    left, the question goes to retrieval."""
    monkeypatch.setattr(reports, "_doc_text", lambda doc_id: "x" * 500)
    answer = reports.ask("Who held Tell Marwan on 5 May 2020?")
    assert answer.debug["route"]["fallback"] == "no routed citation verified"


def test_claims_name_each_source_and_their_disagreement(reports: Assistant) -> None:
    cs = reports.claims("What different figures were given for the fighters killed in the Kafr Zeita airstrike?")
    by = {c.claimant: c for c in cs.claims}
    assert {"Demo Wire", "Demo Monitor"} <= set(by), cs
    assert by["Demo Wire"].figures == ["4"] and by["Demo Monitor"].figures == ["9"]
    assert cs.disagree and cs.differences == ["figures"]
    answer = reports.ask("What different figures were given for the fighters killed in the Kafr Zeita airstrike?")
    assert answer.debug["route"]["name"] == "claims"
    assert answer.text.startswith("The sources disagree (figures differ)")
    assert "According to Demo Monitor" in answer.text and "According to Demo Wire" in answer.text
    _verified(reports, answer.citations)


def test_cli_claims_prints_each_line_with_its_citation(reports: Assistant) -> None:
    index = str(reports.settings.index.dir)
    reports.close()
    q = "What different figures were given for the fighters killed in the Kafr Zeita airstrike?"
    env = {"SITREP_EMBEDDING__BACKEND": "hash", "SITREP_FRAMES__ENABLED": "false"}
    result = CliRunner().invoke(app, ["claims", q, "--index", index], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("The sources disagree (figures differ)")
    assert "demo/wire/strike.txt:" in result.output and "demo/monitor/strike.txt:" in result.output
    data = json.loads(CliRunner().invoke(app, ["claims", q, "--index", index, "--json"], env=env).output)
    assert data["disagree"] is True and {c["claimant"] for c in data["claims"]} >= {"Demo Wire", "Demo Monitor"}
    empty = CliRunner().invoke(app, ["claims", "   ", "--index", index], env=env)
    assert empty.exit_code == 1 and "error:" in empty.output


def test_claims_without_an_answer_say_why(reports: Assistant) -> None:
    from assistant.conflict.render import show_claims

    cs = reports.claims("Who claims responsibility for the flood in Atlantis?")
    assert cs.claims == [] and cs.reason
    assert show_claims(cs).startswith("No claim found:")
    answer = reports.ask("Who claims responsibility for the flood in Atlantis?")
    assert answer.debug["route"]["name"] == "claims" and answer.debug["route"]["answered_by"] == "retrieval"


DENIAL = {  # DEMO MATERIAL: invented reports, written for this test
    "state/clinic.txt": "Title: Clinic struck\nSource: Demo State Agency\nDate: 2020-06-26\n\n"
                        "The Demo State Agency said a coalition airstrike destroyed the Kafr Zeita clinic on "
                        "25 June 2020.\n",
    "coalition/clinic.txt": "Title: Coalition statement on the clinic\nSource: Demo Coalition Office\n"
                            "Date: 2020-06-27\n\nThe coalition denied striking the Kafr Zeita clinic on 25 June 2020 "
                            "and said no aircraft flew there that day.\n",
}


def test_a_denial_is_a_disagreement_without_different_figures(ingested: Ingested) -> None:
    assistant = ingested(DENIAL, "denial")
    cs = assistant.claims("What does each side claim about the coalition airstrike on the Kafr Zeita clinic on "
                          "25 June 2020?")
    assert len(cs.claims) == 2, cs
    assert cs.disagree and "accounts" in cs.differences
