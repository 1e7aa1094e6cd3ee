"""The workbench's HTML: markers as links, highlighted spans, corpus text inert, placeholder URLs unlinked."""

from __future__ import annotations

import re
from datetime import date

from assistant import REFUSAL
from assistant.answer.render import real_url, render_markdown, render_plain
from assistant.models import Answer, Citation, Document, NearMiss, Passage, PassageView, RetrievedPassage, Statement
from assistant.ui.evidence import answer_html, esc, evidence_html, export_markdown

EVIL = "<script>alert(1)</script> <img src=x onerror=alert(2)> [link](javascript:alert(3)) **bold**"
TEXT = f"Intro sentence. Two soldiers were hurt {EVIL}. Closing sentence."
QUOTE_START = TEXT.index("Two")
QUOTE_END = TEXT.index(". Closing") + 1


def _doc(url: str | None = None) -> Document:
    return Document(doc_id="wire/a.txt", title=f"Strike {EVIL}", source="Levant <b>Wire</b>",
                    published=date(2019, 2, 10), url=url, text=TEXT)


def _answer(url: str | None = None, verified: bool = True, second_source: bool = False) -> Answer:
    doc = _doc(url)
    passage = Passage(passage_id="p1", doc_id=doc.doc_id, ordinal=0, start=0, end=len(TEXT), text=TEXT)
    other = Passage(passage_id="p2", doc_id="wire/b.txt", ordinal=0, start=0, end=9, text="Other <i>x")
    cites = [Citation(marker=1, passage_id="p1", doc_id=doc.doc_id, start=QUOTE_START, end=QUOTE_END,
                      quote=TEXT[QUOTE_START:QUOTE_END], title=doc.title, source=doc.source,
                      published=doc.published, url=url)]
    if second_source:
        cites.append(cites[0].model_copy(update={"marker": 2, "source": "Other Monitor"}))
    views = [RetrievedPassage(view=PassageView(passage=p, title=t, source="S", url=url), score=1.0, rank=r)
             for r, (p, t) in enumerate([(passage, doc.title), (other, "B <u>")], start=1)]
    text = f'According to Levant Wire: "{cites[0].quote}" [1]' + (" [2]" if second_source else "")
    return Answer(question="How many were hurt?", text=text, citations=cites, passages=views,
                  statements=[Statement(text="s", markers=[1], verified=verified)])


def _no_live_markup(html: str) -> None:
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert not re.search(r"<a [^>]*href=\"javascript", html)
    assert "<b>" not in html and "<i>" not in html and "<u>" not in html


def test_esc_neutralises_html_and_markdown() -> None:
    out = esc(EVIL)
    assert "<" not in out and "[" not in out and "(" not in out and "*" not in out
    assert "&#60;script&#62;" in out


def test_answer_markers_are_links_to_the_panel() -> None:
    html = answer_html(_answer(), turn=3, asked="How many were hurt?")
    assert 'href="#sitrep-cite-3-1"' in html and 'class="sitrep-marker"' in html
    _no_live_markup(html)
    assert "Searched for" not in html


def test_unknown_marker_stays_text_and_rewritten_question_is_shown() -> None:
    answer = _answer().model_copy(update={"text": "A claim [7]", "question": "standalone question"})
    html = answer_html(answer, turn=1, asked="and then?")
    assert "sitrep-cite-1-7" not in html and "&#91;7&#93;" in html
    assert "Searched for: <em>standalone question</em>" in html


def test_refusal_says_what_was_searched() -> None:
    refusal = Answer(question="q", text=REFUSAL, abstained=True, passages=_answer().passages)
    assert "2 passages searched" in answer_html(refusal, 1)
    panel = evidence_html(refusal, 1, lambda _: None)
    assert "No passage was quoted" in panel and '<details class="sitrep-searched" open>' in panel
    assert panel.count('class="sitrep-passage"') == 2


def test_panel_highlights_the_quote_in_its_passage_and_document() -> None:
    doc = _doc()
    panel = evidence_html(_answer(), 2, {doc.doc_id: doc}.get)
    assert 'id="sitrep-cite-2-1"' in panel
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", panel)
    assert len(marks) == 2 and marks[0].startswith("Two soldiers were hurt")  # passage + open document
    assert 'id="sitrep-cite-2-1-span"' in panel and 'class="sitrep-doc"' in panel
    assert "verified" in panel and "unverified" not in panel
    assert '<details class="sitrep-searched">' in panel  # other passages collapsed
    _no_live_markup(panel)


def test_unverified_and_grouped_by_source() -> None:
    doc = _doc()
    panel = evidence_html(_answer(verified=False, second_source=True), 1, {doc.doc_id: doc}.get)
    assert "unverified" in panel
    gone = evidence_html(_answer(), 1, lambda _: None)  # the document was removed since
    assert "unverified" in gone and "open document" not in gone
    assert "Reported by Levant &#60;b&#62;Wire&#60;/b&#62;" in panel and "Reported by Other Monitor" in panel


def test_only_real_urls_are_linked() -> None:
    assert real_url("https://demo.invalid/x") is None and real_url("javascript:alert(1)") is None
    assert real_url("http://localhost:8000/a") is None and real_url("ftp://example.org/a") is None
    assert real_url("https://news.example.org/a") == "https://news.example.org/a"
    assert "href" not in evidence_html(_answer("https://demo.invalid/a"), 1, lambda _: None)
    assert "demo.invalid" not in render_markdown(_answer("https://demo.invalid/a")).split("**Sources**")[1]
    linked = evidence_html(_answer("https://news.example.org/a?b=1"), 1, lambda _: None)
    assert 'href="https&#58;//news.example.org/a?b&#61;1"' in linked and 'rel="noopener noreferrer nofollow"' in linked


def test_export_markdown() -> None:
    md = export_markdown(_answer("https://demo.invalid/a"))
    assert md.startswith("# How many were hurt?") and "## References" in md
    assert "characters" in md and "demo.invalid" not in md and "> Two soldiers" in md


def test_a_refusal_shows_the_closest_sentence_turned_down_and_why() -> None:
    miss = NearMiss(passage_id="p1", doc_id="wire/a.md", start=10, end=60, quote="A bomber killed 22 <b>on Monday</b>.",
                    title="Wedding bombing", source="Plain Gazette", published=date(2016, 10, 4),
                    reasons=["is dated 3 Oct 2016, not March 2015"])
    refused = Answer(question="q", text=REFUSAL, abstained=True, near_miss=miss)
    plain = render_plain(refused)
    assert plain.startswith(REFUSAL) and "not used: it is dated 3 Oct 2016, not March 2015" in plain
    assert "wire/a.md chars 10–60" in plain and "Plain Gazette, 2016-10-04" in plain
    assert "&lt;b&gt;" in render_markdown(refused) and "<b>" not in answer_html(refused, 0)
    assert "sitrep-near-miss" in answer_html(refused, 0)
    # an answer never shows one
    assert near_miss_free(render_plain(refused.model_copy(update={"abstained": False, "text": "x"})))


def near_miss_free(text: str) -> bool:
    return "Closest passage" not in text
