"""Question analysis: alias expansion for the meaning-based searches, anchors without descriptions."""

from __future__ import annotations

from assistant.answer import Analyser


def test_an_alias_is_followed_by_the_actors_canonical_name(analyser: Analyser) -> None:
    q = analyser.question("How many Daesh fighters did the Kurdish-led forces say they killed in Hajin?")
    assert q.expanded == ("How many Daesh (Islamic State) fighters did the Kurdish-led forces (Syrian Democratic "
                          "Forces) say they killed in Hajin?")
    assert q.text.startswith("How many Daesh fighters")  # the question itself is kept as asked


def test_no_expansion_when_the_canonical_name_is_used_or_no_actor_is_named(analyser: Analyser) -> None:
    assert analyser.question("How many Islamic State fighters were killed in Hajin?").expanded == ""
    assert analyser.question("How many people left Hajin in December?").expanded == ""
    # a part of the canonical name says as much as the name: 'White Helmets (Syria Civil Defence)', 'US-led coalition'
    assert analyser.question("Where was the White Helmets centre that the coalition hit?").expanded == ""


def test_a_description_of_an_actor_is_no_anchor(analyser: Analyser) -> None:
    """'Kurdish-led' describes the SDF: evidence naming the SDF covers the question without repeating it."""
    q = analyser.question("How many of its fighters did the Kurdish-led SDF say it had lost at Al-Shaafa?")
    assert {"kurdish", "led"}.isdisjoint(q.anchors) and "actor_sdf" in q.anchors and "shaafa" in q.anchors
