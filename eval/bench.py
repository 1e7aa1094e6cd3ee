"""Ingest and query benchmark: one table, every figure measured in this run (``make bench``; not a test).

    python -m eval.bench                         # --quick: a few minutes, demo corpus + one 2k synthetic index
    python -m eval.bench [--shared] [--sizes 20000,200000] [--questions 50] [--source-index DIR --source-gold F]

Ingest (per corpus: the demo corpus, and with ``--shared`` the wiki and FA-KES corpora of ../shared/corpora):
passages/s of a cold ingest into a fresh index, the embedding model, spaCy, Chroma and the loaders' HTML/PDF parsers
loaded first (their time is ``warm_up_s``: cold start, not ingest); its ratio to the pure embedding time of the same
passages, over two floors: ``ingest/embed_passages`` embeds the plain passage texts (what a plain pipeline embeds),
and ``ingest/embed_titled`` the texts as ingest embeds them ('title: text' under ``index.title_in_vectors``, some
10% more tokens; the floor of this design); ``ingest/embed_all`` adds the answerer's sentence/window texts when the
mode embeds them apart; its ratio to the plain LangChain pipeline (``langchain_chroma.Chroma.add_documents``, same
model and plain passages, when langchain-chroma is installed); the same ratios by the process's CPU seconds
(``cpu:``; every thread counted: steadier than wall time when other jobs share the cores, and an upper bound of the
wall ratio on a busy machine, since frames overlap the embedding only on idle cores); re-ingest of the unchanged
corpus (seconds, texts embedded).

Serving (per size: each ingested corpus, then synthetic indexes of ``--sizes`` passages): a fresh process per
index measures cold start (process start to the first answer), ``ask()`` p50/p95 over the gold questions, the
time of the query embedding plus the raw Chroma top-k it is compared with, the lexical (BM25) search, and peak
RSS; two such processes one after the other, the second's figures shown, the first's cold start and p95 as
``first:`` (files not yet in the page cache). Synthetic indexes are built (in a child process: its peak RSS is
the build's) from the largest ingested index (or ``--source-index``) by recombining its real sentences into new
documents, with their real vectors reused and perturbed with small Gaussian noise (see ``synthesise``); embedding
200k passages takes hours on two cores, so nothing is embedded for them. At each
size: the time to add one 5-passage document (SQLite + BM25 postings + Chroma; its embedding shown apart), and the
dense top-10's recall against exact (brute-force) search over the same vectors with the collection's HNSW
settings.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
T0 = time.time()  # process start (as near as Python gets): the cold start of the serving child

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared" / "corpora"
WIKI = SHARED / "wiki-conflicts" / "website" / "syria"
FAKES = SHARED / "fakes-syria" / "fakes_annotated.csv"


#: Modules the file loaders import on first use (HTML, PDF, encoding detection): ~0.5 s of a cold process.
_PARSERS = ("bs4", "pypdf", "charset_normalizer")


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _rss_mb() -> float:
    """Peak resident memory of this process since it started (or since ``_reset_peak``), in MB. Linux's
    ``VmHWM`` belongs to the process image, so a child started by fork + exec begins afresh; ``ru_maxrss`` (the
    fallback elsewhere) keeps the parent's peak across the exec, so every child reported at least the bench's
    own ~0.9-1.4 GB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start ``_rss_mb``'s peak from the current resident memory (Linux: writing 5 to ``clear_refs``)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


# --- ingest ---------------------------------------------------------------------------------------------


def bench_ingest(corpus: Path, index: Path, langchain: bool) -> dict[str, Any]:
    from assistant import Assistant, Settings
    from assistant.knowledge.frames import load_nlp

    assistant = Assistant(Settings().with_index(index))
    started = time.perf_counter()  # model loads and imports are cold start, not ingest: timed apart
    assistant.embedder.embed(["warm-up"])
    if assistant.settings.frames.enabled:
        load_nlp(assistant.settings.frames.spacy_model)
    assistant.store.vectors.count()
    for parser in _PARSERS:  # the loaders import their parsers on first use: a process's cost, like spaCy's
        importlib.import_module(parser)
    warm = time.perf_counter() - started
    _reset_peak()
    (_, cpu), report = _clock(lambda: assistant.ingest([corpus], progress=False))
    seconds, peak = report.seconds, _rss_mb()  # the process's peak over the ingest (model and spaCy loaded)
    (reingest, _), again = _clock(lambda: assistant.ingest([corpus], progress=False))
    ids = [pid for pid, _ in assistant.store.docs.passage_texts()]
    views = list(assistant.store.views(ids).values())
    floors = _floors(assistant, views)
    row: dict[str, Any] = {
        "corpus": corpus.name, "passages": len(views), "warm_up_s": warm, "ingest_s": seconds,
        "passages_per_s": len(views) / seconds, "embed_passages_s": floors["passages"][0],
        "embed_titled_s": floors["titled"][0],
        "ingest/embed_passages": seconds / floors["passages"][0],
        "ingest/embed_titled": seconds / floors["titled"][0],
        "ingest/embed_all": seconds / (floors["titled"][0] + floors["sentences"][0]),
        # CPU seconds of the process (every thread): steadier than wall time when other jobs share the cores
        "cpu:ingest/embed_passages": cpu / floors["passages"][1],
        "cpu:ingest/embed_titled": cpu / floors["titled"][1],
        # what ingest adds to the forward pass, in CPU: the evidence frames (NER + rules) and the storing
        "cpu:frames/embed_titled": report.stage_cpu.get("frames", 0.0) / floors["titled"][1],
        "cpu:store/embed_titled": report.stage_cpu.get("store", 0.0) / floors["titled"][1],
        "cpu:control/embed_titled": report.stage_cpu.get("control", 0.0) / floors["titled"][1],
        "reingest_s": reingest, "reembedded": again.texts_embedded, "ingest_rss_mb": peak,
    }
    if langchain:
        (row["langchain_s"], base_cpu), _ = _clock(lambda: _langchain(assistant.embedder, [v.passage.text
                                                                                          for v in views]))
        row["ingest/langchain"] = seconds / row["langchain_s"]
        row["cpu:ingest/langchain"] = cpu / base_cpu
    assistant.close()
    return row


def _clock(work: Callable[[], T]) -> tuple[tuple[float, float], T]:
    """((wall seconds, process CPU seconds), result) of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    return (time.perf_counter() - wall, time.process_time() - cpu), out


def _floors(assistant: Any, views: list[Any]) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of embedding the stored passages: 'passages' their plain texts, 'titled' the texts as
    ingest embeds them (the same timing when they are the plain texts, or under 'all', which embeds sentences),
    'sentences' the answerer's texts when the mode embeds them apart (zero under 'pooled')."""
    from assistant.index.sentences import sentence_texts
    from ingest.pipeline import embedded_text

    texts = [v.passage.text for v in views]
    titled = [embedded_text(v.title, v.passage.text, assistant.settings) for v in views]
    mode = assistant.settings.index.derived_vectors
    out = {"passages": _clock(lambda: assistant.embedder.embed(texts))[0], "sentences": (0.0, 0.0)}
    out["titled"] = out["passages"]
    if mode != "all" and titled != texts:
        out["titled"] = _clock(lambda: assistant.embedder.embed(titled))[0]
    if assistant.settings.index.sentence_vectors and mode != "pooled":  # 'pooled' embeds the passages only
        passages = [v.passage for v in views]
        out["sentences"] = _clock(lambda: assistant.embedder.embed(sentence_texts(passages, mode != "none")))[0]
    return out


def _langchain(embedder: Any, texts: list[str]) -> float:
    """The plain baseline: LangChain's Chroma wrapper embedding and adding the same passages (in batches of the
    most Chroma takes in one call)."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

    class Same(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        client = chromadb.PersistentClient(path=tmp, settings=chromadb.Settings(anonymized_telemetry=False))
        store = Chroma(collection_name="baseline", embedding_function=Same(), client=client,
                       collection_metadata={"hnsw:space": "cosine"})
        docs = [Document(page_content=t) for t in texts]
        step = client.get_max_batch_size()  # one call takes at most this many (5,461 here; wiki has 5,940)
        for i in range(0, len(docs), step):
            store.add_documents(docs[i:i + step])
        return time.perf_counter() - started


# --- synthetic large indexes ---------------------------------------------------------------------------------


def synthesise(source: Path, target: Path, size: int, noise: float = 0.02, seed: int = 0) -> dict[str, float]:
    """An index of ``size`` passages made by recombining the source index's real sentences into new documents.

    Each synthetic document is 4-14 sentences drawn at random from one source document (a report recombined:
    its title, source and date; topics stay coherent, as in a real archive), cut into passages by the real
    chunker, its BM25 postings, control cues and answer tokens written as ingest writes them.
    Nothing is embedded: a sentence keeps its stored sentence and window vectors (its source passage's vector
    when the source never stored them), a passage's vector is the normalised mean of its sentences' vectors,
    and every vector gets Gaussian noise of ``noise`` (re-normalised). Frames are shifted with their sentence
    when the source has them. Meant to run in a child process (``--build``), so its peak RSS is the build's.
    """
    from bisect import bisect_right

    from assistant import Assistant, Settings
    from assistant.answer import Analyser
    from assistant.answer.passage_tokens import AnswerTokens
    from assistant.conflict import ControlReader
    from assistant.index import Store
    from assistant.knowledge import load_knowledge
    from assistant.knowledge.loader import control_cues
    from assistant.models import Document
    from ingest.chunk import chunk_document
    from ingest.pipeline import content_hash

    rng = np.random.default_rng(seed)
    src = Store(Settings().with_index(source))
    views = src.views([pid for pid, _ in src.docs.passage_texts()])
    vectors = _all_vectors(src)
    stored = src.docs.sentence_vectors([(v.passage.passage_id, st) for v in views.values()
                                        for st, _ in v.passage.sentences])
    pool: list[tuple[str, np.ndarray, np.ndarray, Any, Any]] = []  # text, sentence vec, window vec, frame, view
    by_doc: dict[str, list[int]] = {}
    for view in views.values():
        p = view.passage
        frames = p.frames if p.frames is not None and len(p.frames) == len(p.sentences) else None
        for i, (st, en) in enumerate(p.sentences):
            text = p.text[st - p.start:en - p.start].strip()
            if len(text) < 20 or "\n" in text:
                continue
            base = vectors[p.passage_id]
            sv, wv = stored.get((p.passage_id, st), (base, base))
            by_doc.setdefault(p.doc_id, []).append(len(pool))
            pool.append((text, sv, wv, frames[i] if frames else None, view))
    src.close()
    groups = [np.asarray(g) for g in by_doc.values()]
    out = Store(Settings().with_index(target))
    analyser = Analyser(load_knowledge(), out.lexicon)  # each passage's annotations, as ingest writes them
    out.docs.annotators.update(control_cues=lambda: ControlReader(control_cues(), out.lexicon),
                               answer_tokens=lambda: AnswerTokens(analyser))
    out.docs.db.execute("PRAGMA synchronous = NORMAL")  # a build, not a crash-safe ingest
    out.lexical.ensure()
    out.docs.add_root("synthetic", str(target))
    started = time.perf_counter()
    n, d, batch_ids, batch_vecs, batch_meta = 0, 0, [], [], []
    while n < size:
        d += 1
        members = groups[int(rng.integers(0, len(groups)))]
        picks = rng.choice(members, size=min(len(members), int(rng.integers(4, 15))), replace=False)
        first = pool[int(picks[0])][4]
        parts, starts, at = [], [], 0
        for j, k in enumerate(picks):
            sep = "" if j == 0 else ("\n\n" if j % 5 == 0 else " ")
            at += len(sep)
            starts.append(at)
            parts.append(sep + pool[int(k)][0])
            at += len(pool[int(k)][0])
        doc = Document(doc_id=f"synthetic/d{d:07d}.txt", title=first.title, source=first.source,
                       published=first.published, url=None, text="".join(parts), root="synthetic",
                       path=f"d{d:07d}.txt")
        doc.content_hash = content_hash(doc)
        passages = chunk_document(doc, out.settings.chunking)[: size - n]
        rows, own = [], []
        for p in passages:
            origin = [int(picks[max(0, bisect_right(starts, st) - 1)]) for st, _ in p.sentences]
            exact = [st in starts for st, _ in p.sentences]
            if all(exact) and all(pool[k][3] is not None for k in origin):
                p.frames = [pool[k][3].model_copy(update={"start": st, "end": en})
                            for k, (st, en) in zip(origin, p.sentences, strict=True)]
            sent = [pool[k][1] for k in origin]
            mean = np.mean(sent, axis=0) if sent else vectors[next(iter(vectors))]
            batch_ids.append(p.passage_id)
            own.append(_perturb(mean / np.linalg.norm(mean), noise, rng))
            batch_vecs.append(own[-1])
            batch_meta.append(out._vector_meta(doc))
            rows += [(p.passage_id, st, _perturb(pool[k][1], noise, rng).astype(np.float16).tobytes(),
                      _perturb(pool[k][2], noise, rng).astype(np.float16).tobytes())
                     for k, (st, _) in zip(origin, p.sentences, strict=True)]
        out.docs.put(doc, passages, [out.lexical.encode(p.text) for p in passages], own)
        out.docs.put_sentence_vectors(rows)
        n += len(passages)
        if len(batch_ids) >= 4000:
            out.vectors.upsert(batch_ids, np.asarray(batch_vecs), batch_meta)
            batch_ids, batch_vecs, batch_meta = [], [], []
    if batch_ids:
        out.vectors.upsert(batch_ids, np.asarray(batch_vecs), batch_meta)
    out.lexical.pack()  # as an ingest's finish packs the common terms' postings
    out.fill_passage_vectors()  # ... and marks every passage's vector stored (each was written with it)
    out.close()
    kept = Assistant(Settings().with_index(target))  # and as an ingest keeps the control claims of its places
    kept.keep_control()
    kept.close()
    seconds = time.perf_counter() - started
    return {"build_s": seconds, "build_passages_per_s": n / seconds, "build_rss_mb": _rss_mb(),
            "source_sentences": float(len(pool))}


def _build_child(source: Path, target: Path, size: int) -> dict[str, float]:
    return _child(["--build", str(source), "--target", str(target), "--size", str(size)])


def _perturb(vector: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32) + rng.normal(0, noise, len(vector)).astype(np.float32)
    return v / np.linalg.norm(v)


def _all_vectors(store: Any) -> dict[str, np.ndarray]:
    collection = store.vectors.collection
    out: dict[str, np.ndarray] = {}
    offset, total = 0, collection.count()
    while offset < total:
        got = collection.get(include=["embeddings"], limit=5000, offset=offset)
        out.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
        offset += 5000
    return out


def add_one(index: Path, repeats: int = 3) -> dict[str, float]:
    """Seconds to add one 5-passage document to the index as an ingest does (vectors precomputed; embedding
    timed apart): its passages, the end of the run (``Store.finish``: postings packed where stale) and the kept
    control claims of the place it names beside a cue brought up to date."""
    from assistant import Assistant, Settings
    from assistant.index.sentences import sentence_texts
    from assistant.knowledge.frames import FrameReader
    from assistant.models import Document
    from ingest.chunk import chunk_document
    from ingest.pipeline import content_hash

    assistant = Assistant(Settings().with_index(index))
    store = assistant.store
    frames = FrameReader(assistant.knowledge, assistant.lexicon, assistant.settings)
    text = " ".join(f"Report {i}: shelling hit the market of Hajin on Monday and wounded {i} people; the SDF "
                    f"said the strike came from the south." for i in range(25)) + " The SDF said it captured Hajin."
    times, embeds = [], []
    for r in range(repeats):
        doc = Document(doc_id=f"bench/one-{r}-{time.time_ns()}.txt", title="one", text=text, root="bench",
                       path="one.txt")
        doc.content_hash = content_hash(doc)
        passages = chunk_document(doc, store.settings.chunking)
        for p in passages:  # read by ingest beside the embedding: not timed here either
            p.frames = frames.read_passage(p, None)
        started = time.perf_counter()
        vectors = assistant.embedder.embed([p.text for p in passages] + sentence_texts(passages))
        embeds.append(time.perf_counter() - started)
        started = time.perf_counter()
        since = store.docs.log_head()
        store.put_document(doc, passages, vectors[: len(passages)])
        store.put_sentence_vectors(passages, vectors[len(passages):])
        store.finish()
        assistant.keep_control(since)
        times.append(time.perf_counter() - started)
        store.remove_documents([doc.doc_id])
    assistant.close()
    return {"add_one_s": statistics.median(times), "add_one_embed_s": statistics.median(embeds),
            "add_one_passages": float(len(passages))}


def recall(index: Path, queries: np.ndarray, k: int = 10, search_ef: int | None = None) -> dict[str, Any]:
    """Dense top-k recall of the HNSW index against exact search over the same stored vectors."""
    from assistant import Settings
    from assistant.index import Store

    settings = Settings().with_index(index)
    if search_ef:
        index_settings = settings.index.model_copy(update={"hnsw_search_ef": search_ef})
        settings = settings.model_copy(update={"index": index_settings})
    store = Store(settings)
    vectors = _all_vectors(store)
    ids = list(vectors)
    matrix = np.stack([vectors[i] for i in ids])
    hits, times = 0, []
    for q in queries:
        exact = {ids[i] for i in np.argsort(-(matrix @ q))[:k]}
        started = time.perf_counter()
        got = {pid for pid, _ in store.vectors.query(q, k, None)}
        times.append(time.perf_counter() - started)
        hits += len(exact & got)
    collection = getattr(store.vectors, "collection", None)
    hnsw = (getattr(collection, "configuration", None) or {}).get("hnsw") or {}
    store.close()
    return {"recall@10": hits / (k * len(queries)), "chroma_top10_ms": 1000 * statistics.median(times),
            "hnsw M/ef_c/ef_s": f"{hnsw.get('max_neighbors')}/{hnsw.get('ef_construction')}/{hnsw.get('ef_search')}"}


# --- serving (child process) ---------------------------------------------------------------------------------


def serve(index: Path, questions: list[str]) -> dict[str, float]:
    """Run in a fresh process: cold start, ask() latencies against embedding + raw Chroma, peak RSS."""
    from assistant import Assistant, Settings
    from assistant.index.search import FilterPlan, lexical_search

    assistant = Assistant(Settings().with_index(index))
    assistant.ask(questions[0])
    cold = time.time() - T0
    asks, base, lexical, vectors = [], [], [], []
    for q in questions:
        started = time.perf_counter()
        assistant.ask(q + " ")  # not the memoised question vector of an earlier run
        asks.append(time.perf_counter() - started)
        started = time.perf_counter()
        vector = assistant.embedder.embed([q])[0]
        assistant.store.vectors.query(vector, assistant.settings.retrieval.candidates, None)
        base.append(time.perf_counter() - started)
        vectors.append(vector)
        tokens = assistant.question(q).search_tokens
        started = time.perf_counter()
        lexical_search(assistant.store, tokens, assistant.settings.retrieval.candidates, FilterPlan())
        lexical.append(time.perf_counter() - started)
    p95 = _p95(asks)
    return {"cold_start_s": cold, "ask_p50_ms": 1000 * statistics.median(asks), "ask_p95_ms": 1000 * p95,
            "embed+chroma_ms": 1000 * statistics.median(base), "p95/(embed+chroma)": p95 / statistics.median(base),
            "lexical_p50_ms": 1000 * statistics.median(lexical), "lazy_sentence_texts":
            float(assistant.sentence_vectors.embedded), **_dated(assistant, vectors), "serve_rss_mb": _rss_mb()}


def _dated(assistant: Any, vectors: list[np.ndarray]) -> dict[str, float]:
    """The dated search (a question naming a day) on the index's median publication day: as asking runs it (from
    the vectors the document store keeps) and through Chroma's metadata filter (the way before; 10 questions)."""
    from datetime import date as Date
    from datetime import timedelta

    from assistant.index.search import FilterPlan, chroma_where, dated_search, vector_search
    from assistant.models import Filters

    dates = assistant.store.docs.published_dates()
    if not dates or not vectors:
        return {}
    middle = str(dates[len(dates) // 2])  # YYYYMMDD
    day = Date(int(middle[:4]), int(middle[4:6]), int(middle[6:]))
    store, n = assistant.store, assistant.settings.retrieval.dated
    where = FilterPlan(where=chroma_where(Filters(date_from=day, date_to=day + timedelta(days=1))))

    def ms(search: Callable[[np.ndarray], Any], vector: np.ndarray) -> float:
        started = time.perf_counter()
        search(vector)
        return 1000 * (time.perf_counter() - started)

    local = [ms(lambda v: dated_search(store, v, (day, day), n, None), v) for v in vectors]
    chroma = [ms(lambda v: vector_search(store, v, n, where), v) for v in vectors[:10]]
    return {"dated_p50_ms": statistics.median(local), "dated_chroma_p50_ms": statistics.median(chroma),
            "dated_passages": float(len(store.docs.allowed(Filters(date_from=day, date_to=day + timedelta(days=1)))))}


def _serve_child(index: Path, gold: Path, n: int) -> dict[str, float]:
    """Serve twice, each in a fresh process: the figures are the second's (the index's files in the page cache,
    as on a machine that serves it); the first's cold start and p95 are kept as ``first:`` (the files as the
    build or ingest left them: after a 200k build the VM had evicted part of its 5 GB, and that process paid the
    disk reads)."""
    args = ["--serve", str(index), "--gold", str(gold), "--questions", str(n)]
    first = _child(args)
    row = _child(args)
    row.update({f"first:{k}": first[k] for k in ("cold_start_s", "ask_p95_ms", "p95/(embed+chroma)")})
    return row


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "eval.bench", *args], capture_output=True, text=True, cwd=REPO,
                         check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _questions(gold: Path, n: int) -> list[str]:
    from eval.gold import load_gold

    items = [g.question for g in load_gold(gold)]
    return (items * (n // max(1, len(items)) + 1))[:n]


# --- main -----------------------------------------------------------------------------------------------


def _table(rows: list[dict[str, Any]]) -> str:
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    lines = []
    for key in keys:
        cells = []
        for row in rows:
            value = row.get(key, "")
            cells.append(f"{value:.3g}" if isinstance(value, float) else str(value))
        lines.append(f"{key:24}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--shared", action="store_true", help="also ingest the corpora of ../shared/corpora")
    parser.add_argument("--quick", action="store_true", help="minutes, not an hour: demo corpus, one "
                        "2,000-passage synthetic index, 10 questions (the default without --sizes/--shared)")
    parser.add_argument("--sizes", help="synthetic index sizes in passages, e.g. 20000,200000 ('' for none)")
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--source-index", type=Path, help="index to synthesise from (copied; default: largest)")
    parser.add_argument("--source-gold", type=Path, help="gold questions for the synthetic indexes (default: "
                        "the largest corpus's; eval/gold_wiki.jsonl goes with a wiki --source-index)")
    parser.add_argument("--no-langchain", action="store_true")
    parser.add_argument("--no-corpora", action="store_true", help="with --source-index: synthetic sizes only")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--gold", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from eval.run import demo_corpus, demo_gold

    if args.serve:
        print(json.dumps(serve(args.serve, _questions(args.gold, args.questions))))
        return
    if args.build:
        print(json.dumps(synthesise(args.build, args.target, args.size)))
        return
    if args.quick or (args.sizes is None and not args.shared and not args.source_index):
        print("quick run (demo corpus, 2k synthetic, 10 questions); --sizes 20000,200000 --shared for the full table")
        args.sizes, args.questions, args.shared = "2000", 10, False
    args.sizes = "20000,200000" if args.sizes is None else args.sizes
    langchain = not args.no_langchain
    if langchain:
        try:
            import langchain_chroma  # noqa: F401
        except ImportError:
            print("langchain-chroma not installed: no baseline column (pip install langchain-chroma)")
            langchain = False
    corpora = [] if args.no_corpora and args.source_index else [(demo_corpus(), demo_gold())]
    if args.shared and SHARED.is_dir():
        corpora += [(WIKI, REPO / "eval" / "gold_wiki.jsonl"), (FAKES, REPO / "eval" / "gold_fakes.jsonl")]
    elif args.shared:
        print(f"{SHARED} is absent: demo corpus only")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sitrep-bench-") as tmp:
        largest: tuple[int, Path, Path] | None = (0, Path(), Path()) if not corpora else None
        for i, (corpus, gold) in enumerate(corpora):
            index = Path(tmp) / f"ingest-{i}"
            row = bench_ingest(corpus, index, langchain)
            row.update(add_one(index))
            row.update(_serve_child(index, gold, args.questions))
            rows.append(row)
            if largest is None or row["passages"] > largest[0]:
                largest = (row["passages"], index, gold)
            print(_table(rows), "\n", flush=True)
        assert largest is not None
        source, gold = largest[1], largest[2]
        if args.source_index:
            source = Path(tmp) / "source"
            shutil.copytree(args.source_index, source)
        gold = args.source_gold or gold
        queries = _query_vectors(source, gold, args.questions)
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            index = Path(tmp) / f"synthetic-{size}"
            row = {"corpus": f"synthetic {size / 1000:g}k", "passages": size}
            row.update(_build_child(source, index, size))
            row.update(add_one(index))
            row.update(recall(index, queries))
            row.update(_serve_child(index, gold, args.questions))
            rows.append(row)
            print(_table(rows), "\n", flush=True)
            shutil.rmtree(index, ignore_errors=True)
        for i in range(len(corpora)):
            rows[i].update(recall(Path(tmp) / f"ingest-{i}", queries))
    print("Sitrep benchmark (one run; ratios are within this run)")
    print(_table(rows))


def _query_vectors(index: Path, gold: Path, n: int) -> np.ndarray:
    from assistant import Assistant, Settings

    assistant = Assistant(Settings().with_index(index))
    vectors = assistant.embedder.embed(_questions(gold, n))
    assistant.close()
    rng = random.Random(0)
    return vectors[rng.sample(range(len(vectors)), min(n, len(vectors)))]


if __name__ == "__main__":
    main()
