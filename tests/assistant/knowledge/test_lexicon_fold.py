"""fold(): lower case without accents, the same text as removing every combining character after NFKD."""

from __future__ import annotations

import random
import sys
import unicodedata

from assistant.knowledge.lexicon import fold


def _reference(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def test_fold_equals_the_character_by_character_definition() -> None:
    samples = ["Raqqa", "Raqqā", "Ḩajīn, Dayr az-Zawr", "ﬁ ǅ Ⅻ ㎏ ½", "e\u0301\u0301x", "İstanbul ΣΑΣ ΟΔΟΣ",
               "a\U0001D167b", "\u0345\u0399", "Kobanî — ‘Ayn al-‘Arab’", "Ş ş Ç ğ ı", "Đ đ Ø ø Ł ł"]
    marks = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))]
    rng = random.Random(3)
    letters = [chr(c) for c in range(0x20, 0x3000)]
    samples += ["".join(rng.choice(letters + marks) for _ in range(40)) for _ in range(2000)]
    samples.append("x" + "".join(marks) + "y")
    for text in samples:
        assert fold(text) == _reference(text), text
