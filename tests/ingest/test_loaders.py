"""One loader per format: real files written to tmp_path -> normalised Documents with metadata."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

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


def test_jsonl_duplicate_ids(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": 1, "text": "One."}\n{"id": 1, "text": "Again."}\n')
    docs, problems = _load(path)
    assert [d.text for d in docs] == ["One."]
    assert len(problems) == 1 and "duplicate" in problems[0].reason


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


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert "numbers.csv" in exc.value.path and "no text column" in exc.value.reason


def test_csv_row_with_extra_fields_refuses_the_file(tmp_path: Path) -> None:
    """A ragged row means the columns cannot be trusted: the whole file is refused, naming file and line."""
    path = tmp_path / "ragged.csv"
    path.write_text("id,text\n1,fine\n2,too,many,fields\n")
    with pytest.raises(LoadError) as exc:
        _load(path)
    assert exc.value.path == "ragged.csv line 3" and "more fields" in exc.value.reason


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
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n \t", "empty"),
        ("binary.txt", bytes(range(256)) * 8, "binary"),
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
