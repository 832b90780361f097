"""Issue 22: the login lock-out per account with backoff, the address limit only behind a trusted
proxy, the password policy, audit entries of logins, logouts and lock-outs, one-time passwords, a
second beheerder for reviewer and beheerder accounts, and owner-only files."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import PASSWORD, Runs, Web, csrf_of, login, make_web
from vastgoed.ethics.review import audit_log
from vastgoed.web.passwords import PasswordProblem, password_problem
from vastgoed.web.security import LoginPolicy, create_account
from vastgoed.web.store import Account, LoginAttempt

WRONG = "fout-wachtwoord-123"


def _entries(web: Web, actie: str) -> list[dict[str, Any]]:
    return [e.to_dict() for e in audit_log(web.out).entries() if e.actie == actie]


def _db(web: Web) -> Session:
    return sessionmaker(web.app.state.engine)()


def _login_as(client: Any, naam: str, password: str) -> int:
    client.cookies.clear()
    token = csrf_of(client.get("/").text)
    return int(client.post("/login", data={"naam": naam, "wachtwoord": password, "csrf": token}).status_code)


def _age_attempts(web: Web, seconds: float) -> None:
    """Move every recorded login attempt ``seconds`` into the past (the clock moves on)."""
    with _db(web) as db:
        db.execute(update(LoginAttempt).values(tijd=LoginAttempt.tijd - seconds))
        db.commit()


def _account_id(web: Web, naam: str) -> int:
    with _db(web) as db:
        found = db.scalar(select(Account.id).where(Account.naam == naam))
        assert found is not None
        return int(found)


def _post_account(client: Any, **data: str) -> Any:
    token = csrf_of(client.get("/beheer/accounts").text)
    path = "/beheer/accounts/wijzig" if "wat" in data else "/beheer/accounts"
    return client.post(path, data={"csrf": token, **data})


def _change_password(client: Any, current: str, new: str, repeat: str | None = None) -> Any:
    token = csrf_of(client.get("/wachtwoord").text)
    data = {"csrf": token, "huidig": current, "nieuw": new, "herhaal": new if repeat is None else repeat}
    return client.post("/wachtwoord", data=data)


def test_the_backoff_doubles_up_to_its_cap() -> None:
    policy = LoginPolicy()
    waits = [policy.wait_s(n) for n in (0, 4, 5, 6, 7, 9, 10, 11, 100)]
    assert waits == [0, 0, 60, 120, 240, 960, 1800, 1800, 1800]


def test_an_account_waits_longer_after_each_failure_and_a_success_resets(web: Web) -> None:
    client = web.client()
    for _ in range(5):
        assert _login_as(client, "ana", WRONG) == 401
    assert _login_as(client, "ana", PASSWORD) == 429  # 1 minute
    _age_attempts(web, 61)
    assert _login_as(client, "ana", WRONG) == 401  # the 6th failure: 2 minutes
    _age_attempts(web, 61)
    assert _login_as(client, "ana", PASSWORD) == 429
    _age_attempts(web, 60)
    assert _login_as(client, "ana", PASSWORD) == 303  # a success resets the count
    assert _login_as(client, "ana", WRONG) == 401
    assert _login_as(client, "ana", PASSWORD) == 303
    locks = _entries(web, "lockout")
    assert [e["details"]["seconden"] for e in locks] == [60, 120]
    assert {e["details"]["account"] for e in locks} == {"ana"}


def test_21_failures_from_one_address_lock_no_other_account_out(web: Web) -> None:
    client = web.client()
    names = ["ana"] * 4 + ["rev"] * 4 + [f"kantoor{i}" for i in range(13)]
    assert [_login_as(client, n, WRONG) for n in names] == [401] * 21
    for naam in ("ana", "rev", "beh"):  # the same (NAT) address, other names or below their threshold
        assert _login_as(client, naam, PASSWORD) == 303


def test_logins_logouts_failures_and_lockouts_are_audit_logged(web: Web) -> None:
    client = web.client()
    assert login(client, "ana").status_code == 303
    token = csrf_of(client.get("/runs").text)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert _login_as(client, "ana", WRONG) == 401
    assert _login_as(client, "typo-HUNTER2-geheim", WRONG) == 401
    (ok,) = _entries(web, "login")
    assert ok["actor"] == "analist:ana" and ok["details"]["adres"] == "testclient"
    (out,) = _entries(web, "logout")
    assert out["actor"] == "analist:ana"
    failed = _entries(web, "login_mislukt")
    assert [e["details"]["account"] for e in failed] == ["ana", None]
    text = (web.out / "governance" / "audit.jsonl").read_text(encoding="utf-8")
    assert "hunter2" not in text.lower() and WRONG not in text  # no typed name nor password
    for _ in range(5):
        _login_as(client, "rev", WRONG)
    (lock,) = _entries(web, "lockout")
    assert lock["details"] == {"account": "rev", "adres": "testclient", "seconden": 60}


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("kort-maar", PasswordProblem.TOO_SHORT),
        ("aaaaaaaaaaaa", PasswordProblem.PATTERN),
        ("123456789012", PasswordProblem.PATTERN),
        ("abcabcabcabc", PasswordProblem.PATTERN),
        ("abcdefghijklm", PasswordProblem.PATTERN),
        ("987654321098", PasswordProblem.PATTERN),
        ("wachtwoord12", PasswordProblem.COMMON),
        ("welkom123456", PasswordProblem.COMMON),
        ("Welkom2024!!", PasswordProblem.COMMON),
        ("P@ssw0rd2024", PasswordProblem.COMMON),
        ("feyenoord1908", PasswordProblem.COMMON),
        ("jansen-tuinpad-42", PasswordProblem.NAME),
        ("een-lang-wachtwoord-1", None),
        ("fiets regen dijk lantaarn", None),
    ],
)
def test_the_password_policy(password: str, problem: PasswordProblem | None) -> None:
    assert password_problem(password, "p.jansen@gemeente.nl") is problem


def test_refused_passwords_get_a_dutch_reason(web: Web) -> None:
    beh = web.client("beheerder")
    reasons = {
        "aaaaaaaaaaaa": "herhaling of een reeks",
        "wachtwoord12": "te bekend",
        "welkom123456": "te bekend",
        "nieuwe-collega-xyz": "bevat de gebruikersnaam",
        "kort": "te kort",
    }
    for password, reason in reasons.items():
        page = _post_account(beh, naam="nieuwe-collega", rol="analist", wachtwoord=password)
        assert page.status_code == 400 and reason in page.text, password
    with _db(web) as db:
        assert db.scalar(select(Account).where(Account.naam == "nieuwe-collega")) is None


def test_a_reviewer_account_needs_a_second_beheerder(web: Web) -> None:
    beh = web.client("beheerder")
    created = _post_account(beh, naam="rev2", rol="reviewer", wachtwoord="eigen-keuze-van-beh-1")
    assert created.status_code == 303 and "accounts.requested" in created.headers["location"]
    assert _login_as(web.client(), "rev2", "eigen-keuze-van-beh-1") == 401  # no password, waits
    rev2 = _account_id(web, "rev2")
    one_time = "eenmalig-van-beh2-7"
    refused = _post_account(beh, account=str(rev2), wat="goedkeuren", wachtwoord=one_time)
    assert refused.status_code == 400  # the beheerder who asked cannot approve
    with _db(web) as db:
        create_account(db, "beh2", "beheerder", PASSWORD)
    beh2 = web.client()
    assert login(beh2, "beh2").status_code == 303
    approved = _post_account(beh2, account=str(rev2), wat="goedkeuren", wachtwoord=one_time)
    assert approved.status_code == 303
    # the holder logs in with the one-time password and must choose their own before anything else
    holder = web.client()
    assert login(holder, "rev2", one_time).headers["location"] == "/wachtwoord"
    assert holder.get("/runs").headers["location"] == "/wachtwoord"
    assert _change_password(holder, one_time, "mijn-eigen-zin-hier", "iets-anders-dan-dat").status_code == 400
    assert _change_password(holder, one_time, one_time).status_code == 400
    assert _change_password(holder, one_time, "mijn-eigen-zin-hier").status_code == 303
    assert holder.get("/runs").status_code == 200
    assert _login_as(web.client(), "rev2", one_time) == 401  # the one-time password is gone
    changes = [e["details"]["wat"] for e in _entries(web, "account")]
    assert changes == ["aangevraagd", "goedgekeurd", "wachtwoord_gewijzigd"]


def test_a_reset_is_one_time_and_a_reviewer_reset_needs_a_second_beheerder(web: Web) -> None:
    ana_client, rev_client = web.client("analist"), web.client("reviewer")
    beh = web.client("beheerder")
    ana, rev, own = (str(_account_id(web, n)) for n in ("ana", "rev", "beh"))

    def reset(account: str, wat: str = "wachtwoord", password: str = "") -> int:
        return int(_post_account(beh, account=account, wat=wat, wachtwoord=password).status_code)

    assert reset(own, password="zelf-gekozen-nieuw") == 400  # not the own password
    # an analist's reset: a one-time password, the sessions end, the holder must change it
    assert reset(ana, password="tijdelijk-eenmalig-9") == 303
    assert ana_client.get("/runs").status_code == 401
    assert login(web.client(), "ana", "tijdelijk-eenmalig-9").headers["location"] == "/wachtwoord"
    # a reviewer's reset: the account waits, without a password, for a second beheerder
    assert reset(rev) == 303
    assert rev_client.get("/runs").status_code == 401
    assert _login_as(web.client(), "rev", PASSWORD) == 401
    assert reset(rev, "goedkeuren", "tijdelijk-eenmalig-8") == 400
    changes = [(e["actor"], e["details"]["account"], e["details"]["wat"]) for e in _entries(web, "account")]
    assert changes == [
        ("beheerder:beh", "ana", "wachtwoord_gereset"),
        ("beheerder:beh", "rev", "wachtwoord_aangevraagd"),
    ]


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


def test_runs_and_governance_files_are_owner_only(web_runs: Runs, tmp_path: Path) -> None:
    run = _modes(web_runs.out / web_runs.awaiting)  # made by `vastgoed run` alone
    governance = _modes(web_runs.out / "governance")
    wide = {k: oct(m) for k, m in {**run, **governance}.items() if m & 0o077}
    assert not wide and len(run) > 5 and "audit.jsonl" in governance
    # the web application's store: a new SQLite file is created 0600 in a 0700 folder
    url = f"sqlite:///{tmp_path / 'nieuw' / 'web.sqlite'}"
    w = make_web(web_runs, tmp_path, url)
    w.client("analist").get("/runs")
    assert stat.S_IMODE((tmp_path / "nieuw" / "web.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "nieuw").stat().st_mode) == 0o700
    w.app.state.engine.dispose()
