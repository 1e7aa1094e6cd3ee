"""Real corpora from ../shared (skipped when absent): the whole wiki-conflicts Syria site and FA-KES rows."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from eval.run import format_table, run_eval

sys.path.insert(0, str(Path(__file__).parent / "eval"))
from test_gate import FAKES_FLOOR, WIKI_FLOOR, assert_floor  # noqa: E402

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CORPORA = SHARED / "corpora"
WIKI_SYRIA = CORPORA / "wiki-conflicts" / "website" / "syria"
FAKES = CORPORA / "fakes-syria" / "fakes_annotated.csv"
FAKES_ROWS = 804
FAKES_GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold_fakes.jsonl"
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
def test_fakes_articles_and_gold(tmp_path: Path, make_real_assistant: Callable[..., Assistant]) -> None:
    """All 804 FA-KES articles (cp1252 CSV, text in article_content, 9 repeated ids) and the FA-KES gold set."""
    assistant = make_real_assistant()
    started = time.perf_counter()
    report = assistant.ingest([FAKES], progress=False)
    seconds = time.perf_counter() - started
    _rate("FA-KES fakes_annotated.csv", report, seconds)
    for s in report.skipped:  # rows without article text may be skipped, but only with a reason naming the row
        assert s.path.startswith("fakes_annotated.csv row ") and s.reason, s
    assert report.ingested + len(report.skipped) == FAKES_ROWS
    assert report.ingested >= 0.95 * FAKES_ROWS
    _check(assistant, report)
    ids = {d["doc_id"] for d in assistant.store.documents()}
    assert all(i.startswith("fakes-syria/fakes_annotated.csv#") for i in ids)
    assert any(i.endswith("-2") for i in ids)  # a repeated unit_id is kept under its own id
    result = run_eval(corpus=None, gold=FAKES_GOLD, index=assistant.settings.index.dir, k=8)
    print("\nFA-KES gold set:\n" + format_table(result))
    assert not result.unresolved
    assert_floor(result.overall, FAKES_FLOOR)
