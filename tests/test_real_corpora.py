"""Real corpora from ../shared (skipped when absent): the whole wiki-conflicts Syria site and FA-KES rows."""

from __future__ import annotations

import csv
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import Settings
from eval.run import format_table, run_eval

sys.path.insert(0, str(Path(__file__).parent / "eval"))
from test_gate import WIKI_FLOOR, assert_floor  # noqa: E402

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CORPORA = SHARED / "corpora"
WIKI_SYRIA = CORPORA / "wiki-conflicts" / "website" / "syria"
FAKES = CORPORA / "fakes-syria" / "fakes_annotated.csv"
FAKES_ROWS = 150
WIKI_GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold_wiki.jsonl"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is not present"),
]


def _rate(label: str, report, seconds: float) -> None:
    print(
        f"\n{label}: {report.summary()}; measured {seconds:.1f}s, "
        f"{report.passages_added / seconds:.1f} passages/s"
    )


def _check(assistant: Assistant, report) -> None:
    docs = assistant.store.documents()
    empty = [d["doc_id"] for d in docs if d["passages"] == 0]
    assert empty == []
    assert report.ingested == len(docs)
    assert report.passages_added == sum(d["passages"] for d in docs) == report.texts_embedded
    for d in docs[:: max(1, len(docs) // 20)]:  # spot-check that spans point into the stored text
        doc = assistant.document(d["doc_id"])
        assert doc is not None and doc.text.strip()
        answer_passages = assistant.store.docs.db.execute(
            'SELECT start, "end", text FROM passages WHERE doc_id = ?', (d["doc_id"],)
        ).fetchall()
        assert all(doc.text[s:e] == t for s, e, t in answer_passages)


@pytest.mark.skipif(not WIKI_SYRIA.is_dir(), reason="wiki-conflicts/website/syria is not present")
def test_wiki_conflicts_syria(make_real_assistant: Callable[..., Assistant]) -> None:
    files = sorted(p for p in WIKI_SYRIA.rglob("*") if p.is_file() and not p.name.startswith((".", "_")))
    assistant = make_real_assistant()
    started = time.perf_counter()
    report = assistant.ingest([WIKI_SYRIA], progress=False)
    seconds = time.perf_counter() - started
    _rate(f"wiki-conflicts/website/syria ({len(files)} files)", report, seconds)
    assert report.skipped == [], report.skipped
    assert report.ingested == len(files)
    _check(assistant, report)
    answer = assistant.ask("Who fought in the battle of Aleppo?")
    for c in answer.citations:
        doc = assistant.document(c.doc_id)
        assert doc is not None and doc.text[c.start : c.end] == c.quote
    # the second gold set runs against this same index (ingesting it again would double the cost)
    result = run_eval(corpus=None, gold=WIKI_GOLD, index=assistant.settings.index.dir, k=8)
    print("\nwiki-conflicts gold set:\n" + format_table(result))
    assert not result.unresolved
    assert_floor(result.overall, WIKI_FLOOR)


@pytest.mark.skipif(not FAKES.is_file(), reason="fakes-syria/fakes_annotated.csv is not present")
def test_fakes_csv_subset(tmp_path: Path, make_real_assistant: Callable[..., Assistant]) -> None:
    # the first rows, copied into tmp_path (never into the repo), keeping the original cp1252 bytes
    data = FAKES.read_bytes()
    text = data.decode("cp1252", errors="surrogateescape")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1 : FAKES_ROWS + 1]
    assert "article_content" in header
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *body])
    subset = tmp_path / "fakes" / "fakes_subset.csv"
    subset.parent.mkdir()
    subset.write_bytes(out.getvalue().encode("cp1252", errors="surrogateescape"))

    base = Settings()
    columns = [*base.ingest.csv_text_columns, "article_content"]
    settings = base.model_copy(
        update={"ingest": base.ingest.model_copy(update={"csv_text_columns": columns})}
    )
    assistant = make_real_assistant(settings)
    started = time.perf_counter()
    report = assistant.ingest([subset.parent], progress=False)
    seconds = time.perf_counter() - started
    _rate(f"FA-KES first {len(body)} rows", report, seconds)
    # rows without article text may be skipped, but only with a reason naming the file and row
    for s in report.skipped:
        assert s.path.startswith("fakes/fakes_subset.csv row ") and s.reason, s
    assert report.ingested + len(report.skipped) == len(body)
    assert report.ingested >= 0.9 * len(body)
    _check(assistant, report)
    ids = {d["doc_id"] for d in assistant.store.documents()}
    assert all(i.startswith("fakes/fakes_subset.csv#") for i in ids)
    first = assistant.document(f"fakes/fakes_subset.csv#{body[0][header.index('unit_id')]}")
    assert first is not None and first.source and first.title
    assert "\x00" not in first.text
