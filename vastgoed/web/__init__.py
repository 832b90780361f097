"""The analysts' and reviewers' web application: ``vastgoed serve`` (see ``docs/web.md``).

Server-rendered pages over the runs of an output folder and the hash-chained audit log; accounts,
sessions and an index of the log in a SQL store (SQLite by default, PostgreSQL when configured).
Decisions, releases and verdicts go through :mod:`vastgoed.ethics.review`, never around it.
"""

from __future__ import annotations

from vastgoed.web.app import create_app
from vastgoed.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
