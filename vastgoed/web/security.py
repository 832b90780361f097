"""Accounts, passwords, sessions, CSRF tokens, the login rate limit and the security headers.

Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, rehashed when they change). A
session is a random 256-bit token in an ``HttpOnly``, ``SameSite=Strict`` (and, unless
``allow_http``, ``Secure``) cookie; the store keeps only its SHA-256 and the session's CSRF token,
which every form posts back. Before login the CSRF token lives in a cookie of its own
(double-submit). A session ends after its idle timeout and, however active, after its maximum age.

Login attempts are counted in the store. An attempt is recorded *before* the password is checked
(:func:`begin_login`) and counted at once, so parallel requests cannot all pass the check before any
failure is written; it is marked a success afterwards (:func:`finish_login`). The limits: per account
name from one address, per address (any name), and per name from all addresses together (higher),
so one attacker cannot lock an account out for everyone. An unknown name costs the same Argon2
verification as a known one (against a dummy hash), so the timing does not tell which names exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vastgoed.core.errors import VastgoedError
from vastgoed.web.store import ROLES, Account, LoginAttempt, WebSession

__all__ = [
    "SECURITY_HEADERS",
    "AccountError",
    "AccountExists",
    "LoginLimits",
    "Principal",
    "begin_login",
    "create_account",
    "csrf_ok",
    "end_account_sessions",
    "end_session",
    "finish_login",
    "hash_password",
    "load_session",
    "new_token",
    "purge_sessions",
    "set_password",
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
_MIN_PASSWORD = 12
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


class AccountError(VastgoedError):
    """An account request that cannot be carried out (bad name, role or password)."""


class AccountExists(AccountError):
    """An account of that name exists (also when another request created it a moment ago)."""


@dataclass(frozen=True)
class LoginLimits:
    """Failed logins allowed within ``window_s``: per name from one address, per address, per name."""

    per_name_address: int
    per_address: int
    per_name: int
    window_s: float


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account, its role, and the session's CSRF token."""

    account_id: int
    naam: str
    rol: str
    csrf: str
    session_id: str


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


def _check_password(password: str) -> None:
    if len(password) < _MIN_PASSWORD:
        raise AccountError(f"a password needs at least {_MIN_PASSWORD} characters")


def create_account(session: Session, naam: str, rol: str, password: str | None) -> Account:
    """Create a local account; ``password`` None makes an account for single sign-on only.

    Raises:
        AccountError: The name is taken or not a plain login name, the role unknown, or the password
            too short.
    """
    naam = naam.strip().lower()
    if not naam or len(naam) > 64 or not set(naam) <= _NAME_CHARS:
        raise AccountError("an account name has 1-64 characters: letters, digits and . _ - @")
    if rol not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if _name_taken(session, naam):
        raise AccountExists(f"account {naam!r} exists")
    if password is not None:
        _check_password(password)
    account = Account(
        naam=naam,
        rol=rol,
        wachtwoord_hash=hash_password(password) if password is not None else None,
        actief=True,
        aangemaakt=time.time(),
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


def set_password(session: Session, account: Account, password: str) -> None:
    """Set an account's password and end its sessions.

    Raises:
        AccountError: The password is too short.
    """
    _check_password(password)
    account.wachtwoord_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    session.commit()


def begin_login(session: Session, naam: str, adres: str, limits: LoginLimits) -> int | None:
    """Record a login attempt as failed, then check the limits; None when it is refused.

    The attempt is written and committed before it is counted (its own row included), so of many
    parallel attempts at most the limit get through to the password check. A refused attempt is
    removed again: it never reached the password, and keeping it would let an attacker extend the
    lock-out for ever. Attempts older than a day are forgotten.

    Returns:
        The attempt's id (for :func:`finish_login`), or None when a limit is reached.
    """
    now = time.time()
    naam, adres = naam[:64], adres[:64]
    session.execute(delete(LoginAttempt).where(LoginAttempt.tijd < now - 86_400))
    attempt = LoginAttempt(naam=naam, adres=adres, tijd=now, gelukt=False)
    session.add(attempt)
    session.commit()
    failed = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.tijd >= now - limits.window_s, LoginAttempt.gelukt.is_(False))
    )
    by_pair = session.scalar(failed.where(LoginAttempt.naam == naam, LoginAttempt.adres == adres)) or 0
    by_address = session.scalar(failed.where(LoginAttempt.adres == adres)) or 0
    by_name = session.scalar(failed.where(LoginAttempt.naam == naam)) or 0
    if by_pair > limits.per_name_address or by_address > limits.per_address or by_name > limits.per_name:
        session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt.id))
        session.commit()
        return None
    return int(attempt.id)


def finish_login(session: Session, attempt_id: int, gelukt: bool) -> None:
    """Mark an attempt of :func:`begin_login` a success (a failure is recorded already)."""
    if gelukt:
        row = session.get(LoginAttempt, attempt_id)
        if row is not None:
            row.gelukt = True
        session.commit()


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
        or now - row.laatst_gezien > idle_s
        or now - row.aangemaakt > max_age_s
    ):
        session.delete(row)
        session.commit()
        return None
    if now - row.laatst_gezien > 60:  # no write on every request
        row.laatst_gezien = now
        session.commit()
    return Principal(account.id, account.naam, account.rol, row.csrf, row.id)


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
