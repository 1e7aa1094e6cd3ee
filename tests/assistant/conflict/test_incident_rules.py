"""The incident rules on single sentences: roles, types (and ACLED's), casualties by kind, location.

Every sentence below is DEMO MATERIAL written for these tests (invented places and events).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from assistant.conflict.incidents import CIVILIANS, incident_rules
from assistant.conflict.models import Incident
from assistant.core import Assistant
from assistant.knowledge.frames import FrameReader
from assistant.models import Passage, PassageView


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Incident]:
    from assistant.settings import Settings

    s = Settings()
    assistant = Assistant(s.model_copy(update={
        "embedding": s.embedding.model_copy(update={"backend": "hash"}),
        "index": s.index.model_copy(update={"dir": tmp_path_factory.mktemp("rules")})}))
    frames = FrameReader(assistant.knowledge, assistant.lexicon, assistant.settings, ner=False)
    reader = assistant.incident_reader()

    def one(text: str, source: str | None = "Demo Wire", published: date = date(2020, 5, 4)) -> Incident:
        frame = frames.read(text, [(0, len(text))], published)[0]
        view = PassageView(passage=Passage(passage_id="p", doc_id="demo/a.txt", ordinal=0, start=0, end=len(text),
                                           text=text), title="t", source=source, published=published)
        record = reader.read(view, frame)
        assert record is not None, text
        return record

    return one


def test_active_passive_and_by(read: Callable[..., Incident]) -> None:
    r = read("Regime forces shelled Kafr Zeita on 3 May 2020, killing two children.")
    assert (r.actor1, r.actor2, r.event_type) == ("actor_saa", CIVILIANS, "shelling")
    r = read("Twelve SDF fighters were killed in an Islamic State attack near Tell Marwan on 3 May 2020.")
    assert (r.actor1, r.actor2) == ("actor_isis", "actor_sdf") and r.killed_total == 12
    r = read("The village of Tell Marwan, held by the SDF, was attacked by ISIS on 3 May 2020.")
    assert r.actor1 == "actor_isis"
    r = read("Pro-government militias backed by Russian forces attacked Tell Marwan on 3 May 2020.")
    assert r.actor1 != "actor_russian_forces"  # 'backed by' is no perpetrator


def test_an_actors_event_head_before_an_event_noun_is_the_perpetrator(read: Callable[..., Incident]) -> None:
    r = read("Government air strikes killed 7 civilians in Tell Marwan on 3 May 2020.")
    assert (r.actor1, r.actor2) == ("actor_saa", CIVILIANS)
    assert "actor_saa" not in r.actors  # a perpetrator by the role rule, not a mention of the registry
    assert read("Regime heavy shelling hit Kafr Zeita on 3 May 2020.").actor1 == "actor_saa"
    assert read("Russian air strikes hit Kafr Zeita on 3 May 2020, killing 4 people.").actor1 == "actor_russian_forces"
    assert read("US-led air strikes hit Kafr Zeita on 3 May 2020.").actor1 == "actor_coalition"
    r = read("Russian and Syrian air strikes hit Kafr Zeita on 3 May 2020.")  # the first of joined heads
    assert r.actor1 == "actor_russian_forces"
    r = read("Government air strikes on ISIS positions in Tell Marwan killed 12 fighters on 3 May 2020.")
    assert (r.actor1, r.actor2) == ("actor_saa", "actor_isis")
    assert read("Iraqi government shelling hit Tell Marwan on 3 May 2020.").actor1 is None  # another state's
    assert read("The American detainee was questioned in Tell Marwan on 3 May 2020.").actor1 is None  # a person
    assert read("The government said shelling hit Tell Marwan on 3 May 2020.").actor1 is None  # a body, no event head
    assert read("Syrian opposition shelling hit Kafr Zeita on 3 May 2020.").actor1 is None  # a word between
    r = read("Government air strikes hit Tell Marwan after Islamic State fighters attacked it on 3 May 2020.")
    assert r.actor1 == "actor_saa"


def test_a_political_body_acting_as_a_force_is_the_perpetrator(read: Callable[..., Incident]) -> None:
    """'the regime' alone is a body, but the force as the subject of a violent verb or after a closing 'by'."""
    r = read("The regime carried out 13 raids on Tell Marwan on 3 May 2020, killing 31 fighters.")
    assert r.actor1 == "actor_saa" and "actor_saa" not in r.actors  # a role, not a mention
    assert read("Syrias regime bombed Tell Marwan on 3 May 2020, killing 28 people.").actor1 == "actor_saa"
    assert read("The Syrian government has repeatedly shelled Kafr Zeita since 3 May 2020.").actor1 == "actor_saa"
    assert read("Kafr Zeita was shelled by the regime on 3 May 2020, killing 3 civilians.").actor1 == "actor_saa"
    # a body that speaks, a body before a noun, and another state's government are no force
    assert read("The government said shelling hit Tell Marwan on 3 May 2020.").actor1 is None
    assert read("Regime change was demanded after shelling hit Tell Marwan on 3 May 2020.").actor1 is None
    assert read("The Iraqi government launched air strikes on Tell Marwan on 3 May 2020.").actor1 != "actor_saa"
    assert read("Shelling hit the government-held district of Tell Marwan on 3 May 2020.").actor1 is None


def test_reporters_are_not_parties_and_own_forces(read: Callable[..., Incident]) -> None:
    r = read("The SOHR said coalition air strikes killed 7 civilians in Tell Marwan on 3 May 2020.")
    assert (r.actor1, r.actor2) == ("actor_coalition", CIVILIANS) and r.source
    r = read("Our forces killed 22 mercenaries in clashes in Tell Marwan on 3 May 2020.", source="SDF Media Center")
    assert r.actor1 == "actor_sdf"
    r = read("Islamic State claimed responsibility for the car bomb that killed 6 people in Tell Marwan.")
    assert r.actor1 == "actor_isis" and r.event_type == "bombing"


def test_types_are_read_more_exactly_and_mapped_to_acled(read: Callable[..., Incident]) -> None:
    r = read("A coalition aircraft struck an artillery position near Tell Marwan on 3 May 2020.")
    assert r.event_type == "airstrike" and r.acled_sub_event_type == "Air/drone strike"  # not shelling
    r = read("The SDF captured eight foreign fighters in Tell Marwan on 3 May 2020.")
    assert r.event_type == "arrest" and r.acled_event_type == "Strategic developments"
    r = read("A suicide car bomb exploded in Tell Marwan on 3 May 2020, killing 5 people.")
    assert r.acled_sub_event_type == "Suicide bomb"
    r = read("Government forces recaptured Tell Marwan on 3 May 2020.")
    assert r.acled_sub_event_type == "Government regains territory"
    r = read("Islamic State fighters captured Tell Marwan on 3 May 2020.")
    assert r.acled_sub_event_type == "Non-state actor overtakes territory"
    assert set(incident_rules().priority) <= set(incident_rules().types)


def test_casualties_by_kind_and_totals(read: Callable[..., Incident]) -> None:
    r = read("14 people, including 5 children, were killed by coalition strikes on Tell Marwan on 3 May 2020.")
    assert r.killed_total == 14 and [c.part for c in r.casualties] == [False, True]
    r = read("40 ISIS fighters, 9 SDF fighters and 3 civilians were killed in clashes in Tell Marwan on 3 May 2020.")
    assert r.killed_total == 52 and [c.kind for c in r.casualties] == ["ISIS fighters", "SDF fighters", "civilians"]
    assert {r.actor1, r.actor2} == {"actor_isis", "actor_sdf"}  # both sides of the clash
    r = read("An air strike on Tell Marwan on 3 May 2020 killed 4 and wounded 11 civilians.")
    assert (r.killed_total, r.injured_total) == (4, 11)


def test_location_date_and_clash_sides(read: Callable[..., Incident]) -> None:
    r = read("ISIS fighters attacked positions in Syria, north of Kafr Zeita, in Tell Marwan on Saturday.")
    assert r.location == "Tell Marwan" and r.event_date == date(2020, 5, 2) and r.published == date(2020, 5, 4)
    r = read("Clashes between the SDF and ISIS broke out in Tell Marwan.")
    assert (r.actor1, r.actor2) == ("actor_sdf", "actor_isis") and r.event_date is None
    assert r.as_of == date(2020, 5, 4) and r.date_basis == "published"
