"""Domain knowledge as data: actor aliases, question cues, outcome words, event cues and record-file keys.

The YAML files in ``data/`` ship in the wheel; they are loaded and validated once, like the prompts, and a bad
file fails at start with a message naming the file and the field. Users add actors with their own file
(``SITREP_KNOWLEDGE__ACTORS_FILE``). ``assistant.knowledge.frames`` reads evidence sentences with them at ingest.
"""

from assistant.knowledge.lexicon import Lexicon, fold, has_date, numbers_in, stem
from assistant.knowledge.loader import (
    ActorEntry,
    EventCues,
    Knowledge,
    KnowledgeError,
    QuestionCues,
    RecordKeys,
    load_knowledge,
    record_keys,
)

__all__ = [
    "ActorEntry", "EventCues", "Knowledge", "KnowledgeError", "Lexicon", "QuestionCues", "RecordKeys", "fold",
    "has_date", "load_knowledge", "numbers_in", "record_keys", "stem",
]
