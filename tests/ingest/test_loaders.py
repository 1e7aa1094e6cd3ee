"""One loader per format: real files written to tmp_path -> normalised Documents with metadata."""

from __future__ import annotations

import csv
import json
import math
import signal
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest

from assistant.settings import IngestSettings
from ingest.loaders import LoadError, load_file, parse_date, read_text

SETTINGS = IngestSettings()


def _load(path: Path, rel: str | None = None, settings: IngestSettings = SETTINGS):
    return load_file(path, rel or path.name, settings)


def _one(path: Path, rel: str | None = None):
    docs, problems = _load(path, rel)
    assert problems == []
    assert len(docs) == 1
    return docs[0]


# --- txt --------------------------------------------------------------------------------------------------


def test_txt_with_header_block(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "Title: Convoy reaches camp\nSource: Relief Desk\nDate: 2019-02-10\nURL: https://example.test/c\n\n"
        "The convoy of 40 trucks arrived.\r\nIt carried \u201cfood\u201d and water.\n",
        encoding="utf-8",
    )
    doc = _one(path, "sub/report.txt")
    assert doc.doc_id == "sub/report.txt"
    assert doc.title == "Convoy reaches camp"
    assert doc.source == "Relief Desk"
    assert doc.published == date(2019, 2, 10)
    assert doc.url == "https://example.test/c"
    assert doc.text == 'The convoy of 40 trucks arrived.\nIt carried "food" and water.'
    assert "Title:" not in doc.text and "Relief Desk" not in doc.text


def test_txt_without_header(tmp_path: Path) -> None:
    path = tmp_path / "2019-01-02-plain-report.txt"
    path.write_text("Fighting continued near Hajin\n\nTitle: this line is body text, not a header.\n")
    doc = _one(path)
    assert doc.title == "Fighting continued near Hajin"
    assert doc.source is None and doc.published is None and doc.url is None
    assert doc.text.startswith("Fighting continued near Hajin\n\nTitle: this line")


def test_header_like_first_line_followed_by_body_is_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Location: the front line was quiet.\nNo shelling was reported.\n")
    doc = _one(path)
    assert doc.text.startswith("Location: the front line was quiet.")
    assert "location" not in doc.metadata


def test_txt_long_first_line_falls_back_to_file_name(tmp_path: Path) -> None:
    path = tmp_path / "2019-03-01-long_first-line.txt"
    path.write_text("word " * 60)
    assert _one(path).title == "Long first line"


# --- markdown ---------------------------------------------------------------------------------------------


def test_markdown_front_matter_and_markup(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\n"
        "title: SDF takes Al-Kishma\n"
        "source: Levant Wire\n"
        "date: 2018-12-31\n"
        "url: https://example.test/kishma\n"
        "location: Al-Kishma\n"
        "tags: [sdf, deir-ez-zor]\n"
        "casualties: 3\n"
        "---\n"
        "# SDF takes Al-Kishma\n\n"
        "The **SDF** said its fighters *entered* the town, according to "
        "[a statement](https://example.test/s).\n"
        "The statement was hard-wrapped.\n",
        encoding="utf-8",
    )
    doc = _one(path)
    assert doc.title == "SDF takes Al-Kishma"
    assert doc.source == "Levant Wire"
    assert doc.published == date(2018, 12, 31)
    assert doc.url == "https://example.test/kishma"
    assert doc.metadata["location"] == "Al-Kishma"
    assert doc.metadata["tags"] == ["sdf", "deir-ez-zor"]
    assert doc.metadata["casualties"] == 3
    assert doc.text == (
        "SDF takes Al-Kishma\n\nThe SDF said its fighters entered the town, according to a statement. "
        "The statement was hard-wrapped."
    )
    assert "---" not in doc.text and "title:" not in doc.text


def test_markdown_without_front_matter_uses_heading(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_text("# The heading\n\nBody text here.\n")
    doc = _one(path)
    assert doc.title == "The heading"
    assert doc.text == "The heading\n\nBody text here."


def test_markdown_with_only_front_matter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.md"
    path.write_text("---\ntitle: Nothing here\n---\n\n   \n")
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert "empty.md" in str(exc.value) and exc.value.reason == "no text"


def test_markdown_bad_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\nBody.\n")
    with pytest.raises(LoadError, match="bad.md.*front matter"):
        _load(path)


# --- html -------------------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>Page title | Site</title>
<meta property="og:title" content="Strike near the bridge">
<meta property="og:site_name" content="Levant Wire">
<meta property="article:published_time" content="2019-02-10T08:00:00Z">
<meta name="description" content="A short summary.">
<link rel="canonical" href="https://example.test/strike">
<script>var tracking = "SCRIPT TEXT";</script>
<style>.x { color: red }</style>
</head>
<body>
<header><div>SITE HEADER</div></header>
<nav><ul><li>Home</li><li>NAV LINK</li></ul></nav>
<main>
<article>
<h1>Strike near the bridge</h1>
<p>The coalition said the strike <b>wounded</b> two soldiers.</p>
<p>Residents reported   smoke.</p>
<ul><li>First fact.</li><li>Second fact.</li></ul>
<aside><p>RELATED STORY</p></aside>
</article>
</main>
<aside>SIDEBAR</aside>
<footer><p>FOOTER TEXT</p></footer>
</body></html>
"""


def test_html_main_text_and_meta(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    doc = _one(path)
    assert doc.title == "Strike near the bridge"
    assert doc.source == "Levant Wire"
    assert doc.published == date(2019, 2, 10)
    assert doc.url == "https://example.test/strike"
    assert doc.metadata.get("description") == "A short summary."
    assert "The coalition said the strike wounded two soldiers." in doc.text
    assert "Residents reported smoke." in doc.text
    assert "First fact." in doc.text and "Second fact." in doc.text
    for junk in (
        "SCRIPT TEXT",
        "color: red",
        "SITE HEADER",
        "NAV LINK",
        "RELATED STORY",
        "SIDEBAR",
        "FOOTER TEXT",
    ):
        assert junk not in doc.text, junk


def test_html_without_meta_uses_title_tag(tmp_path: Path) -> None:
    path = tmp_path / "bare.htm"
    path.write_text("<html><head><title>Bare page</title></head><body><p>Only text.</p></body></html>")
    doc = _one(path)
    assert doc.title == "Bare page"
    assert doc.text == "Only text."
    assert doc.source is None


# --- pdf --------------------------------------------------------------------------------------------------


def test_pdf(tmp_path: Path, write_pdf: Callable[..., Path]) -> None:
    path = write_pdf(
        tmp_path / "sitrep.pdf",
        [
            "Humanitarian situation report",
            "The convoy of forty trucks left the camp at dawn and reached the screening point near the river "
            "after a long wait in the desert heat, aid workers said.",
            "Aid workers counted 120 families at the site.",
        ],
        title="Situation report 2019-02-14",
        author="Relief Desk",
    )
    doc = _one(path)
    assert doc.doc_id == "sitrep.pdf"
    assert doc.title == "Situation report 2019-02-14"
    assert doc.source == "Relief Desk"
    assert doc.published == date(2019, 2, 14)
    assert "Aid workers counted 120 families at the site." in doc.text
    # the wrapped long paragraph is re-flowed into one line
    assert any(
        line.startswith("The convoy of forty trucks") and line.endswith("aid workers said.")
        for line in doc.text.split("\n")
    )


def test_pdf_that_is_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "fake.pdf"
    path.write_bytes(b"this is not a pdf at all")
    with pytest.raises(LoadError, match="fake.pdf"):
        _load(path)


# --- records ----------------------------------------------------------------------------------------------


def test_jsonl_records(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        {
            "id": "a1",
            "title": "First",
            "source": "Wire",
            "date": "2019-01-05",
            "text": "Shelling hit the town.",
            "location": "Hajin",
        },
        {"id": 7, "headline": "Second", "content": "A convoy arrived.", "url": "https://example.test/2"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    docs, problems = _load(path, "sub/feed.jsonl")
    assert problems == []
    assert [d.doc_id for d in docs] == ["sub/feed.jsonl#a1", "sub/feed.jsonl#7"]
    first, second = docs
    assert first.title == "First" and first.source == "Wire" and first.published == date(2019, 1, 5)
    assert first.text == "Shelling hit the town."
    assert first.metadata["location"] == "Hajin"
    assert "text" not in first.metadata
    assert second.title == "Second" and second.url == "https://example.test/2"
    assert second.text == "A convoy arrived."


def test_jsonl_bad_line_is_reported_and_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        '{"id": 1, "text": "Good one."}\n{not json\n{"id": 3, "text": "Good three."}\n'
        '{"id": 4, "title": "no text"}\n[1, 2]\n'
    )
    docs, problems = _load(path)
    assert [d.doc_id for d in docs] == ["mixed.jsonl#1", "mixed.jsonl#3"]
    assert sorted(p.path for p in problems) == [
        "mixed.jsonl line 2",
        "mixed.jsonl line 4",
        "mixed.jsonl line 5",
    ]
    reasons = {p.path: p.reason for p in problems}
    assert "malformed JSON" in reasons["mixed.jsonl line 2"]
    assert "no text field" in reasons["mixed.jsonl line 4"]


def test_repeated_record_ids_get_distinct_ids(tmp_path: Path) -> None:
    """Exports repeat ids (9 FA-KES rows): every record is kept, the repeats under '<id>-2', '<id>-3'."""
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": 1, "text": "One."}\n{"id": 1, "text": "Again."}\n{"id": "1-2", "text": "Taken."}\n'
                    '{"id": 1, "text": "Thrice."}\n')
    docs, problems = _load(path)
    assert problems == []
    assert {d.doc_id: d.text for d in docs} == {
        "dup.jsonl#1": "One.", "dup.jsonl#1-2": "Again.", "dup.jsonl#1-2-2": "Taken.", "dup.jsonl#1-3": "Thrice."}


@pytest.mark.parametrize(
    "payload",
    [
        [{"id": "r1", "text": "Alpha."}, {"id": "r2", "text": "Beta."}],
        {"records": [{"id": "r1", "text": "Alpha."}, {"id": "r2", "text": "Beta."}]},
    ],
)
def test_json_records(tmp_path: Path, payload: object) -> None:
    path = tmp_path / "recs.json"
    path.write_text(json.dumps(payload))
    docs, problems = _load(path)
    assert problems == []
    assert [(d.doc_id, d.text) for d in docs] == [("recs.json#r1", "Alpha."), ("recs.json#r2", "Beta.")]


def test_json_single_record_without_id(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"title": "Only", "body": "Single body."}))
    docs, _ = _load(path)
    assert [(d.doc_id, d.title, d.text) for d in docs] == [("one.json#1", "Only", "Single body.")]


def test_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"id": 1, "text": "x"},')
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert exc.value.path.endswith("broken.json") and "malformed JSON" in exc.value.reason


def test_csv_with_notes_column(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id_cnty,event_date,event_type,location,source,notes\n"
        'SYR1,2019-02-10,Explosions,Al-Sukkariyeh,Wire,"Strike hit an artillery position, wounding two."\n'
        "SYR2,11 February 2019,Battles,Baghuz,Monitor,Clashes continued.\n",
        encoding="utf-8",
    )
    docs, problems = _load(path, "data/events.csv")
    assert problems == []
    assert [d.doc_id for d in docs] == ["data/events.csv#SYR1", "data/events.csv#SYR2"]
    first = docs[0]
    assert first.text == "Strike hit an artillery position, wounding two."
    assert first.title == "Explosions – Al-Sukkariyeh – 2019-02-10"
    assert first.source == "Wire"
    assert first.published == date(2019, 2, 10)
    assert first.metadata["location"] == "Al-Sukkariyeh"
    assert docs[1].published == date(2019, 2, 11)


def test_a_records_own_dateline_wins_over_its_date_column(tmp_path: Path) -> None:
    """Demo rows in FA-KES's layout: the dataset's M/D/YY column disagrees with the article's dateline."""
    path = tmp_path / "articles.csv"
    path.write_text(
        "unit_id,article_title,article_content,source,date\n"
        "1,Bus bombed,15-09-2013 Bus bombed. A bomb hit a bus on Sunday.,outlet,5/12/13\n"
        '2,Hospital hit,"Published August 6, 2016 An air strike hit a hospital.",outlet,8/16/16\n'
        "3,No dateline,An air strike hit a market.,outlet,8/6/16\n"
        "4,Not a day,31-02-2016 A date that does not exist.,outlet,2/1/16\n",
        encoding="utf-8",
    )
    docs, problems = _load(path, "data/articles.csv")
    assert problems == []
    assert [d.published for d in docs] == [date(2013, 9, 15), date(2016, 8, 6), date(2016, 8, 6),
                                           date(2016, 2, 1)]
    assert docs[0].metadata["date"] == "5/12/13"  # the column is kept, not lost


def test_a_dateline_pattern_without_its_groups_is_refused() -> None:
    from pydantic import ValidationError

    from assistant.knowledge.loader import RecordKeys

    keys = {"version": 1, "id_keys": [], "title_keys": [], "source_keys": [], "date_keys": [], "url_keys": [],
            "text_fields": [], "csv_text_columns": []}
    with pytest.raises(ValidationError, match="named groups day, month and year"):
        RecordKeys.model_validate({**keys, "datelines": [r"^(?P<day>\d+)"]})
    with pytest.raises(ValidationError, match="does not compile"):
        RecordKeys.model_validate({**keys, "datelines": ["^(unclosed"]})


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert "numbers.csv" in exc.value.path and "no text column" in exc.value.reason


def test_csv_row_with_extra_fields_is_skipped_and_reported(tmp_path: Path) -> None:
    """A ragged row cannot be trusted: it alone is skipped and reported with file and line; the rest is kept."""
    path = tmp_path / "ragged.csv"
    path.write_text("id,text\n1,fine\n2,too,many,fields\n3,also fine\n")
    docs, problems = _load(path)
    assert [(d.doc_id, d.text) for d in docs] == [("ragged.csv#1", "fine"), ("ragged.csv#3", "also fine")]
    assert [str(p) for p in problems] == ["ragged.csv line 3: row has more fields than the header"]


def test_csv_unclosed_quote_is_reported_and_rows_after_it_kept(tmp_path: Path) -> None:
    """The csv module reads an unclosed quote on to the next quote in the file (row 4's), merging rows 2-4."""
    path = tmp_path / "quote.csv"
    path.write_text(
        "id,text\n"
        "1,First report.\n"
        '2,"Second report, never closed\n'
        "3,Third report.\n"
        '4,"Fourth, quoted,\nover two lines."\n'
    )
    docs, problems = _load(path)
    assert [(d.doc_id, d.text) for d in docs] == [
        ("quote.csv#1", "First report."),
        ("quote.csv#3", "Third report."),
        ("quote.csv#4", "Fourth, quoted,\nover two lines."),
    ]
    assert [(p.path, p.reason) for p in problems] == [("quote.csv line 3", "quoted field not closed; skipped this row")]


def test_csv_quote_left_open_to_the_end_of_the_file(tmp_path: Path) -> None:
    """With no later quote, the csv module silently reads the rest of the file into one field."""
    path = tmp_path / "eof.csv"
    path.write_text('id,text\n1,First.\n2,"Never closed\n3,Third.\n4,Fourth.\n')
    docs, problems = _load(path)
    assert [d.text for d in docs] == ["First.", "Third.", "Fourth."]
    assert [str(p) for p in problems] == ["eof.csv line 3: quoted field not closed; skipped this row"]


def test_csv_unclosed_quote_names_the_line_it_opened_on(tmp_path: Path) -> None:
    """A row whose first field spans lines 2-3 and whose last field opens a quote on line 3 that never closes."""
    path = tmp_path / "late.csv"
    path.write_text('id,title,text\n1,"Two-line\ntitle","Text never closed\n2,Title,Fine.\n')
    docs, problems = _load(path)
    assert [d.doc_id for d in docs] == ["late.csv#2"]
    assert [p.path for p in problems] == ["late.csv line 3"]


def test_csv_many_unclosed_quotes_skip_the_rest(tmp_path: Path) -> None:
    """Each restart re-reads the rest of the file, so after five unclosed quotes the rest is skipped."""
    path = tmp_path / "quotes.csv"
    path.write_text("id,text\n" + "".join(f'{i},"open {i}\n' for i in range(1, 8)) + "8,Kept? No.\n")
    docs, problems = _load(path)
    assert docs == []
    assert [p.path for p in problems] == [f"quotes.csv line {n}" for n in range(2, 8)]
    assert "rest of the file" in problems[-1].reason


def test_csv_unclosed_quote_in_header_refuses_the_file(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text('id,"text\n1,body\n')
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert exc.value.path.endswith("header.csv") and "line 1 is not closed" in exc.value.reason


def test_csv_multiline_row_keeps_its_id_and_quotes_inside_fields(tmp_path: Path) -> None:
    """Rows without an id are named by the line they end on (as before); a stray quote inside an unquoted field
    is text, not an opening quote."""
    path = tmp_path / "multi.csv"
    path.write_text('title,text\nA,"Line one\nline two"\nB,He said "no" twice\n\nC,Last line without newline')
    docs, problems = _load(path)
    assert problems == []
    assert [(d.doc_id, d.text) for d in docs] == [
        ("multi.csv#3", "Line one\nline two"),
        ("multi.csv#4", 'He said "no" twice'),
        ("multi.csv#6", "Last line without newline"),
    ]


def test_csv_field_longer_than_the_csv_module_limit(tmp_path: Path) -> None:
    """csv refuses fields over 128 KB by default ("field larger than field limit"): a long report is not an error."""
    body = "A long report sentence. " * (csv.field_size_limit() // 20)
    path = tmp_path / "long.csv"
    path.write_text(f'id,text\n1,"{body}"\n2,Short.\n')
    docs, problems = _load(path)
    assert problems == []
    assert [len(d.text) for d in docs] == [len(body.strip()), len("Short.")]


def test_csv_custom_text_column(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("unit_id,article_title,article_content\n5,Headline,Body of the article.\n")
    settings = IngestSettings(csv_text_columns=["article_content"])
    docs, problems = _load(path, settings=settings)
    assert problems == []
    assert [(d.doc_id, d.title, d.text) for d in docs] == [
        ("articles.csv#5", "Headline", "Body of the article.")
    ]


# --- reading bytes ----------------------------------------------------------------------------------------


def test_cp1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(b"The caf\xe9 owner said \x93we stayed\x94 \x96 and the na\xefve plan failed.\r\n" * 3)
    doc = _one(path)
    assert 'The caf\u00e9 owner said "we stayed" \u2013 and the na\u00efve plan failed.' in doc.text
    assert "\ufffd" not in doc.text


def test_short_cp1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(b"caf\xe9 \x93quoted\x94")
    assert _one(path).text == 'caf\u00e9 "quoted"'


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Российские военные заявили об ударе.\n", "cp1251"),
        ("قال المرصد السوري إن الغارات أسفرت.\n", "cp1256"),
    ],
)
def test_non_latin_legacy_encodings_are_detected(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes((text * 4).encode(encoding))
    assert _one(path).text.split("\n")[0] == text.strip()


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffBody with BOM.".encode())
    assert _one(path).text == "Body with BOM."


@pytest.mark.parametrize(
    ("codec", "bom"),
    [("utf-16", ""), ("utf-16-le", "\ufeff"), ("utf-16-be", "\ufeff"), ("utf-32", ""), ("utf-32-be", "\ufeff")],
)
def test_utf16_and_utf32_with_bom_are_decoded(tmp_path: Path, codec: str, bom: str) -> None:
    """Windows tools write "Unicode" text as UTF-16 with a byte-order mark; its NUL bytes are not binary."""
    path = tmp_path / "wide.txt"
    text = (
        "Title: Raqqa \u2013 \u0627\u0644\u0631\u0642\u0629\r\nSource: Relief Desk\r\n\r\n"
        "The convoy left \u201cat dawn\u201d.\r\n"
    )
    path.write_bytes((bom + text).encode(codec))
    doc = _one(path)
    assert doc.title == "Raqqa \u2013 \u0627\u0644\u0631\u0642\u0629"
    assert doc.source == "Relief Desk"
    assert doc.text == 'The convoy left "at dawn".'


def test_utf16_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("id,text\r\n1,Caf\u00e9 shelled.\r\n".encode("utf-16"))
    docs, problems = _load(path)
    assert problems == [] and [(d.doc_id, d.text) for d in docs] == [("export.csv#1", "Caf\u00e9 shelled.")]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n \t", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
        ("bom-binary.txt", b"\xff\xfe" + bytes(range(256)) * 8, "binary"),  # not valid UTF-16 after the mark
        ("bom-empty.txt", " \n ".encode("utf-16"), "empty"),
    ],
)
def test_refused_bytes(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert exc.value.path.endswith(name) and reason in exc.value.reason


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 5000)
    with pytest.raises(LoadError) as exc:
        read_text(path, 0.01)
    assert "big.txt" in exc.value.path and "limit" in exc.value.reason


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(LoadError, match="unsupported file type .xlsx"):
        _load(path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-02-10", date(2019, 2, 10)),
        ("2019-02-10T08:00:00Z", date(2019, 2, 10)),
        ("10 February 2019", date(2019, 2, 10)),
        ("Feb 10, 2019", date(2019, 2, 10)),
        (date(2019, 2, 10), date(2019, 2, 10)),
        ("", None),
        ("yesterday", None),
        ("not a date 12", None),
        (True, None),
        (None, None),
    ],
)
def test_parse_date(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


# --- linear time on one huge line ---------------------------------------------------------------------------
# (the same measurement as in test_text.py, over whole files: reading, decoding, normalising, Markdown, CSV)

T = TypeVar("T")


class _TooSlow(Exception):
    pass


def _seconds(func: Callable[[T], object], arg: T, limit: float) -> float:
    """CPU seconds of one call (other processes on a busy machine do not count); inf past ``limit``, where the
    call is interrupted so that quadratic code fails rather than hangs."""

    def stop(signum: int, frame: object) -> None:
        raise _TooSlow

    guard = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    previous = signal.signal(signal.SIGPROF, stop) if guard else None
    try:
        try:
            if guard:
                signal.setitimer(signal.ITIMER_PROF, limit)
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


def _best(func: Callable[[T], object], arg: T, tries: int, limit: float, enough: float = 0.0) -> float:
    times: list[float] = []
    while len(times) < tries and times.count(math.inf) < 2 and min(times, default=math.inf) >= enough:
        times.append(_seconds(func, arg, limit))
    return min(times)


def assert_linear(func: Callable[[T], object], make: Callable[[int], T], bound: float = 300) -> None:
    """func(make(5 MB)) under ``bound`` x func(make(50 KB)) (linear ~100x, quadratic ~10,000x), after a
    5 KB -> 50 KB step under 40x (linear ~10x, quadratic ~100x) that makes quadratic code fail in seconds."""
    tiny, small, large = make(5_000), make(50_000), make(5_000_000)
    func(tiny)
    t_tiny = _best(func, tiny, 5, 60)
    step = 40 * max(t_tiny, 1e-4)
    t_small = _best(func, small, 5, step)
    if t_small > step:
        pytest.fail(f"50 KB takes over {step:.3f}s, more than 40x the {t_tiny:.4f}s of 5 KB: not linear")
    budget = bound * max(t_small, 1e-4)
    if _best(func, large, 3, budget, enough=budget) > budget:
        pytest.fail(f"5 MB takes over {budget:.2f}s, more than {bound:g}x the {t_small:.4f}s of 50 KB: not linear")


SENTENCES = (
    "Lt. Col. J. Smith of the U.S. Army said No. 5 battalion, e.g. the 2nd, moved 3.5 km north. The convoy "
    "reached Hajin on Feb. 3 at approx. 6 a.m.! Was the strike over? \u201cWe don't know.\u201d "
)
MARKDOWN = "The **SDF** said [its fighters](https://x.test/a) [entered <!-- unclosed *town* `near` the [bridge][1]. "


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(name, content, id=name)
        for name, content in [
            ("one-line.txt", lambda n: "Title: One line\nSource: Desk\n\n" + _repeat(SENTENCES, n)),
            ("one-line.md", lambda n: "---\ntitle: One line\n---\n" + _repeat(MARKDOWN, n)),
            ("wrapped.md", lambda n: _repeat(MARKDOWN.replace("[its", "\n[its"), n)),
            ("one-row.csv", lambda n: 'id,text\n1,"' + _repeat(SENTENCES.replace('"', '""') + "\n", n) + '"\n'),
        ]
    ],
)
def test_load_file_linear_in_line_length(tmp_path: Path, name: str, content: Callable[[int], str]) -> None:
    """A 5 MB file of one line (or one Markdown paragraph, or one CSV field) loads in linear time; a 5 MB
    one-line .md hung before, and the CSV field was refused as larger than the csv module's limit."""

    def make(size: int) -> Path:
        path = tmp_path / f"{size}-{name}"
        path.write_text(content(size), encoding="utf-8")
        return path

    def load(path: Path) -> None:
        docs, problems = load_file(path, path.name, SETTINGS)
        assert len(docs) == 1 and problems == []

    assert_linear(load, make)
