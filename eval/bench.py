"""Ingest and query benchmark, measured in one run through the public API.

    python -m eval.bench [--corpus DIR]... [--questions N]

For each corpus: a cold ingest into a fresh temporary index (seconds, passages/s, and the embedding floor:
the same passages embedded alone, so the ratio shows what ingest costs beyond the model), a re-ingest of
the unchanged corpus, then the median and p95 time of ``ask()`` over gold questions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from assistant import Assistant, Settings
from eval.gold import load_gold
from eval.run import demo_corpus, demo_gold


def bench_corpus(corpus: Path, questions: list[str]) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(Settings().with_index(tmp))
        assistant.embedder.embed(["warm-up"])  # model load is not ingest
        report = assistant.ingest([corpus], progress=False)
        again = assistant.ingest([corpus], progress=False)
        floor = _embedding_floor(assistant, report.passages_added)
        times = []
        for q in questions:
            started = time.perf_counter()
            assistant.ask(q)
            times.append(time.perf_counter() - started)
    return {
        "documents": report.ingested, "passages": report.passages_added, "ingest_s": report.seconds,
        "passages_per_s": report.passages_added / report.seconds, "embed_floor_s": floor,
        "ingest_over_floor": report.seconds / floor if floor else float("nan"), "reingest_s": again.seconds,
        "reembedded": again.texts_embedded, "query_p50_s": statistics.median(times),
        "query_p95_s": sorted(times)[max(0, round(0.95 * len(times)) - 1)],
    }


def _embedding_floor(assistant: Assistant, n: int) -> float:
    """Time to embed the stored passages alone: what no ingest can beat with this model."""
    texts = [text for _, text in assistant.store.docs.passage_texts()[:n]]
    started = time.perf_counter()
    assistant.embedder.embed(texts)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--gold", type=Path, action="append")
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    corpora = args.corpus or [demo_corpus()]
    golds = args.gold or [demo_gold()] * len(corpora)
    for corpus, gold in zip(corpora, golds, strict=True):
        questions = [g.question for g in load_gold(gold)][: args.questions]
        result = bench_corpus(corpus, questions)
        print(f"{corpus}:")
        for key, value in result.items():
            print(f"  {key:18} {value:.3f}" if isinstance(value, float) else f"  {key:18} {value}")


if __name__ == "__main__":
    main()
