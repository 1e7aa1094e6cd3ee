"""Follow-up questions: rewritten into a standalone question before retrieval.

With an LLM: ``prompts/condense_question.txt``. Without one (or when it fails): by rules, carrying the previous
question's actors, places and dates into the new one ("And who reported that?" after "How many soldiers were
injured in the strike on the artillery position?" -> "Who reported that soldiers were injured in the strike on
the artillery position?").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from assistant.answer.llm import message_text
from assistant.answer.question import Analyser

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

#: One turn of a conversation: a {"role", "content"} message (Gradio "messages"), a (user, assistant) pair
#: (Gradio "tuples"), or a bare string (a previous user question).
Turn = Mapping[str, Any] | Sequence[Any] | str

_LEAD = re.compile(r"^\s*(?:and|but|so|also|then|ok(?:ay)?|well)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\s+", re.I)
_ANAPHOR = re.compile(r"\b(?:that|this|it|they|them|there|those|these|he|she|his|her|their|then|same)\b"
                      r"|\bso\s*[?.!]*\s*$", re.I)
_TRAILING_PRONOUN = re.compile(r"\s+(?:that|this|it|so)\s*[?.!]*\s*$", re.I)
_REPORTING = re.compile(r"\b(?:report|said|say|claim|confirm|announc|stat|den(?:y|ied)|publish|wr[oi]te|tweet|"
                        r"document|record|verif|accus|blame)\w*\s+(?:that|this|it|so)\s*[?.!]*\s*$", re.I)
_WH_LEAD = re.compile(r"^\s*(?:how\s+many|how\s+much|what\s+number\s+of)\s+", re.I)
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|{_MONTH}\s+\d{{4}}"
                   rf"|(?:19|20)\d\d)\b", re.I)
_HISTORY_CHARS = 600


def turns(history: Sequence[Turn] | None) -> list[tuple[str, str]]:
    """(role, text) pairs, role 'user' or 'assistant', from any accepted history shape."""
    out: list[tuple[str, str]] = []
    for turn in history or []:
        if isinstance(turn, str):
            out.append(("user", turn))
        elif isinstance(turn, Mapping):
            role = "assistant" if str(turn.get("role", "user")) in ("assistant", "ai", "bot") else "user"
            out.append((role, message_text(turn.get("content", ""))))
        elif len(turn) == 2:
            user, bot = turn[0], turn[1]
            if user:
                out.append(("user", str(user)))
            if bot:
                out.append(("assistant", str(bot)))
    return [(r, t.strip()) for r, t in out if t and t.strip()]


def looks_like_follow_up(question: str, analyser: Analyser) -> bool:
    """Short, pronoun-led or 'and ...'/'what about ...' questions that name nothing of their own."""
    q = question.strip()
    if _LEAD.match(q) or _ABOUT.match(q):
        return True
    own = analyser.capitalised(q[1:]) or _DATE.search(q)
    return not own and (bool(_ANAPHOR.search(q)) or len(q.split()) <= 3)


def names_of(question: str, analyser: Analyser) -> list[str]:
    """The actors and places a question names, as written (months and the first word left out)."""
    return [n for n in analyser.capitalised(question.strip()[1:]) if not _DATE.fullmatch(n)
            and not re.fullmatch(_MONTH, n, re.I)]


def context_of(question: str, analyser: Analyser, dates: bool = True) -> list[str]:
    """The actors, places and (optionally) dates a question names, as written."""
    found = [*names_of(question, analyser), *([m[0] for m in _DATE.finditer(question)] if dates else [])]
    out: list[str] = []
    for item in found:
        if item and not any(item.lower() in o.lower() for o in out):
            out.append(item)
    return out


def rewrite_by_rules(question: str, previous: str, analyser: Analyser) -> str:
    """The follow-up made standalone with the previous (standalone) question's actors, places and dates."""
    q = question.strip()
    if not previous or not looks_like_follow_up(q, analyser):
        return q
    body = _ABOUT.sub("", _LEAD.sub("", q)).strip() or q
    body = body[0].upper() + body[1:]
    prev = previous.strip().rstrip("?.! ")
    if _TRAILING_PRONOUN.search(body):  # "who reported that?" -> "who reported that <previous clause>?"
        stripped = _WH_LEAD.sub("", prev)
        clause = stripped
        if clause != prev and clause[:1].isupper() and not clause.split()[0].isupper():
            clause = clause[0].lower() + clause[1:]
        head = _TRAILING_PRONOUN.sub("", body).rstrip()
        if _REPORTING.search(body) and stripped != prev:
            return f"{head} that {clause}?"
        return f"{body.rstrip('?.! ')}: {clause}?"
    fragment = body.rstrip("?.! ")
    own_names, own_dates = names_of(q, analyser), [m[0] for m in _DATE.finditer(q)]
    if _ABOUT.match(q) or _LEAD.match(q) and not _is_question(fragment):  # "and in January 2019?", "what about X?"
        new = prev
        old_dates = [m[0] for m in _DATE.finditer(prev)]
        if own_dates and old_dates:
            new = new.replace(old_dates[-1], own_dates[-1])
        old_names = names_of(prev, analyser)
        if own_names and old_names:
            new = new.replace(old_names[-1], own_names[-1])
        if new != prev:
            return f"{new}?"
        return f"{prev} ({fragment})?"
    carried = [c for c in context_of(previous, analyser, dates=not own_dates) if c.lower() not in q.lower()]
    if not carried:
        return q
    return f"{fragment} ({', '.join(carried)})?"


def _is_question(text: str) -> bool:
    return bool(re.match(r"^\s*(?:who|whom|whose|what|when|where|which|why|how|is|are|was|were|did|does|do|has|have|"
                         r"had|can|could|will|would)\b", text, re.I))


class Condenser:
    """Rewrites a follow-up into a standalone question (LLM when given and enabled, else rules)."""

    def __init__(self, analyser: Analyser, model: BaseChatModel | None = None, prompt: str | None = None) -> None:
        self.analyser = analyser
        self.model = model
        self.prompt = prompt

    def standalone(self, question: str, history: Sequence[Turn] | None) -> str:
        conversation = turns(history)
        users = [t for r, t in conversation if r == "user"]
        if not users:
            return question.strip()
        if self.model is not None and self.prompt:
            try:
                return self._by_model(question, conversation) or self._by_rules(question, users)
            except Exception:  # a failing LLM never blocks a question: rules instead
                return self._by_rules(question, users)
        return self._by_rules(question, users)

    def _by_rules(self, question: str, users: list[str]) -> str:
        previous = ""
        for earlier in users:  # each earlier question made standalone in turn, so context carries along
            previous = rewrite_by_rules(earlier, previous, self.analyser)
        return rewrite_by_rules(question, previous, self.analyser)

    def _by_model(self, question: str, conversation: list[tuple[str, str]]) -> str:
        assert self.model is not None and self.prompt is not None
        lines = [f"{'User' if r == 'user' else 'Assistant'}: {t[:_HISTORY_CHARS]}" for r, t in conversation[-6:]]
        prompt = self.prompt.format(history="\n".join(lines), question=question.strip())
        reply = message_text(self.model.invoke([("human", prompt)]).content).strip()
        first = next((line.strip() for line in reply.splitlines() if line.strip()), "")
        first = re.sub(r"^(?:standalone question|question)\s*:\s*", "", first, flags=re.I).strip().strip('"')
        return first if 3 <= len(first) <= 500 else ""
