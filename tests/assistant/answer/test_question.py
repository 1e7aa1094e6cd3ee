"""Question analysis: alias expansion for the vector search."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.answer import Analyser


def test_an_alias_is_followed_by_the_actors_canonical_name(analyser: Analyser) -> None:
    q = analyser.question("How many Daesh fighters did the Kurdish-led forces say they killed in Hajin?")
    assert q.expanded == ("How many Daesh (Islamic State) fighters did the Kurdish-led forces (Syrian Democratic "
                          "Forces) say they killed in Hajin?")
    assert q.text.startswith("How many Daesh fighters")  # the question itself is kept as asked
    assert [q.expanded[s:e] for s, e in q.inserted] == [" (Islamic State)", " (Syrian Democratic Forces)"]
    kept, last = "", 0
    for s, e in q.inserted:
        kept, last = kept + q.expanded[last:s], e
    assert kept + q.expanded[last:] == q.text  # the rest of the expanded text is the question as asked


def test_no_expansion_when_the_canonical_name_is_used_or_no_actor_is_named(analyser: Analyser) -> None:
    assert analyser.question("How many Islamic State fighters were killed in Hajin?").expanded == ""
    assert analyser.question("How many Islamic State fighters were killed in Hajin?").inserted == ()
    assert analyser.question("How many people left Hajin in December?").expanded == ""
    # a part of the canonical name says as much as the name: 'White Helmets (Syria Civil Defence)', 'US-led coalition'
    assert analyser.question("Where was the White Helmets centre that the coalition hit?").expanded == ""


def test_an_acronym_is_not_spelled_out(analyser: Analyser) -> None:
    """'SDF', 'ISIS' are how most reports name the actor: spelling them out moved the vector away from them."""
    assert analyser.question("When did the SDF take Hajin from ISIS?").expanded == ""
    assert analyser.question("When did the SDF take Hajin from Daesh?").expanded == (
        "When did the SDF take Hajin from Daesh (Islamic State)?")


@pytest.mark.parametrize(("question", "days"), [
    ("What did the SDF capture at Baghuz on 19 March 2019?", (date(2019, 3, 19), date(2019, 3, 19))),
    ("How many were killed on 21-22 January 2019?", (date(2019, 1, 21), date(2019, 1, 22))),
    ("What did the SDF say on 7 February?", None),  # the year is open: no report date to search
    ("What happened in February 2019?", None),  # a month, not a day
    ("Who held Hajin on 1 January 2019 and on 1 March 2019?", None),  # too far apart to be one report's days
    ("Who holds Baghuz?", None),
])
def test_the_days_a_question_asks_about(analyser: Analyser, question: str, days: tuple[date, date] | None) -> None:
    assert analyser.question(question).constraints.asked_days() == days


def test_a_place_named_by_another_of_its_names_is_followed_by_its_name(analyser: Analyser) -> None:
    """places.yaml: 'Ayn al-Arab' is Kobani, so the vector search also meets reports that write Kobani."""
    assert analyser.expand_aliases("When was Ayn al-Arab retaken from Daesh?")[0] == \
        "When was Ayn al-Arab (Kobani) retaken from Daesh (Islamic State)?"
    assert analyser.expand_aliases("When was Kobani retaken?") == ("", ())


def test_names_joined_by_and_are_two_names(analyser: Analyser) -> None:
    """'American and French special forces' is met by 'US and French Special Forces': two names, not one."""
    q = analyser.question("In the August 2018 attack on a base near Deir ez-Zor hosting American and French special "
                          "forces, how many attackers were killed?")
    assert q.constraints.names == ["Deir ez-Zor", "American", "French"]


@pytest.mark.parametrize("question", ["What death tolls were reported for the barrel-bomb attack on the camp?",
                                      "What were the tolls of the two car bombs in Homs?"])
def test_tolls_ask_for_a_count(analyser: Analyser, question: str) -> None:
    assert analyser.question(question).constraints.slot == "count"
