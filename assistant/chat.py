"""One chat turn for any chat face (the Gradio app): the streamed draft, then the verified answer as Markdown.

The conversation lives with the caller (Gradio keeps ``history`` per browser session); the Assistant holds no
conversation state, so users never share one.

```python
gr.ChatInterface(fn=lambda message, history: respond_stream(assistant, message, history), type="messages")
```
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence

from assistant.answer import render_markdown
from assistant.answer.followup import Turn
from assistant.core import Assistant
from assistant.errors import SitrepError
from assistant.models import Answer

#: Shown after the draft while the model is still writing (the verified answer replaces it).
CURSOR = " ▌"


def render_turn(answer: Answer, asked: str) -> str:
    """The answer as Markdown, led by the standalone question when a follow-up was rewritten."""
    body = render_markdown(answer)
    if answer.question.strip() != asked.strip():
        return f"_Answering: {html.escape(answer.question)}_\n\n{body}"
    return body


def respond_stream(assistant: Assistant, message: str, history: Sequence[Turn] | None = None) -> Iterator[str]:
    """Yield the Markdown to show, again and again: the growing draft, then the final verified answer."""
    draft = ""
    try:
        for event in assistant.ask_stream(message, history=history):
            if isinstance(event, Answer):
                yield render_turn(event, message)
            else:
                draft += event
                yield html.escape(draft) + CURSOR
    except SitrepError as exc:
        yield f"⚠️ {exc}"


def respond(assistant: Assistant, message: str, history: Sequence[Turn] | None = None) -> str:
    """The final Markdown of one turn (no streaming)."""
    shown = list(respond_stream(assistant, message, history))
    return shown[-1] if shown else ""
