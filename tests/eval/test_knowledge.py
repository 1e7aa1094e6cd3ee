"""Incident extraction and control claims over the demo corpus against eval/incident_gold.jsonl and
eval/control_gold.jsonl (``python -m eval.knowledge``), with floors just under the measured figures.

Measured with the evidence frames read at ingest with spaCy, as the product runs (README, "Conflict knowledge").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.core import Assistant
from assistant.settings import Settings
from eval.knowledge import FIELDS, INCIDENT_GOLD, evaluate, format_table, load_jsonl
from eval.run import _knowledge

REPO = Path(__file__).resolve().parents[2]

#: Floors (precision, recall) per field, a little under what eval.knowledge measures (README).
FLOORS = {"type": (0.80, 0.80), "acled": (0.88, 0.88), "date": (0.93, 0.93), "place": (0.88, 0.83),
          "actor1": (0.92, 0.83), "actor2": (0.80, 0.70), "killed": (0.90, 0.90), "injured": (0.90, 0.90)}


def test_incident_gold_is_well_formed() -> None:
    gold = load_jsonl(INCIDENT_GOLD)
    assert len(gold) >= 40 and len({g["id"] for g in gold}) == len(gold)
    for g in gold:
        text = (REPO / "eval" / "corpus" / g["doc"].split("#")[0]).read_text(encoding="utf-8")
        if "#" not in g["doc"]:
            assert g["quote"] in text, g["id"]  # verbatim (record files are checked through the index below)
        assert set(FIELDS) - {"acled"} <= set(g) | {"type"}, g["id"]


@pytest.mark.slow
def test_incidents_and_control_match_gold(make_assistant: Callable[..., Assistant]) -> None:
    assistant = make_assistant(Settings(frames={"enabled": True}))  # hash embedder; frames with spaCy
    assistant.ingest([REPO / "eval" / "corpus"], progress=False)
    result = evaluate(assistant)
    print(format_table(result))
    print(json.dumps(result.misses, indent=1))
    assert result.found == result.incidents  # every gold quote is a record
    for name, (precision, recall) in FLOORS.items():
        score = result.fields[name]
        assert (score.precision or 0) >= precision and (score.recall or 0) >= recall, (name, score)
    assert (result.grouping_precision or 0) >= 0.75 and (result.grouping_recall or 0) >= 0.55
    assert (result.control_recall or 0) >= 0.95 and (result.control_precision or 0) >= 0.85
    summary = _knowledge(assistant, REPO / "eval" / "corpus")  # what `sitrep eval` adds to its report
    assert summary is not None and summary["found"] == result.found and "control claims" in summary["table"]
    assert _knowledge(assistant, REPO / "eval") is None  # another corpus: its gold files do not apply
