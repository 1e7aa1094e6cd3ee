"""Load and validate the knowledge files; every error names the file and the field at fault."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.errors import SitrepError


class KnowledgeError(SitrepError):
    """A knowledge file is missing, not YAML, or does not have the expected fields."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: The kinds of actor the registry knows (actors.yaml `type`).
ActorType = Literal["state force", "non-state armed group", "coalition", "media outlet", "humanitarian organisation",
                    "monitor", "official"]


def _lower_forms(forms: list[str], what: str) -> list[str]:
    bad = [f for f in forms if not f.strip() or f != f.lower()]
    if bad:
        raise ValueError(f"{what} must be non-empty and lower case: {bad}")
    return forms


class ForceRule(_Model):
    """A head word that names the actor only when a force noun follows it.

    'government' or 'regime' alone is a political body ('the government said'); 'government forces', 'regime
    warplanes', "the regime's militias" are its army. Matched as: head, optional "'s", optional modifier, noun,
    unless the word before the head is one of ``not_after`` ('Iraqi government forces' are not Syria's).
    """

    heads: list[str] = Field(min_length=1, description="Lower-case head words ('government', 'pro-regime').")
    nouns: list[str] = Field(min_length=1, description="Force nouns that must follow ('forces', 'troops').")
    modifiers: list[str] = Field(default_factory=list, description="Words allowed between ('ground', 'allied').")
    not_after: list[str] = Field(default_factory=list, description="Words before the head that make it another "
                                 "actor's ('iraqi', 'turkish').")

    @field_validator("heads", "nouns", "modifiers", "not_after")
    @classmethod
    def _lower(cls, forms: list[str]) -> list[str]:
        return _lower_forms(forms, "forms")


class ActorEntry(_Model):
    id: str = Field(pattern=r"^[a-z0-9_]+$", description="Stable id; the index token is 'actor_<id>'.")
    name: str = Field(min_length=1, description="Canonical display name.")
    aliases: list[str] = Field(min_length=1, description="Lower-case surface forms, multi-word allowed.")
    case_sensitive: list[str] = Field(default_factory=list, description="Forms matched exactly as written.")
    type: ActorType | None = Field(default=None, description="Kind of actor (required in the packaged registry).")
    affiliations: list[str] = Field(default_factory=list, description="Ids of actors it belongs to or allies with.")
    description: str | None = Field(default=None, description="One line about the actor.")
    forces: ForceRule | None = Field(default=None, description="Head words naming it only before a force noun.")
    event_heads: list[str] = Field(
        default_factory=list,
        description="Words naming it only as the perpetrator of the event noun right after them ('government air "
                    "strikes', 'Russian bombing'): read by the incident roles, never a mention on their own.")

    @field_validator("aliases")
    @classmethod
    def _lower(cls, forms: list[str]) -> list[str]:
        return _lower_forms(forms, "aliases")

    @field_validator("event_heads")
    @classmethod
    def _lower_heads(cls, forms: list[str]) -> list[str]:
        return _lower_forms(forms, "event_heads") if forms else forms


class PlaceEntry(_Model):
    """One place and the other names and spellings it goes by (places.yaml)."""

    name: str = Field(min_length=1, description="The name shown.")
    aliases: list[str] = Field(min_length=1, description="Every name and spelling, matched accent/case-insensitively.")

    @field_validator("aliases")
    @classmethod
    def _folded(cls, aliases: list[str]) -> list[str]:
        folded = ["".join(c for c in unicodedata.normalize("NFKD", a) if not unicodedata.combining(c)).lower().strip()
                  for a in aliases]
        if any(not a for a in folded):
            raise ValueError("an alias is empty")
        return list(dict.fromkeys(folded))


class _PlacesFile(_Model):
    version: int
    places: list[PlaceEntry]

    @field_validator("places")
    @classmethod
    def _one_place_per_alias(cls, places: list[PlaceEntry]) -> list[PlaceEntry]:
        owner: dict[str, str] = {}
        for place in places:
            for alias in place.aliases:
                if owner.setdefault(alias, place.name) != place.name:
                    raise ValueError(f"alias {alias!r} belongs to both {owner[alias]!r} and {place.name!r}")
        return places


class _ActorsFile(_Model):
    version: int
    actors: list[ActorEntry]

    @field_validator("actors")
    @classmethod
    def _unique_ids(cls, actors: list[ActorEntry]) -> list[ActorEntry]:
        ids = [a.id for a in actors]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"actor ids must be unique: {twice}")
        return actors


class QuestionType(_Model):
    name: str
    patterns: list[str] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {p!r} ({exc})") from None
        return patterns


class QuestionCues(_Model):
    version: int
    question_types: list[QuestionType]
    outcomes: dict[str, str]
    count_outcomes: list[str]
    vague_quantities: list[str]

    @field_validator("outcomes")
    @classmethod
    def _outcomes_compile(cls, outcomes: dict[str, str]) -> dict[str, str]:
        QuestionType._compiles(list(outcomes.values()))
        return outcomes


class EventCues(_Model):
    """How ingest reads an evidence sentence (assistant/knowledge/frames.py): events, sources, counts."""

    version: int
    event_types: dict[str, str] = Field(min_length=1, description="Event type -> regex alternatives.")
    source_verbs: list[str] = Field(min_length=1, description="Verbs attributing a statement to their subject.")
    source_phrases: list[str] = Field(default_factory=list, description="Phrases that name a source anywhere.")
    not_speakers: list[str] = Field(default_factory=list, description="Words a speaker's phrase never ends with "
                                    "('some early reports circulated', 'some days later announced').")
    counted_nouns: list[str] = Field(default_factory=list, description="Words a number before them counts.")
    vague_figures: list[str] = Field(default_factory=list, description="Quantities without a number.")

    @field_validator("event_types")
    @classmethod
    def _events_compile(cls, events: dict[str, str]) -> dict[str, str]:
        bad = [name for name in events if not name.strip() or name != name.lower()]
        if bad:
            raise ValueError(f"event type names must be non-empty and lower case: {bad}")
        QuestionType._compiles(list(events.values()))
        return events

    @field_validator("source_verbs", "source_phrases", "not_speakers", "counted_nouns", "vague_figures")
    @classmethod
    def _lower_words(cls, words: list[str]) -> list[str]:
        bad = [w for w in words if not w.strip() or w != w.lower()]
        if bad:
            raise ValueError(f"words must be non-empty and lower case: {bad}")
        return words


class CheckCues(_Model):
    """What the evidence check requires beyond the slot (assistant/answer/check.py)."""

    version: int
    claim_question: str = Field(description="Regex: the question asks who claimed an attack.")
    claim_evidence: str = Field(description="Regex: the sentence states a claim of responsibility.")
    attribute_nouns: list[str] = Field(default_factory=list, description="Attributes evidence must name.")
    located_verbs: list[str] = Field(default_factory=list, description="Verbs of 'where was the X held': the "
                                     "evidence for where X was must name X.")
    source_roles: list[str] = Field(default_factory=list, description="Role words that belong to a source name.")
    person_nouns: list[str] = Field(default_factory=list, description="Nouns by which a question asks for a person.")
    own_loss: str = Field(default=r"\blost\b|\blosses\b|\bmartyrs\b",
                          description="Regex: a speaker's figure of its own dead ('the SDF said it lost 12').")
    person_titles: list[str] = Field(default_factory=list,
                                     description="Ranks and titles before a person's name ('Col.', 'Dr').")
    person_verbs: str | None = Field(default=None, description="Regex: 'Who <verb>' asks for a person.")
    source_nouns: list[str] = Field(default_factory=list,
                                    description="Head nouns of a source a question names without capitals.")
    event_families: list[list[str]] = Field(default_factory=list, description="Specific event kinds, by family.")
    counted_kinds: list[list[str]] = Field(default_factory=list, description="Words counting the same kind.")
    generic_kind: str = Field(default="people", description="A word of the kind a count need not name.")
    money_kind: str = Field(default="money", description="A word of the kind whose count must be an amount.")
    currency: str = Field(default=r"\$|\b(?:dollars?|usd|euros?|eur|pounds?|lira|liras|riyals?)\b",
                          description="Regex: a currency, which a figure of money must carry ('$5m').")

    speaking_verbs: list[str] = Field(default_factory=list, description="Verbs by which a source in a sentence "
                                      "says or gives something ('the Observatory gave a toll of 12').")
    saying_words: list[str] = Field(default_factory=list, description="Words after which a sentence's lead is its "
                                    "speaker ('SDF spokesman Mustafa Bali had said ...').")
    organisation_words: list[str] = Field(default_factory=list, description="Capitalised words that make a name an "
                                          "organisation's, not a person's ('Council', 'Ministry').")
    nationality_endings: list[str] = Field(default_factory=list, description="Endings of a capitalised word that "
                                           "make it a nationality, not a name or a place ('Syrian', 'Iraqi').")

    vague_figures: list[str] = Field(default_factory=list, description="Quantity words that say nothing of how "
                                     "many ('several checkpoints'): no answer to a count question.")
    measure_units: str = Field(default=r"(?!)", description="Regex: a unit right after a number makes it a measure "
                               "('3,540 metres', '40 km'), not a count of people or things.")
    place_verbs: list[str] = Field(default_factory=list, description="Verbs whose object is a place ('after "
                                   "taking Buyir'): the name after one answers 'which village'.")
    intention: str = Field(default=r"(?!)", description="Regex whose group 1 is a verb stated as a plan or a "
                           "threat ('said the SDF would launch'), not as done.")
    intention_words: list[str] = Field(default_factory=list, description="Stems by which a question itself asks "
                                       "about a plan ('When did the SDF announce it planned to ...').")
    by_reach_days: int = Field(default=31, ge=0, description="How far back a 'by' date lent by the sentence before "
                               "reaches ('By 26 November, ...' then '92 were killed in the weekend fighting').")
    relative_slack_days: int = Field(
        default=60, ge=0, description="Days by which a publication date (and so a date resolved against it: 'on "
        "Monday') may be wrong; a relative date further than this from every date asked contradicts it.")

    measures: dict[str, str] = Field(
        default_factory=dict, description="Question regex -> unit regex: 'how far' is met only by a figure with a "
        "unit of distance ('40 kilometres'), not by any number.")

    subject_names: str = Field(
        default=r"(?!)", description="Regex over a document's opening words whose group 'name' is another name of "
        "what the document is about ('The al-Shaddadi offensive, also known as Operation Wrath of Khabur, was'): "
        "every sentence of the document is about it, though none repeats that name.")

    @field_validator("claim_question", "claim_evidence", "currency", "person_verbs", "own_loss", "measure_units",
                     "intention", "subject_names")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        QuestionType._compiles([pattern])
        return pattern

    @field_validator("subject_names")
    @classmethod
    def _names_a_subject(cls, pattern: str) -> str:
        if pattern != r"(?!)" and "name" not in re.compile(pattern).groupindex:
            raise ValueError("subject_names needs a group named 'name'")
        return pattern

    date_precision: dict[str, int] = Field(
        default_factory=dict, description="Question regex -> how many days wide its date may be: 'on what date' is "
        "not answered by 'in 2017'.")
    requires: dict[str, str] = Field(
        default_factory=dict, description="Question regex -> evidence regex: 'what nationalities' is met only by a "
        "sentence naming a nationality.")

    @field_validator("date_precision")
    @classmethod
    def _precision_compiles(cls, precision: dict[str, int]) -> dict[str, int]:
        QuestionType._compiles(list(precision))
        if any(days < 1 for days in precision.values()):
            raise ValueError("date_precision: a width is at least 1 day")
        return precision

    @field_validator("measures", "requires")
    @classmethod
    def _measures_compile(cls, measures: dict[str, str]) -> dict[str, str]:
        QuestionType._compiles([*measures, *measures.values()])
        return measures

    @field_validator("attribute_nouns", "located_verbs", "source_roles", "person_nouns", "source_nouns",
                     "person_titles", "speaking_verbs", "saying_words", "nationality_endings", "vague_figures",
                     "place_verbs")
    @classmethod
    def _lower_words(cls, words: list[str]) -> list[str]:
        return EventCues._lower_words(words)

    @field_validator("organisation_words")
    @classmethod
    def _capitalised(cls, words: list[str]) -> list[str]:
        bad = [w for w in words if not w[:1].isupper()]
        if bad:
            raise ValueError(f"organisation words are capitalised as written in names: {bad}")
        return words


class RecordKeys(_Model):
    version: int
    id_keys: list[str]
    title_keys: list[str]
    source_keys: list[str]
    date_keys: list[str]
    url_keys: list[str]
    text_fields: list[str]
    csv_text_columns: list[str]
    datelines: list[str] = Field(
        default_factory=list, description="Regexes of a date a record's text opens with (its own dateline), "
        "with named groups day, month (number or name) and year; it wins over the record's date field."
    )

    @field_validator("datelines")
    @classmethod
    def _dated(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                groups = set(re.compile(pattern).groupindex)
            except re.error as exc:
                raise ValueError(f"dateline {pattern!r} does not compile: {exc}") from exc
            if not {"day", "month", "year"} <= groups:
                raise ValueError(f"dateline {pattern!r} needs the named groups day, month and year")
        return patterns


class Knowledge(_Model):
    """Everything the data files say, validated."""

    actors: list[ActorEntry]
    question: QuestionCues
    records: RecordKeys
    events: EventCues
    checks: CheckCues
    places: list[PlaceEntry] = Field(default_factory=list, description="Places with their other names.")

    def fingerprint(self) -> str:
        """Changes whenever anything that shapes index tokens changes (the BM25 index records it)."""
        key = json.dumps([a.model_dump() for a in self.actors], sort_keys=True)
        return hashlib.sha256(key.encode()).hexdigest()[:16]


#: libyaml's loader where PyYAML has it: the same data, the knowledge files read in 9 ms instead of 117 at start,
#: the 426 front matters of the shared corpora in 0.19 s instead of 2.39
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml when PyYAML has it (raises ``yaml.YAMLError`` the same way)."""
    return yaml.load(text, Loader=_YAML_LOADER)


def _read_yaml(text: str, where: str) -> Any:
    try:
        return safe_yaml(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{where}: not valid YAML ({exc})") from None


def _validate(model: type[_Model], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise KnowledgeError(f"{where}: field {field}: {first['msg']}") from None


def _packaged(name: str) -> tuple[str, str]:
    resource = resources.files("assistant.knowledge") / "data" / name
    try:
        return resource.read_text(encoding="utf-8"), f"assistant/knowledge/data/{name}"
    except OSError as exc:
        raise KnowledgeError(f"knowledge file missing: assistant/knowledge/data/{name} ({exc})") from None


def _user_actors(path: Path) -> list[ActorEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read the actors file ({exc.strerror or exc})") from None
    return list(_validate(_ActorsFile, _read_yaml(text, str(path)), str(path)).actors)


def _merge(base: list[ActorEntry], extra: list[ActorEntry]) -> list[ActorEntry]:
    """A user entry with a known id adds its aliases to that actor; a new id adds an actor."""
    merged = {a.id: a for a in base}
    for entry in extra:
        if entry.id in merged:
            old = merged[entry.id]
            aliases = old.aliases + [f for f in entry.aliases if f not in old.aliases]
            cases = old.case_sensitive + [f for f in entry.case_sensitive if f not in old.case_sensitive]
            links = old.affiliations + [f for f in entry.affiliations if f not in old.affiliations]
            heads = old.event_heads + [f for f in entry.event_heads if f not in old.event_heads]
            merged[entry.id] = old.model_copy(update={
                "aliases": aliases, "case_sensitive": cases, "affiliations": links, "event_heads": heads,
                "type": entry.type or old.type, "description": entry.description or old.description,
                "forces": _merge_forces(old.forces, entry.forces)})
        else:
            merged[entry.id] = entry
    return list(merged.values())


def _merge_forces(old: ForceRule | None, new: ForceRule | None) -> ForceRule | None:
    """A user's force rule adds its words to the packaged one's."""
    if old is None or new is None:
        return old or new
    return ForceRule(**{k: list(dict.fromkeys([*getattr(old, k), *getattr(new, k)]))
                        for k in ("heads", "nouns", "modifiers", "not_after")})


def _check_registry(actors: list[ActorEntry], where: str, packaged: bool) -> None:
    """Every affiliation names a known actor; every packaged actor has a type."""
    known = {a.id for a in actors}
    for i, actor in enumerate(actors):
        if packaged and actor.type is None:
            raise KnowledgeError(f"{where}: field actors.{i}.type: missing for actor {actor.id!r}")
        unknown = [a for a in actor.affiliations if a not in known or a == actor.id]
        if unknown:
            raise KnowledgeError(f"{where}: field actors.{i}.affiliations: unknown actor ids {unknown} "
                                 f"(of actor {actor.id!r})")


@lru_cache(maxsize=8)
def load_knowledge(actors_file: Path | None = None) -> Knowledge:
    """The packaged knowledge, plus the user's actors file when given (cached per file)."""
    files = {name: _packaged(name) for name in ("actors.yaml", "question.yaml", "records.yaml", "events.yaml",
                                                  "checks.yaml", "places.yaml")}
    parsed = {name: _read_yaml(text, where) for name, (text, where) in files.items()}
    actors = list(_validate(_ActorsFile, parsed["actors.yaml"], files["actors.yaml"][1]).actors)
    _check_registry(actors, files["actors.yaml"][1], packaged=True)
    if actors_file is not None:
        actors = _merge(actors, _user_actors(Path(actors_file)))
        _check_registry(actors, str(actors_file), packaged=False)
    return Knowledge(
        actors=actors,
        question=_validate(QuestionCues, parsed["question.yaml"], files["question.yaml"][1]),
        records=_validate(RecordKeys, parsed["records.yaml"], files["records.yaml"][1]),
        events=_validate(EventCues, parsed["events.yaml"], files["events.yaml"][1]),
        checks=_validate(CheckCues, parsed["checks.yaml"], files["checks.yaml"][1]),
        places=_validate(_PlacesFile, parsed["places.yaml"], files["places.yaml"][1]).places,
    )


def record_keys() -> RecordKeys:
    """The packaged record-file keys (loaders and settings defaults read them)."""
    return load_knowledge().records


class ControlCue(_Model):
    """One cue of a claim of territorial control (control.yaml)."""

    kind: Literal["capture", "recapture", "control", "stronghold", "fall", "withdrawal", "siege"]
    pattern: str = Field(min_length=1, description="Regex of the cue words.")
    actor: Literal["before", "after"] = Field(description="Where the actor stands relative to the cue.")
    place: Literal["before", "after"] = Field(description="Where the place stands relative to the cue.")
    holds: bool | None = Field(description="True: the actor holds it after; False: loses it; None: besieges it.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        QuestionType._compiles([pattern])
        return pattern


class QuestionVerb(_Model):
    """How a question asks whether an actor took (holds) or lost a place (control.yaml ``question_verbs``)."""

    pattern: str = Field(min_length=1, description="Regex of the verb, any tense.")
    holds: bool = Field(description="True: the actor takes the place; False: it loses it.")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        QuestionType._compiles([pattern])
        return pattern


class ControlCues(_Model):
    version: int
    max_gap: int = Field(default=80, ge=1, description="Characters allowed between a cue and its place.")
    not_the_place: str = Field(default="", description="Regex: between a cue and the place after it, words that "
                               "show what was taken is something else or a part ('captured 16 villages near X').")
    partial: str = Field(default="", description="Regex of the words right before a place that make a claim about "
                         "a share of it ('captured 90% of western X').")
    cues: list[ControlCue] = Field(min_length=1)

    @field_validator("not_the_place", "partial")
    @classmethod
    def _not_the_place_compiles(cls, pattern: str) -> str:
        QuestionType._compiles([pattern] if pattern else [])
        return pattern
    question_verbs: list[QuestionVerb] = Field(default_factory=list,
                                               description="How a question asks who took or lost a place.")
    question_held_again: str = Field(default=r"(?!)", description="Regex after a place: the actor who said so holds "
                                     "it again ('did the SDF say Al-Shajlah was back under its control').")

    @field_validator("question_held_again")
    @classmethod
    def _held_again_compiles(cls, pattern: str) -> str:
        QuestionType._compiles([pattern])
        return pattern


@lru_cache(maxsize=1)
def control_cues() -> ControlCues:
    """The packaged cues of territorial control (assistant/knowledge/data/control.yaml), validated."""
    text, where = _packaged("control.yaml")
    cues: ControlCues = _validate(ControlCues, _read_yaml(text, where), where)
    return cues



class _Routes(_Model):
    @field_validator("*")
    @classmethod
    def _compiles(cls, value: Any) -> Any:
        if isinstance(value, list):
            QuestionType._compiles(value)
        return value


class ControlRoute(_Routes):
    holder: list[str] = Field(min_length=1, description="Regexes: the question asks who holds a place.")
    change: list[str] = Field(min_length=1, description="Regexes: the question asks when a place changed hands.")
    exclude: list[str] = Field(default_factory=list, description="Regexes: not about a whole place's holder.")
    loses: list[str] = Field(default_factory=list, description="Regexes: the question asks when an actor lost it.")
    again: list[str] = Field(default_factory=list, description="Regexes: the question asks about a retaking.")
    max_changes: int = Field(default=3, ge=1, description="Most hand changes a change answer quotes.")


class IncidentsRoute(_Routes):
    listing: list[str] = Field(min_length=1, description="Regexes: the question asks to list incidents.")
    counting: list[str] = Field(min_length=1, description="Regexes: the question asks how many were reported.")
    max_listed: int = Field(default=6, ge=1, description="Most records a listing answer quotes.")


class ClaimsRoute(_Routes):
    contested: list[str] = Field(min_length=1, description="Regexes: the question asks who claims what.")
    disputed: list[str] = Field(default_factory=list, description="Regexes: a claim disputes another account.")
    max_sources: int = Field(default=4, ge=2, description="Most sources a claims answer presents.")
    margin: float = Field(default=0.15, ge=0, description="Further sources' best sentence within this of the best.")


class RouteCues(_Model):
    """Which questions go to structured records (routes.yaml, read by assistant/answer/route.py)."""

    version: int
    control: ControlRoute
    incidents: IncidentsRoute
    claims: ClaimsRoute


def load_route_cues(text: str, where: str) -> RouteCues:
    """Route cues from YAML text; a bad file is a KnowledgeError naming ``where`` and the field."""
    cues: RouteCues = _validate(RouteCues, _read_yaml(text, where), where)
    return cues


@lru_cache(maxsize=1)
def route_cues() -> RouteCues:
    """The packaged cues of the question router (assistant/knowledge/data/routes.yaml), validated."""
    return load_route_cues(*_packaged("routes.yaml"))
