"""Evaluation of Sitrep against gold questions: answer accuracy, citation grounding, abstention, retrieval."""

from eval.gold import GoldError, load_gold
from eval.run import run_eval

__all__ = ["GoldError", "load_gold", "run_eval"]
