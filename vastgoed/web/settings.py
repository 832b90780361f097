"""The web application's settings: typed once at the boundary, from arguments or the environment."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["WebSettings"]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "ja")


class WebSettings(BaseModel):
    """What the web application needs to know.

    Attributes:
        out_dir: The output folder of the batch: its run folders and ``governance/`` (the audit log).
        database_url: SQLAlchemy URL of the store (accounts, sessions, login attempts, the index of
            decisions and verdicts). Default: SQLite at ``OUT/governance/web.sqlite``. PostgreSQL:
            ``postgresql+psycopg://user:password@host/db``.
        allow_http: Send the session cookie without the ``Secure`` flag. Only for local use on
            ``127.0.0.1`` without TLS; behind a reverse proxy with TLS leave it off.
        sso_header: The header a reverse proxy sets to the authenticated user (e.g.
            ``X-Remote-User``); None (the default) trusts no header.
        sso_trusted_proxies: Client addresses whose ``sso_header`` is believed; a request from
            anywhere else is treated as if it had no such header.
        session_minutes: A session ends after this much inactivity.
        login_max_failures: Failed logins per account name (and, times four, per client address)
            within ``login_window_minutes`` before login is refused with 429.
        login_window_minutes: The window of the login rate limit.
        page_size: Signals per page of the ranked list.
        default_language: ``nl`` (Dutch, the default) or ``en``.
    """

    model_config = ConfigDict(frozen=True)

    out_dir: Path = Path("out")
    database_url: str | None = None
    allow_http: bool = False
    sso_header: str | None = None
    sso_trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    session_minutes: int = Field(default=480, ge=5)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    page_size: int = Field(default=50, ge=5, le=500)
    default_language: str = "nl"

    @classmethod
    def from_env(cls, **overrides: object) -> WebSettings:
        """Settings from ``VASTGOED_*`` environment variables, then ``overrides`` (None values ignored).

        ``VASTGOED_OUT``, ``VASTGOED_DATABASE_URL``, ``VASTGOED_WEB_ALLOW_HTTP`` (1/true),
        ``VASTGOED_WEB_SSO_HEADER``, ``VASTGOED_WEB_SSO_TRUSTED_PROXIES`` (comma-separated).
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
        if os.environ.get("VASTGOED_WEB_SSO_TRUSTED_PROXIES"):
            values["sso_trusted_proxies"] = tuple(
                p.strip() for p in os.environ["VASTGOED_WEB_SSO_TRUSTED_PROXIES"].split(",") if p.strip()
            )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(values)

    def resolved_database_url(self) -> str:
        """The configured URL, or SQLite in ``OUT/governance/web.sqlite``."""
        if self.database_url:
            return self.database_url
        path = (self.out_dir / "governance" / "web.sqlite").resolve()
        return f"sqlite:///{path}"
