"""Extraction quality of the conflict knowledge: incident records and control claims against gold files.

``python -m eval.knowledge [--corpus DIR] [--incidents FILE] [--control FILE] [--index DIR] [--json FILE]``
ingests the demo corpus (or reuses ``--index``) and reads it only through the public Assistant API
(``ingest``, ``incidents``, ``control``).

Incidents (``eval/incident_gold.jsonl``: doc, verbatim quote, type, date, place, actor1, actor2, killed,
injured, and ``event``: gold incidents with the same event are reports of one event). A gold incident is
*found* when a record of its document quotes a sentence containing (or inside) its quote. Then, per field:
**precision** = records' values equal to gold / records' values given (a value where gold has none is wrong),
**recall** = gold values matched / gold values given (a gold incident not found misses all its fields). Fields:
``type`` (the record's main type), ``acled`` (ACLED event type of the gold type vs the record's), ``date`` (the
record's date: the event's, else the report's), ``place`` (the record's location; 'Baghuz' matches 'Baghuz
Fawqani', articles ignored), ``actor1`` / ``actor2`` (registry ids, 'civilians'), ``killed`` / ``injured`` (the
record's totals).

Grouping: over the pairs of found gold incidents, precision = pairs in one system group that are one gold event /
pairs in one system group; recall = pairs of one gold event in one system group / pairs of one gold event.

Control claims (``eval/control_gold.jsonl``): recall = gold claims (place, document, actor, kind, date) among the
place's claims; precision = claims of the gold places whose (document, actor, date) a gold claim confirms, among
the claims from documents that have a gold claim for that place.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

EVAL = Path(__file__).resolve().parent
INCIDENT_GOLD = EVAL / "incident_gold.jsonl"
CONTROL_GOLD = EVAL / "control_gold.jsonl"
FIELDS = ["type", "acled", "date", "place", "actor1", "actor2", "killed", "injured"]
#: The ACLED event type of each gold type (the product's mapping is not read: the gold says what it means).
ACLED = {"airstrike": "Explosions/Remote violence", "shelling": "Explosions/Remote violence",
         "bombing": "Explosions/Remote violence", "chemical attack": "Explosions/Remote violence",
         "clash": "Battles", "attack": "Battles", "capture": "Battles",
         "withdrawal": "Strategic developments", "arrest": "Strategic developments",
         "displacement": "Strategic developments", "siege": "Strategic developments",
         "execution": "Violence against civilians", "massacre": "Violence against civilians"}
_ARTICLE = re.compile(r"^(?:(?:al|el|ar|as|ad|an|ash|at|az)-|(?:al|el)\s)")


@dataclass
class FieldScore:
    given: int = 0      # records' values (non-empty) for found gold incidents
    expected: int = 0   # gold values (non-empty)
    correct: int = 0

    @property
    def precision(self) -> float | None:
        return self.correct / self.given if self.given else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.expected if self.expected else None


@dataclass
class KnowledgeResult:
    incidents: int = 0
    found: int = 0
    fields: dict[str, FieldScore] = field(default_factory=dict)
    misses: list[dict[str, Any]] = field(default_factory=list)
    pairs_gold: int = 0      # pairs of found gold incidents that report one event
    pairs_grouped: int = 0   # pairs of found gold incidents the system put in one group
    pairs_correct: int = 0
    control_gold: int = 0
    control_found: int = 0
    control_judged: int = 0
    control_confirmed: int = 0

    @property
    def found_rate(self) -> float | None:
        return self.found / self.incidents if self.incidents else None

    @property
    def grouping_precision(self) -> float | None:
        return self.pairs_correct / self.pairs_grouped if self.pairs_grouped else None

    @property
    def grouping_recall(self) -> float | None:
        return self.pairs_correct / self.pairs_gold if self.pairs_gold else None

    @property
    def control_recall(self) -> float | None:
        return self.control_found / self.control_gold if self.control_gold else None

    @property
    def control_precision(self) -> float | None:
        return self.control_confirmed / self.control_judged if self.control_judged else None

    def summary(self) -> dict[str, Any]:
        return {
            "incidents": self.incidents, "found": self.found, "found_rate": self.found_rate,
            "fields": {n: {"precision": f.precision, "recall": f.recall, **asdict(f)} for n, f in self.fields.items()},
            "grouping": {"precision": self.grouping_precision, "recall": self.grouping_recall,
                         "gold_pairs": self.pairs_gold, "grouped_pairs": self.pairs_grouped},
            "control": {"gold": self.control_gold, "recall": self.control_recall,
                        "precision": self.control_precision, "judged": self.control_judged},
        }


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def _place(value: str | None) -> str | None:
    return _ARTICLE.sub("", _fold(value)) if value else None


def _local(doc_id: str) -> str:
    return doc_id.split("/", 1)[1] if "/" in doc_id else doc_id


def _actor(token: str | None) -> str | None:
    return token.removeprefix("actor_") if token else None


def _values(r: Any) -> dict[str, Any]:
    """A record's value of each field, in the gold's terms (None when the record gives none)."""
    as_of = r.as_of.isoformat() if r.as_of else None
    return {"type": r.event_type, "acled": r.acled_event_type, "date": as_of, "place": _place(r.location),
            "actor1": _actor(r.actor1), "actor2": _actor(r.actor2), "killed": r.killed_total,
            "injured": r.injured_total}


def _expected(g: dict[str, Any]) -> dict[str, Any]:
    return {"type": g["type"], "acled": ACLED.get(g["type"]), "date": g.get("date"), "place": _place(g.get("place")),
            "actor1": g.get("actor1"), "actor2": g.get("actor2"), "killed": g.get("killed"),
            "injured": g.get("injured")}


def _same(name: str, got: Any, want: Any) -> bool:
    if name == "place" and got and want:
        return got == want or got.startswith(want + " ") or want.startswith(got + " ")
    return bool(got == want)


def match(gold: dict[str, Any], records: Sequence[Any]) -> Any | None:
    """The record of the gold incident's document whose sentence holds its quote (or lies inside it)."""
    quote = _fold(gold["quote"])
    for r in records:
        if _local(r.doc_id) == gold["doc"]:
            sentence = _fold(r.quote)
            if quote in sentence or sentence in quote:
                return r
    return None


def score_incidents(records: Sequence[Any], gold: Iterable[dict[str, Any]], result: KnowledgeResult) -> None:
    """Per-field precision and recall of incident records against gold incidents (see the module doc)."""
    result.fields = {n: FieldScore() for n in FIELDS}
    for g in gold:
        result.incidents += 1
        want = _expected(g)
        r = match(g, records)
        got = _values(r) if r is not None else dict.fromkeys(FIELDS)
        result.found += r is not None
        wrong = {}
        for name in FIELDS:
            s = result.fields[name]
            s.expected += want[name] is not None
            s.given += got[name] is not None
            ok = want[name] is not None and got[name] is not None and _same(name, got[name], want[name])
            s.correct += ok
            if not ok and (want[name] is not None or got[name] is not None):
                wrong[name] = {"gold": want[name], "got": got[name]}
        if wrong:
            result.misses.append({"id": g["id"], "found": r is not None, "wrong": wrong})


def score_grouping(groups: Sequence[Any], gold: Sequence[dict[str, Any]], result: KnowledgeResult) -> None:
    """Pairwise grouping: pairs of found gold incidents in one system group against pairs of one gold event."""
    where: dict[tuple[str, int], int] = {}
    records = []
    for n, g in enumerate(groups):
        for r in g.reports:
            where[(r.doc_id, r.start)] = n
            records.append(r)
    placed = []
    for g in gold:
        r = match(g, records)
        if r is not None:
            placed.append((g.get("event", g["id"]), where[(r.doc_id, r.start)]))
    for i, (event_a, group_a) in enumerate(placed):
        for event_b, group_b in placed[i + 1:]:
            same_event, same_group = event_a == event_b, group_a == group_b
            result.pairs_gold += same_event
            result.pairs_grouped += same_group
            result.pairs_correct += same_event and same_group


def score_control(assistant: Any, gold: Sequence[dict[str, Any]], result: KnowledgeResult) -> None:
    """Control-claim recall and precision over the gold places (see the module doc)."""
    found: dict[str, set[tuple[str, str, str, date | None]]] = {}
    for place in sorted({g["place"] for g in gold}):
        found[place] = {(_local(c.doc_id), _actor(c.actor) or "", c.kind, c.as_of)
                        for c in assistant.control(place).claims}
    result.control_gold = len(gold)
    result.control_found = sum((g["doc"], g["actor"], g["kind"], date.fromisoformat(g["date"])) in found[g["place"]]
                               for g in gold)
    for place, claims in found.items():
        keys = {(g["doc"], g["actor"], date.fromisoformat(g["date"])) for g in gold if g["place"] == place}
        docs = {k[0] for k in keys}
        for doc, actor, _, as_of in claims:
            if doc in docs:
                result.control_judged += 1
                result.control_confirmed += (doc, actor, as_of) in keys


def evaluate(assistant: Any, incident_gold: Path = INCIDENT_GOLD, control_gold: Path = CONTROL_GOLD
             ) -> KnowledgeResult:
    """Score an Assistant whose index holds the corpus the gold files describe."""
    result = KnowledgeResult()
    gold = load_jsonl(incident_gold)
    score_incidents(assistant.incidents(), gold, result)
    score_grouping(assistant.incident_groups(), gold, result)
    if control_gold.is_file():
        score_control(assistant, load_jsonl(control_gold), result)
    return result


def _cell(value: float | None) -> str:
    return " n/a" if value is None else f"{value:.2f}"


def format_table(result: KnowledgeResult) -> str:
    lines = [f"incidents: {result.found}/{result.incidents} gold incidents found ({_cell(result.found_rate)})",
             f"{'field':<8}  {'precision':>9}  {'recall':>6}  {'correct':>7}  {'given':>5}  {'gold':>4}",
             f"{'-' * 8}  {'-' * 9}  {'-' * 6}  {'-' * 7}  {'-' * 5}  {'-' * 4}"]
    for name, s in result.fields.items():
        lines.append(f"{name:<8}  {_cell(s.precision):>9}  {_cell(s.recall):>6}  {s.correct:>7}  {s.given:>5}  "
                     f"{s.expected:>4}")
    lines.append(f"grouping (pairs of gold incidents reporting one event): precision "
                 f"{_cell(result.grouping_precision)} ({result.pairs_correct}/{result.pairs_grouped}), recall "
                 f"{_cell(result.grouping_recall)} ({result.pairs_correct}/{result.pairs_gold})")
    if result.control_gold:
        lines.append(f"control claims: recall {_cell(result.control_recall)} ({result.control_found}/"
                     f"{result.control_gold}), precision {_cell(result.control_precision)} "
                     f"({result.control_confirmed}/{result.control_judged})")
    return "\n".join(lines)


def run(corpus: Path | None = None, index: Path | None = None, settings: Any = None,
        incident_gold: Path = INCIDENT_GOLD, control_gold: Path = CONTROL_GOLD) -> KnowledgeResult:
    """Ingest ``corpus`` (default: the demo corpus) into ``index`` (default: a temporary folder) and score it."""
    api = importlib.import_module("assistant")
    if settings is None:
        settings = importlib.import_module("assistant.settings").Settings()
    if corpus is None:
        from eval.run import demo_corpus

        corpus = demo_corpus()
    with tempfile.TemporaryDirectory(prefix="sitrep-knowledge-", ignore_cleanup_errors=True) as tmp:
        assistant = api.Assistant(settings.with_index(index or Path(tmp)))
        assistant.ingest([corpus], progress=False)
        return evaluate(assistant, incident_gold, control_gold)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.knowledge", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="Corpus folder (default: the demo corpus).")
    parser.add_argument("--incidents", type=Path, default=INCIDENT_GOLD, help="Incident gold file.")
    parser.add_argument("--control", type=Path, default=CONTROL_GOLD, help="Control gold file.")
    parser.add_argument("--index", type=Path, default=None, help="Index folder (default: a temporary one).")
    parser.add_argument("--json", type=Path, default=None, help="Write the summary and misses as JSON.")
    parser.add_argument("--misses", action="store_true", help="Print every gold incident with a wrong field.")
    args = parser.parse_args(argv)
    result = run(args.corpus, args.index, incident_gold=args.incidents, control_gold=args.control)
    print(format_table(result))
    if args.misses:
        for m in result.misses:
            print(json.dumps(m, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps({**result.summary(), "misses": result.misses}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
