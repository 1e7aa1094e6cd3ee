"""Conflict knowledge over the stored passages: the actor registry and territorial control.

Every record here is cited: it points at the document span (a sentence) it came from, like an answer does.
``assistant.core.Assistant.actor/actors/control`` are the faces; this package holds the logic.
"""

from assistant.conflict.actors import ActorRegistry, UnknownActorError
from assistant.conflict.control import ControlReader, timeline
from assistant.conflict.models import ActorInfo, ActorMention, ActorSummary, ControlClaim, ControlTimeline

__all__ = ["ActorInfo", "ActorMention", "ActorRegistry", "ActorSummary", "ControlClaim", "ControlReader",
           "ControlTimeline", "UnknownActorError", "timeline"]
