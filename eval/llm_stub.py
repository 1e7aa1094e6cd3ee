"""A local server speaking the OpenAI chat-completions protocol (streaming and not) and Ollama's /api/chat, for
tests and the adversarial eval: the real ``openai`` and ``ollama`` backends run end to end against it on
127.0.0.1, no network, no model.

``OpenAIStub(reply)`` calls ``reply(messages)`` (the request's messages as dicts) for every request and answers
with the text it returns; ``passages_in(prompt)`` reads the numbered passages back out of Sitrep's prompt, so a
scripted reply can cite the right ``[n]``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[list[dict[str, Any]]], str]

_PASSAGE = re.compile(r"\[(\d+)\] ([^\n]*)\n<passage \1>\n(.*?)\n</passage \1>", re.S)


def passages_in(prompt: str) -> dict[int, str]:
    """{n: 'header\\ntext'} of the passages numbered in a Sitrep answer prompt."""
    return {int(m[1]): f"{m[2]}\n{m[3]}" for m in _PASSAGE.finditer(prompt)}


def prompt_of(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message."""
    users = [m for m in messages if m.get("role") == "user"]
    content = users[-1]["content"] if users else ""
    return content if isinstance(content, str) else " ".join(str(p.get("text", "")) for p in content)


class OpenAIStub:
    """``with OpenAIStub(reply) as stub:`` serves ``stub.base_url`` (``http://127.0.0.1:PORT/v1``)."""

    def __init__(self, reply: Reply, delay_s: float = 0.0) -> None:
        self.reply = reply
        self.delay_s = delay_s
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                stub.requests.append(body)
                if self.path.rstrip("/") == "/api/chat":  # Ollama's protocol (newline-delimited JSON)
                    self._ollama(stub.reply(body.get("messages", [])), body.get("model", "stub"),
                                 body.get("stream", True))
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self.send_error(404)
                    return
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                text = stub.reply(body.get("messages", []))
                model = body.get("model", "stub")
                if body.get("stream"):
                    try:
                        self._stream(text, model)
                    except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                        return
                else:
                    self._json({"id": "stub-1", "object": "chat.completion", "created": 0, "model": model,
                                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                             "finish_reason": "stop"}],
                                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _json(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, text: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = re.findall(r"\S+\s*|\s+", text)
                for i, piece in enumerate(pieces):
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    self._event({"id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
                self._event({"id": "stub-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _ollama(self, text: str, model: str, stream: bool) -> None:
                if stub.delay_s:
                    time.sleep(stub.delay_s)
                done = {"model": model, "created_at": "2026-01-01T00:00:00Z", "done": True, "done_reason": "stop",
                        "total_duration": 1, "load_duration": 1, "prompt_eval_count": 1, "prompt_eval_duration": 1,
                        "eval_count": 1, "eval_duration": 1}
                pieces = re.findall(r"\S+\s*|\s+", text) if stream else [text]
                lines = [{"model": model, "created_at": "2026-01-01T00:00:00Z", "done": False,
                          "message": {"role": "assistant", "content": piece}} for piece in pieces]
                if stream:
                    lines.append({**done, "message": {"role": "assistant", "content": ""}})
                else:
                    lines = [{**done, "message": {"role": "assistant", "content": text}}]
                data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _event(self, payload: dict[str, Any]) -> None:
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible endpoint."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        """The same server speaking Ollama's /api/chat."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OpenAIStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
