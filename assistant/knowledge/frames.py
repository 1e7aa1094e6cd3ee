"""Evidence frames: what each sentence states (events, outcomes, dates, places, actors, figures, sources).

Read once per sentence at ingest and stored with the passage, so that asking never pays for it. spaCy (the
optional extra ``[nlp]``) adds named entities; it is loaded once per process with only its NER component, and
runs in batches over every sentence of an ingest flush. Without spaCy or its model the same rules run alone
(lexicon actors, dates, capitalised-phrase places), after one warning.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from threadpoolctl import threadpool_limits

from assistant.knowledge.cues import SentenceRules
from assistant.knowledge.dates import narrative_years
from assistant.knowledge.lexicon import Lexicon
from assistant.knowledge.loader import Knowledge
from assistant.knowledge.spans import Ent, Tok, tokens_of
from assistant.models import Frame, Passage, PassageView
from assistant.settings import FramesSettings, Settings

log = logging.getLogger(__name__)

#: Components NER does not need (the small English model's NER has its own tok2vec).
_UNUSED = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer"]
#: spaCy token attributes read per sentence: character offset and length (spacy.attrs names).
_TOKEN_ATTRS = ["IDX", "LENGTH"]
#: A sentence without a capital letter after its first character has no names for NER to find.
_CAPITAL_INSIDE = re.compile(r"(?<=.)[A-Z]", re.S)

_NLP: dict[str, Any] = {}  # model name -> loaded pipeline, or None when it cannot be loaded
_LOCK = threading.Lock()
_BLAS_LOCK = threading.Lock()

#: One (document text, sentence spans, publication date) to read.
Item = tuple[str, Sequence[tuple[int, int]], date | None]


def load_nlp(model: str) -> Any | None:
    """The spaCy pipeline with NER only, loaded once per process; None (after one warning) when unavailable."""
    with _LOCK:
        if model in _NLP:
            return _NLP[model]
        _NLP[model] = None
        try:
            import spacy
        except ImportError:
            log.warning("spaCy is not installed: evidence frames are read by rules only, without named entities "
                        "(install the extra: pip install 'sitrep[nlp]')")
            return None
        try:
            from thinc.api import use_ops

            # thinc multiplies through BLIS by default; numpy's OpenBLAS on one thread reads the same entities
            # with a quarter less CPU here (layers keep the ops current when they are built, so: at load)
            with use_ops("numpy", use_blis=False):
                nlp = spacy.load(model, exclude=_UNUSED)
        except (OSError, ImportError, ValueError) as exc:
            log.warning("spaCy model %r cannot be loaded (%s): evidence frames are read by rules only "
                        "(install the extra: pip install 'sitrep[nlp]', or set SITREP_FRAMES__SPACY_MODEL)",
                        model, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return None
        if "ner" not in nlp.pipe_names:
            log.warning("spaCy model %r has no NER component: evidence frames are read by rules only", model)
            return None
        if "tok2vec" in nlp.pipe_names and not getattr(nlp.get_pipe("tok2vec"), "listening_components", True):
            nlp.remove_pipe("tok2vec")  # nothing listens to it once the tagger and parser are gone
        _NLP[model] = nlp
        return nlp


class FrameReader:
    """Reads sentences into Frames: NER from spaCy when installed, the knowledge files' rules always."""

    def __init__(self, knowledge: Knowledge, lexicon: Lexicon, settings: Settings | FramesSettings,
                 ner: bool = True) -> None:
        """``ner=False`` never loads spaCy (rules only): for reading a few old passages at question time."""
        self.settings = settings.frames if isinstance(settings, Settings) else settings
        self.rules = SentenceRules(knowledge, lexicon)
        self.ner = ner

    @property
    def nlp(self) -> Any | None:
        """The spaCy pipeline (loaded on first use), or None when reading by rules only."""
        return load_nlp(self.settings.spacy_model) if self.ner else None

    def read(self, text: str, sentences: Sequence[tuple[int, int]], published: date | None) -> list[Frame]:
        """One Frame per sentence span of ``text`` (offsets stay absolute into ``text``)."""
        return self.read_many([(text, sentences, published)])[0]

    def read_many(self, items: Sequence[Item]) -> list[list[Frame]]:
        """Frames of many documents at once, so spaCy sees every sentence of an ingest flush in big batches."""
        flat = [(text[s:e], s, published) for text, sentences, published in items for s, e in sentences]
        parsed = self._entities([sentence for sentence, _, _ in flat])
        frames = iter([
            self.rules.read(sentence, tokens, ents, published, offset=start)
            for (sentence, start, published), (tokens, ents) in zip(flat, parsed, strict=True)
        ])
        return [_narrative(_known_places([next(frames) for _ in sentences]), published)
                for _, sentences, published in items]

    def read_passage(self, passage: Passage, published: date | None) -> list[Frame]:
        """Frames of a passage stored without them (its sentences are offsets into the document text)."""
        local = [(s - passage.start, e - passage.start) for s, e in passage.sentences]
        frames = self.read(passage.text, local, published)
        return [f.model_copy(update={"start": f.start + passage.start, "end": f.end + passage.start})
                for f in frames]

    def _entities(self, sentences: list[str]) -> list[tuple[list[Tok], list[Ent]]]:
        """(tokens, named entities) per sentence; NER runs only where a name can be (a capital inside), and once
        per distinct sentence (a wire's boilerplate repeats): each sentence is its own spaCy doc, so a repeat
        reads the same."""
        nlp = self.nlp
        if nlp is None:
            return [(tokens_of(s), []) for s in sentences]
        todo = list(dict.fromkeys(s for s in sentences if _CAPITAL_INSIDE.search(s)))
        with _one_blas_thread():
            read = dict(zip(todo, map(_parsed, nlp.pipe(todo, batch_size=self.settings.batch_size)), strict=True))
        return [read.get(s) or (tokens_of(s), []) for s in sentences]


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """OpenBLAS on one thread while NER reads: its matrices are small, and a second BLAS thread doubled the CPU
    spent for the same wall time (on a 2-core machine, CPU the embedding beside it needs). The limit is
    process-wide, so readers take turns under a lock and the previous limit returns after."""
    with _BLAS_LOCK, threadpool_limits(limits=1, user_api="blas"):
        yield


def _parsed(doc: Any) -> tuple[list[Tok], list[Ent]]:
    """A spaCy doc's (tokens, entities), offsets into its text. The tokens come from one array of (offset,
    length), not one Token object each (a fifth of the reading)."""
    text = doc.text
    tokens = [(i, i + n, text[i:i + n]) for i, n in doc.to_array(_TOKEN_ATTRS).tolist()]
    return tokens, [(e.start_char, e.end_char, e.label_) for e in doc.ents]


def _narrative(frames: list[Frame], published: date | None) -> list[Frame]:
    """Yearless dates of a retrospective document take the year its text last named (assistant.knowledge.dates)."""
    for frame, dates in zip(frames, narrative_years([f.dates for f in frames], published), strict=True):
        frame.dates = dates
    return frames


def _known_places(frames: list[Frame]) -> list[Frame]:
    """A name that the same document calls a place elsewhere ('in Hajin') is a place here too ('south of Hajin')."""
    known = {p.lower() for f in frames for p in f.places}
    for frame in frames:
        moved = [n for n in frame.names if n.lower() in known]
        if moved:
            frame.places += moved
            frame.names = [n for n in frame.names if n.lower() not in known]
    return frames


def frames_for(item: PassageView | Passage, reader: FrameReader, published: date | None = None) -> list[Frame]:
    """A passage's stored frames, or (for passages stored before frames existed) read now.

    A PassageView brings its document's publication date; for a bare Passage pass ``published``.
    """
    passage = item.passage if isinstance(item, PassageView) else item
    if passage.frames is not None:
        return passage.frames
    when = item.published if isinstance(item, PassageView) else published
    return reader.read_passage(passage, when)
