"""The review of issue 7's web application: rate limit under parallel logins and behind a proxy,
login timing, audit entries of every view, SSO secret, tampered lists, paths kept off pages,
session lifetimes and account edge cases. Each on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import PASSWORD, Runs, Web, csrf_of, login, make_web
from vastgoed.ethics.review import audit_log


def _entries(web: Web, actie: str) -> list[dict[str, Any]]:
    return [e.to_dict() for e in audit_log(web.out).entries() if e.actie == actie]


def _db(web: Web) -> Session:
    return sessionmaker(web.app.state.engine)()


def _login_as(client: Any, naam: str, password: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    client.cookies.clear()  # a fresh visitor each time (a logged-in one is sent on from /)
    token = csrf_of(client.get("/").text)
    data = {"naam": naam, "wachtwoord": password, "csrf": token}
    return int(client.post("/login", data=data, headers=headers).status_code)


def test_parallel_wrong_logins_get_at_most_the_limit_of_401s(web: Web) -> None:
    clients = [web.client() for _ in range(20)]
    tokens = [csrf_of(c.get("/").text) for c in clients]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def attempt(client: Any, token: str) -> None:
        barrier.wait()
        data = {"naam": "ana", "wachtwoord": "fout-wachtwoord-123", "csrf": token}
        codes.append(int(client.post("/login", data=data).status_code))

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(codes) == 20 and set(codes) <= {401, 429}, codes
    assert codes.count(401) <= 5 and codes.count(429) >= 15, codes
    # a refused attempt leaves no trace, so the rest of the 5 can follow; then the name waits
    later = [_login_as(web.client(), "ana", "fout-wachtwoord-123") for _ in range(6)]
    assert codes.count(401) + later.count(401) == 5 and later[-1] == 429, (codes, later)
    assert login(web.client(), "ana").status_code == 429  # the right password waits too


def test_unknown_names_cost_an_argon2_verification(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from vastgoed.web import security

    calls: list[str] = []
    real = security._HASHER

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return bool(real.verify(hash_, password))

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(security, "_HASHER", Counting())
    client = web.client()
    assert _login_as(client, "niemand", "fout-wachtwoord-123") == 401
    assert _login_as(client, "ana", "fout-wachtwoord-123") == 401
    with _db(web) as db:
        from vastgoed.web.security import create_account

        create_account(db, "alleen-sso", "analist", None)
    assert _login_as(client, "alleen-sso", "fout-wachtwoord-123") == 401
    assert len(calls) == 3 and calls[0] == calls[2] != calls[1]  # the dummy hash, twice


def test_behind_a_trusted_proxy_an_address_is_throttled(
    web_runs: Runs, tmp_path: Path, database_url: str
) -> None:
    w = make_web(
        web_runs, tmp_path, database_url, trusted_proxies=("testclient",), login_address_max_failures=4
    )
    client = w.client()
    # one address, many names: 4 failures, then that address is refused for every name
    for naam in ("x1", "x2", "x3", "x4"):
        assert _login_as(client, naam, "fout-wachtwoord-123", "198.51.100.1") == 401
    assert _login_as(client, "rev", PASSWORD, "198.51.100.1") == 429
    assert _login_as(client, "rev", PASSWORD, "198.51.100.2") == 303  # rev elsewhere is not locked out
    # the left part of X-Forwarded-For is the client's to write; the right-most untrusted hop counts
    assert _login_as(client, "ana", PASSWORD, "203.0.113.5, 198.51.100.1") == 429
    w.app.state.engine.dispose()


def test_the_lock_is_per_account_from_every_address(
    web_runs: Runs, tmp_path: Path, database_url: str
) -> None:
    w = make_web(web_runs, tmp_path, database_url, trusted_proxies=("testclient",))
    client = w.client()
    for i in range(5):  # one name from many addresses: the name waits everywhere
        assert _login_as(client, "ana", "fout-wachtwoord-123", f"192.0.2.{i}") == 401
    assert _login_as(client, "ana", PASSWORD, "192.0.2.200") == 429
    assert _login_as(client, "rev", PASSWORD, "192.0.2.1") == 303  # the addresses are not locked
    w.app.state.engine.dispose()


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(
    web_runs: Runs, tmp_path: Path, database_url: str
) -> None:
    w = make_web(web_runs, tmp_path, database_url, login_address_max_failures=2)
    client = w.client()
    for i in range(5):  # the header is not believed: no address limit, the name's lock only
        assert _login_as(client, f"x{i}", "fout-wachtwoord-123", f"198.51.100.{i}") == 401
    assert _login_as(client, "ana", PASSWORD, "198.51.100.1") == 303
    w.app.state.engine.dispose()


def test_the_graph_image_and_list_pages_are_audit_logged(web: Web) -> None:
    client = web.client("analist")
    assert client.get(f"/runs/{web.released}?sort=score&desc=true&page=1").status_code == 200
    view = _entries(web, "view")[-1]
    assert view["run_id"] == web.released and view["actor"] == "analist:ana"
    assert view["details"] == {"pagina": "lijst", "page": 1, "filters": {"sort": "score", "desc": True}}
    assert client.get(f"/runs/{web.released}/signalen/2/netwerk.svg").status_code == 200
    view = _entries(web, "view")[-1]
    assert view["details"]["pagina"] == "netwerk" and view["details"]["rank"] == 2
    assert view["details"]["verblijfsobject_id"]


def test_a_tampered_released_list_is_a_409_page_without_paths(web: Web) -> None:
    lijst = web.out / web.released / "vrijgegeven" / "lijst.csv"
    lijst.write_bytes(lijst.read_bytes() + b"\n")
    client = web.client("analist")
    for path in (
        f"/runs/{web.released}",
        f"/runs/{web.released}/signalen/1",
        f"/runs/{web.released}/export.csv",
    ):
        response = client.get(path)
        assert response.status_code == 409, path
        assert "vrijgegeven" in response.text.lower() or "released" in response.text
        assert str(web.out) not in response.text and "lijst.csv" not in response.text
    assert _entries(web, "export") == []


def test_no_absolute_path_on_a_4xx_page(web: Web) -> None:
    client = web.client("reviewer")
    token = csrf_of(client.get(f"/runs/{web.awaiting}/beoordeling").text)
    refused = client.post(f"/runs/{web.awaiting}/vrijgeven", data={"csrf": token})
    assert refused.status_code == 409 and "moral-deliberation decision" in refused.text
    bsn = client.post(
        f"/runs/{web.awaiting}/besluit",
        data={"csrf": token, "besluit": "reject", "motivering": "bewoner 111222333 gesproken"},
    )
    assert bsn.status_code == 400
    log = web.out / "governance" / "audit.jsonl"
    log.write_bytes(log.read_bytes().replace(b'"actie":"run"', b'"actie":"rUn"', 1))
    broken = client.get("/runs")
    assert broken.status_code == 409
    roots = {str(web.out), str(web.out.resolve()), str(web.out.parent), "/tmp/"}
    for response in (refused, bsn, broken):
        assert not any(root in response.text for root in roots), response.text


def test_sessions_have_an_absolute_lifetime_and_end_when_blocked(web: Web) -> None:
    from vastgoed.web.store import Account, WebSession

    client = web.client("analist")
    assert client.get("/runs").status_code == 200
    with _db(web) as db:
        db.execute(update(WebSession).values(aangemaakt=time.time() - 13 * 3600))
        db.commit()
    assert client.get("/runs").status_code == 401  # active, but logged in 13 hours ago
    # an expired session of another account is purged at the next login
    stale = web.client("reviewer")
    with _db(web) as db:
        db.execute(update(WebSession).values(laatst_gezien=time.time() - 9 * 3600))
        db.commit()
    analist = web.client("analist")
    with _db(web) as db:
        assert db.scalar(select(func.count()).select_from(WebSession)) == 1
    assert stale.get("/runs").status_code == 401
    # blocking an account ends its sessions
    beh = web.client("beheerder")
    page = beh.get("/beheer/accounts").text
    with _db(web) as db:
        ana = db.scalar(select(Account).where(Account.naam == "ana"))
        assert ana is not None
        ana_id = ana.id
    response = beh.post(
        "/beheer/accounts/wijzig", data={"csrf": csrf_of(page), "account": ana_id, "wat": "blokkeren"}
    )
    assert response.status_code == 303
    with _db(web) as db:
        rows = db.scalar(select(func.count()).select_from(WebSession).where(WebSession.account_id == ana_id))
        assert rows == 0
    assert analist.get("/runs").status_code == 401


def test_account_edge_cases(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from vastgoed.web import security
    from vastgoed.web.security import AccountExists, create_account

    beh = web.client("beheerder")
    token = csrf_of(beh.get("/beheer/accounts").text)

    def create(naam: str, password: str) -> int:
        data = {"csrf": token, "naam": naam, "rol": "analist", "wachtwoord": password}
        return int(beh.post("/beheer/accounts", data=data).status_code)

    assert create("nieuw", "") == 400  # no SSO configured: no account without a password
    assert create("nieuw", PASSWORD) == 303
    assert create("nieuw", PASSWORD) == 409
    # created by another request between the check and the commit: the database says so
    monkeypatch.setattr(security, "_name_taken", lambda session, naam: False)
    with _db(web) as db, pytest.raises(AccountExists):
        create_account(db, "nieuw", "analist", PASSWORD)
    assert create("nieuw", PASSWORD) == 409
    # parallel creation of one name: one account, the others a clean 409
    codes: list[int] = []
    barrier = threading.Barrier(4)

    def parallel() -> None:
        client = web.client("beheerder")
        own = csrf_of(client.get("/beheer/accounts").text)
        barrier.wait()
        data = {"csrf": own, "naam": "tegelijk", "rol": "analist", "wachtwoord": PASSWORD}
        codes.append(int(client.post("/beheer/accounts", data=data).status_code))

    threads = [threading.Thread(target=parallel) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(codes) == [303, 409, 409, 409], codes


def test_an_account_without_password_needs_single_sign_on(
    web_runs: Runs, tmp_path: Path, database_url: str
) -> None:
    from pydantic import SecretStr

    w = make_web(
        web_runs,
        tmp_path,
        database_url,
        sso_header="X-Remote-User",
        trusted_proxies=("10.0.0.1",),
        sso_secret=SecretStr("0123456789abcdef0123"),
    )
    beh = w.client("beheerder")
    token = csrf_of(beh.get("/beheer/accounts").text)
    data = {"csrf": token, "naam": "sso-gebruiker", "rol": "analist", "wachtwoord": ""}
    assert beh.post("/beheer/accounts", data=data).status_code == 303
    w.app.state.engine.dispose()


def test_the_index_copies_only_new_entries(web: Web) -> None:
    from vastgoed.web.runs import audit_entries
    from vastgoed.web.store import IndexState, VerdictRow, sync_index

    client = web.client("analist")
    client.get(f"/runs/{web.released}")
    with _db(web) as db:
        state = db.get(IndexState, 1)
        entries = audit_entries(web.out)
        # the list page's own view entry is appended after the index was brought up to date
        assert state is not None and state.seq == entries[-1].seq - 1
        assert state.hash == entries[state.seq - 1].hash
        # a log replaced by another one (the remembered entry is gone): the index is rebuilt
        db.add(VerdictRow(seq=10**6, run_id="x", verblijfsobject_id="x", uitkomst="x", actor="x", tijd="x"))
        db.execute(update(IndexState).values(hash="0" * 64))
        db.commit()
        sync_index(db, entries)
        assert db.scalar(select(func.count()).select_from(VerdictRow).where(VerdictRow.run_id == "x")) == 0
        assert db.get(IndexState, 1) is not None
