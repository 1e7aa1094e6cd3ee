"""FA-KES agreement (``python -m eval.fakes_agreement``): the logic on invented rows, and a run over the first
120 real articles of ``../shared/corpora/fakes-syria/fakes_annotated.csv`` (skipped when it is absent)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.core import Assistant
from assistant.settings import Settings
from eval.fakes_agreement import FAKES, compare, format_table, read_annotations


def _record(unit: str, actor1: str | None, killed: int | None, kind: str = "shelling") -> SimpleNamespace:
    casualties = [SimpleNamespace(outcome="killed", value=killed)] if killed is not None else []
    return SimpleNamespace(doc_id=f"x/f.csv#{unit}", actor1=actor1, actors=[actor1] if actor1 else [],
                           casualties=casualties, killed_total=killed, event_type=kind)


def test_compare_counts_agreement_per_article() -> None:
    rows = [  # invented annotations
        {"unit_id": "1", "actor": "syrian government or russian troops", "cause_of_death": "shelling",
         "nb_civilians": "9", "nb_noncivilians": "0"},
        {"unit_id": "2", "actor": "unknown", "cause_of_death": "explosion", "nb_civilians": "3",
         "nb_noncivilians": "2"},
    ]
    records = [_record("1", "actor_saa", 9), _record("1", "actor_saa", 4), _record("2", "actor_isis", 4, "bombing")]
    result = compare(rows, records)
    assert result.rate("killed: any figure").hits == 1 and result.rate("killed: any figure").n == 2
    assert result.rate("killed: largest").hits == 1 and result.rate("killed: civilians").hits == 1
    assert result.rate("actor: main actor1").n == 1 and result.rate("actor: main actor1").hits == 1  # unknown left out
    assert result.rate("cause: main type").hits == 2
    assert "killed: any figure" in format_table(result)


@pytest.mark.slow
@pytest.mark.skipif(not FAKES.is_file(), reason="fakes-syria/fakes_annotated.csv is not present")
def test_fakes_agreement_on_real_articles(tmp_path: Path, make_assistant: Callable[..., Assistant]) -> None:
    rows = read_annotations(FAKES)[:120]
    subset = tmp_path / "fakes" / "fakes_annotated.csv"
    subset.parent.mkdir()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    subset.write_text(out.getvalue(), encoding="utf-8")
    assistant = make_assistant(Settings(frames={"enabled": True}))  # hash embedder; frames with spaCy, as at ingest
    assistant.ingest([subset.parent], progress=False)
    result = compare(rows, assistant.incidents())
    print(format_table(result))
    assert result.with_records >= 0.95 * len(rows)
    assert (result.rate("killed: any figure").rate or 0) >= 0.65
    assert (result.rate("killed: civilians").rate or 0) >= 0.65
    assert (result.rate("actor: any actor1").rate or 0) >= 0.35
    assert (result.rate("cause: any type").rate or 0) >= 0.8
