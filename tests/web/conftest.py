"""Fixtures of the web tests: two logged runs (one released), a store per test on SQLite or PostgreSQL.

The PostgreSQL variant uses ``VASTGOED_TEST_DATABASE_URL`` when set (a server where the user may
create databases), else starts a throw-away server with ``initdb``/``pg_ctl`` in a temporary folder
(as the ``postgres`` system user when the tests run as root), else skips with the reason, or fails
when ``VASTGOED_REQUIRE_POSTGRES=1`` (CI sets it once PostgreSQL is installed: no silent skip).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.e2e.test_batch import _config

PASSWORD = "een-lang-wachtwoord-1"
USERS = {"analist": "ana", "reviewer": "rev", "beheerder": "beh"}


@dataclass(frozen=True)
class Runs:
    """An output folder with two logged runs: ``released`` (approved and released) and ``awaiting``."""

    out: Path
    released: str
    awaiting: str


@pytest.fixture(scope="session")
def web_runs(small_municipality: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Runs:
    from vastgoed.cli import app
    from vastgoed.ethics.review import REVIEW_ROLE, record_decision, release

    data, _ = small_municipality
    tmp = tmp_path_factory.mktemp("webruns")
    out = tmp / "out"
    ids = []
    for _ in range(2):
        result = CliRunner().invoke(
            app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp))]
        )
        assert result.exit_code == 0, result.output
        ids.append(Path(result.stdout.strip().splitlines()[-1]).name)
    released, awaiting = ids
    record_decision(
        out / released,
        decision="approve",
        role=REVIEW_ROLE,
        actor="fixture",
        rationale="approved for the web tests",
        accept_flags=["all"],
    )
    release(out / released, actor="fixture")
    return Runs(out, released, awaiting)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _unavailable(reason: str) -> None:
    """Skip the PostgreSQL variant, or fail it when PostgreSQL is required."""
    if os.environ.get("VASTGOED_REQUIRE_POSTGRES", "").strip() in ("1", "true", "yes"):
        pytest.fail(f"VASTGOED_REQUIRE_POSTGRES is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL URL on which databases can be created: configured, or a throw-away server."""
    configured = os.environ.get("VASTGOED_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        _unavailable("PostgreSQL: no VASTGOED_TEST_DATABASE_URL and no initdb/pg_ctl on this machine")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="vastgoed-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        if shutil.which("runuser") is None:
            _unavailable("PostgreSQL: running as root and runuser is not available")
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("PostgreSQL: running as root and there is no 'postgres' system user")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    run = subprocess.run(
        [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "vastgoed", "--no-sync", "-E", "UTF8"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed: {run.stderr[-1500:]}")
    opts = f"-k {root} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    run = subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed: {run.stderr[-800:]} {log[-800:]}")
    try:
        yield f"postgresql+psycopg://vastgoed@/postgres?host={root}&port={port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'web.sqlite'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"vastgoed_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Web:
    """A web application over a private copy of the runs, with one account per role."""

    app: Any
    out: Path
    released: str
    awaiting: str

    def client(self, role: str | None = None, **kwargs: Any) -> Any:
        """A test client, logged in as the role's account when ``role`` is given."""
        from fastapi.testclient import TestClient

        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False, **kwargs)
        if role is not None:
            login(client, USERS[role])
        return client


def login(client: Any, naam: str, password: str = PASSWORD) -> Any:
    """Log in through the login form (with its CSRF token)."""
    page = client.get("/")
    token = csrf_of(page.text)
    return client.post("/login", data={"naam": naam, "wachtwoord": password, "csrf": token})


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def make_web(runs: Runs, tmp_path: Path, database_url: str, **settings: Any) -> Web:
    """Copy the runs, start the application on the store, and create the three accounts."""
    from sqlalchemy.orm import sessionmaker

    from vastgoed.web import WebSettings, create_app
    from vastgoed.web.security import create_account

    out = tmp_path / "out"
    shutil.copytree(runs.out, out, symlinks=True)
    settings = {"allow_http": True, **settings}
    app = create_app(WebSettings(out_dir=out, database_url=database_url, **settings))
    with sessionmaker(app.state.engine)() as db:
        for role, naam in USERS.items():
            create_account(db, naam, role, PASSWORD)
    return Web(app, out, runs.released, runs.awaiting)


@pytest.fixture
def web(web_runs: Runs, tmp_path: Path, database_url: str) -> Iterator[Web]:
    w = make_web(web_runs, tmp_path, database_url)
    yield w
    w.app.state.engine.dispose()
