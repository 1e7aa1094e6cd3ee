"""Side-by-side speed of this checkout against a baseline checkout, in one run (a benchmark, not a test).

    python -m eval.side_by_side --baseline /path/to/baseline-checkout [--rounds 2] [--questions 60]

Issue #7's speed targets: ``ask()`` p50 at most 1.3x the baseline's and ingest passages/s at most 1.5x slower,
on the demo corpus, same machine, same run. Each version runs in its own long-lived Python subprocess with
``cwd`` and ``PYTHONPATH`` set to its checkout (so it imports its own ``assistant``/``ingest``) and
``SITREP_HOME`` in a temp dir (the user's index is never touched). Each worker first ingests one small file
into a scratch index and answers warm-up questions, so model, spaCy and cache loading are not counted.

1. Ingest: ``--ingest-rounds`` cold ingests of ``eval/corpus`` per version, each into a fresh temp index, the
   versions alternating (ABBA...); timed is the ``Assistant.ingest`` call (wall clock); passages/s uses the
   passages it added; the medians are compared.
2. Ask: the same questions of ``eval/gold.jsonl`` (all, or a fixed evenly spaced sample of ``--questions``),
   each version over its own index with its default ``Assistant.ask``; interleaved question by question, the
   version asked first alternating, for ``--rounds`` rounds. Latency is timed inside each worker around the
   ``ask`` call only. p50/p95 per version and the ratio current/baseline.

The two processes take turns, so machine load (2 shared cores) falls on both alike.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
P50_TARGET = 1.3  # current p50 / baseline p50 at most
INGEST_TARGET = 1.5  # baseline passages/s / current passages/s at most

# The worker runs inside each checkout (its own code); it uses only the API both versions share:
# Assistant(Settings.with_index(dir)).ingest(paths, progress=False) and Assistant.ask(question).
WORKER = r'''
import json, os, sys, time
from pathlib import Path

out = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)  # anything the libraries print goes to stderr, the protocol keeps stdout

import assistant
from assistant import Assistant
from assistant.settings import load_settings

state = {}


def answer(obj):
    out.write(json.dumps(obj) + "\n")


answer({"ready": True, "assistant": str(Path(assistant.__file__).resolve())})
for line in sys.stdin:
    msg = json.loads(line)
    cmd = msg["cmd"]
    if cmd == "ingest":
        helper = Assistant(load_settings().with_index(msg["index"]))
        started = time.perf_counter()
        report = helper.ingest([msg["path"]], progress=False)
        wall = time.perf_counter() - started
        answer({"wall_s": wall, "passages": report.passages_added, "report_s": report.seconds,
                "skipped": len(report.skipped)})
    elif cmd == "open":
        state["assistant"] = Assistant(load_settings().with_index(msg["index"]))
        answer({"ok": True})
    elif cmd == "ask":
        helper = state["assistant"]
        started = time.perf_counter()
        result = helper.ask(msg["question"])
        answer({"s": time.perf_counter() - started, "abstained": bool(result.abstained)})
    elif cmd == "quit":
        answer({"ok": True})
        break
'''


# --- pure logic (unit-tested) ----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list; p50 of an even count is the lower middle."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.inf


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


def sample(items: list[Any], n: int | None) -> list[Any]:
    """All items, or ``n`` evenly spaced ones (fixed, the same every run)."""
    if n is None or n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def order(round_no: int) -> tuple[str, str]:
    """Which version goes first: ABBA ABBA... over successive turns."""
    return ("baseline", "current") if round_no % 4 in (0, 3) else ("current", "baseline")


def summarise(ingest: dict[str, list[dict[str, float]]], asks: dict[str, list[float]]) -> dict[str, Any]:
    """Medians of the ingest runs and ask latencies per version, the two ratios and their verdicts."""
    rows: dict[str, Any] = {}
    for version in ("baseline", "current"):
        runs = ingest[version]
        rows[version] = {
            "passages": runs[0]["passages"] if runs else 0,
            "ingest_s": statistics.median(r["wall_s"] for r in runs),
            "passages_per_s": statistics.median(r["passages"] / r["wall_s"] for r in runs),
            "ingest_runs_s": [round(r["wall_s"], 2) for r in runs],
            "asks": len(asks[version]),
            "p50_s": percentile(asks[version], 50),
            "p95_s": percentile(asks[version], 95),
        }
    slowdown = ratio(rows["baseline"]["passages_per_s"], rows["current"]["passages_per_s"])
    p50_ratio = ratio(rows["current"]["p50_s"], rows["baseline"]["p50_s"])
    return {
        **rows,
        "p95_ratio": ratio(rows["current"]["p95_s"], rows["baseline"]["p95_s"]),
        "p50_ratio": p50_ratio, "p50_verdict": verdict(p50_ratio, P50_TARGET),
        "ingest_slowdown": slowdown, "ingest_verdict": verdict(slowdown, INGEST_TARGET),
    }


def format_table(summary: dict[str, Any]) -> str:
    """One Markdown table: the figures of both versions, the ratio, the target and PASS/FAIL."""
    b, c = summary["baseline"], summary["current"]
    lines = [
        "| measure | baseline | current | ratio | target | verdict |",
        "|---|---|---|---|---|---|",
        f"| ingest passages/s (median, {len(b['ingest_runs_s'])} runs each) | {b['passages_per_s']:.1f} "
        f"| {c['passages_per_s']:.1f} | {summary['ingest_slowdown']:.2f}x slower "
        f"| <= {INGEST_TARGET}x slower | {summary['ingest_verdict']} |",
        f"| ingest wall time (median) | {b['ingest_s']:.1f} s ({b['passages']} passages) "
        f"| {c['ingest_s']:.1f} s ({c['passages']} passages) | | | |",
        f"| ask() p50 ({b['asks']} / {c['asks']} asks) | {b['p50_s'] * 1000:.0f} ms | {c['p50_s'] * 1000:.0f} ms "
        f"| {summary['p50_ratio']:.2f}x | <= {P50_TARGET}x | {summary['p50_verdict']} |",
        f"| ask() p95 | {b['p95_s'] * 1000:.0f} ms | {c['p95_s'] * 1000:.0f} ms "
        f"| {summary['p95_ratio']:.2f}x | | |",
    ]
    return "\n".join(lines)


# --- the driver ----------------------------------------------------------------------------------------------


class Worker:
    """One version's long-lived subprocess, spoken to in JSON lines."""

    def __init__(self, name: str, checkout: Path, python: str, tmp: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        self.name = name
        home = tmp / name / "home"
        home.mkdir(parents=True)
        script = tmp / name / "worker.py"
        script.write_text(WORKER, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(checkout), "SITREP_HOME": str(home),
               "SITREP_INDEX__DIR": str(tmp / name / "default-index"), **(extra_env or {})}
        self.log: IO[str] = open(tmp / name / "stderr.log", "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen([python, str(script)], cwd=checkout, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        ready = self._read()
        where = Path(ready["assistant"])
        if checkout.resolve() not in where.parents:
            raise SystemExit(f"{name}: imported assistant from {where}, not from {checkout}")

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} worker died; see {self.log.name}")
        result: dict[str, Any] = json.loads(line)
        return result

    def call(self, **msg: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(SystemExit, BrokenPipeError, OSError):
            self.call(cmd="quit")
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    corpus = Path(args.corpus).resolve()
    gold = [json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = sample([g["question"] for g in gold], args.questions)
    warmups = [g["question"] for g in gold if g["question"] not in questions][:args.warmup] or questions[:args.warmup]
    tmp = Path(tempfile.mkdtemp(prefix="sitrep-sbs-"))
    scratch = tmp / "warmup-corpus"
    scratch.mkdir()
    first = sorted(p for p in corpus.rglob("*.md") if p.is_file())[0]
    shutil.copy(first, scratch / first.name)
    checkouts = {"baseline": Path(args.baseline).resolve(), "current": REPO}
    workers: dict[str, Worker] = {}
    started = time.time()
    try:
        for name in ("baseline", "current"):
            extra = dict(kv.split("=", 1) for kv in args.current_env) if name == "current" else {}
            workers[name] = Worker(name, checkouts[name], args.python, tmp, extra)
            workers[name].call(cmd="ingest", path=str(scratch), index=str(tmp / name / "warmup-index"))
            print(f"{name}: {checkouts[name]} warmed up", file=sys.stderr)
        ingest: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
        for rnd in range(args.ingest_rounds):
            for name in order(rnd):
                result = workers[name].call(cmd="ingest", path=str(corpus), index=str(tmp / name / f"index-{rnd}"))
                ingest[name].append(result)
                print(f"ingest round {rnd} {name}: {result['passages']} passages in {result['wall_s']:.1f}s",
                      file=sys.stderr)
        for name, worker in workers.items():  # a fresh Assistant over its last index, as a new ask() would
            worker.call(cmd="open", index=str(tmp / name / f"index-{args.ingest_rounds - 1}"))
            for q in warmups:
                worker.call(cmd="ask", question=q)
        asks: dict[str, list[float]] = {"baseline": [], "current": []}
        turn = 0
        for rnd in range(args.rounds):
            for i, question in enumerate(questions):
                for name in order(turn):
                    asks[name].append(workers[name].call(cmd="ask", question=question)["s"])
                turn += 1
                if (i + 1) % 20 == 0:
                    print(f"ask round {rnd}: {i + 1}/{len(questions)} "
                          f"({time.time() - started:.0f}s elapsed)", file=sys.stderr)
    finally:
        for worker in workers.values():
            worker.close()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = summarise(ingest, asks)
    summary["questions"] = len(questions)
    summary["rounds"] = args.rounds
    summary["baseline_checkout"] = str(checkouts["baseline"])
    summary["current_env"] = args.current_env
    summary["seconds"] = time.time() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.side_by_side", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="checkout of the baseline code (e.g. a worktree)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the questions (default 1)")
    parser.add_argument("--questions", type=int, default=60,
                        help="evenly spaced sample of the gold questions (default 60; 0 = all)")
    parser.add_argument("--ingest-rounds", type=int, default=2, help="cold ingests per version (default 2)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up questions per worker (not timed)")
    parser.add_argument("--corpus", default=str(REPO / "eval" / "corpus"))
    parser.add_argument("--gold", default=str(REPO / "eval" / "gold.jsonl"))
    parser.add_argument("--python", default=sys.executable, help="interpreter for both workers")
    parser.add_argument("--current-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment of the current worker only, e.g. "
                             "SITREP_INDEX__SENTENCE_VECTORS=false (repeatable)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.questions = args.questions or None
    summary = run(args)
    table = format_table(summary)
    print(f"demo corpus, {summary['questions']} questions x {summary['rounds']} round(s), "
          f"baseline {summary['baseline_checkout']}, current env {summary['current_env'] or 'default'}, "
          f"{summary['seconds']:.0f} s")
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
