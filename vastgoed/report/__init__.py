"""What analysts and reviewers look at: evaluation against truth, and the analysts' HTML report."""

from __future__ import annotations

from vastgoed.report.evaluation import Evaluation, evaluate_run
from vastgoed.report.html import ReportInput, write_report

__all__ = ["Evaluation", "ReportInput", "evaluate_run", "write_report"]
