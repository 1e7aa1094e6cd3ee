"""How often the extracted incidents agree with FA-KES's crowd annotations (804 real Syrian-war articles).

``python -m eval.fakes_agreement [--csv FILE] [--index DIR] [--json FILE]`` ingests
``../shared/corpora/fakes-syria/fakes_annotated.csv`` (each row a document ``ROOT/fakes_annotated.csv#unit_id``,
text from its ``article_content`` column, as the CI ingests it) unless ``--index`` already holds it, reads every
article's incident records through the public ``Assistant.incidents()``, and compares them per article with the
annotations:

- **killed**: the annotated dead are ``nb_civilians + nb_noncivilians`` (children and women are counted among the
  civilians). *any figure*: some killed figure (or a record's killed total) of the article equals it; *largest*:
  the article's largest killed figure equals it; *civilians*: some killed figure equals ``nb_civilians``; and
  *within 20 %*: the largest is within 20 % of it. Over the articles with annotated dead; *no figure* counts the
  articles where nothing was read as a killed figure.
- **actor**: the annotation (government or Russian troops, ISIS, coalition, opposition, self administration,
  al-Nusra; 'unknown' left out) mapped onto registry ids; *main*: the perpetrator (actor1) named most often in the
  article's records is one of them; *any*: some record's actor1 is; *any party*: some record names one at all.
- **cause**: the annotated cause of death against the article's most frequent main type (shelling: shelling or
  airstrike; explosion: bombing or airstrike; chemical: chemical attack; execution: execution or massacre;
  shooting: clash or attack).

The annotations are one crowd worker's reading of the whole article (its main incident); the records are sentences.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAKES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "fakes-syria" / "fakes_annotated.csv"

#: FA-KES actor categories -> actor registry ids.
ACTORS = {
    "syrian government or russian troops": {"saa", "russian_forces", "iran", "hezbollah"},
    "the organization of the islamic state in iraq and the levant - isis": {"isis"},
    "international coalition forces": {"coalition", "us_forces"},
    "armed opposition groups": {"fsa", "sna", "ahrar_al_sham", "jaish_al_islam", "hts"},
    "self administration forces": {"sdf", "ypg", "ypj"},
    "al-nusra front": {"hts"},
}
#: FA-KES causes of death -> Sitrep event types.
CAUSES = {"shelling": {"shelling", "airstrike"}, "explosion": {"bombing", "airstrike"},
          "chemical and toxic gases": {"chemical attack"}, "execution": {"execution", "massacre"},
          "shooting": {"clash", "attack"}}


def read_annotations(path: Path) -> list[dict[str, str]]:
    """The annotated rows (the file is cp1252, like the product's loader decodes it)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _int(value: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        return 0


@dataclass
class Rate:
    hits: int = 0
    n: int = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.n += 1

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None


@dataclass
class Agreement:
    articles: int = 0
    with_records: int = 0
    rates: dict[str, Rate] = field(default_factory=dict)

    def rate(self, name: str) -> Rate:
        return self.rates.setdefault(name, Rate())

    def summary(self) -> dict[str, Any]:
        return {"articles": self.articles, "with_records": self.with_records,
                **{n: {"agree": r.hits, "of": r.n, "rate": r.rate} for n, r in self.rates.items()}}


def _killed_values(records: Sequence[Any]) -> list[int]:
    values = [c.value for r in records for c in r.casualties if c.outcome == "killed" and c.value is not None]
    return values + [r.killed_total for r in records if r.killed_total is not None]


def compare(rows: Iterable[dict[str, str]], records: Sequence[Any]) -> Agreement:
    """Per-article agreement of the records (any Incident-like objects) with the annotated rows."""
    by_article: dict[str, list[Any]] = {}
    for r in records:
        by_article.setdefault(r.doc_id.rsplit("#", 1)[-1], []).append(r)
    out = Agreement()
    for row in rows:
        out.articles += 1
        found = by_article.get(row["unit_id"].strip(), [])
        out.with_records += bool(found)
        dead = _int(row["nb_civilians"]) + _int(row["nb_noncivilians"])
        killed = _killed_values(found)
        if dead > 0:
            out.rate("killed: any figure").add(dead in killed)
            out.rate("killed: largest").add(bool(killed) and max(killed) == dead)
            out.rate("killed: within 20 %").add(bool(killed) and abs(max(killed) - dead) <= 0.2 * dead)
            out.rate("killed: no figure read").add(not killed)
        if _int(row["nb_civilians"]) > 0:
            out.rate("killed: civilians").add(_int(row["nb_civilians"]) in killed)
        wanted = ACTORS.get(row["actor"].strip().lower())
        if wanted:
            actor1 = Counter(r.actor1.removeprefix("actor_") for r in found if r.actor1)
            main = actor1.most_common(1)[0][0] if actor1 else None
            out.rate("actor: main actor1").add(main in wanted)
            out.rate("actor: any actor1").add(bool(set(actor1) & wanted))
            named = {a.removeprefix("actor_") for r in found for a in r.actors}
            out.rate("actor: named at all").add(bool(named & wanted))
        causes = CAUSES.get(row["cause_of_death"].strip().lower())
        if causes:
            kinds = Counter(r.event_type for r in found if r.event_type)
            out.rate("cause: main type").add(bool(kinds) and kinds.most_common(1)[0][0] in causes)
            out.rate("cause: any type").add(bool(set(kinds) & causes))
    return out


def format_table(result: Agreement) -> str:
    lines = [f"FA-KES: {result.articles} articles, {result.with_records} with incident records",
             f"{'agreement':<26}  {'agree':>5}  {'of':>4}  {'rate':>5}", f"{'-' * 26}  -----  ----  -----"]
    for name, r in result.rates.items():
        lines.append(f"{name:<26}  {r.hits:>5}  {r.n:>4}  {'n/a' if r.rate is None else f'{r.rate:.2f}':>5}")
    return "\n".join(lines)


def run(csv_path: Path = FAKES, index: Path | None = None, settings: Any = None) -> Agreement:
    """Ingest the CSV into ``index`` (a temporary folder by default; reused when it holds documents) and compare."""
    api = importlib.import_module("assistant")
    if settings is None:
        settings = importlib.import_module("assistant.settings").Settings()
    with tempfile.TemporaryDirectory(prefix="sitrep-fakes-", ignore_cleanup_errors=True) as tmp:
        assistant = api.Assistant(settings.with_index(index or Path(tmp)))
        if not assistant.stats()["documents"]:
            assistant.ingest([csv_path], progress=False)
        return compare(read_annotations(csv_path), assistant.incidents())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.fakes_agreement", description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=FAKES, help="fakes_annotated.csv")
    parser.add_argument("--index", type=Path, default=None, help="Index holding it (ingested when empty).")
    parser.add_argument("--json", type=Path, default=None, help="Write the rates as JSON.")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"error: {args.csv} is not present", file=sys.stderr)
        return 1
    result = run(args.csv, args.index)
    print(format_table(result))
    if args.json:
        args.json.write_text(json.dumps(result.summary(), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
