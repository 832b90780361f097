"""The web application's settings: typed once at the boundary, from arguments or the environment."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from vastgoed.core.errors import VastgoedError

__all__ = ["WebSettings", "WebSettingsError"]


class WebSettingsError(VastgoedError):
    """The web application's settings do not fit together (e.g. single sign-on without its secret)."""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "ja")


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in os.environ.get(name, "").split(",") if p.strip())


def secret_from_env(variable: str) -> SecretStr:
    """The secret held by the environment variable ``variable`` (its name, never its value, is configured).

    Raises:
        WebSettingsError: The variable is unset or holds fewer than 16 characters.
    """
    value = os.environ.get(variable, "")
    if len(value.strip()) < 16:
        raise WebSettingsError(f"${variable} must hold the proxy's shared secret (at least 16 characters)")
    return SecretStr(value.strip())


class WebSettings(BaseModel):
    """What the web application needs to know.

    Attributes:
        out_dir: The output folder of the batch: its run folders and ``governance/`` (the audit log).
        database_url: SQLAlchemy URL of the store (accounts, sessions, login attempts, the index of
            decisions and verdicts). Default: SQLite at ``OUT/governance/web.sqlite``. PostgreSQL:
            ``postgresql+psycopg://user:password@host/db``.
        allow_http: Send the session cookie without the ``Secure`` flag. Only for local use on
            ``127.0.0.1`` without TLS; behind a reverse proxy with TLS leave it off.
        trusted_proxies: Addresses of the reverse proxies in front of the application. Only from
            these is ``X-Forwarded-For`` read (the client's address, for the login address limit)
            and the single sign-on header considered. Default: none.
        sso_header: The header a reverse proxy sets to the authenticated user (e.g.
            ``X-Remote-User``); None (the default) trusts no header.
        sso_secret: The secret the proxy sends in ``sso_secret_header`` with every request; the SSO
            header is believed only from a trusted proxy *and* with this secret (constant-time
            comparison), so another process on the proxy's host cannot log in as anyone.
        sso_secret_header: The header carrying ``sso_secret``.
        session_minutes: A session ends after this much inactivity.
        session_max_hours: A session ends this long after login, however active.
        login_max_failures: Consecutive failed logins of one account name (from any address) before
            it waits: ``login_backoff_seconds`` the first time, doubling with each further failure up
            to ``login_backoff_max_minutes``. A successful login resets the count. Defaults 5, 60 s,
            30 min (OWASP Authentication Cheat Sheet; at most about 50 guesses a day per name, well
            under NIST SP 800-63B's limit of 100 consecutive failures).
        login_backoff_seconds: The first wait of a name.
        login_backoff_max_minutes: The longest wait of a name.
        login_address_max_failures: Failed logins (any name) from one client address within
            ``login_window_minutes`` before that address waits for the rest of the window. Applied
            only to a client address told by a trusted proxy (``X-Forwarded-For``): a direct address
            may be a proxy or an office's NAT, and would lock out everyone behind it. Default 100.
        login_window_minutes: The window of the address limit.
        page_size: Signals per page of the ranked list.
        default_language: ``nl`` (Dutch, the default) or ``en``.
    """

    model_config = ConfigDict(frozen=True)

    out_dir: Path = Path("out")
    database_url: str | None = None
    allow_http: bool = False
    trusted_proxies: tuple[str, ...] = ()
    sso_header: str | None = None
    sso_secret: SecretStr | None = None
    sso_secret_header: str = "X-Vastgoed-Proxy-Secret"
    session_minutes: int = Field(default=480, ge=5)
    session_max_hours: int = Field(default=12, ge=1)
    login_max_failures: int = Field(default=5, ge=1)
    login_backoff_seconds: int = Field(default=60, ge=1)
    login_backoff_max_minutes: int = Field(default=30, ge=1)
    login_address_max_failures: int = Field(default=100, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    page_size: int = Field(default=50, ge=5, le=500)
    default_language: str = "nl"

    @classmethod
    def from_env(cls, **overrides: object) -> WebSettings:
        """Settings from ``VASTGOED_*`` environment variables, then ``overrides`` (None values ignored).

        ``VASTGOED_OUT``, ``VASTGOED_DATABASE_URL``, ``VASTGOED_WEB_ALLOW_HTTP`` (1/true),
        ``VASTGOED_WEB_TRUSTED_PROXIES`` (comma-separated), ``VASTGOED_WEB_SSO_HEADER``,
        ``VASTGOED_WEB_SSO_SECRET_ENV`` (the *name* of the variable holding the proxy's secret).

        Raises:
            WebSettingsError: The variable named for the SSO secret holds no usable secret.
        """
        values: dict[str, object] = {}
        if os.environ.get("VASTGOED_OUT"):
            values["out_dir"] = Path(os.environ["VASTGOED_OUT"])
        if os.environ.get("VASTGOED_DATABASE_URL"):
            values["database_url"] = os.environ["VASTGOED_DATABASE_URL"]
        if _env_flag("VASTGOED_WEB_ALLOW_HTTP"):
            values["allow_http"] = True
        if os.environ.get("VASTGOED_WEB_SSO_HEADER"):
            values["sso_header"] = os.environ["VASTGOED_WEB_SSO_HEADER"]
        if _env_list("VASTGOED_WEB_TRUSTED_PROXIES"):
            values["trusted_proxies"] = _env_list("VASTGOED_WEB_TRUSTED_PROXIES")
        if os.environ.get("VASTGOED_WEB_SSO_SECRET_ENV"):
            values["sso_secret"] = secret_from_env(os.environ["VASTGOED_WEB_SSO_SECRET_ENV"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    def check(self) -> None:
        """Refuse settings that do not fit together.

        Raises:
            WebSettingsError: Single sign-on without a trusted proxy or without the proxy's secret.
        """
        if self.sso_header and (not self.trusted_proxies or self.sso_secret is None):
            raise WebSettingsError(
                "single sign-on (--sso-header) needs --trusted-proxy (the proxy's address) and "
                "--sso-secret-env (the variable holding the secret the proxy sends)"
            )

    def resolved_database_url(self) -> str:
        """The configured URL, or SQLite in ``OUT/governance/web.sqlite``."""
        if self.database_url:
            return self.database_url
        path = (self.out_dir / "governance" / "web.sqlite").resolve()
        return f"sqlite:///{path}"
