"""How the app is started: 127.0.0.1 unless --host, --share explicit, the queue's concurrency from settings."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

import assistant.app
from assistant.cli import app as cli
from assistant.core import Assistant
from assistant.settings import Settings


def test_cli_chat_binds_locally_and_share_is_explicit(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(assistant.app, "launch", lambda settings, **kw: calls.append(kw))
    runner = CliRunner()
    assert runner.invoke(cli, ["chat"]).exit_code == 0
    assert runner.invoke(cli, ["chat", "--host", "0.0.0.0", "--port", "9000", "--share"]).exit_code == 0
    assert calls == [{"host": "127.0.0.1", "port": 7860, "share": False},
                     {"host": "0.0.0.0", "port": 9000, "share": True}]


def test_serve_sets_the_queue_concurrency(make_assistant: Callable[..., Assistant]) -> None:
    from assistant.ui import serve

    s = Settings()
    a = make_assistant(s.model_copy(update={"ui": s.ui.model_copy(update={"concurrency": 6})}))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = serve(a, "127.0.0.1", port)
    try:
        assert demo._queue.default_concurrency_limit == 6
        assert demo.server_name == "127.0.0.1" and not demo.share
    finally:
        demo.close()
