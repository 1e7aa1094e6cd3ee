"""Folder sync end to end with the real embedder and an embedded Chroma in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.index import Store
from assistant.index.sentences import sentence_texts
from assistant.models import Document, Passage
from assistant.prompts import REFUSAL
from assistant.settings import Settings
from ingest.pipeline import embedded_text, title_prefix

MakeAssistant = Callable[..., Assistant]


def _write_corpus(root: Path, write_pdf: Callable[..., Path]) -> set[str]:
    """One file per format (some in subfolders); returns the expected doc_ids (ROOT/path, ROOT = folder name)."""
    (root / "wire").mkdir(parents=True)
    (root / "notes" / "deep").mkdir(parents=True)
    (root / "wire" / "strike.txt").write_text(
        "Title: Strike on the artillery position\nSource: Levant Wire\nDate: 2019-02-10\n"
        "URL: https://example.test/strike\n\n"
        "A coalition strike hit an artillery position near Al-Sukkariyeh. "
        "The strike wounded two soldiers, state media said.\n",
        encoding="utf-8",
    )
    (root / "plain.txt").write_text(
        "Aid convoy reaches the camp\n\nForty trucks of food reached the camp on Monday.\n"
    )
    (root / "notes" / "deep" / "brief.md").write_text(
        "---\ntitle: Brief on the river crossing\nsource: Meridian Institute\ndate: 2019-02-18\n"
        "region: Deir ez-Zor\n---\n# Brief\n\nThe **river crossing** at Al-Shaafa was closed for repairs.\n"
    )
    (root / "wire" / "page.html").write_text(
        "<html><head><meta property='og:site_name' content='Levant Wire'>"
        "<meta property='article:published_time' content='2019-01-10'><title>Shaafa retaken</title></head>"
        "<body><nav>MENU</nav><article><h1>Shaafa retaken</h1><p>The SDF retook the town of Al-Shaafa "
        "after three days of fighting.</p></article><footer>FOOTER</footer></body></html>"
    )
    write_pdf(
        root / "sitrep.pdf",
        [
            "Situation report",
            "The field hospital treated 35 patients with burns after the market fire in Hajin.",
        ],
        title="Situation report 2019-02-14",
        author="Relief Desk",
    )
    (root / "feed.jsonl").write_text(
        json.dumps(
            {"id": "e1", "source": "Monitor", "date": "2019-03-01", "text": "Shelling hit Baghuz camp."}
        )
        + "\n"
        + json.dumps({"id": "e2", "source": "Monitor", "text": "Families left Baghuz by truck."})
        + "\n"
    )
    (root / "notes" / "records.json").write_text(
        json.dumps([{"id": "r1", "title": "Checkpoint", "body": "A checkpoint opened at Al-Susah."}])
    )
    (root / "events.csv").write_text(
        "event_id,event_date,event_type,location,notes\n"
        "SYR9,2019-02-09,Battles,Hajin,Clashes were reported at the edge of Hajin at night.\n"
    )
    return {
        f"{root.name}/{rel}"
        for rel in (
            "wire/strike.txt",
            "plain.txt",
            "notes/deep/brief.md",
            "wire/page.html",
            "sitrep.pdf",
            "feed.jsonl#e1",
            "feed.jsonl#e2",
            "notes/records.json#r1",
            "events.csv#SYR9",
        )
    }


def _doc_ids(assistant: Assistant) -> set[str]:
    return {d["doc_id"] for d in assistant.store.documents()}


def _passage_ids(assistant: Assistant, doc_id: str) -> list[str]:
    rows = assistant.store.docs.db.execute("SELECT passage_id FROM passages WHERE doc_id = ?", (doc_id,))
    return [r[0] for r in rows]


def _chroma_ids(assistant: Assistant) -> set[str]:
    return set(assistant.store.vectors.ids())


@pytest.fixture
def corpus(tmp_path: Path, write_pdf: Callable[..., Path]) -> tuple[Path, set[str]]:
    root = tmp_path / "corpus"
    return root, _write_corpus(root, write_pdf)


def test_every_format_is_ingested(corpus: tuple[Path, set[str]], make_assistant: MakeAssistant) -> None:
    root, expected = corpus
    assistant = make_assistant()
    report = assistant.ingest([root], progress=False)
    assert report.skipped == []
    assert report.ingested == len(expected)
    assert _doc_ids(assistant) == expected
    assert all(d["passages"] > 0 for d in assistant.store.documents())
    assert report.passages_added == assistant.stats()["passages"] == report.texts_embedded
    assert _chroma_ids(assistant) == {
        r[0] for r in assistant.store.docs.db.execute("SELECT passage_id FROM passages")
    }
    strike = assistant.document("corpus/wire/strike.txt")
    assert strike is not None and strike.source == "Levant Wire" and str(strike.published) == "2019-02-10"
    assert strike.root == "corpus"
    assert [(r.name, r.path, r.documents) for r in assistant.roots()] == [("corpus", str(root.resolve()), 9)]
    brief = assistant.document("corpus/notes/deep/brief.md")
    assert brief is not None and brief.metadata["region"] == "Deir ez-Zor" and "**" not in brief.text
    page = assistant.document("corpus/wire/page.html")
    assert page is not None and "MENU" not in page.text and "FOOTER" not in page.text
    answer = assistant.ask("How many soldiers were wounded in the strike on the artillery position?")
    assert not answer.abstained and "two" in answer.text
    assert answer.citations[0].doc_id == "corpus/wire/strike.txt"


def test_single_file_doc_id_is_its_name(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """A file ingested alone belongs to the root of its folder: FOLDER/name."""
    path = tmp_path / "a" / "b" / "one.txt"
    path.parent.mkdir(parents=True)
    path.write_text("The bridge at Hajin was destroyed.")
    assistant = make_assistant()
    report = assistant.ingest([path], progress=False)
    assert report.ingested == 1
    assert _doc_ids(assistant) == {"b/one.txt"}


def test_hidden_underscore_and_unsupported_files(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    root = tmp_path / "c"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "x.txt").write_text("hidden folder text")
    (root / ".hidden.txt").write_text("hidden text")
    (root / "_draft.md").write_text("draft text")
    (root / "image.png").write_bytes(b"\x89PNG")
    (root / "ok.txt").write_text("Visible text.")
    report = make_assistant().ingest([root], progress=False)
    assert report.ingested == 1
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("image.png", "unsupported file type .png")
    ]


def test_reingest_is_idempotent(corpus: tuple[Path, set[str]], make_assistant: MakeAssistant) -> None:
    root, expected = corpus
    assistant = make_assistant()
    first = assistant.ingest([root], progress=False)
    generation = assistant.store.generation()
    before = assistant.embedder.texts_embedded
    second = assistant.ingest([root], progress=False)
    assert second.texts_embedded == 0
    assert assistant.embedder.texts_embedded == before
    # the CPU of what ingest adds to the embedding (frames are off here): storing, the first time
    assert first.stage_cpu["store"] > 0 and "frames" not in first.stage_cpu | second.stage_cpu
    assert (second.ingested, second.replaced, second.removed, second.passages_added) == (0, 0, 0, 0)
    assert second.unchanged == first.ingested == len(expected)
    assert assistant.store.generation() == generation  # nothing was rewritten
    # a new process (fresh Store on the same index) sees the same and embeds nothing either
    again = make_assistant().ingest([root], progress=False)
    assert again.unchanged == len(expected) and again.texts_embedded == 0


def test_changed_file_replaces_its_passages(
    corpus: tuple[Path, set[str]], make_assistant: MakeAssistant
) -> None:
    root, expected = corpus
    assistant = make_assistant()
    assistant.ingest([root], progress=False)
    old_ids = _passage_ids(assistant, "corpus/wire/strike.txt")
    other_ids = _passage_ids(assistant, "corpus/plain.txt")
    assert old_ids and set(old_ids) <= _chroma_ids(assistant)

    (root / "wire" / "strike.txt").write_text(
        "Title: Strike on the artillery position\nSource: Levant Wire\nDate: 2019-02-10\n\n"
        "Officials later said the strike wounded four soldiers.\n"
    )
    before = assistant.embedder.texts_embedded
    report = assistant.ingest([root], progress=False)
    assert (report.replaced, report.ingested, report.unchanged) == (1, 0, len(expected) - 1)
    new_ids = _passage_ids(assistant, "corpus/wire/strike.txt")
    assert report.texts_embedded == len(new_ids)
    # and the answerer's sentence vectors of those passages only (assistant.index.sentences)
    sentences = sentence_texts([v.passage for v in assistant.store.views(new_ids).values()],
                               assistant.settings.index.derived_vectors != "none")
    assert assistant.embedder.texts_embedded - before == len(new_ids) + len(sentences)
    assert not set(old_ids) & set(new_ids)
    assert assistant.store.views(old_ids) == {}
    chroma = _chroma_ids(assistant)
    assert not set(old_ids) & chroma
    assert set(new_ids) <= chroma and set(other_ids) <= chroma
    doc = assistant.document("corpus/wire/strike.txt")
    assert doc is not None and "four soldiers" in doc.text and "two soldiers" not in doc.text
    answer = assistant.ask("How many soldiers did the strike on the artillery position wound?")
    assert "four" in answer.text


def test_deleted_file_is_pruned_unless_no_prune(
    corpus: tuple[Path, set[str]], make_assistant: MakeAssistant
) -> None:
    root, expected = corpus
    assistant = make_assistant()
    assistant.ingest([root], progress=False)
    gone_pids = _passage_ids(assistant, "corpus/plain.txt")
    (root / "plain.txt").unlink()

    kept = assistant.ingest([root], prune=False, progress=False)
    assert kept.removed == 0
    assert "corpus/plain.txt" in _doc_ids(assistant)

    pruned = assistant.ingest([root], progress=False)
    assert pruned.removed == 1 and pruned.texts_embedded == 0
    assert _doc_ids(assistant) == expected - {"corpus/plain.txt"}
    assert assistant.document("corpus/plain.txt") is None
    assert not set(gone_pids) & _chroma_ids(assistant)


def test_prune_setting_false(corpus: tuple[Path, set[str]], make_assistant: MakeAssistant) -> None:
    root, expected = corpus
    settings = Settings()
    settings = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"prune": False})})
    assistant = make_assistant(settings)
    assistant.ingest([root], progress=False)
    (root / "feed.jsonl").unlink()
    assert assistant.ingest([root], progress=False).removed == 0
    assert _doc_ids(assistant) == expected


def test_records_removed_from_a_file_are_pruned(
    corpus: tuple[Path, set[str]], make_assistant: MakeAssistant
) -> None:
    root, expected = corpus
    assistant = make_assistant()
    assistant.ingest([root], progress=False)
    (root / "feed.jsonl").write_text(
        json.dumps(
            {"id": "e1", "source": "Monitor", "date": "2019-03-01", "text": "Shelling hit Baghuz camp."}
        )
        + "\n"
    )
    report = assistant.ingest([root], progress=False)
    assert report.removed == 1 and report.texts_embedded == 0
    assert _doc_ids(assistant) == expected - {"corpus/feed.jsonl#e2"}


def test_single_file_ingest_does_not_prune_the_folder(
    corpus: tuple[Path, set[str]], make_assistant: MakeAssistant
) -> None:
    root, expected = corpus
    assistant = make_assistant()
    assistant.ingest([root], progress=False)
    (root / "plain.txt").unlink()
    report = assistant.ingest([root / "events.csv"], progress=False)
    assert report.removed == 0
    assert "corpus/plain.txt" in _doc_ids(assistant)


class _Killed(Exception):
    """Stands for the process being killed."""


class CrashingStore(Store):
    """Commits the first `after` documents, then dies between writing vectors and committing SQLite."""

    def __init__(self, settings: Settings, after: int) -> None:
        super().__init__(settings)
        self.after = after
        self.calls = 0

    def _commit(self, doc: Document, passages: list[Passage], sentences: np.ndarray | None,
                vectors: np.ndarray) -> None:
        self.calls += 1  # the flush's vectors are written (Store.put_documents); this document's commit dies
        if self.calls > self.after:
            raise _Killed(doc.doc_id)
        super()._commit(doc, passages, sentences, vectors)


def test_crash_half_way_keeps_committed_documents(
    tmp_path: Path, corpus: tuple[Path, set[str]], fake_embedder, make_assistant: MakeAssistant
) -> None:
    root, expected = corpus
    embedder = fake_embedder
    settings = make_assistant().settings  # the fake embedder's settings, on the test's index
    crashing = Assistant(settings, embedder=embedder, store=CrashingStore(settings, after=4))
    with pytest.raises(_Killed):
        crashing.ingest([root], progress=False)
    crashing.store.close()

    # "restart": a fresh assistant on the same index answers from what was committed
    restarted = make_assistant()
    committed = _doc_ids(restarted)
    assert len(committed) == 4 and committed < expected
    orphan_vectors = _chroma_ids(restarted) - {
        r[0] for r in restarted.store.docs.db.execute("SELECT passage_id FROM passages")
    }
    assert orphan_vectors  # the killed document's vectors exist without SQLite rows ...
    answer = restarted.ask("What happened?")
    assert answer.passages
    assert {r.view.passage.doc_id for r in answer.passages} <= committed  # ... and are never retrieved
    for c in answer.citations:
        assert c.doc_id in committed

    before = embedder.texts_embedded
    report = restarted.ingest([root], progress=False)
    assert report.unchanged == 4
    assert report.ingested == len(expected) - 4
    assert report.skipped == []
    assert _doc_ids(restarted) == expected
    stored_passages = {r[0] for r in restarted.store.docs.db.execute("SELECT passage_id FROM passages")}
    committed_passages = {pid for d in committed for pid in _passage_ids(restarted, d)}
    new_passages = stored_passages - committed_passages
    assert report.texts_embedded == len(new_passages)
    sentences = sentence_texts([v.passage for v in restarted.store.views(new_passages).values()],
                               restarted.settings.index.derived_vectors != "none")
    assert embedder.texts_embedded - before == len(new_passages) + len(sentences)
    assert _chroma_ids(restarted) == stored_passages  # orphans were overwritten
    assert not restarted.ask("How many soldiers were wounded in the strike?").abstained


BAD_FILES: dict[str, bytes] = {
    "empty.txt": b"",
    "binary.txt": bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)) + b"\x00\x00",
    "broken.json": b'[{"id": 1, "text": "never closed"',
    "nocol.csv": b"a,b\n1,2\n",
    "ragged.csv": b"id,text\n1,ok\n2,a,b,c\n",
    "frontmatter-only.md": b"---\ntitle: Nothing\nsource: Nobody\n---\n\n",
    "big.txt": b"The text of a large file. " * 1000,
}


def test_bad_input_is_skipped_and_named(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    root = tmp_path / "mixed"
    root.mkdir()
    # good files
    (root / "good.txt").write_text("Title: Good\nSource: Wire\n\nThe bridge at Hajin was repaired.\n")
    (root / "cp1252.txt").write_bytes(b"The caf\xe9 owner said \x93we stayed\x94 after the strike.")
    (root / "lines.jsonl").write_text(
        '{"id": "ok1", "text": "Line one is fine."}\n'
        '{"id": "bad", "text": \n'
        '{"id": "ok3", "text": "Line three is fine."}\n'
    )
    for name, data in BAD_FILES.items():
        (root / name).write_bytes(data)
    settings = Settings()
    settings = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"max_file_mb": 0.01})}
    )
    assistant = make_assistant(settings)

    # previously indexed documents from elsewhere must survive
    other = tmp_path / "elsewhere" / "other.txt"
    other.parent.mkdir()
    other.write_text("An earlier report about the Baghuz encampment.")
    assistant.ingest([other], progress=False)
    # ... and so must an earlier good version of a file that is now broken
    (root / "broken.json").write_text('[{"id": 1, "text": "A valid record about Al-Susah."}]')
    assistant.ingest([root], progress=False)
    (root / "broken.json").write_bytes(BAD_FILES["broken.json"])

    missing = tmp_path / "does-not-exist"
    report = assistant.ingest([root, missing], progress=False)
    skipped = {Path(s.path.split(" line ")[0]).name: s.reason for s in report.skipped}
    assert set(skipped) == set(BAD_FILES) | {"lines.jsonl", "does-not-exist"}, report.skipped
    for s in report.skipped:
        assert s.reason and Path(s.path.split(" ")[0]).name in {*BAD_FILES, "lines.jsonl", "does-not-exist"}
    assert "empty" in skipped["empty.txt"]
    assert "binary" in skipped["binary.txt"]
    assert "malformed JSON" in skipped["broken.json"]
    assert "no text column" in skipped["nocol.csv"]
    assert "more fields" in skipped["ragged.csv"]
    assert skipped["frontmatter-only.md"] == "no text"
    assert "limit" in skipped["big.txt"]
    assert "malformed JSON" in skipped["lines.jsonl"]
    assert "no such file" in skipped["does-not-exist"]
    assert any(s.path == "mixed/lines.jsonl line 2" for s in report.skipped)

    docs = _doc_ids(assistant)
    assert {"mixed/good.txt", "mixed/cp1252.txt", "mixed/lines.jsonl#ok1", "mixed/lines.jsonl#ok3"} <= docs
    assert "elsewhere/other.txt" in docs  # ingested before, not lost
    assert "mixed/broken.json#1" in docs  # its file is broken now: the old version is kept, not pruned
    cp = assistant.document("mixed/cp1252.txt")
    assert cp is not None and cp.text == 'The caf\u00e9 owner said "we stayed" after the strike.'
    assert "mixed/ragged.csv#1" in docs  # its good row is kept; only the ragged row was skipped
    kept = {"mixed/broken.json#1", "mixed/ragged.csv#1"}
    assert not any(name.startswith(tuple(f"mixed/{b}" for b in BAD_FILES)) for name in docs - kept)
    assert not assistant.ask("Was the bridge at Hajin repaired?").abstained


def test_only_bad_input_leaves_index_usable(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    assistant = make_assistant()
    good = tmp_path / "good.txt"
    good.write_text("The bridge at Hajin was repaired.")
    assistant.ingest([good], progress=False)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    report = assistant.ingest([bad], progress=False)
    assert [Path(s.path).name for s in report.skipped] == ["bad.txt"]
    assert _doc_ids(assistant) == {f"{tmp_path.name}/good.txt"}


def test_refusal_constant_is_used_for_unanswerable(
    corpus: tuple[Path, set[str]], make_assistant: MakeAssistant
) -> None:
    root, _ = corpus
    assistant = make_assistant()
    assistant.ingest([root], progress=False)
    answer = assistant.ask("What is the population of Reykjavik in Iceland?")
    assert answer.abstained and answer.text == REFUSAL and answer.citations == []


def test_passages_are_embedded_under_their_documents_title(tmp_path: Path, make_assistant: MakeAssistant) -> None:
    """'title: text' is what a passage's vector is of (index.title_in_vectors), so a passage that never names what
    its document is about is still found by it; off, the text alone. Sentences are embedded as written."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Title: Siege of Tell Marwan\n\nThe attack was repelled.\n")
    for on, expected in ((True, "Siege of Tell Marwan: The attack was repelled."), (False, "The attack was repelled.")):
        settings = Settings().with_index(tmp_path / f"idx-{on}")
        settings = settings.model_copy(update={"index": settings.index.model_copy(update={"title_in_vectors": on})})
        assistant = make_assistant(settings)
        seen: list[str] = []
        embed = assistant.embedder.embed

        def recording(texts: list[str], embed: Callable[..., np.ndarray] = embed,
                      seen: list[str] = seen) -> np.ndarray:
            seen.extend(texts)
            return embed(texts)

        assistant.embedder.embed = recording  # type: ignore[method-assign]
        try:
            assistant.ingest([tmp_path / "docs"], progress=False)
        finally:
            assistant.embedder.embed = embed  # type: ignore[method-assign]
        assert seen[0] == expected and "The attack was repelled." in seen[1:]
        assert embedded_text("Siege of Tell Marwan", "The attack was repelled.", settings) == expected


def test_embedded_text_has_no_prefix_without_a_title() -> None:
    """The benchmark's 'as embedded' floor goes through the same function: an untitled passage is its text."""
    settings = Settings()
    assert embedded_text("", "The attack was repelled.", settings) == "The attack was repelled."
    assert title_prefix("", settings) == ""
    assert title_prefix("Siege", settings) == "Siege: "


def test_pooled_spans_are_shifted_past_the_title() -> None:
    """'pooled' embeds 'title: text' in one pass, so each sentence's span moves right by the prefix's length and
    still cuts the sentence itself out of the embedded text."""
    from ingest.pipeline import pooled_spans

    doc_text = "Intro line.\n\nThe attack was repelled. Shelling resumed at dawn."
    start = doc_text.index("The attack")
    first, second = "The attack was repelled.", "Shelling resumed at dawn."
    spans = [(start, start + len(first)), (doc_text.index(second), len(doc_text))]
    passage = Passage(passage_id="d#0", doc_id="d", ordinal=0, text=doc_text[start:], start=start,
                      end=len(doc_text), sentences=spans)
    assert pooled_spans(passage, 0) == [(0, len(first)), (len(first) + 1, len(first) + 1 + len(second))]
    prefix = "Siege of Tell Marwan: "
    shifted = pooled_spans(passage, len(prefix))
    assert shifted == [(s + len(prefix), e + len(prefix)) for s, e in pooled_spans(passage, 0)]
    embedded = prefix + passage.text
    assert [embedded[s:e] for s, e in shifted] == [first, second]


def test_pooled_mode_embeds_passages_under_their_title(tmp_path: Path, make_assistant: MakeAssistant,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With 'pooled' the one forward pass is over 'title: text' too (title_in_vectors holds), and the spans
    handed to the pooling pick each sentence out of that text."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(
        "Title: Siege of Tell Marwan\n\nThe attack was repelled. Shelling resumed at dawn.\n")
    settings = Settings().with_index(tmp_path / "idx")
    settings = settings.model_copy(update={"index": settings.index.model_copy(update={"derived_vectors": "pooled"})})
    assistant = make_assistant(settings)
    seen: list[tuple[str, list[str]]] = []
    hash_embed = assistant.embedder.embed

    def pooling(texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        seen.extend((t, [t[s:e] for s, e in cuts]) for t, cuts in zip(texts, spans, strict=True))
        return hash_embed(texts), [hash_embed([t[s:e] for s, e in cuts]) for t, cuts in zip(texts, spans,
                                                                                              strict=True)]

    monkeypatch.setattr(assistant.embedder, "embed_pooled", pooling, raising=False)
    assistant.ingest([tmp_path / "docs"], progress=False)
    assert seen == [("Siege of Tell Marwan: The attack was repelled. Shelling resumed at dawn.",
                     ["The attack was repelled.", "Shelling resumed at dawn."])]
