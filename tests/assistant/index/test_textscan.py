"""The narrowed regex search over passages (assistant.index.textscan) gives exactly the full scan's passages."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from assistant.conflict.actors import passages_matching
from assistant.conflict.control import place_pattern
from assistant.conflict.incidents import IncidentReader
from assistant.index import Store
from assistant.index.textscan import ICASE_ASCII_TWINS, FoldedTexts, required_literals
from assistant.knowledge import Lexicon, load_knowledge
from assistant.knowledge.lexicon import fold
from assistant.models import Document
from assistant.settings import IngestSettings, Settings
from ingest.chunk import chunk_document
from ingest.loaders import load_file
from ingest.pipeline import content_hash

DEMO = Path(__file__).resolve().parents[3] / "eval" / "corpus"

#: Hand-made passages at the edges: spellings, hyphens, articles, case, accents, the IGNORECASE twins.
EDGES = [
    "Fighting in Deir ez-Zor province.", "deir-ez-zor city", "DEIR  EZ ZOR", "Deir ez\nZor", "Deir el-Zor",
    "the town of al-Bab", "Al Bab fell", "Tadef-al-Bab", "al-Babs", "Ras al-Ain", "Ras al Ain", "ras-al-ain",
    "Serêkaniyê and Raqqā", "ar-Raqqa", "al-Raqqah", "Raqqa's", "xraqqa", "raqqa-x", "Hajin.", "HAJIN", "Hajinx",
    "Rakka in Turkish", "the İdlib front", "ıdlib", "ſhelling by the regime", "Kelvin: \u212aobani",
    "Regime shelling hit Hajin", "government air strikes", "Russian jets struck", "coalition strikes", "",
    "no place here", "al-", "ez-zor", "deir", "Kobanî", "ayn al-'arab", "Ain al-Arab",
]


def _demo_rows() -> list[tuple[str, str]]:
    settings = Settings()
    rows = []
    for path in sorted(p for p in DEMO.rglob("*") if p.is_file() and not p.name.startswith("_")):
        try:
            docs, _ = load_file(path, str(path.relative_to(DEMO)), IngestSettings())
        except Exception:
            continue
        for doc in docs:
            doc.content_hash = content_hash(doc)
            rows += [(p.passage_id, p.text) for p in chunk_document(doc, settings.chunking)]
    rows += [(f"edge/{i:03d}", text) for i, text in enumerate(EDGES)]
    return sorted(rows)


def _scan(rows: list[tuple[str, str]], pattern: re.Pattern[str]) -> list[str]:
    return [pid for pid, text in rows if pattern.search(fold(text))]


def _patterns(rows: list[tuple[str, str]]) -> list[re.Pattern[str]]:
    knowledge = load_knowledge()
    names = {a for place in knowledge.places for a in [place.name, *place.aliases]}
    names |= {"Deir ez-Zor", "al-Bab", "Ras al-Ain", "Ras al-Ayn", "Hajin", "al-Shaafa", "Baghuz", "Raqqa", "Am",
              "Tadef", "x", "al Bab", "ez zor"}
    for _, text in rows:  # every capitalised word and pair of words of the corpus, as a place asked about
        words = re.findall(r"[A-Z][\w'’-]+", text)
        names.update(words)
        names.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    patterns = [place_pattern(n) for n in sorted(names) if re.sub(r"^(?:al|el|ar|as|ad|an|ash|at|az)-", "",
                                                                    fold(n).strip())]
    lexicon = Lexicon(knowledge.actors)
    reader = IncidentReader(lexicon, {}, {}, knowledge.events.event_types, knowledge.question.outcomes)
    heads = [reader.head_pattern(f"actor_{a.id}") for a in knowledge.actors]
    patterns += [h for h in heads if h is not None]
    patterns += [re.compile(p, f) for p, f in [
        (r"shell(?:ing|ed)", 0), (r"(?i)KILLED\s+\d+", 0), (r"\bday\b", re.I), (r"[a-z]+ez", 0), (r"^the", 0),
        (r"(?:raqqa|hajin)|manbij", 0), (r"a{2,}", 0), (r"(?:ab)+c", 0), (r"(?i:hajin)", 0), (r"x?y?", 0),
        (r"the (?=town)", re.I), (r"s(?:tri)ke", re.I), (r"\d+ (?:people|civilians)", 0),
    ]]
    return patterns


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str]]:
    return _demo_rows()


def test_narrowed_search_equals_the_full_scan(rows: list[tuple[str, str]]) -> None:
    texts = FoldedTexts(lambda: rows, lambda: 1)
    patterns = _patterns(rows)
    assert len(rows) > 150 and len(patterns) > 300
    narrowed = 0
    for pattern in patterns:
        assert texts.matching(pattern) == _scan(rows, pattern), pattern.pattern
        narrowed += required_literals(pattern) is not None
    assert narrowed > 0.95 * len(patterns)  # nearly every pattern is narrowed, not scanned


def test_required_literals() -> None:
    assert required_literals(place_pattern("Deir ez-Zor")) == (["deir"], False)
    assert required_literals(place_pattern("al-Bab")) == (["bab"], False)
    assert required_literals(place_pattern("Ras al-Ain")) == (["ras"], False)
    assert required_literals(re.compile(r"(?<![\w-])(?:regime|government)(?![\w])", re.I)) == \
        (["regime", "government"], True)
    assert required_literals(re.compile(r"Raqq[aā]h?", re.I)) == (["raqq"], True)
    assert required_literals(re.compile(r"\d+")) is None  # nothing required: every passage is searched
    assert required_literals(re.compile(r"x?y?")) is None
    assert required_literals(re.compile(r"(?:a|\d)b")) == (["b"], False)  # a branch without a literal is skipped


@pytest.mark.skipif(sys.maxunicode < 0x10FFFF, reason="narrow build")
def test_icase_ascii_twins_are_complete() -> None:
    """Every non-ASCII character that IGNORECASE matches with an ASCII one is in the twins set."""
    ascii_icase = re.compile(r"[\x00-\x7f]", re.I)
    twins = {chr(c) for c in range(0x80, sys.maxunicode + 1) if ascii_icase.fullmatch(chr(c))}
    assert twins == set(ICASE_ASCII_TWINS)


def test_refreshed_when_the_generation_changes(rows: list[tuple[str, str]]) -> None:
    state = {"rows": rows[:10], "generation": 1}
    texts = FoldedTexts(lambda: state["rows"], lambda: state["generation"])
    pattern = place_pattern("Hajin")
    assert texts.matching(pattern) == _scan(rows[:10], pattern)
    state["rows"] = rows
    assert texts.matching(pattern) == _scan(rows[:10], pattern)  # same generation: cached
    state["generation"] = 2
    assert texts.matching(pattern) == _scan(rows, pattern)


def test_passages_matching_through_the_store(tmp_path: Path) -> None:
    store = Store(Settings().with_index(tmp_path / "index"))
    store.lexical.ensure()

    def put(doc_id: str, text: str) -> None:
        doc = Document(doc_id=doc_id, title=doc_id, text=text, root="r", path=doc_id)
        doc.content_hash = content_hash(doc)
        passages = chunk_document(doc, store.settings.chunking)
        store.docs.put(doc, passages, [store.lexical.encode(p.text) for p in passages])

    put("a.txt", "The SDF entered Deir ez-Zor on Monday.")
    put("b.txt", "Shelling hit al-Bab.")
    pattern = place_pattern("Deir-ez-Zor")
    found = passages_matching(store, pattern)
    assert len(found) == 1 and found == _scan(store.docs.passage_texts(), pattern)
    put("c.txt", "Deir  EZ zor was quiet.")  # a write: the folded texts are read again
    found = passages_matching(store, pattern)
    assert len(found) == 2 and found == _scan(store.docs.passage_texts(), pattern)
    assert passages_matching(store, place_pattern("al-Bab")) == _scan(store.docs.passage_texts(),
                                                                       place_pattern("al-Bab"))
    store.close()
