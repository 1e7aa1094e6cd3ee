"""Load test of the chat app: N requests from C concurrent clients against a real server; p50/p95 latency.

    python -m eval.ui_load [--index DIR] [--queue-limit 4] [--requests 40] [--clients 8] [--url URL]

Without ``--url`` it starts ``sitrep chat`` in a subprocess on a free port (``SITREP_UI__CONCURRENCY`` set from
``--queue-limit``; 1 is how the app served requests before the workbench) over ``--index``, or over a fresh
index of the demo corpus. Requests go through the app's public ``/chat`` endpoint with ``gradio_client``,
exactly as the browser's chat does, with the demo gold questions in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _questions(n: int) -> list[str]:
    from eval.run import demo_gold

    lines = Path(demo_gold()).read_text(encoding="utf-8").splitlines()
    qs = [json.loads(line)["question"] for line in lines if line.strip()]
    return [qs[i % len(qs)] for i in range(n)]


def _connect(url: str, timeout: float) -> Any:
    from gradio_client import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            return Client(url, verbose=False)
        except Exception:  # server not up yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def measure(url: str, requests: int, clients: int) -> dict[str, Any]:
    local = threading.local()

    def one(question: str) -> float:
        if not hasattr(local, "client"):
            local.client = _connect(url, 60)
        started = time.perf_counter()
        local.client.predict(question, [], "", "", [], [], 8, api_name="/chat")
        return time.perf_counter() - started

    _connect(url, 180).predict("Who controlled Hajin in December 2018?", [], "", "", [], [], 8, api_name="/chat")
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = sorted(pool.map(one, _questions(requests)))
    wall = time.perf_counter() - started
    return {"requests": requests, "clients": clients, "p50": round(statistics.median(latencies), 2),
            "p95": round(latencies[max(0, round(0.95 * len(latencies)) - 1)], 2),
            "mean": round(statistics.fmean(latencies), 2), "wall_s": round(wall, 1),
            "throughput_rps": round(requests / wall, 2)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="Measure an app already running there.")
    parser.add_argument("--index", type=Path, help="Index to serve (default: a fresh index of the demo corpus).")
    parser.add_argument("--queue-limit", type=int, default=4, help="SITREP_UI__CONCURRENCY of the served app.")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    if args.url:
        print(json.dumps(measure(args.url, args.requests, args.clients)))
        return
    index = args.index
    if index is None:
        from assistant.core import Assistant
        from assistant.settings import load_settings
        from eval.run import demo_corpus

        index = Path(tempfile.mkdtemp(prefix="sitrep-load-")) / "index"
        Assistant(load_settings().with_index(index)).ingest([demo_corpus()], progress=False)
    port = _free_port()
    env = {**os.environ, "SITREP_UI__CONCURRENCY": str(args.queue_limit)}
    server = subprocess.Popen([sys.executable, "-m", "assistant.cli", "chat", "--index", str(index),
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = measure(f"http://127.0.0.1:{port}", args.requests, args.clients)
    finally:
        server.terminate()
        server.wait(30)
    print(json.dumps({"queue_limit": args.queue_limit, **result}))


if __name__ == "__main__":
    main()
