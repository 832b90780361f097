"""Scoring: the signal model, its training set, explanations, the rule baseline and ranking metrics."""

from __future__ import annotations

from models.baseline import RULES, baseline_scores
from models.explain import format_value, reasons
from models.metrics import K_VALUES, precision_recall_at_k
from models.signal_model import CLASSES, SignalModel
from models.training import TrainingSet, labels_from_outcomes, latest_investigations, training_set

__all__ = [
    "CLASSES",
    "K_VALUES",
    "RULES",
    "SignalModel",
    "TrainingSet",
    "baseline_scores",
    "format_value",
    "labels_from_outcomes",
    "latest_investigations",
    "precision_recall_at_k",
    "reasons",
    "training_set",
]
