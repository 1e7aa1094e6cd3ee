"""The Lexicon remembers the tokens of recent short texts: the same tokens, a fresh list each time."""

from __future__ import annotations

from assistant.knowledge import Lexicon, load_knowledge
from assistant.knowledge import lexicon as module


def test_remembered_tokens_are_the_same_and_a_fresh_list() -> None:
    lexicon = Lexicon(load_knowledge().actors)
    text = "Regime forces shelled Hajin; the SDF said 12 civilians were killed."
    first = lexicon.tokens(text)
    first.append("mutated")  # the caller's list, not the remembered one
    again = lexicon.tokens(text)
    assert again == Lexicon(load_knowledge().actors).tokens(text) and "mutated" not in again
    assert lexicon.tokens(text, with_actors=False) == [t for t in again if not t.startswith("actor_")]
    long = "Hajin " * (module._MEMO_CHARS // 6 + 1)
    assert lexicon.tokens(long) == lexicon.tokens(long) and (long, True) not in lexicon._token_memo
