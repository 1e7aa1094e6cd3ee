"""Incidents: one cited record per sentence that reports an event, with filters.

Every report below is DEMO MATERIAL written for these tests (invented places and events, not real reporting).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.conflict import UnknownActorError
from assistant.core import Assistant
from assistant.errors import QuestionError

Ingested = Callable[..., Assistant]

DEMO = {  # DEMO MATERIAL: invented reports, written for these tests
    "wire/strike.txt": "Title: Strike on Tell Marwan\nSource: Demo Wire\nDate: 2020-05-04\n\n"
                       "A coalition airstrike hit a depot in Tell Marwan on 3 May 2020, killing 4 fighters and "
                       "injuring 7 civilians. The weather was clear.\n",
    "monitor/shelling.txt": "Title: Shelling of Kafr Zeita\nSource: Demo Monitor\nDate: 2020-06-10\n\n"
                            "Regime forces shelled Kafr Zeita on 8 June 2020, killing two children, "
                            "the Demo Monitor said.\n",
}


@pytest.fixture
def reports(ingested: Ingested) -> Assistant:
    return ingested(DEMO)


def test_incidents_are_cited_records_with_figures(reports: Assistant) -> None:
    found = reports.incidents()
    assert [r.doc_id for r in found] == ["demo/wire/strike.txt", "demo/monitor/shelling.txt"]  # by date
    strike = found[0]
    assert "airstrike" in strike.event_types and strike.as_of == date(2020, 5, 3) and strike.date_basis == "event"
    assert strike.actors == ["actor_coalition"] and strike.actor_names == ["US-led coalition"]
    assert strike.killed == ["4"] and strike.injured == ["7"] and "Tell Marwan" in strike.places
    doc = reports.document(strike.doc_id)
    assert doc is not None and doc.text[strike.start:strike.end] == strike.quote
    assert "The weather was clear." not in [r.quote for r in found]


def test_incident_filters(reports: Assistant) -> None:
    assert [r.doc_id for r in reports.incidents(event_type="shelling")] == ["demo/monitor/shelling.txt"]
    assert [r.doc_id for r in reports.incidents(place="tell marwan")] == ["demo/wire/strike.txt"]
    assert [r.doc_id for r in reports.incidents(actor="Assad's army")] == ["demo/monitor/shelling.txt"]
    assert [r.doc_id for r in reports.incidents(since=date(2020, 6, 1))] == ["demo/monitor/shelling.txt"]
    assert [r.doc_id for r in reports.incidents(until=date(2020, 5, 31))] == ["demo/wire/strike.txt"]
    assert reports.incidents(event_type="airstrike", place="Kafr Zeita") == []


def test_incident_errors(reports: Assistant) -> None:
    with pytest.raises(QuestionError, match="unknown event type 'nuke'"):
        reports.incidents(event_type="nuke")
    with pytest.raises(QuestionError, match="date range is empty"):
        reports.incidents(since=date(2020, 6, 1), until=date(2020, 5, 1))
    with pytest.raises(UnknownActorError):
        reports.incidents(actor="Wolverines")


def test_cli_incidents(reports: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    index = str(reports.settings.index.dir)
    out = CliRunner().invoke(app, ["incidents", "--type", "airstrike", "--index", index])
    assert out.exit_code == 0, out.output
    assert "2020-05-03" in out.output and "killed 4 fighters; injured 7 civilians" in out.output
    assert "demo/wire/strike.txt:" in out.output and "US-led coalition against" in out.output
    as_json = CliRunner().invoke(app, ["incidents", "--actor", "SAA", "--json", "--index", index])
    assert as_json.exit_code == 0 and '"killed": [' in as_json.output and "Kafr Zeita" in as_json.output


def test_incidents_csv_in_acled_columns(reports: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    target = tmp_path / "incidents.csv"
    out = CliRunner().invoke(app, ["incidents", "--csv", str(target), "--index", str(reports.settings.index.dir)])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert list(rows[0])[:9] == ["event_date", "event_type", "sub_event_type", "actor1", "actor2", "location",
                                 "fatalities", "notes", "source"]
    strike = rows[0]
    assert strike["event_date"] == "2020-05-03" and strike["event_type"] == "Explosions/Remote violence"
    assert strike["sub_event_type"] == "Air/drone strike" and strike["sitrep_type"] == "airstrike"
    assert strike["actor1"] == "US-led coalition" and strike["fatalities"] == "4" and strike["source"] == "Demo Wire"
    doc = reports.document(strike["doc_id"])
    assert doc is not None and doc.text[int(strike["start"]):int(strike["end"])] == strike["notes"]
    assert rows[1]["fatalities"] == "2"  # 'killing two children'


def test_incident_roles_types_and_casualties(reports: Assistant) -> None:
    strike, shelling = reports.incidents()
    assert strike.event_type == "airstrike" and strike.acled_sub_event_type == "Air/drone strike"
    assert strike.actor1 == "actor_coalition" and strike.location == "Tell Marwan"
    assert [(c.outcome, c.value, c.kind) for c in strike.casualties] == [("killed", 4, "fighters"),
                                                                        ("injured", 7, "civilians")]
    assert strike.killed_total == 4 and strike.injured_total == 7 and strike.event_date == date(2020, 5, 3)
    assert shelling.actor1 == "actor_saa" and shelling.actor2 == "civilians" and shelling.actor2_name == "Civilians"
    assert shelling.acled_event_type == "Explosions/Remote violence" and shelling.fatalities == 2
    assert shelling.source == "Demo Monitor"


GROUPED = {  # DEMO MATERIAL: three invented reports of one invented strike, and one of another
    "monitor.txt": "Title: Strike\nSource: Demo Monitor\nDate: 2020-07-02\n\n"
                   "Twelve civilians were killed by Russian warplanes in Tell Qasr on 1 July 2020.\n",
    "state.txt": "Title: Strike\nSource: Demo State Media\nDate: 2020-07-02\n\n"
                 "Russian warplanes struck militant positions in Tell Qasr on 1 July 2020, killing 4 terrorists.\n",
    "wire.txt": "Title: Strike\nSource: Demo Wire\nDate: 2020-07-03\n\n"
                "Russian warplanes struck Tell Qasr on 2 July 2020, local residents said.\n",
    "later.txt": "Title: Strike\nSource: Demo Wire\nDate: 2020-07-20\n\n"
                 "Russian warplanes struck Tell Qasr again on 19 July 2020, killing 3 civilians.\n",
}


def test_reports_of_one_event_are_grouped_with_each_source_apart(ingested: Ingested) -> None:
    assistant = ingested(GROUPED, "a")
    groups = assistant.incident_groups()
    assert [len(g.reports) for g in groups] == [3, 1]  # 19 July is another strike
    first = groups[0]
    assert first.event_type == "airstrike" and first.location == "Tell Qasr" and first.actor1 == "actor_russian_forces"
    figures = {s.source: s.killed for s in first.sources}
    assert figures == {"Demo Monitor": 12, "Demo State Media": 4, "local residents": None} and first.disagree
    assert all(s.citations for s in first.sources)
    assert [len(g.reports) for g in assistant.incident_groups(days=0)] == [2, 1, 1]  # 2 July apart
    with pytest.raises(QuestionError):
        assistant.incident_groups(days=-1)


def test_cli_incidents_grouped(tmp_path: Path, ingested: Ingested, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    assistant = ingested(GROUPED, "a")
    monkeypatch.setenv("SITREP_EMBEDDING__BACKEND", "hash")
    monkeypatch.setenv("SITREP_FRAMES__ENABLED", "false")
    target = tmp_path / "grouped.csv"
    out = CliRunner().invoke(app, ["incidents", "--grouped", "--csv", str(target), "--index",
                                   str(assistant.settings.index.dir)])
    assert out.exit_code == 0, out.output
    assert "2 incident(s) from 4 report(s)" in out.output and "the sources disagree" in out.output
    assert "Demo Monitor says 12 killed" in out.output and "Demo State Media says 4 killed" in out.output
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == 4 and {r["fatalities"] for r in rows if r["incident"] == rows[0]["incident"]} == {"12", "4", ""}
    as_json = CliRunner().invoke(app, ["incidents", "--grouped", "--json", "--index",
                                       str(assistant.settings.index.dir)])
    assert as_json.exit_code == 0 and '"sources": [' in as_json.output


PLACELESS = {  # DEMO MATERIAL: invented reports of invented strikes, most naming no place
    "monitor.txt": "Title: Convoy\nSource: Demo Monitor\nDate: 2020-08-02\n\n"
                   "Coalition aircraft struck an IS convoy on 1 August 2020, killing 9 fighters.\n",
    "wire.txt": "Title: Convoy\nSource: Demo Wire\nDate: 2020-08-02\n\n"
                "Coalition airstrikes killed 7 IS fighters on 1 August 2020.\n",
    "placed.txt": "Title: Convoy\nSource: Demo Courier\nDate: 2020-08-03\n\n"
                  "Coalition aircraft struck an IS convoy in Tell Qasr on 1 August 2020, killing 8 fighters.\n",
    "other_day.txt": "Title: Convoy\nSource: Demo Wire\nDate: 2020-08-04\n\n"
                     "Coalition aircraft struck an IS convoy on 3 August 2020, killing 9 fighters.\n",
    "other_actor.txt": "Title: Convoy\nSource: Demo Wire\nDate: 2020-08-02\n\n"
                       "Russian warplanes struck an IS convoy on 1 August 2020, killing 8 fighters.\n",
    "other_toll.txt": "Title: Convoy\nSource: Demo Wire\nDate: 2020-08-02\n\n"
                      "Coalition aircraft struck IS on 1 August 2020, killing 60 fighters.\n",
    "no_actor.txt": "Title: Convoy\nSource: Demo Wire\nDate: 2020-08-02\n\n"
                    "An airstrike killed 9 people on 1 August 2020.\n",
}


def test_reports_naming_no_place_group_by_date_type_actors_and_figures(ingested: Ingested) -> None:
    assistant = ingested(PLACELESS, "p")
    records = {r.doc_id.split("/")[-1]: r for r in assistant.incidents()}
    assert not records["monitor.txt"].places and not records["wire.txt"].places
    assert records["placed.txt"].places == ["Tell Qasr"]
    groups = {tuple(sorted(r.doc_id.split("/")[-1] for r in g.reports)): g for g in assistant.incident_groups()}
    assert set(groups) == {("monitor.txt", "placed.txt", "wire.txt"), ("other_day.txt",), ("other_actor.txt",),
                           ("other_toll.txt",), ("no_actor.txt",)}
    one = groups[("monitor.txt", "placed.txt", "wire.txt")]
    assert one.actor1 == "actor_coalition" and one.location == "Tell Qasr" and one.first == date(2020, 8, 1)
    assert {s.source: s.killed for s in one.sources} == {"Demo Monitor": 9, "Demo Wire": 7, "Demo Courier": 8}
    assert one.disagree and all(len(s.citations) == 1 for s in one.sources)


def test_actor_filter_follows_the_current_registry(write_reports: Callable[..., Path], tmp_path: Path,
                                                   make_assistant: Callable[..., Assistant],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Frames stored at ingest hold the registry of that time; an alias added since (a user's actors file) still
    finds the records naming it, as the mentions do."""
    import sys

    from assistant.knowledge import frames as frames_module
    from assistant.settings import Settings

    monkeypatch.setattr(frames_module, "_NLP", {})  # frames by rules only: no spaCy model in the fast tier
    monkeypatch.setitem(sys.modules, "spacy", None)
    index = tmp_path / "idx"
    base = Settings()
    framed = base.model_copy(update={"frames": base.frames.model_copy(update={"enabled": True})})
    make_assistant(framed, index=index).ingest([write_reports(DEMO)], progress=False)
    extra = tmp_path / "actors.yaml"
    extra.write_text("version: 1\nactors:\n  - {id: kafr_guard, name: Kafr Guard, type: non-state armed group, "
                     "aliases: [demo monitor]}\n")
    again = make_assistant(framed.model_copy(update={"knowledge": base.knowledge.model_copy(
        update={"actors_file": extra})}), index=index)
    views = again.store.views(again.store.docs.all_passage_ids())
    assert all(v.passage.frames is not None for v in views.values())
    found = again.incidents(actor="Demo Monitor")
    assert [r.doc_id for r in found] == ["demo/monitor/shelling.txt"] and "actor_kafr_guard" in found[0].actors


def test_actor_filter_sees_a_perpetrator_named_by_its_event_head(ingested: Ingested) -> None:
    """'Government air strikes' names no actor (the government alone is a political body), but makes the SAA the
    strikes' perpetrator: --actor finds the record under any alias, and not under another actor."""
    assistant = ingested({**DEMO, "monitor/raids.txt": "Title: Raids on Tell Hamra\nSource: Demo Monitor\n"
                          "Date: 2020-07-02\n\nGovernment air strikes hit Tell Hamra on 1 July 2020, killing three "
                          "civilians.\n"})
    found = assistant.incidents(actor="Syrian Arab Army")
    assert [r.doc_id for r in found] == ["demo/monitor/shelling.txt", "demo/monitor/raids.txt"]
    assert found[1].actor1 == "actor_saa" and "actor_saa" not in found[1].actors
    assert [r.doc_id for r in assistant.incidents(actor="regime forces", event_type="airstrike")] == [
        "demo/monitor/raids.txt"]
    assert assistant.incidents(actor="ISIS") == []
