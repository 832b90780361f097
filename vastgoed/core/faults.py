"""Named crash points for the crash-safety tests: ``VASTGOED_FAULT=<point>`` ends the process there.

A batch run and an audit-log append pass named points (:func:`fault_point`): the start of every
stage (``fase.<stage>``), the moments after the run's pending entry (``run.na_gestart``) and after
its folder became visible (``run.na_verplaatsing``), and the two windows of an append
(``audit.na_regel.<actie>``: the entry line is on disk, the head is not; ``audit.na_kop.<actie>``:
the head is, the anchor is not). When ``$VASTGOED_FAULT`` names the point (``<point>#<n>``: its
n-th passing, for a stage that runs twice), the process ends at once with exit status 137 (as
after ``kill -9``): no ``finally``, no ``except``, no flush. Unset, a point costs one dictionary
lookup. ``tests/e2e/test_crash_safety.py`` kills runs at these points and checks that the audit
log verifies and the next run works.
"""

from __future__ import annotations

import os
from collections import Counter

__all__ = ["FAULT_ENV", "KILLED", "fault_point"]

#: The environment variable naming the point at which the process is to end.
FAULT_ENV = "VASTGOED_FAULT"
#: The exit status of a process ended at a fault point (128 + SIGKILL).
KILLED = 137
_PASSED: Counter[str] = Counter()


def fault_point(name: str) -> None:
    """End the process here (``os._exit(137)``) when ``$VASTGOED_FAULT`` names this point (or its passing)."""
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    _PASSED[name] += 1
    if wanted in (name, f"{name}#{_PASSED[name]}"):
        os._exit(KILLED)
