"""The control timeline over the demo corpus against eval/control_gold.jsonl (hand-checked claims).

Recall: each gold claim (place, document, actor, kind, as-of date) is among the place's claims. Precision over
the gold places: claims whose (document, actor, date) a gold claim of that place confirms, among all claims whose
document has a gold claim of that place (documents without gold claims are not judged).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from assistant.core import Assistant

REPO = Path(__file__).resolve().parents[2]


def test_control_claims_match_gold(make_assistant: Callable[..., Assistant]) -> None:
    gold = [json.loads(line) for line in (REPO / "eval" / "control_gold.jsonl").read_text().splitlines() if line]
    assert len(gold) >= 20
    assistant = make_assistant()  # hash embedder, frames read by rules at question time
    assistant.ingest([REPO / "eval" / "corpus"], progress=False)
    found: dict[str, set[tuple[str, str, str, date | None]]] = {}
    for place in {g["place"] for g in gold}:
        found[place] = {(c.doc_id.split("/", 1)[1], (c.actor or "").removeprefix("actor_"), c.kind, c.as_of)
                        for c in assistant.control(place).claims}
    hits = [g for g in gold
            if (g["doc"], g["actor"], g["kind"], date.fromisoformat(g["date"])) in found[g["place"]]]
    missed = [g for g in gold if g not in hits]
    assert len(hits) / len(gold) >= 0.9, missed
    judged = confirmed = 0
    wrong: list[tuple[str, str, str, date | None]] = []
    for place, claims in found.items():
        keys = {(g["doc"], g["actor"], date.fromisoformat(g["date"])) for g in gold if g["place"] == place}
        docs = {k[0] for k in keys}
        for doc, actor, _, as_of in claims:
            if doc in docs:
                judged += 1
                confirmed += (doc, actor, as_of) in keys
                wrong += [] if (doc, actor, as_of) in keys else [(place, doc, actor, as_of)]
    assert confirmed / judged >= 0.8, (confirmed, judged, wrong)
