"""Answer matching: whole words, number words equal digits, and no partial-number matches."""

from __future__ import annotations

import pytest

from eval.matching import answer_matches, contains_tokens, matched_answer, normalize, strip_markers


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The strikes injured 2 soldiers.", "two"),
        ("The strikes injured two soldiers.", "2"),
        ("About 1500 people fled.", "1,500"),
        ("About 1,500 people fled.", "1500"),
        ("Twenty-five villages were shelled.", "25"),
        ("Some 250 homes burned.", "two hundred and fifty"),
        ("It began on the 2nd of March.", "2nd"),
        ("1.5 million were displaced", "one million five hundred thousand"),
        ("THE FREE SYRIAN ARMY, it said", "free syrian army"),
        ("The “Wagner” group’s fighters", "wagner group"),
        ("Forces entered Al-Bab.", "al bab"),
        ("Up to 40% of the town", "40 percent"),
    ],
)
def test_equivalent_forms_match(text: str, answer: str) -> None:
    assert answer_matches(text, [answer])


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("The attack happened on 22 March.", "2 March"),
        ("The attack happened on 2 March.", "22 March"),
        ("Twelve soldiers died.", "two"),
        ("21 soldiers died.", "twenty"),
        ("15,000 people fled.", "1,500"),
        ("The Syrian army advanced.", "syria"),
        ("Casualties were reported [2].", "2"),
    ],
)
def test_different_values_do_not_match(text: str, answer: str) -> None:
    assert not answer_matches(text, [answer])


def test_two_march_matches_only_two_march() -> None:
    assert answer_matches("It began on 2 March 2019.", ["2 March"])
    assert not answer_matches("It began on 22 March 2019.", ["2 March"])


def test_normalize_folds_number_phrases_to_digits() -> None:
    assert normalize("Two hundred and fifty-three, then 1,500 and twenty") == [
        "253",
        "then",
        "1500",
        "and",
        "20",
    ]
    assert normalize("one two three") == ["1", "2", "3"]
    assert normalize("a thousand") == ["a", "1000"]


def test_matched_answer_reports_the_first_acceptable_answer() -> None:
    assert matched_answer("two soldiers were hurt", ["three", "2"]) == "2"
    assert matched_answer("nobody was hurt", ["three", "2"]) is None


def test_empty_answer_never_matches() -> None:
    assert not answer_matches("anything at all", ["", "..."])
    assert not contains_tokens(["a"], [])


def test_strip_markers_removes_all_marker_forms() -> None:
    assert normalize(strip_markers("Two died [1][2] and more [3, 4].")) == ["2", "died", "and", "more"]
