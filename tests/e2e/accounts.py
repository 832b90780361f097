"""Accounts of the web application for the command line's review, release and verdict (issue 22)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from vastgoed.cli import app

PASSWORD = "een-lang-wachtwoord-1"
#: The accounts :func:`add_accounts` makes: a reviewer and an analist.
REVIEWER, ANALIST = "eva", "ana"


def add_account(out: Path, naam: str, rol: str, password: str = PASSWORD) -> None:
    """Create an approved account in OUT's store, the operator's way (`vastgoed account add`)."""
    result = CliRunner().invoke(
        app, ["account", "add", naam, "--rol", rol, "--out", str(out)], input=f"{password}\n{password}\n"
    )
    assert result.exit_code == 0, result.output


def add_accounts(out: Path) -> None:
    """A reviewer (:data:`REVIEWER`) and an analist (:data:`ANALIST`) with :data:`PASSWORD`."""
    add_account(out, REVIEWER, "reviewer")
    add_account(out, ANALIST, "analist")


def as_user(runner: CliRunner, naam: str, *args: str, password: str = PASSWORD) -> Result:
    """Invoke the command line as ``naam``: ``--user`` and the password in ``$VASTGOED_PASSWORD``."""
    return runner.invoke(app, [*args, "--user", naam], env={"VASTGOED_PASSWORD": password})
