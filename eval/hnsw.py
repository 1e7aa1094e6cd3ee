"""HNSW settings against exact search at scale, vectors only (the recall part of ``eval.bench``, minutes not hours).

    python -m eval.hnsw --source-index IDX [--sizes 20000,200000] [--configs 16/100/1000,32/200/1000]
                        [--gold eval/gold_wiki.jsonl] [--questions 50]

Per size and per ``max_neighbors/ef_construction/ef_search`` configuration: a fresh embedded Chroma collection of
``size`` synthetic passage vectors (each the normalised mean of 3-8 real stored sentence vectors of one source
document plus Gaussian noise sigma 0.02, as ``eval.bench.synthesise`` makes them: near-duplicate clusters, a hard
case for HNSW), its build time, and the dense top-10's recall against brute force for the gold questions'
vectors, with the top-10 latency. Each configuration is set at creation (ef_search changed on a loaded collection
did not take effect in earlier measurements), one collection at a time. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np


def synthetic_vectors(source: Path, size: int, noise: float = 0.02, seed: int = 0) -> np.ndarray:
    """``size`` unit vectors recombined from the source index's stored sentence vectors, grouped by document."""
    db = sqlite3.connect(next(source.glob("*/sitrep.sqlite")))
    by_doc: dict[str, list[np.ndarray]] = {}
    for doc_id, blob in db.execute("SELECT p.doc_id, s.sentence FROM sentence_vectors s JOIN passages p "
                                   "USING (passage_id)"):
        by_doc.setdefault(doc_id, []).append(np.frombuffer(blob, dtype=np.float16).astype(np.float32))
    db.close()
    groups = [np.stack(v) for v in by_doc.values() if len(v) >= 3]
    if not groups:
        raise SystemExit(f"{source} has no stored sentence vectors to recombine")
    rng = np.random.default_rng(seed)
    out = np.empty((size, groups[0].shape[1]), dtype=np.float32)
    for i in range(size):
        group = groups[int(rng.integers(0, len(groups)))]
        pick = group[rng.choice(len(group), size=min(len(group), int(rng.integers(3, 9))), replace=False)]
        mean = pick.mean(axis=0)
        mean = mean / np.linalg.norm(mean) + rng.normal(0, noise, len(mean)).astype(np.float32)
        out[i] = mean / np.linalg.norm(mean)
    return out


def measure(vectors: np.ndarray, queries: np.ndarray, m: int, ef_construction: int, ef_search: int,
            k: int = 10) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    folder = tempfile.mkdtemp(prefix="sitrep-hnsw-")
    try:
        client = chromadb.PersistentClient(path=folder, settings=ChromaSettings(anonymized_telemetry=False))
        collection = client.create_collection(
            "hnsw-bench", embedding_function=None,
            metadata={"hnsw:space": "cosine", "hnsw:M": m, "hnsw:construction_ef": ef_construction,
                      "hnsw:search_ef": ef_search})
        ids = [str(i) for i in range(len(vectors))]
        started = time.perf_counter()
        for at in range(0, len(ids), 5000):
            collection.add(ids=ids[at:at + 5000], embeddings=vectors[at:at + 5000])
        build = time.perf_counter() - started
        hits, times = 0, []
        for q in queries:
            exact = set(np.argsort(-(vectors @ q))[:k].tolist())
            started = time.perf_counter()
            got = collection.query(query_embeddings=[q], n_results=k, include=[])["ids"][0]
            times.append(time.perf_counter() - started)
            hits += len(exact & {int(i) for i in got})
        return {"size": len(vectors), "hnsw M/ef_c/ef_s": f"{m}/{ef_construction}/{ef_search}",
                "build_s": round(build, 1), "recall@10": hits / (k * len(queries)),
                "top10_ms": round(1000 * statistics.median(times), 2), "load": round(os.getloadavg()[0], 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--source-index", type=Path, required=True, help="an index with stored sentence vectors")
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--configs", default="16/100/1000,32/200/1000",
                        help="max_neighbors/ef_construction/ef_search, comma-separated")
    parser.add_argument("--gold", type=Path, default=Path(__file__).parent / "gold_wiki.jsonl")
    parser.add_argument("--questions", type=int, default=50)
    args = parser.parse_args()
    from assistant.embed import make_embedder
    from assistant.settings import Settings
    from eval.bench import _questions

    queries = make_embedder(Settings().embedding).embed(_questions(args.gold, args.questions))
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        vectors = synthetic_vectors(args.source_index, size)
        for config in args.configs.split(","):
            m, ef_c, ef_s = (int(x) for x in config.split("/"))
            print(json.dumps(measure(vectors, queries, m, ef_c, ef_s)), flush=True)


if __name__ == "__main__":
    main()
