"""What analysts and reviewers look at: evaluation against truth, and (later) reports."""

from __future__ import annotations

from vastgoed.report.evaluation import Evaluation, evaluate_run

__all__ = ["Evaluation", "evaluate_run"]
