"""normalise_text, strip_markdown, locate and split_sentences."""

from __future__ import annotations

import math
import random
import re
import signal
import threading
import time
from collections.abc import Callable

import pytest

from ingest.text import (
    _MD_IMAGE_TAIL,
    _MD_LINK_TAIL,
    _MD_REF_TAIL,
    _drop_html_comments,
    _sub_bracketed,
    _unwrap_markdown,
    locate,
    normalise_text,
    split_sentences,
    strip_markdown,
)


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


# --- linear time on one huge line ---------------------------------------------------------------------------
#
# The previous implementations, kept verbatim: the new ones must give IDENTICAL results. split_sentences ran a
# regex anchored at "$" over the whole line prefix at every full stop (50 KB line: 12 s, 5 MB: hangs); Markdown
# links and comments retried a scan to the next "]" / "-->" at every unmatched "[" / "<!--", and hard-wrapped
# paragraphs were re-concatenated line by line.

_OLD_ABBREVIATIONS = {
    "col", "gen", "lt", "maj", "sgt", "capt", "cpt", "cmdr", "adm", "brig", "mr", "mrs", "ms", "dr", "st",
    "no", "nos", "vs", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "gov", "sen", "rep", "pres", "prof", "e.g", "i.e", "cf", "fig", "est", "km", "ft",
}
_OLD_BOUNDARY = re.compile(r"[.!?\u2026]+[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u0600-\u06FF])")


def _old_is_abbreviation(segment: str) -> bool:
    word = re.search(r"([\w.]+)[.!?]*[\"')\]]*\s*$", segment)
    if not word:
        return False
    token = word.group(1).rstrip(".").lower()
    return token in _OLD_ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or "." in token


def _old_split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start = pos
        pos += len(line) + 1
        cut = 0
        for m in _OLD_BOUNDARY.finditer(line):
            if _old_is_abbreviation(line[: m.start() + 1]) and line[m.start()] == ".":
                continue
            spans.append((line_start + cut, line_start + m.end()))
            cut = m.end()
        spans.append((line_start + cut, line_start + len(line)))
    out = []
    for s, e in spans:
        if text[s:e].strip():
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            out.append((s, e))
    return out


_OLD_MD_BLOCK_START = re.compile(r"^\s*(#|\||[-*+]\s|\d+[.)]\s|>|```|!\[)")


def _old_unwrap_markdown(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        prev = out[-1] if out else ""
        if (prev.strip() and line.strip() and not _OLD_MD_BLOCK_START.match(line)
                and not _OLD_MD_BLOCK_START.match(prev)):
            out[-1] = prev.rstrip() + " " + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


_OLD_MARKUP: list[tuple[re.Pattern[str], str, Callable[[str], str]]] = [
    (re.compile(r"<!--.*?-->", re.S), "", _drop_html_comments),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), "",
     lambda t: _sub_bracketed(t, "![", _MD_IMAGE_TAIL, keep_label=False, empty_label=True)),
    (re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)"), r"\1",
     lambda t: _sub_bracketed(t, "[", _MD_LINK_TAIL, keep_label=True, empty_label=False)),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1",
     lambda t: _sub_bracketed(t, "[", _MD_REF_TAIL, keep_label=True, empty_label=False)),
]

REALISTIC = [
    "Lt. Col. J. Smith of the U.S. Army said No. 5 battalion, e.g. the 2nd, moved 3.5 km north. The convoy "
    "reached Hajin on Feb. 3 at approx. 6 a.m. local time! Was the strike over? \"We don't know.\" (Talks "
    "resume Mon.) Gen. Mazloum Abdi met Dr. Smith, Mr. J. R. Jones and Sgt. Maj. Brown in St. Mary's.",
    "The U.N. envoy, i.e. the U.N.-appointed mediator, arrived... Then he left. Residents said: \"Nos. 4 and 5 "
    "were hit.\" Fig. 2 shows the front vs. the river. Capt. A. B. Carter (ret.) disagreed. 12 people died.",
    "Pres. Assad's forces (cf. Sen. Graham's remarks) took Al-Kishma on Dec. 31. SDF said 'no.' The "
    "Coalition.Spokesman@example.test replied. Est. 300 fled… Another 40 stayed. قال المرصد. وأضاف.",
    "Col. Sean Ryan said the talks continued.\nHeadline without stop\n  Body one. Body two.  \n\nLast",
]


@pytest.mark.parametrize("text", REALISTIC)
def test_split_sentences_same_as_previous_implementation(text: str) -> None:
    assert split_sentences(text) == _old_split_sentences(text)
    start, end = 10, len(text) - 7
    assert split_sentences(text, start, end) == _old_split_sentences(text, start, end)


def test_split_sentences_same_as_previous_implementation_on_random_text() -> None:
    rng = random.Random(20190210)
    pieces = [*"aBJSe.!?\u2026 \"')](\n", "No", "Lt", "U.S", "  ", "..", "5", "\u0627", "\u00e9", "_", "e.g"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert split_sentences(text) == _old_split_sentences(text), text


def test_markdown_helpers_same_as_previous_implementation() -> None:
    samples = [
        "See [the report](https://x.test/a_(b)) and [a ref][1], ![map](m.png) [unclosed and <!-- note --> end.",
        "1.\nnext line\nmore\n\n- item\ncontinued\n# Head\nbody\n  \nlast [x]\n(y) ![](z) [](w) []()",
        "<!-- open <!-- nested --> --> [a [b](c) d](e) [[x]](y) ![a](b(c) <!-- never closed",
    ]
    rng = random.Random(7)
    pieces = [*"#|-*+1.)>`![]() \n\ta_", "<!--", "-->", "```", "![", "](", "][", "12", "\n\n", "ab"]
    samples += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    for text in samples:
        assert _unwrap_markdown(text) == _old_unwrap_markdown(text), text
        for old, replacement, new in _OLD_MARKUP:
            assert new(text) == old.sub(replacement, text), text


class _TooSlow(Exception):
    pass


def _seconds(func: Callable[[str], object], arg: str, limit: float) -> float:
    """CPU seconds one call takes; inf past ``limit`` (the call is interrupted, so quadratic code fails rather
    than hangs). CPU time, not wall time: on a busy machine a long call loses far more wall time to other
    processes than a short one, which inflated wall-clock ratios of linear code past 300."""

    def stop(signum: int, frame: object) -> None:
        raise _TooSlow

    guard = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = signal.signal(signal.SIGPROF, stop) if guard else None
    try:
        try:
            if guard:
                signal.setitimer(signal.ITIMER_PROF, limit)  # counts this process's CPU time
            started = time.thread_time()  # not process_time: an armed ITIMER_PROF makes that tick-coarse
            func(arg)
            return time.thread_time() - started
        finally:
            if guard:
                signal.setitimer(signal.ITIMER_PROF, 0)
    except _TooSlow:
        return math.inf
    finally:
        if guard:
            signal.signal(signal.SIGPROF, previous)


def _best(func: Callable[[str], object], arg: str, tries: int, limit: float, enough: float = 0.0) -> float:
    """The best of ``tries`` timings, stopping early at one under ``enough``; gives up after two calls over
    ``limit`` (one can be bad luck)."""
    times: list[float] = []
    while len(times) < tries and times.count(math.inf) < 2 and min(times, default=math.inf) >= enough:
        times.append(_seconds(func, arg, limit))
    return min(times)


def assert_linear(func: Callable[[str], object], make: Callable[[int], str], bound: float = 300) -> None:
    """func(make(5_000_000)) must take under ``bound`` times as long as func(make(50_000)): ~100x for linear
    code, ~10,000x for quadratic.

    A 5 KB -> 50 KB step (bound 40: linear ~10x, quadratic ~100x) comes first, so that quadratic code fails
    in seconds rather than running for hours. Small sizes are timed as the best of five; the 5 MB one gets up
    to three tries to come in under the bound, each interrupted once it is over.
    """
    tiny, small, large = make(5_000), make(50_000), make(5_000_000)
    func(tiny)  # warm up
    t_tiny = _best(func, tiny, 5, 60)
    step = 40 * max(t_tiny, 1e-4)
    t_small = _best(func, small, 5, step)
    if t_small > step:
        pytest.fail(f"50 KB takes over {step:.3f}s, more than 40x the {t_tiny:.4f}s of 5 KB: not linear")
    budget = bound * max(t_small, 1e-4)
    t_large = _best(func, large, 3, budget, enough=budget)
    if t_large > budget:
        pytest.fail(f"5 MB takes over {budget:.2f}s, more than {bound:g}x the {t_small:.4f}s of 50 KB: not linear")


PARAGRAPH = REALISTIC[0] + " " + REALISTIC[1] + " "


def one_line(size: int, unit: str = PARAGRAPH) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def test_split_sentences_linear_in_line_length() -> None:
    assert_linear(split_sentences, one_line)


def test_normalise_text_linear_in_line_length() -> None:
    assert_linear(normalise_text, one_line)


MARKDOWN_UNIT = (
    "The **SDF** said [its fighters](https://x.test/a) [entered the town and <!-- an unclosed note *took* "
    "`positions` near St. Mary's, e.g. the [bridge][1].\n"
)


@pytest.mark.parametrize("unit", [MARKDOWN_UNIT.replace("\n", " "), MARKDOWN_UNIT], ids=["one-line", "wrapped"])
def test_markdown_normalise_linear_in_length(unit: str) -> None:
    """One long line with unmatched "[" and "<!--", and one hard-wrapped paragraph of many short lines."""
    assert_linear(lambda t: normalise_text(t, markdown=True), lambda n: one_line(n, unit))
