"""Check a gold file against a corpus without embedding anything: every doc exists, every quote is found.

    python -m eval.check [--gold eval/gold.jsonl] [--corpus eval/corpus]

Documents are loaded by ingest's own loaders, so doc ids and normalisation are exactly the ones an index has.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from assistant.settings import Settings
from eval.gold import load_gold
from eval.matching import answer_matches
from eval.run import demo_corpus, demo_gold
from ingest import load_file, locate
from ingest.pipeline import discover


def corpus_texts(corpus: Path) -> dict[str, str]:
    """doc_id -> stored (normalised) text, for every loadable document of a folder."""
    settings = Settings().ingest
    texts: dict[str, str] = {}
    for _, file, rel in discover([corpus]):
        try:
            docs, _ = load_file(file, rel, settings)
        except Exception:  # noqa: BLE001 - a broken file simply holds no gold evidence
            continue
        texts.update({d.doc_id: d.text for d in docs})
    return texts


def check(gold: Path, corpus: Path) -> list[str]:
    """Problems found, one line each (empty when the gold file is sound)."""
    texts = corpus_texts(corpus)
    problems: list[str] = []
    for item in load_gold(gold):
        quotes = []
        for ev in item.evidence:
            if ev.doc not in texts:
                problems.append(f"{item.id}: unknown doc {ev.doc!r}")
            elif locate(ev.quote, texts[ev.doc]) is None:
                problems.append(f"{item.id}: quote not found in {ev.doc}: {ev.quote[:80]!r}")
            quotes.append(ev.quote)
        if item.answers and not answer_matches(" ".join(quotes), item.answers):
            problems.append(f"{item.id}: no gold answer appears in its evidence quotes")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gold", type=Path, help="Gold JSONL (default: the packaged eval/gold.jsonl).")
    parser.add_argument("--corpus", type=Path, help="Corpus folder (default: the packaged eval/corpus).")
    args = parser.parse_args()
    gold = args.gold or demo_gold()
    problems = check(gold, args.corpus or demo_corpus())
    items = load_gold(gold)
    print(dict(Counter(i.category for i in items)), "total", len(items))
    print("\n".join(problems) or "OK: every doc exists and every quote is found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
