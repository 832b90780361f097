"""Scoring: the signal model, its training set, explanations, the rule baseline and ranker, metrics."""

from __future__ import annotations

from models.baseline import RULE_TEXT, RULES, baseline_scores, rule_flags
from models.explain import Reason, explain
from models.logistic import LogisticSignalModel
from models.metrics import (
    K_VALUES,
    average_precision,
    calibration_per_buurt,
    calibration_table,
    expected_calibration_error,
    per_buurt,
    precision_recall_at_k,
    ranking_summary,
)
from models.rules import RuleRanker, rules_version
from models.signal_model import CLASSES, SignalModel, model_columns
from models.training import (
    TrainingChoices,
    TrainingSet,
    ValidationSet,
    build_sets,
    examples_from_outcomes,
    latest_investigations,
    quarter_start,
    split_cutoff,
)

__all__ = [
    "CLASSES",
    "K_VALUES",
    "RULES",
    "RULE_TEXT",
    "LogisticSignalModel",
    "Reason",
    "RuleRanker",
    "SignalModel",
    "TrainingChoices",
    "TrainingSet",
    "ValidationSet",
    "average_precision",
    "baseline_scores",
    "build_sets",
    "calibration_per_buurt",
    "calibration_table",
    "examples_from_outcomes",
    "expected_calibration_error",
    "explain",
    "latest_investigations",
    "model_columns",
    "per_buurt",
    "precision_recall_at_k",
    "quarter_start",
    "ranking_summary",
    "rule_flags",
    "rules_version",
    "split_cutoff",
]
