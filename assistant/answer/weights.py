"""The answerer's weights as data (``weights.json``), validated at load; ``eval.fit`` rewrites one section."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import ConfigError

WEIGHTS_RESOURCE = "weights.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreWeights(_Model):
    similarity: float
    lexical: float
    context: float
    rank_bonus: float
    anchor_floor: float = Field(ge=0, le=1, description="Score share kept when no anchor is covered.")
    anchor_weight: float = Field(ge=0, le=1, description="Score share earned by covering every anchor.")
    window_discount: float = Field(description="Penalty on similarity measured with the previous sentence.")
    mark_weight: dict[str, float] = Field(description="idf-like weight of date/outcome anchors.")


class TypeFit(_Model):
    heading: float
    count_hit: float
    count_miss: float
    when_day: float
    when_date: float
    when_miss: float
    who_hit: float
    who_miss: float
    where_hit: float
    where_miss: float


class Answerability(_Model):
    features: list[str]
    weights: list[float]
    bias: float
    threshold: float = Field(0.65, ge=0, le=1, description="Abstain below this estimate (fitted with the weights).")
    fitted_on: str

    @model_validator(mode="after")
    def _same_length(self) -> Answerability:
        if len(self.features) != len(self.weights):
            raise ValueError("answerability.features and answerability.weights differ in length")
        return self


class Weights(_Model):
    about: str = ""
    score: ScoreWeights
    type_fit: TypeFit
    answerability: Answerability


def parse_weights(text: str, where: str = WEIGHTS_RESOURCE) -> Weights:
    try:
        return Weights.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        raise ConfigError(f"{where}: invalid answer weights ({exc})") from None


@lru_cache(maxsize=1)
def load_weights() -> Weights:
    """The packaged weights (assistant/answer/weights.json)."""
    text = (resources.files("assistant.answer") / WEIGHTS_RESOURCE).read_text(encoding="utf-8")
    return parse_weights(text, f"assistant/answer/{WEIGHTS_RESOURCE}")
