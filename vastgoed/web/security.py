"""Accounts, passwords, sessions, CSRF tokens, the login rate limit and the security headers.

Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, rehashed when they change). A
session is a random 256-bit token in an ``HttpOnly``, ``SameSite=Strict`` (and, unless
``allow_http``, ``Secure``) cookie; the store keeps only its SHA-256 and the session's CSRF token,
which every form posts back. Before login the CSRF token lives in a cookie of its own
(double-submit). Login attempts are counted in the store, per account name and per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vastgoed.core.errors import VastgoedError
from vastgoed.web.store import ROLES, Account, LoginAttempt, WebSession

__all__ = [
    "SECURITY_HEADERS",
    "AccountError",
    "Principal",
    "check_login_allowed",
    "create_account",
    "csrf_ok",
    "end_session",
    "hash_password",
    "load_session",
    "new_token",
    "record_login",
    "set_password",
    "start_session",
    "verify_password",
]

_HASHER = PasswordHasher()
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


def verify_password(account: Account, password: str) -> bool:
    """True when ``password`` is the account's; rehashes it when the hash parameters changed."""
    if not account.wachtwoord_hash:
        return False
    try:
        _HASHER.verify(account.wachtwoord_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if _HASHER.check_needs_rehash(account.wachtwoord_hash):
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
    if session.scalar(select(Account).where(Account.naam == naam)) is not None:
        raise AccountError(f"account {naam!r} exists")
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
    session.commit()
    return account


def set_password(session: Session, account: Account, password: str) -> None:
    """Set an account's password and end its sessions.

    Raises:
        AccountError: The password is too short.
    """
    _check_password(password)
    account.wachtwoord_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    session.commit()


def check_login_allowed(
    session: Session, naam: str, adres: str, *, max_failures: int, window_s: float
) -> bool:
    """False while the name (``max_failures``) or the address (4 x ``max_failures``) has failed too often."""
    since = time.time() - window_s
    failed = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.tijd >= since, LoginAttempt.gelukt.is_(False))
    )
    by_name = session.scalar(failed.where(LoginAttempt.naam == naam[:64])) or 0
    by_address = session.scalar(failed.where(LoginAttempt.adres == adres[:64])) or 0
    return by_name < max_failures and by_address < 4 * max_failures


def record_login(session: Session, naam: str, adres: str, gelukt: bool) -> None:
    """Count a login attempt (and forget attempts older than a day)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.tijd < time.time() - 86_400))
    session.add(LoginAttempt(naam=naam[:64], adres=adres[:64], tijd=time.time(), gelukt=gelukt))
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


def load_session(session: Session, token: str | None, *, idle_s: float) -> Principal | None:
    """The principal of a session token, if it is a live session of an active account."""
    if not token or len(token) > 100:
        return None
    row = session.get(WebSession, _digest(token))
    if row is None:
        return None
    now = time.time()
    account = session.get(Account, row.account_id)
    if account is None or not account.actief or now - row.laatst_gezien > idle_s:
        session.delete(row)
        session.commit()
        return None
    if now - row.laatst_gezien > 60:  # no write on every request
        row.laatst_gezien = now
        session.commit()
    return Principal(account.id, account.naam, account.rol, row.csrf, row.id)


def end_session(session: Session, token: str | None) -> None:
    """End the session of a token (logout)."""
    if token:
        session.execute(delete(WebSession).where(WebSession.id == _digest(token)))
        session.commit()


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of a form's CSRF token with the expected one."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
