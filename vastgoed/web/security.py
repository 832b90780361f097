"""Accounts, passwords, sessions, CSRF tokens, the login rate limit and the security headers.

Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, rehashed when they change). A
session is a random 256-bit token in an ``HttpOnly``, ``SameSite=Strict`` (and, unless
``allow_http``, ``Secure``) cookie; the store keeps only its SHA-256 and the session's CSRF token,
which every form posts back. Before login the CSRF token lives in a cookie of its own
(double-submit). A session ends after its idle timeout and, however active, after its maximum age.

Login attempts are counted in the store. An attempt is recorded *before* the password is checked
(:func:`begin_login`) and counted at once, so parallel requests cannot all pass the check before any
failure is written; it is marked a success afterwards (:func:`finish_login`). The lock-out is **per
account name** with exponential backoff (OWASP Authentication Cheat Sheet; NIST SP 800-63B 5.2.2):
after ``threshold`` consecutive failures the name waits ``base_s``, doubling with each further
failure up to ``cap_s``; a successful login resets the count. An address (any name) is throttled
only when the caller says the address is a client's as told by a trusted proxy: without one, the
address may be a proxy or an office's NAT, and locking it would lock out everyone behind it. An
unknown name costs the same Argon2 verification as a known one (against a dummy hash), so the
timing does not tell which names exist. The web's login form and the command line's ``review``,
``release`` and ``verdict`` both log in through :func:`authenticate`, and audit it alike
(:func:`login_entries`).

Passwords follow :mod:`vastgoed.web.passwords`. A beheerder's reset sets a one-time password that
the account holder must change at the next login (:func:`change_password`); a ``reviewer`` or
``beheerder`` account made or reset by a beheerder waits for a second beheerder's approval
(:func:`approve_account`), who sets the one-time password: the one who asked never knows it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vastgoed.core.errors import VastgoedError
from vastgoed.ethics.review import REVIEW_ROLE
from vastgoed.web.passwords import PasswordProblem, password_problem
from vastgoed.web.settings import WebSettings
from vastgoed.web.store import PRIVILEGED, ROLES, Account, LoginAttempt, WebSession

__all__ = [
    "ENGINE_ROLE",
    "SECURITY_HEADERS",
    "AccountError",
    "AccountExists",
    "Login",
    "LoginEntry",
    "LoginPolicy",
    "PasswordRefused",
    "Principal",
    "actor_of",
    "approve_account",
    "authenticate",
    "begin_login",
    "change_password",
    "create_account",
    "csrf_ok",
    "end_account_sessions",
    "end_session",
    "finish_login",
    "hash_password",
    "load_session",
    "login_entries",
    "login_policy",
    "new_token",
    "purge_sessions",
    "request_account",
    "reset_password",
    "start_session",
    "verify_password",
]

_HASHER = PasswordHasher()
#: Verified against when the account is unknown or has no password: the same work either way.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(24))
#: Sent with every response. No external source anywhere; no script at all.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")
#: The engine's role of an account's role: the prefix of the account's actor in the audit log.
ENGINE_ROLE: dict[str, str] = {"analist": "analist", "reviewer": REVIEW_ROLE, "beheerder": "beheerder"}


class AccountError(VastgoedError):
    """An account request that cannot be carried out (bad name, role or password)."""


class AccountExists(AccountError):
    """An account of that name exists (also when another request created it a moment ago)."""


class PasswordRefused(AccountError):
    """A password the policy refuses; ``problem`` names why (its value is the message key)."""

    def __init__(self, problem: PasswordProblem) -> None:
        super().__init__(f"password refused: {problem.name.lower()}")
        self.problem = problem


@dataclass(frozen=True, kw_only=True)
class LoginPolicy:
    """The login lock-out: per account name with backoff; per address only behind a trusted proxy.

    Attributes:
        threshold: Consecutive failed logins of a name before it waits.
        base_s: The first wait; each further failure doubles it.
        cap_s: The longest wait.
        address_failures: Failed logins (any name) from one client address within ``address_window_s``
            before that address waits for the rest of the window; applied only to addresses told
            by a trusted proxy.
        address_window_s: The window of the address limit.
    """

    threshold: int = 5
    base_s: float = 60.0
    cap_s: float = 1800.0
    address_failures: int = 100
    address_window_s: float = 900.0

    def wait_s(self, failures: int) -> float:
        """How long a name waits after ``failures`` consecutive failures (0 below the threshold)."""
        if failures < self.threshold:
            return 0.0
        return float(min(self.base_s * 2 ** min(failures - self.threshold, 30), self.cap_s))


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account, its role, the session's CSRF token.

    ``wachtwoord_wijzigen``: it logged in with a one-time password and must replace it first.
    """

    account_id: int
    naam: str
    rol: str
    csrf: str
    session_id: str
    wachtwoord_wijzigen: bool = False


def new_token() -> str:
    """A random URL-safe token of 256 bits."""
    return secrets.token_urlsafe(32)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """The Argon2id hash of a password."""
    return _HASHER.hash(password)


def verify_password(account: Account | None, password: str) -> bool:
    """True when ``password`` is the account's; rehashes it when the hash parameters changed.

    An unknown account (None) or one without a password (single sign-on only) is verified against
    a dummy hash and refused, so that it takes as long as a wrong password of a real account.
    """
    stored = account.wachtwoord_hash if account is not None else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if account is None or not stored:
        return False
    if _HASHER.check_needs_rehash(stored):
        account.wachtwoord_hash = _HASHER.hash(password)
    return True


def _check_password(password: str, naam: str) -> None:
    problem = password_problem(password, naam)
    if problem is not None:
        raise PasswordRefused(problem)


def create_account(session: Session, naam: str, rol: str, password: str | None) -> Account:
    """Create an approved local account (the operator's way: the command line, the first beheerder).

    ``password`` None makes an account for single sign-on only; the password is the holder's own.

    Raises:
        AccountError: The name is taken or not a plain login name, the role unknown, or the password
            refused by the policy (:class:`PasswordRefused`).
    """
    return _add_account(session, naam, rol, password)


def request_account(session: Session, naam: str, rol: str, password: str | None, *, door: int) -> Account:
    """Create an account for beheerder ``door`` (the web's way).

    An ``analist`` gets ``password`` as a one-time password. A privileged role (``reviewer``,
    ``beheerder``) is created waiting, without a password (``password`` is ignored): a second
    beheerder approves it and sets its one-time password (:func:`approve_account`).

    Raises:
        AccountError: As :func:`create_account`.
    """
    if rol in PRIVILEGED:
        return _add_account(session, naam, rol, None, goedgekeurd=False, verzocht_door=door)
    return _add_account(session, naam, rol, password, tijdelijk=password is not None)


def _add_account(
    session: Session,
    naam: str,
    rol: str,
    password: str | None,
    *,
    tijdelijk: bool = False,
    goedgekeurd: bool = True,
    verzocht_door: int | None = None,
) -> Account:
    naam = naam.strip().lower()
    if not naam or len(naam) > 64 or not set(naam) <= _NAME_CHARS:
        raise AccountError("an account name has 1-64 characters: letters, digits and . _ - @")
    if rol not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if _name_taken(session, naam):
        raise AccountExists(f"account {naam!r} exists")
    if password is not None:
        _check_password(password, naam)
    account = Account(
        naam=naam,
        rol=rol,
        wachtwoord_hash=hash_password(password) if password is not None else None,
        actief=True,
        aangemaakt=time.time(),
        tijdelijk_wachtwoord=tijdelijk,
        goedgekeurd=goedgekeurd,
        verzocht_door=verzocht_door,
    )
    session.add(account)
    try:
        session.commit()
    except IntegrityError as exc:  # created by another request between the check and the commit
        session.rollback()
        raise AccountExists(f"account {naam!r} exists") from exc
    return account


def _name_taken(session: Session, naam: str) -> bool:
    return session.scalar(select(Account.id).where(Account.naam == naam)) is not None


def reset_password(session: Session, account: Account, password: str, *, door: int) -> bool:
    """Beheerder ``door`` resets another account's password; its sessions end.

    An ``analist`` gets ``password`` as a one-time password, to be changed at the next login. A
    privileged account loses its password and waits for a second beheerder (:func:`approve_account`).

    Returns:
        True when the reset is done, False when it waits for a second beheerder.

    Raises:
        AccountError: ``door`` is the account itself (its own password is changed with the current
            one, :func:`change_password`), or the password is refused.
    """
    if door == account.id:
        raise AccountError("an own password is changed with the current one, not reset")
    done = account.rol not in PRIVILEGED
    if done:
        _check_password(password, account.naam)
        account.wachtwoord_hash = hash_password(password)
    else:
        account.wachtwoord_hash = None
        account.goedgekeurd = False
        account.verzocht_door = door
    account.tijdelijk_wachtwoord = done
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    session.commit()
    return done


def approve_account(session: Session, account: Account, password: str | None, *, door: int) -> None:
    """Beheerder ``door`` approves a waiting account and sets its one-time password.

    ``password`` None leaves it without one (single sign-on only).

    Raises:
        AccountError: Nothing waits, ``door`` asked for it or is the account, or the password is refused.
    """
    if account.goedgekeurd:
        raise AccountError(f"account {account.naam!r} does not wait for approval")
    if door in (account.verzocht_door, account.id):
        raise AccountError("a second beheerder approves, not the one who asked nor the account itself")
    if password is not None:
        _check_password(password, account.naam)
    account.wachtwoord_hash = hash_password(password) if password is not None else None
    account.tijdelijk_wachtwoord = password is not None
    account.goedgekeurd = True
    account.verzocht_door = None
    session.commit()


def change_password(session: Session, account: Account, current: str, new: str) -> None:
    """The account holder replaces their password (a one-time one, or their own); every session ends.

    Raises:
        AccountError: ``current`` is wrong, ``new`` equals it, or the policy refuses ``new``.
    """
    if not verify_password(account, current):
        raise AccountError("the current password is wrong")
    if hmac.compare_digest(current.encode("utf-8"), new.encode("utf-8")):
        raise PasswordRefused(PasswordProblem.SAME)
    _check_password(new, account.naam)
    account.wachtwoord_hash = hash_password(new)
    account.tijdelijk_wachtwoord = False
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    session.commit()


def begin_login(
    session: Session, naam: str, adres: str, policy: LoginPolicy, *, by_address: bool
) -> int | None:
    """Record a login attempt as failed, then check the lock-out; None when it is refused.

    The attempt is written and counted in one transaction that holds the name
    (:func:`_one_attempt_of`), so of many parallel attempts at most the threshold get through to the
    password check (each counts those recorded before it, finished or not). A refused attempt is
    removed again: it never reached the password, and keeping it would let an attacker extend the
    lock-out for ever. Attempts older than a day are forgotten. ``by_address``: also apply the
    address limit (the address came from a trusted proxy).

    Returns:
        The attempt's id (for :func:`finish_login`), or None when the name or address must wait.
    """
    now = time.time()
    naam, adres = naam[:64], adres[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.tijd < now - 86_400))
    attempt = LoginAttempt(naam=naam, adres=adres, tijd=now, gelukt=False)
    _one_attempt_of(session, naam)
    session.add(attempt)
    session.flush()  # counted in the same transaction, which holds the name until its commit
    failures, last = _failures_before(session, naam, attempt.id)
    wait_s = policy.wait_s(failures)
    locked = wait_s > 0 and now < last + wait_s
    if not locked and by_address:
        recent = (
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.adres == adres,
                LoginAttempt.id < attempt.id,
                LoginAttempt.gelukt.is_(False),
                LoginAttempt.tijd >= now - policy.address_window_s,
            )
        )
        locked = (session.scalar(recent) or 0) >= policy.address_failures
    if locked:
        session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt.id))
        session.commit()
        return None
    session.commit()
    return int(attempt.id)


def _one_attempt_of(session: Session, naam: str) -> None:
    """Hold the name for this transaction, so parallel attempts of one name are counted one by one.

    In PostgreSQL a transaction-level advisory lock on the name (measured: without it, 6 of 20
    parallel wrong logins got past a limit of 5, each counting before the others had committed);
    SQLite serialises writing transactions by itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:naam))"), {"naam": naam})


def _failures_before(session: Session, naam: str, before_id: int) -> tuple[int, float]:
    """Failed attempts of ``naam`` since its last success and before ``before_id``; the last one's time."""
    success = select(func.max(LoginAttempt.id)).where(
        LoginAttempt.naam == naam, LoginAttempt.gelukt.is_(True)
    )
    since = session.scalar(success) or 0
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.tijd)).where(
            LoginAttempt.naam == naam,
            LoginAttempt.gelukt.is_(False),
            LoginAttempt.id > since,
            LoginAttempt.id < before_id,
        )
    ).one()
    return int(count or 0), float(last or 0.0)


def finish_login(session: Session, attempt_id: int, gelukt: bool, policy: LoginPolicy) -> float:
    """Mark an attempt of :func:`begin_login` a success, or keep it a failure.

    Returns:
        After a failure, how long the name now waits (0 when it does not): a lock-out starts.
    """
    row = session.get(LoginAttempt, attempt_id)
    if row is None:
        return 0.0
    if gelukt:
        row.gelukt = True
        session.commit()
        return 0.0
    failures, _ = _failures_before(session, row.naam, attempt_id + 1)
    return policy.wait_s(failures)


def login_policy(settings: WebSettings) -> LoginPolicy:
    """The lock-out the settings ask for: the same for the web's login and the command line's."""
    return LoginPolicy(
        threshold=settings.login_max_failures,
        base_s=float(settings.login_backoff_seconds),
        cap_s=settings.login_backoff_max_minutes * 60.0,
        address_failures=settings.login_address_max_failures,
        address_window_s=settings.login_window_minutes * 60.0,
    )


@dataclass(frozen=True)
class Login:
    """The outcome of :func:`authenticate`.

    Attributes:
        account: The account, when the name is an active, approved account and the password its own.
        locked: The name (or address) waits: the password was not checked.
        known: After a wrong password, the name of the active account it was tried on (None for a
            name without one: it may be a mistyped password, and is not written down).
        wait_s: After a failure, the lock-out it starts (0 when none).
    """

    account: Account | None
    locked: bool = False
    known: str | None = None
    wait_s: float = 0.0


def authenticate(
    session: Session, naam: str, password: str, policy: LoginPolicy, *, adres: str, by_address: bool = False
) -> Login:
    """Check a name and password against the accounts, under the lock-out (the web's and the CLI's login).

    Only an active, approved account can log in; any other name is checked against a dummy hash,
    so a refusal takes as long and says as little whether the name exists. The attempt is counted
    per name (:func:`begin_login`), and per ``adres`` when ``by_address``.
    """
    naam = naam.strip().lower()
    attempt = begin_login(session, naam, adres, policy, by_address=by_address)
    if attempt is None:
        return Login(None, locked=True)
    account = session.scalar(
        select(Account).where(Account.naam == naam, Account.actief.is_(True), Account.goedgekeurd.is_(True))
    )
    ok = verify_password(account, password) and account is not None
    wait_s = finish_login(session, attempt, ok, policy)
    if not ok:
        return Login(None, known=account.naam if account is not None else None, wait_s=wait_s)
    return Login(account)


def actor_of(account: Account | Principal) -> str:
    """An account's actor in the audit log: its engine role and name (``moreel_beraad:eva``)."""
    return f"{ENGINE_ROLE[account.rol]}:{account.naam}"


@dataclass(frozen=True)
class LoginEntry:
    """An audit-log entry a login makes: what, by whom, and its details."""

    actie: str
    actor: str
    details: dict[str, Any] = field(default_factory=dict)


def login_entries(login: Login, adres: str, *, via: str | None = None) -> list[LoginEntry]:
    """The audit entries of a login: ``login``; or ``login_mislukt``, and ``lockout`` when one starts.

    A refused attempt of a waiting name writes nothing (it never reached the password). ``via``
    names the way in other than the web (``opdrachtregel``).
    """
    extra = {"via": via} if via else {}
    if login.locked:
        return []
    if login.account is not None:
        return [LoginEntry("login", actor_of(login.account), {"adres": adres, **extra})]
    failed = {"account": login.known, "adres": adres, **extra}
    entries = [LoginEntry("login_mislukt", "anoniem", failed)]
    if login.wait_s:
        entries.append(LoginEntry("lockout", "systeem", failed | {"seconden": int(login.wait_s)}))
    return entries


def start_session(session: Session, account: Account) -> str:
    """Start a session for the account; returns the cookie's token."""
    token = new_token()
    now = time.time()
    session.add(
        WebSession(
            id=_digest(token), account_id=account.id, csrf=new_token(), aangemaakt=now, laatst_gezien=now
        )
    )
    session.commit()
    return token


def load_session(session: Session, token: str | None, *, idle_s: float, max_age_s: float) -> Principal | None:
    """The principal of a session token, if it is a live session of an active account.

    A session is over after ``idle_s`` without a request or ``max_age_s`` after login.
    """
    if not token or len(token) > 100:
        return None
    row = session.get(WebSession, _digest(token))
    if row is None:
        return None
    now = time.time()
    account = session.get(Account, row.account_id)
    if (
        account is None
        or not account.actief
        or not account.goedgekeurd
        or now - row.laatst_gezien > idle_s
        or now - row.aangemaakt > max_age_s
    ):
        session.delete(row)
        session.commit()
        return None
    if now - row.laatst_gezien > 60:  # no write on every request
        row.laatst_gezien = now
        session.commit()
    return Principal(account.id, account.naam, account.rol, row.csrf, row.id, account.tijdelijk_wachtwoord)


def purge_sessions(session: Session, *, idle_s: float, max_age_s: float) -> None:
    """Remove the sessions that are over (idle too long or too old)."""
    now = time.time()
    session.execute(
        delete(WebSession).where(
            or_(WebSession.laatst_gezien < now - idle_s, WebSession.aangemaakt < now - max_age_s)
        )
    )
    session.commit()


def end_account_sessions(session: Session, account_id: int) -> None:
    """End every session of an account (blocked, or its password set)."""
    session.execute(delete(WebSession).where(WebSession.account_id == account_id))
    session.commit()


def end_session(session: Session, token: str | None) -> None:
    """End the session of a token (logout)."""
    if token:
        session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
        session.commit()


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the expected one."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
