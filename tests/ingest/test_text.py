"""normalise_text, strip_markdown, locate and split_sentences."""

from __future__ import annotations

import pytest

from ingest.text import locate, normalise_text, split_sentences, strip_markdown


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


# --- normalise_text ---------------------------------------------------------------------------------------


def test_typographic_quotes_become_plain() -> None:
    assert normalise_text("\u201cHe said \u2018no\u2019\u201d \u00abok\u00bb") == '"He said \'no\'" "ok"'


def test_whitespace_is_collapsed_and_blank_lines_limited() -> None:
    raw = "  one \t two  \r\n\r\n\r\n\r\nthree\rfour   "
    assert normalise_text(raw) == "one two\n\nthree\nfour"


def test_invisible_and_control_characters_are_removed() -> None:
    assert (
        normalise_text("soft\u00adhyphen zero\u200bwidth \ufeffbom bell\x07")
        == "softhyphen zerowidth bom bell"
    )


def test_nfkc_folds_compatibility_forms() -> None:
    assert normalise_text("\ufb01ve\u00a0km") == "five km"


def test_normalise_is_idempotent() -> None:
    once = normalise_text("# Title\n\n**Bold** \u201cquote\u201d  text\nwrapped", markdown=True)
    assert normalise_text(once, markdown=True) == once
    assert normalise_text(once) == once


def test_markdown_markup_is_stripped() -> None:
    raw = (
        "# Heading ##\n\n"
        "Some **bold** and *italic* and __strong__ and `code` with a [link](https://x.test/a_(b)) and "
        "![img](pic.png) and a [ref][1].\n\n"
        "> quoted line\n\n"
        "- bullet one\n"
        "* bullet two\n\n"
        "---\n\n"
        "<!-- hidden comment -->\nEnd."
    )
    text = normalise_text(raw, markdown=True)
    for markup in ("#", "**", "__", "`", "](", "![", "[ref]", ">", "- bullet", "* bullet", "---", "hidden"):
        assert markup not in text, markup
    assert "Heading" in text
    assert "Some bold and italic and strong and code with a link and and a ref." in text
    assert "quoted line" in text and "bullet one" in text and "bullet two" in text and "End." in text


def test_markdown_keeps_snake_case_and_arithmetic() -> None:
    assert strip_markdown("a_b_c and 2*3*4") == "a_b_c and 2*3*4"


def test_markdown_hard_wrapped_paragraph_is_joined() -> None:
    raw = "The convoy left\nat dawn and reached\nthe camp.\n\nSecond paragraph."
    assert (
        normalise_text(raw, markdown=True)
        == "The convoy left at dawn and reached the camp.\n\nSecond paragraph."
    )


def test_plain_text_keeps_line_breaks() -> None:
    assert normalise_text("line one\nline two") == "line one\nline two"


# --- locate -----------------------------------------------------------------------------------------------

DOC = 'The spokesman said the strike "wounded two soldiers" near the bridge.\nIt\'s over, he added.'


@pytest.mark.parametrize(
    "quote",
    [
        "\u201cwounded two soldiers\u201d",  # typographic quotes in the raw file
        "wounded   two\nsoldiers",  # wrapped line / extra whitespace
        "**wounded two** soldiers",  # Markdown markup
        "WOUNDED two Soldiers",  # case
        "It\u2019s over",
    ],
)
def test_locate_finds_quote_in_normalised_text(quote: str) -> None:
    span = locate(quote, DOC)
    assert span is not None
    found = DOC[span[0] : span[1]]
    assert normalise_text(found).lower() == normalise_text(quote, markdown=True).lower()


def test_locate_returns_exact_offsets() -> None:
    span = locate("strike \u201cwounded", DOC)
    assert span == (DOC.index("strike"), DOC.index("wounded") + len("wounded"))


def test_locate_missing_or_empty() -> None:
    assert locate("three soldiers", DOC) is None
    assert locate("   ", DOC) is None
    assert locate("", DOC) is None


def test_locate_prefers_exact_case() -> None:
    text = "Alpha said. alpha said."
    assert locate("alpha said", text) == (12, 22)


# --- split_sentences --------------------------------------------------------------------------------------


def test_simple_sentences() -> None:
    assert _sentences("One fell. Two rose! Three? Four.") == ["One fell.", "Two rose!", "Three?", "Four."]


@pytest.mark.parametrize(
    "text",
    [
        "Col. Sean Ryan said the talks continued.",
        "The U.S.-led coalition struck the position.",
        "Gen. Mazloum Abdi met Dr. Smith and Lt. Col. Jones on Feb. 3 in Hajin.",
        "The strike, e.g. near St. Mary, was approx. 5 km away.",
        "J. R. Smith reported it.",
    ],
)
def test_abbreviations_do_not_split(text: str) -> None:
    assert _sentences(text) == [text]


def test_abbreviation_inside_longer_text() -> None:
    text = "Col. Sean Ryan said the U.S.-led coalition was ready. Talks resumed on Monday."
    assert _sentences(text) == [
        "Col. Sean Ryan said the U.S.-led coalition was ready.",
        "Talks resumed on Monday.",
    ]


def test_quote_closing_after_full_stop() -> None:
    text = 'He said "we will win." Then he left.'
    assert _sentences(text) == ['He said "we will win."', "Then he left."]


def test_line_breaks_end_sentences_and_spans_are_trimmed() -> None:
    text = "Headline without stop\n  Body sentence one. Body two.  \n\nLast"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Headline without stop",
        "Body sentence one.",
        "Body two.",
        "Last",
    ]
    for s, e in spans:
        assert not text[s].isspace() and not text[e - 1].isspace()


def test_split_sentences_respects_start_and_end_offsets() -> None:
    text = "Ignore this. Keep one. Keep two. Ignore that."
    start = text.index("Keep one")
    end = text.index(" Ignore that")
    spans = split_sentences(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Keep one.", "Keep two."]
    assert all(start <= s < e <= end for s, e in spans)


def test_empty_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n\n ") == []
