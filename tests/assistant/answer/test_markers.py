"""[n] markers: one parser for the product and the eval; one renderer for every face."""

from __future__ import annotations

from datetime import date

from assistant.answer import markers_in, render_markdown, render_plain, split_statements, strip_markers
from assistant.models import Answer, Citation
from assistant.prompts import REFUSAL


def test_markers_and_statements() -> None:
    text = "A died [1]. B fled [2][3]. C also [1, 4] and more"
    assert markers_in(text) == [1, 2, 3, 1, 4]
    assert split_statements(text) == [("A died", [1]), ("B fled", [2, 3]), ("C also", [1, 4]), ("and more", [])]
    assert "[" not in strip_markers(text)
    assert split_statements(f"{REFUSAL}") == []


def _answer(url: str | None) -> Answer:
    c = Citation(marker=1, passage_id="p", doc_id="wire/a.txt", start=3, end=20, quote="Two were <b>hurt</b>.",
                 title="Strike", source="Levant Wire", published=date(2019, 2, 10), url=url)
    return Answer(question="q", text='According to Levant Wire: "Two were hurt." [1]', citations=[c])


def test_render_plain_and_markdown() -> None:
    plain = render_plain(_answer(None))
    assert plain.splitlines()[-1] == "[1] Strike — Levant Wire, 2019-02-10 (wire/a.txt 3-20)"
    md = render_markdown(_answer("https://example.org/a"))
    assert "**Sources**" in md and "[Strike](https://example.org/a)" in md
    assert "&lt;b&gt;hurt&lt;/b&gt;" in md and "<b>" not in md  # corpus text is shown as text
    refusal = Answer(question="q", text=REFUSAL, abstained=True)
    assert render_plain(refusal) == render_markdown(refusal) == REFUSAL
