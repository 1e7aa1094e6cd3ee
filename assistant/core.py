"""The Assistant: the one object behind ``ask()``, the CLI, the Gradio app and the eval.

One question goes one way: analysed once (``Question``) -> hybrid retrieval -> answerer -> verify -> Answer.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.answer import Analyser, Answerer, Question, verify
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.followup import Condenser, Turn
from assistant.answer.generate import StreamEvent, build_answerer
from assistant.answer.passage_tokens import AnswerTokens
from assistant.answer.route import Route, Router
from assistant.embed import Embedder, make_embedder
from assistant.errors import IndexEmptyError, QuestionError
from assistant.index import Store, hybrid_search
from assistant.knowledge import Lexicon, load_knowledge
from assistant.knowledge.lexicon import fold
from assistant.knowledge.loader import route_cues
from assistant.models import Answer, Document, Filters, IngestReport, RemoveReport, RetrievedPassage, RootInfo
from assistant.prompts import load_prompts
from assistant.settings import Settings, load_settings

if TYPE_CHECKING:
    import numpy as np

    from assistant.conflict import ActorInfo, ActorRegistry, ActorSummary, ControlReader, ControlTimeline
    from assistant.conflict.actors import MentionIndex
    from assistant.conflict.incidents import IncidentReader
    from assistant.conflict.llm_extract import LLMIncidentExtractor
    from assistant.conflict.models import Cited, ClaimSet, ControlClaim, Incident, IncidentGroup
    from assistant.knowledge.frames import FrameReader


_R = TypeVar("_R", bound="Cited")
#: Places whose control claims are kept (per index generation; see ``Assistant.control``).
_CONTROL_CACHE = 64
#: Bump when the control claims read from the same passages change (claims kept in the index go stale).
_CLAIMS_VERSION = 1
#: Passages whose cue sentences ``keep_control`` reads at once for the places they name.
_KEEP_BATCH = 2000


class Assistant:
    """Ingest, retrieve and answer over one index; every backend can be injected."""

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None,
        store: Store | None = None, answerer: Answerer | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.prompts = load_prompts()
        self.knowledge = load_knowledge(self.settings.knowledge.actors_file)
        self.lexicon = store.lexicon if store else Lexicon(self.knowledge.actors)
        self.analyser = Analyser(self.knowledge, self.lexicon)
        self.embedder = embedder or make_embedder(self.settings.embedding)
        self.store = store or Store(self.settings, self.lexicon)
        self.answerer = answerer or build_answerer(self.settings, self.embedder, self.store.idf, self.analyser,
                                                   self.prompts)
        # each passage written: its control cues and the answerer's tokens (assistant.index.documents), written by
        # the extractive answerer's own AnswerTokens when there is one (what it reads back), else one like it
        extractive = next((a for a in (self.answerer, getattr(self.answerer, "fallback", None))
                           if isinstance(a, ExtractiveAnswerer)), None)
        self.answer_tokens = extractive.tokens if extractive is not None else AnswerTokens(self.analyser)
        self.store.docs.annotators.update(control_cues=lambda: self._control_readers()[0],
                                          answer_tokens=lambda: self.answer_tokens)
        chat = getattr(self.answerer, "model", None) if self.settings.llm.condense else None
        self.condenser = Condenser(self.analyser, chat, self.prompts["condense_question"])
        self.sentence_vectors = self.store.sentence_vectors(self.embedder)  # stored at ingest (index.sentences)
        # the extractive answerer (built here or given), or the LLM answerer's extractive fallback, reads what
        # ingest stored: sentence vectors, passage tokens and the documents' opening words (unless it was given
        # its own)
        for target in (self.answerer, getattr(self.answerer, "fallback", None)):
            if isinstance(target, ExtractiveAnswerer) and target.stored_tokens is None:
                target.stored_tokens = functools.partial(self._stored_tokens, target.tokens)
            if hasattr(target, "vectors") and target.vectors is None:  # type: ignore[union-attr]
                target.vectors = self.sentence_vectors  # type: ignore[union-attr]
            if hasattr(target, "leads") and target.leads is None:  # type: ignore[union-attr]
                target.leads = self.store.lead  # type: ignore[union-attr]
        self.router = Router(route_cues(), self.analyser)
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()  # not ``_lock``: an ingest holds that one

    def _stored_tokens(self, tokens: AnswerTokens, passage_ids: list[str]) -> dict[str, Any]:
        """The answer tokens ingest stored for the given passages, when stored under ``tokens``' version."""
        stored = self.store.docs.annotations(tokens.kind, passage_ids, tokens.version)
        return {pid: tokens.read(data) for pid, data in stored.items()}

    def ingest(self, paths: Sequence[Path | str], prune: bool | None = None,
               progress: bool | None = None) -> IngestReport:
        """Sync files and folders into the index (each folder a root, see ingest.roots).

        Holds the index's writer lock: raises IndexLockedError when another writer keeps it longer than
        ``ingest.lock_timeout_s``.
        """
        from ingest import ingest_paths

        with self._lock:
            since = self.store.docs.log_head() if self.store.exists() else 0
            report = ingest_paths([Path(p) for p in paths], self.store, self.embedder, self.settings,
                                  prune=prune, progress=progress)
            started, cpu = time.perf_counter(), time.thread_time()
            self.keep_control(since)
            report.seconds += time.perf_counter() - started
            report.stage_cpu["control"] = time.thread_time() - cpu
            return report

    def remove(self, target: str) -> RemoveReport:
        """Remove a root (``NAME``, all its documents) or a document (``NAME/path``; a file's records too).

        A removed document comes back if its folder is ingested again while the file is still there.
        Raises NotInIndexError for an unknown name and IndexLockedError when another writer holds the index.
        """
        with self._lock, self.store.write_lock():
            report = self.store.remove(target)
            self.store.finish()
            return report

    def roots(self) -> list[RootInfo]:
        """Every ingested root: name, path, document count, whether the folder still exists."""
        self.store.refresh()
        return self.store.root_infos()

    def resolve_doc_id(self, doc: str, folder: Path | str | None = None) -> str | None:
        """The stored id of a document named by its path relative to a folder (e.g. a gold file's ``doc``).

        With ``folder``: ``ROOT/sub/doc`` for the root holding that folder (None when it was never ingested).
        Without: ``doc`` itself when it is a stored id, else the only id ending in ``/doc`` (None when there
        is none, or several).
        """
        self.store.refresh()
        if folder is not None:
            real = Path(folder).resolve()
            real = real.parent if real.is_file() else real  # a corpus given as one file: its folder
            roots = {name: Path(path) for name, path in self.store.all_roots().items()}
            holding = sorted((len(p.parts), name) for name, p in roots.items() if real.is_relative_to(p))
            if not holding:
                return None
            name = holding[0][1]
            rel = real.relative_to(roots[name]).as_posix()
            return f"{name}/{doc}" if rel == "." else f"{name}/{rel}/{doc}"
        matches = self.store.match_doc_ids(doc)
        return matches[0] if len(matches) == 1 else None

    def question(self, text: str) -> Question:
        """The analysis every later stage reads; raises QuestionError for an empty question."""
        if not text.strip():
            raise QuestionError("The question is empty.")
        return self.analyser.question(text)

    def retrieve(self, question: str | Question, filters: Filters | None = None,
                 k: int | None = None) -> list[RetrievedPassage]:
        q = question if isinstance(question, Question) else self.question(question)
        _check_options(filters, k)
        self._require_documents()
        expand = self.settings.retrieval.expand_aliases and q.expanded
        # the answerer reads the plain question: from the expanded one's forward pass when the search uses that
        def vector() -> np.ndarray:
            return self.sentence_vectors.expanded(q.expanded, q.text, q.inserted) if expand \
                else self.sentence_vectors.question(q.text)

        return hybrid_search(self.store, q.search_tokens, vector, self.settings.retrieval, filters, k,
                             days=q.constraints.asked_days(), pool=self._search_pool())

    def _search_pool(self) -> Executor | None:
        """The threads BM25 searches on beside the question's embedding (``retrieval.bm25_threads``)."""
        threads = self.settings.retrieval.bm25_threads
        if not threads:
            return None
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sitrep-bm25")
            return self._pool

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None,
            history: Sequence[Turn] | None = None) -> Answer:
        """Answer with citations, or abstain with the refusal.

        ``history``: the conversation so far (``{"role", "content"}`` messages, (user, assistant) pairs or earlier
        questions); a follow-up is rewritten into a standalone question, which is ``Answer.question``.
        Raises QuestionError for an empty question, an inverted date range or k < 1, and IndexEmptyError
        when nothing is ingested: those are mistakes to fix, not questions the corpus cannot answer.
        """
        final: Answer | None = None
        for event in self.ask_stream(question, filters, k, history):
            if isinstance(event, Answer):
                final = event
        assert final is not None
        return final

    def ask_stream(self, question: str, filters: Filters | None = None, k: int | None = None,
                   history: Sequence[Turn] | None = None) -> Iterator[StreamEvent]:
        """Yield the draft's text deltas (str) as an LLM writes them, then the final verified Answer (last).

        The extractive backend yields only the Answer. The final Answer replaces the streamed draft.
        """
        started = time.perf_counter()
        q = self.question(question)  # an empty question is refused before any rewriting
        if history:
            q = self.question(self.condenser.standalone(question, history))
        route = self.router.route(q) if self.settings.answer.route else Route(name="retrieval", reason="off")
        retrieved = self.retrieve(q, filters, k)
        retrieved_at = time.perf_counter()
        answer, fallback = self._routed(q, route, retrieved, filters) if route.name != "retrieval" else (None, "")
        if answer is not None:
            answer = verify(answer, self._doc_text)
            if answer.abstained:  # no routed citation survived verification: answer from the passages instead
                answer, fallback = None, "no routed citation verified"
        if answer is None:
            stream = getattr(self.answerer, "stream", None)
            if stream is None:
                answer = self.answerer.answer(q, retrieved)
            else:
                for event in stream(q, retrieved):
                    if isinstance(event, Answer):
                        answer = event
                    else:
                        yield event
            assert answer is not None
            answer = verify(answer, self._doc_text)
            decision = {**route.debug(), **({"fallback": fallback, "answered_by": "retrieval"} if fallback else {})}
            answer = answer.model_copy(update={"debug": {**answer.debug, "route": decision}})
        done = time.perf_counter()
        timings = {**answer.timings, "retrieve": retrieved_at - started, "answer": done - retrieved_at,
                   "total": done - started}
        update: dict[str, Any] = {"timings": timings}
        if q.text != question.strip():
            update["debug"] = {**answer.debug, "asked": question}
        yield answer.model_copy(update=update)

    def _routed(self, q: Question, route: Route, retrieved: list[RetrievedPassage],
                filters: Filters | None) -> tuple[Answer | None, str]:
        """The answer from the records the route names, or (None, why not) when they do not cover the question."""
        from assistant.answer.records import claims_answer, control_answer, incidents_answer

        cues = self.router.cues
        if route.name == "claims":
            cs = self._claim_set(q, retrieved)
            if cs is None:
                return None, "no extractive answerer to read the claims"
            views = {r.view.passage.passage_id: r.view for r in retrieved}
            answer = claims_answer(cs, route, views, retrieved)
            return answer, "" if answer else cs.reason or "no claim found"
        if route.name == "control":
            if route.mode == "holder" and route.dates and route.as_of() is None:
                return None, "the date asked has no year"
            place = route.places[0]  # the place asked about is the first one named ('X, south of Y')
            tl = self.control(place, as_of=route.as_of() if route.mode == "holder" else None)
            tl = tl.model_copy(update={"claims": _allowed(tl.claims, filters, self.store)})
            answer = control_answer(q.text, route, tl, self.store.views, retrieved, cues.claims.max_sources,
                                    cues.control.max_changes, self.lexicon)
            return answer, "" if answer else f"no control claim covers {place}"
        if route.name == "incidents" and route.event_type:
            actor = route.actors[0] if route.actors else None
            where = route.places[0] if route.places else None  # the first place named, as for control
            found = _allowed(self.incidents(event_type=route.event_type, place=where, actor=actor), filters,
                             self.store)
            if route.dates:
                found = [r for r in found if r.as_of and any(d.meets(r.as_of, r.as_of) for d in route.dates)]
            scope = " ".join(filter(None, [route.event_type, f"in {where}" if where else "",
                                           f"naming {self.registry.name_of(actor)}" if actor else "",
                                           f"in {', '.join(d.text for d in route.dates)}" if route.dates else ""]))
            views = self.store.views({r.passage_id for r in found[:cues.incidents.max_listed]})
            answer = incidents_answer(q.text, route, found, scope, views, retrieved, cues.incidents.max_listed)
            return answer, "" if answer else "no incident record matches"
        return None, f"route {route.name} has no records"

    def _claim_set(self, q: Question, retrieved: list[RetrievedPassage]) -> ClaimSet | None:
        from assistant.answer.records import claim_set

        extractive = self.answerer if isinstance(self.answerer, ExtractiveAnswerer) \
            else getattr(self.answerer, "fallback", None)
        if not isinstance(extractive, ExtractiveAnswerer):
            return None
        ranked, _ = extractive.rank(q, retrieved)
        answerable = bool(ranked) and ranked[0].score >= extractive.settings.min_score \
            and extractive.answerability(ranked) >= extractive.threshold
        names = {f"actor_{a.id}": a.name for a in self.knowledge.actors}
        claims = self.router.cues.claims
        return claim_set(q.text, ranked, lexicon=self.lexicon, names=names, outcome=q.constraints.outcome,
                         asks_actor=q.constraints.slot == "actor", margin=claims.margin,
                         max_sources=claims.max_sources, answerable=answerable, disputed=self.router.disputed)

    def claims(self, question: str, filters: Filters | None = None, k: int | None = None) -> ClaimSet:
        """Who claims what: one claim per source about the question (its best checked sentence among the retrieved
        passages, cited), and whether their figures or actors differ. Raises like ``ask``."""
        from assistant.conflict.models import ClaimSet

        q = self.question(question)
        cs = self._claim_set(q, self.retrieve(q, filters, k))
        if cs is None:
            return ClaimSet(question=q.text, reason="no extractive answerer to read the claims")
        known = {c.doc_id: self._doc_text(c.doc_id) for c in cs.claims}
        kept = [c for c in cs.claims if (known[c.doc_id] or "")[c.start:c.end] == c.quote]  # verified
        return cs.model_copy(update={"claims": kept})

    def document(self, doc_id: str) -> Document | None:
        return self.store.document(doc_id)

    def documents(self) -> list[dict[str, Any]]:
        """Every stored document: doc_id, title, source, published (ISO), passages, root."""
        self.store.refresh()
        if not self.store.exists():
            return []
        return [{**d, "root": d["doc_id"].split("/", 1)[0]} for d in self.store.documents()]

    def sources(self) -> list[str]:
        """The distinct sources of the stored documents, sorted."""
        self.store.refresh()
        return self.store.sources() if self.store.exists() else []

    def stats(self) -> dict[str, Any]:
        self.store.refresh()
        docs, passages = self.store.count()
        return {"index": str(self.store.dir), "collection": self.store.collection_name, "documents": docs,
                "passages": passages, "embedding_model": self.settings.embedding.model,
                "roots": [r.model_dump() for r in self.roots()]}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.store.close()

    # --- conflict knowledge (assistant/conflict): every record cites its sentence ---------------------------

    @property
    def registry(self) -> ActorRegistry:
        """The actor registry of the knowledge files (packaged plus the user's actors file)."""
        from assistant.conflict import ActorRegistry

        if getattr(self, "_registry", None) is None:
            self._registry = ActorRegistry(self.knowledge.actors, self.lexicon)
        return self._registry

    def actor_mentions(self) -> MentionIndex:
        """Actor token -> passage id -> the sentences naming it (stored frames; cached per index generation)."""
        from assistant.conflict.actors import all_views, mention_index

        self.store.refresh()
        if not self.store.exists():
            return {}
        key = (self.store.generation(), self.lexicon.version)
        cached = getattr(self, "_mentions", None)
        if cached is None or cached[0] != key:
            self._mentions = (key, mention_index(all_views(self.store), self.lexicon))
        return self._mentions[1]

    def actors(self) -> list[ActorSummary]:
        """Every actor of the registry: name, type, number of aliases, passages naming it (most first)."""
        return self.registry.summaries(self.actor_mentions())

    def actor(self, name: str, top: int = 5) -> ActorInfo:
        """One actor by any alias (case-insensitive): type, affiliations, aliases and its ``top`` most-cited
        passages. Raises UnknownActorError (a SitrepError) naming close matches for an unknown name."""
        if top < 1:
            raise QuestionError(f"top must be at least 1, got {top}")
        return self.registry.info(self.registry.resolve(name), self.actor_mentions(), top)

    def warm(self) -> None:
        """Load what the first question would otherwise wait for: the embedding model and, when the index holds
        passages, their folded texts, which the incident records of an actor scan (seconds at 200k passages, read
        again after a write). The chat app runs this in a background thread at launch; elsewhere they load on
        first use."""
        self.embedder.embed(["warm-up"])
        if self.store.exists():
            self.store.folded.ids()

    def control(self, place: str, as_of: date | None = None) -> ControlTimeline:
        """Who took, held, lost or besieged ``place``: every cited claim by date (with ``as_of``: those dated on
        or before it) and the latest claim of each source. Raises IndexEmptyError when nothing is ingested."""
        from assistant.conflict import timeline
        from assistant.conflict.control import place_pattern

        if not place.strip():
            raise QuestionError("The place is empty.")
        self._require_documents()
        pattern = place_pattern(place)
        # the claims naming a place are read once per (pattern, index generation): at 200k passages a place
        # named in thousands of passages costs ~0.5 s to read
        key = (self.store.generation(), self.lexicon.version, pattern.pattern, pattern.flags)
        cache: dict[tuple[int, str, str, int], list[Any]] = getattr(self, "_control_claims", {})
        claims = cache.get(key)
        if claims is None:
            claims = self._kept_control(place, pattern)
            cache = {k: v for k, v in cache.items() if k[0] == key[0] and k[1] == key[1]}  # older generations go
            if len(cache) >= _CONTROL_CACHE:
                cache.clear()
            cache[key] = claims
            self._control_claims = cache
        return timeline(place.strip(), [c.model_copy() for c in claims], as_of)

    def keep_control(self, since: int | None = None) -> int:
        """Read and keep (``_kept_control``) the control claims of every place named beside a control cue in the
        passages written since passage-log position ``since`` (None: every passage): run after an ingest, so a
        control question about a place the corpus reports fighting over reads kept claims (also in a fresh
        process). Returns the places."""
        from assistant.conflict.control import place_pattern, stored_cues

        if not self.store.exists():
            return 0
        docs = self.store.docs
        reader, _ = self._control_readers()
        written = sorted(docs.all_passage_ids() if since is None else docs.changed_since(since)[2])
        places: set[str] = set()
        for i in range(0, len(written), _KEEP_BATCH):  # memory bounded by the batch, not the ingest
            cues = {pid: stored_cues(data) for pid, data in
                    docs.annotations(reader.kind, written[i:i + _KEEP_BATCH], reader.version).items() if data}
            views = docs.views_at({pid: set(found) for pid, found in cues.items()})
            places.update(place for view in views.values() for frame in view.passage.frames or []
                          if frame.start in cues[view.passage.passage_id] for place in frame.places)
        changes: dict[int, tuple[int, set[str], set[str]]] = {}  # the log read once per position kept at
        for place in sorted(places):
            try:
                pattern = place_pattern(place)
            except ValueError:  # nothing left of the name but an article
                continue
            self._kept_control(place, pattern, changes)
        return len(places)

    def _kept_control(self, place: str, pattern: re.Pattern[str],
                      changes: dict[int, tuple[int, set[str], set[str]]] | None = None) -> list[ControlClaim]:
        """Every control claim about the place ``pattern`` matches, kept in the index between processes
        (``DocumentStore.keep``: at 200k passages a much-named place took 0.3-2 s to read) and brought up to date
        by reading only the passages written since (``changed_since``; ``changes`` keeps what it read by log
        position, for many places at once); read whole the first time."""
        from assistant.conflict.control import claims_json

        docs = self.store.docs
        reader, _ = self._control_readers()
        version = f"{_CLAIMS_VERSION}:{reader.version}:{self.lexicon.version}"
        key = f"control:{pattern.flags}:{pattern.pattern}"
        kept = docs.derived(key, version)
        if kept is None:
            seq = docs.log_head()  # what is written during the read is read again next time
            claims = self._read_control(place, pattern)
        else:
            seq, data = kept
            memo = {} if changes is None else changes
            if seq not in memo:
                memo[seq] = docs.changed_since(seq)
            head, touched, stored = memo[seq]
            claims = claims_json.validate_json(data)
            if head == seq:
                return claims
            claims = [c for c in claims if c.passage_id not in touched] + \
                self._read_control(place, pattern, only=stored)
            claims.sort(key=lambda c: c.passage_id)  # stable: a whole read's order (by passage, then sentence)
            seq = head
        docs.keep(key, version, seq, claims_json.dump_json(claims))
        return claims

    def _read_control(self, place: str, pattern: re.Pattern[str],
                      only: set[str] | None = None) -> list[ControlClaim]:
        """Every control claim about the place ``pattern`` matches (in the passages of ``only``, when given),
        by passage id. The passages naming it are screened by their text first: only those with a sentence naming
        the place beside a cue have their views (frames) parsed, and only those sentences are read (at 200k
        passages a place may be named in thousands)."""
        from assistant.conflict.actors import passages_matching, place_candidates
        from assistant.conflict.control import Screen, stored_cues
        from assistant.knowledge.frames import frames_for

        reader, rules = self._control_readers()
        screens: dict[str, Screen] = {}
        if only is not None and not only:
            return []
        ids = place_candidates(self.store, place)  # confirmed by the pattern below, in the same read
        candidates = passages_matching(self.store, pattern) if ids is None else ids
        if only is not None:
            candidates = [pid for pid in candidates if pid in only]
        stored = {pid: stored_cues(data) for pid, data in  # found at ingest
                  self.store.docs.annotations(reader.kind, candidates, reader.version).items()}
        candidates = [pid for pid in candidates if stored.get(pid, True)]  # not those known to hold no cue
        for pid, start, text, spans in self.store.docs.sentence_spans(candidates):
            if ids is not None and not pattern.search(fold(text)):
                continue
            screen = reader.screen(text, start, spans, pattern, stored.get(pid))
            if any(screen.values()):
                screens[pid] = screen
        # only the frames of the sentences the screen kept are parsed (the others hold no claim)
        views = self.store.docs.views_at({pid: {s for (s, _), cues in screen.items() if cues}
                                          for pid, screen in screens.items()})
        return [claim for pid, screen in screens.items() if pid in views
                for claim in reader.claims(views[pid], frames_for(views[pid], rules), pattern, screen)]

    def _control_readers(self) -> tuple[ControlReader, FrameReader]:
        """The control-claim reader and the rules reading frames not stored (control claims and incident
        records), built once (the reader's cue patterns, their literals and their union took ~13 ms to build per
        control question)."""
        from assistant.conflict import ControlReader
        from assistant.knowledge.frames import FrameReader
        from assistant.knowledge.loader import control_cues

        if getattr(self, "_control_pair", None) is None:
            names = {f"actor_{a.id}": a.name for a in self.knowledge.actors}
            self._control_pair = (ControlReader(control_cues(), self.lexicon, names),
                                  FrameReader(self.knowledge, self.lexicon, self.settings, ner=False))
        return self._control_pair

    def incidents(self, event_type: str | None = None, place: str | None = None, actor: str | None = None,
                  since: date | None = None, until: date | None = None) -> list[Incident]:
        """Sentences reporting an event (from their frames), each a cited record, filtered and sorted by date.

        Each record has its type (and ACLED's), event date, location, perpetrator (actor1) and target (actor2),
        casualty figures by kind, source and citation. ``event_type`` is a type of events.yaml, ``actor`` any
        alias. Raises QuestionError for an unknown type or an empty date range, UnknownActorError for an unknown
        actor, IndexEmptyError when nothing is ingested.
        """
        from assistant.conflict.actors import all_views, passages_matching, passages_naming
        from assistant.conflict.control import place_pattern
        from assistant.conflict.incidents import select
        from assistant.knowledge.frames import frames_for

        types = sorted(self.knowledge.events.event_types)
        if event_type is not None and event_type not in types:
            raise QuestionError(f"unknown event type {event_type!r}; the types are: {', '.join(types)}")
        _check_options(Filters(date_from=since, date_to=until), None)
        if place is not None and not place.strip():
            raise QuestionError("The place is empty.")
        token = f"actor_{self.registry.resolve(actor).id}" if actor else None
        self._require_documents()
        pattern = place_pattern(place) if place else None
        ids: list[str] | None = None
        if place:
            ids = passages_naming(self.store, place)
        reader = self.incident_reader()
        if pattern is None and token is not None:
            # the passages naming the actor under any alias, and those where its event head may make it a
            # perpetrator ('government air strikes'); select() keeps the records naming it in either way
            heads = reader.head_pattern(token)
            ids = sorted(set(self.actor_mentions().get(token, {}))
                         | set(passages_matching(self.store, heads) if heads is not None else []))
        _, rules = self._control_readers()  # the rules reader, built once per Assistant
        extractor = self.incident_extractor()
        if extractor is not None:  # the LLM's verified records per passage (the rules' where it fails)
            records: Iterable[Incident | None] = (
                r for view in all_views(self.store, ids) for r in extractor.records(view, frames_for(view, rules)))
        else:
            records = (reader.read(view, frame) for view in all_views(self.store, ids)
                       for frame in frames_for(view, rules))
        return select((r for r in records if r is not None), event_type=event_type, place=pattern, actor=token,
                      since=since, until=until)

    def incident_groups(self, days: int = 2, **filters: Any) -> list[IncidentGroup]:
        """``incidents(**filters)`` with the reports of one event grouped (same ACLED type, a shared place, dates
        within ``days`` days, no conflicting actors); each group keeps every source's figures apart."""
        from assistant.conflict.incidents import group

        if days < 0:
            raise QuestionError(f"days must be at least 0, got {days}")
        return group(self.incidents(**filters), days=days)

    def incident_reader(self) -> IncidentReader:
        """The reader of incident records (roles, casualties, ACLED types) over this Assistant's knowledge."""
        from assistant.conflict.incidents import IncidentReader

        if getattr(self, "_incident_reader", None) is None:
            names = {f"actor_{a.id}": a.name for a in self.knowledge.actors}
            kinds = {f"actor_{a.id}": a.type for a in self.knowledge.actors}
            self._incident_reader = IncidentReader(self.lexicon, names, kinds, self.knowledge.events.event_types,
                                                   self.knowledge.question.outcomes)
        return self._incident_reader

    def incident_extractor(self) -> LLMIncidentExtractor | None:
        """The LLM incident extractor when ``knowledge.incident_extractor`` is 'llm' and the answerer has a chat
        model (an LLM answer backend); else None (the rules)."""
        from assistant.conflict.llm_extract import LLMIncidentExtractor

        model = getattr(self.answerer, "model", None)
        if self.settings.knowledge.incident_extractor != "llm" or model is None:
            return None
        cached = getattr(self, "_incident_extractor", None)
        if cached is None or cached.model is not model:
            resolve: dict[str, str] = {}
            for a in self.knowledge.actors:
                for form in (a.id, a.name, *a.aliases):
                    resolve.setdefault(fold(form), f"actor_{a.id}")
            cached = LLMIncidentExtractor(model, self.incident_reader(), self.prompts, resolve,
                                          self.settings.llm.timeout_s)
            self._incident_extractor = cached
        return cached

    def _doc_text(self, doc_id: str) -> str | None:
        doc = self.store.document(doc_id)
        return doc.text if doc else None

    def _require_documents(self) -> None:
        self.store.refresh()  # on a Chroma server: what teammates wrote since the last question
        if not self.store.has_documents():
            raise IndexEmptyError(self.settings.index.dir, self._other_collections())

    def _other_collections(self) -> list[str]:
        """Collections of this index folder built under other settings (their SQLite file is there)."""
        folder = Path(self.settings.index.dir)
        own = self.settings.collection_name()
        if not folder.is_dir():
            return []
        return sorted(p.parent.name for p in folder.glob("sitrep-*/sitrep.sqlite") if p.parent.name != own)


def _allowed(records: list[_R], filters: Filters | None, store: Store) -> list[_R]:
    """The records whose document passes the ask() filters (sources, doc ids, publication date range)."""
    if filters is None or filters.is_empty():
        return records
    sources = {s.lower() for s in filters.sources}
    out = []
    for r in records:
        if sources and (r.source or "").lower() not in sources:
            doc = store.document(r.doc_id)
            if doc is None or (doc.source or "").lower() not in sources:
                continue
        if filters.doc_ids and r.doc_id not in filters.doc_ids:
            continue
        if filters.date_from and (r.published is None or r.published < filters.date_from):
            continue
        if filters.date_to and (r.published is None or r.published > filters.date_to):
            continue
        out.append(r)
    return out


def _check_options(filters: Filters | None, k: int | None) -> None:
    if k is not None and k < 1:
        raise QuestionError(f"k must be at least 1, got {k}")
    if filters and filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise QuestionError(f"the date range is empty: since {filters.date_from} is after until {filters.date_to}")


_DEFAULT: dict[str, Assistant] = {}


def _default(index: str | Path | None, settings: Settings | None) -> Assistant:
    settings = (settings or load_settings()).with_index(index)
    key = settings.model_dump_json()
    if key not in _DEFAULT:
        _DEFAULT[key] = Assistant(settings)
    return _DEFAULT[key]


def actor(name: str, *, index: str | Path | None = None, top: int = 5, settings: Settings | None = None) -> ActorInfo:
    """An actor by any alias with its most-cited passages over the default (or given) index."""
    return _default(index, settings).actor(name, top=top)


def control(place: str, as_of: date | None = None, *, index: str | Path | None = None,
            settings: Settings | None = None) -> ControlTimeline:
    """The cited timeline of control claims about a place over the default (or given) index."""
    return _default(index, settings).control(place, as_of)


def incidents(*, index: str | Path | None = None, settings: Settings | None = None, **filters: Any) -> list[Incident]:
    """Cited incident records over the default (or given) index; filters as ``Assistant.incidents``."""
    return _default(index, settings).incidents(**filters)


def ask(question: str, *, index: str | Path | None = None, filters: Filters | None = None,
        k: int | None = None, settings: Settings | None = None, history: Sequence[Turn] | None = None) -> Answer:
    """Answer a question over the default (or given) index; the Assistant is built once per index."""
    settings = (settings or load_settings()).with_index(index)
    key = settings.model_dump_json()
    if key not in _DEFAULT:
        _DEFAULT[key] = Assistant(settings)
    return _DEFAULT[key].ask(question, filters=filters, k=k, history=history)
