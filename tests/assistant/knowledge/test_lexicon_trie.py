"""The alias pattern is a character trie: it must find exactly what the alternation sorted longest first finds."""

from __future__ import annotations

import random
import re

from assistant.knowledge.lexicon import Lexicon, _trie
from assistant.knowledge.loader import ActorEntry, load_knowledge

#: Nested and overlapping forms: one inside another, one the prefix of another, shared prefixes, punctuation.
FORMS = ["syrian army", "free syrian army", "syrian", "army", "syrian arab army", "sdf", "sdf-led",
         "hay'at tahrir al-sham", "hay'at", "al-nusra", "al-nusra front", "al", "u.s.", "u.s. forces", "is",
         "isis", "isil", "islamic state", "islamic state of iraq", "islamic state of iraq and the levant"]


def _reference(forms: list[str]) -> re.Pattern[str]:
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")


def _texts(rng: random.Random, n: int) -> list[str]:
    pieces = FORMS + ["the", "front", "forces", "levant", "-", "'s", ",", ".", " ", "  ", "x", "of", "and"]
    return [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(n)]


def test_trie_matches_what_the_longest_first_alternation_matches() -> None:
    rng = random.Random(7)
    trie = re.compile(rf"(?<![\w-])(?:{_trie(FORMS)})(?![\w-])")
    reference = _reference(FORMS)
    texts = _texts(rng, 3000) + ["the free syrian army and the syrian arab army", "u.s. forces, u.s.-backed",
                                 "islamic state of iraq and the levant's", "al-nusra-front al nusra"]
    for text in texts:
        assert [(m.span(), m[0]) for m in trie.finditer(text)] == \
            [(m.span(), m[0]) for m in reference.finditer(text)], text


def test_trie_of_random_forms_matches_the_alternation() -> None:
    rng = random.Random(11)
    letters = "ab -'"
    for _ in range(300):
        forms = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(1, 5))).strip() or "a"
                        for _ in range(rng.randint(1, 8))})
        trie, reference = re.compile(rf"(?<![\w-])(?:{_trie(forms)})(?![\w-])"), _reference(forms)
        for _ in range(20):
            text = "".join(rng.choice(letters + "c") for _ in range(rng.randint(0, 20)))
            assert [(m.span(), m[0]) for m in trie.finditer(text)] == \
                [(m.span(), m[0]) for m in reference.finditer(text)], (forms, text)


def test_packaged_lexicon_spans_longest_alias_and_case_sensitive_forms() -> None:
    lexicon = Lexicon(load_knowledge().actors)
    spans = lexicon.actor_spans("The Free Syrian Army clashed with IS near Raqqa, SANA said.")
    assert spans[0] == (4, 20, lexicon._canon["free syrian army"])  # not the 'syrian army' inside it
    assert lexicon._canon["free syrian army"] != lexicon._canon["syrian army"]
    assert lexicon.actors_in("IS fighters") and not lexicon.actors_in("this is it")


def test_force_rule_skipped_without_its_head_still_finds_the_rest() -> None:
    entries = [ActorEntry(id="saa", name="Syrian Army", aliases=["syrian army"],
                          forces={"heads": ["government"], "nouns": ["forces"], "not_after": ["iraqi"]}),
               ActorEntry(id="sana", name="SANA", aliases=["sana news"], case_sensitive=["SANA"])]
    lexicon = Lexicon(entries)
    assert lexicon.actor_spans("The Syrian army advanced, SANA said.") == [(4, 15, "actor_saa"),
                                                                            (26, 30, "actor_sana")]
    assert lexicon.actor_spans("government forces advanced") == [(0, 17, "actor_saa")]
    assert lexicon.actor_spans("Iraqi government forces advanced") == []
    assert lexicon.actor_spans("Sana, a city") == []
