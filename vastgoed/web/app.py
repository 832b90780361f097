"""The analysts' and reviewers' web application (FastAPI, server-rendered pages, no script).

Pages: the login page (``/``), the runs overview (``/runs``), a run's ranked list with filters,
sorting and paging, a signal's dossier with the verdict form, the review page with the ethics
bundle and the decision form, the export of a released list, and account management. Decisions,
releases and verdicts are carried out by :mod:`vastgoed.ethics.review` (the same release gate,
file-hash checks and free-text checks as the command line); every view of a signal, every export
and every account change is appended to the audit log. No identifier appears in a URL: runs by
their id, signals by their rank.

Access: an ``analist`` opens released runs only and records verdicts; a ``reviewer`` (the engine's
``moreel_beraad``) opens every run, decides and releases; a ``beheerder`` manages accounts and sees
the overview's statuses. Anything else is a 403 page.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import ipaddress
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from vastgoed.core.errors import VastgoedError
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.worlds import Lang, Validated
from vastgoed.ethics.anchor import use_database
from vastgoed.ethics.review import (
    DECISIONS,
    OUTCOMES,
    REVIEW_ROLE,
    ReleaseRefused,
    ReviewError,
    audit_log,
    record_decision,
    record_verdict,
    release,
)
from vastgoed.web import charts, dossier
from vastgoed.web.i18n import LANGUAGES, translate
from vastgoed.web.runs import (
    BANDS,
    ListQuery,
    RunInfo,
    audit_entries,
    can_open,
    find_run,
    list_runs,
    load_signals,
    query_list,
    released_ranks,
)
from vastgoed.web.security import (
    SECURITY_HEADERS,
    AccountError,
    AccountExists,
    PasswordRefused,
    Principal,
    actor_of,
    approve_account,
    authenticate,
    change_password,
    csrf_ok,
    end_account_sessions,
    end_session,
    load_session,
    login_entries,
    login_policy,
    new_token,
    purge_sessions,
    request_account,
    reset_password,
    start_session,
)
from vastgoed.web.settings import WebSettings
from vastgoed.web.store import PRIVILEGED, ROLES, Account, VerdictRow, make_engine, migrate, sync_index

__all__ = ["create_app"]

_LOG = logging.getLogger("vastgoed.web")
_HERE = Path(__file__).parent
SESSION_COOKIE = "vg_sessie"
PRE_COOKIE = "vg_pre"
LANG_COOKIE = "vg_taal"
_BUURT = re.compile(r"BU\d{8}")
_DOCS = {"modelkaart": "model_card.html", "fairness": "fairness.html", "datasheet": "datasheet.html"}


def _measured(info: Mapping[str, Any], lang: str) -> dict[str, str | None] | None:
    """On which world the run's validation figures were measured, in the reader's language."""
    try:
        validated = Validated.from_json(info["model"]["validatie"])
    except (KeyError, TypeError, ValueError):
        return None  # a run of an older engine
    language: Lang = "en" if lang == "en" else "nl"
    return {"text": validated.text(language), "warning": validated.warning(language)}


_DOC_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
_REGISTER_FIELDS = (
    "name",
    "description_short",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "source_data",
    "methods_and_models",
)


class _MustChangePassword(Exception):
    """The principal logged in with a one-time password: every page but the change page waits."""


class WebError(Exception):
    """A request the application refuses: rendered as the error page with its status."""

    def __init__(self, status: int, key: str = "", detail: str = "") -> None:
        super().__init__(detail or key)
        self.status = status
        self.key = key or f"error.{status}"
        self.detail = detail


@dataclass
class _Ctx:
    """One request's context: the store session, who asks, the language."""

    request: Request
    db: Session
    principal: Principal | None
    lang: str


def create_app(settings: WebSettings) -> FastAPI:
    """The web application over ``settings.out_dir`` and its store (migrated to the newest schema).

    Raises:
        WebSettingsError: The settings do not fit together (see :meth:`WebSettings.check`).
    """
    settings.check()
    (settings.out_dir / "governance").mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    use_database(settings.out_dir, settings.resolved_database_url())  # the audit log's anchor
    sessions = sessionmaker(engine, expire_on_commit=False)
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    app = FastAPI(title="vastgoed", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    out_dir = settings.out_dir
    idle_s = settings.session_minutes * 60.0
    max_age_s = settings.session_max_hours * 3600.0
    policy = login_policy(settings)
    trusted = frozenset(settings.trusted_proxies)
    sso_secret = settings.sso_secret.get_secret_value().encode("utf-8") if settings.sso_secret else b""

    def from_proxy(request: Request) -> bool:
        return request.client is not None and request.client.host in trusted

    def client_address(request: Request) -> str:
        """The client's address: from ``X-Forwarded-For`` only when a trusted proxy sent it.

        The right-most address that is not a trusted proxy (the left part can be set by anyone).
        """
        direct = request.client.host if request.client else "?"
        if direct not in trusted:
            return direct
        hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
        for hop in reversed([h for h in hops if h]):
            if hop in trusted:
                continue
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                break
        return direct

    def public(text: str) -> str:
        """An engine message for a page: the output folder as ``OUT``, other absolute paths shortened."""
        for prefix in {str(out_dir.resolve()), str(out_dir.absolute()), str(out_dir)}:
            if prefix not in ("", "."):
                text = text.replace(prefix, "OUT")
        return _ABSOLUTE.sub(lambda m: ".../" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)

    def language(request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, settings.default_language)
        return lang if lang in LANGUAGES else "nl"

    def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            secure=not settings.allow_http,
            samesite="strict",
            path="/",
        )

    def render(ctx: _Ctx, name: str, code: int = 200, **values: Any) -> HTMLResponse:
        lang = ctx.lang
        values.update(
            t=lambda key: translate(key, lang),
            lang=lang,
            principal=ctx.principal,
            csrf=ctx.principal.csrf if ctx.principal else ctx.request.state.pre_csrf,
            path=ctx.request.url.path,
        )
        return templates.TemplateResponse(ctx.request, name, values, status_code=code)

    def error_page(request: Request, status: int, key: str, detail: str = "") -> HTMLResponse:
        with sessions() as db:
            ctx = _Ctx(request, db, getattr(request.state, "principal", None), language(request))
            if detail:  # the engine's words go to the server log; the page says it in the reader's language
                _LOG.warning("%s %s: %s: %s", request.method, request.url.path, status, detail)
            return render(ctx, "error.html", status, status=status, key=key)

    def principal_of(request: Request, db: Session) -> Principal | None:
        token = request.cookies.get(SESSION_COOKIE)
        principal = load_session(db, token, idle_s=idle_s, max_age_s=max_age_s)
        header = settings.sso_header
        if header and request.headers.get(header) and from_proxy(request):
            given = request.headers.get(settings.sso_secret_header, "").encode("utf-8")
            if not sso_secret or not hmac.compare_digest(given, sso_secret):
                _LOG.warning("single sign-on header without the proxy's secret from %s", request.client)
                return principal
            name = request.headers[header].strip().lower()
            if principal is not None and principal.naam == name:
                return principal
            if principal is not None:
                end_session(db, token)
            account = db.scalar(
                select(Account).where(
                    Account.naam == name, Account.actief.is_(True), Account.goedgekeurd.is_(True)
                )
            )
            if account is None:
                _LOG.warning("single sign-on user %r has no active account", name[:64])
                return None
            new = start_session(db, account)
            request.state.new_session = new
            return load_session(db, new, idle_s=idle_s, max_age_s=max_age_s)
        return principal

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.new_session = None
        request.state.pre_csrf = request.cookies.get(PRE_COOKIE) or new_token()
        request.state.principal = None
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # the page says something went wrong; the log says what
            _LOG.exception("unhandled error on %s %s", request.method, request.url.path)
            response = error_page(request, 500, "error.500")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.state.new_session:
            set_cookie(response, SESSION_COOKIE, request.state.new_session)
        if PRE_COOKIE not in request.cookies:
            set_cookie(response, PRE_COOKIE, request.state.pre_csrf)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return error_page(request, exc.status, exc.key, exc.detail)

    @app.exception_handler(_MustChangePassword)
    async def _must_change(request: Request, exc: _MustChangePassword) -> Response:
        return RedirectResponse("/wachtwoord", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code if 400 <= exc.status_code < 600 else 400
        key = f"error.{status}" if f"error.{status}" in _KNOWN_ERRORS else "error.400"
        return error_page(request, status, key)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_page(request, 400, "error.400")

    def context(request: Request, db: Session) -> _Ctx:
        principal = principal_of(request, db)
        request.state.principal = principal
        return _Ctx(request, db, principal, language(request))

    def need(ctx: _Ctx, *roles: str, one_time: bool = False) -> Principal:
        """The principal, when logged in with one of ``roles`` (any role when none is given).

        A principal with a one-time password is sent to the change page, unless ``one_time``.
        """
        if ctx.principal is None:
            raise WebError(401)
        if ctx.principal.wachtwoord_wijzigen and not one_time:
            raise _MustChangePassword()
        if roles and ctx.principal.rol not in roles:
            raise WebError(403)
        return ctx.principal

    async def form_of(ctx: _Ctx) -> FormData:
        try:
            form = await ctx.request.form(max_files=0, max_fields=200)
        except Exception as exc:  # a malformed body is the client's error
            raise WebError(400) from exc
        given = form.get("csrf")
        expected = ctx.principal.csrf if ctx.principal else ctx.request.cookies.get(PRE_COOKIE)
        if not csrf_ok(expected, given if isinstance(given, str) else None):
            raise WebError(403, "error.csrf")
        return form

    def field(form: FormData, name: str, max_len: int = 2000) -> str:
        value = form.get(name, "")
        if not isinstance(value, str) or len(value) > max_len:
            raise WebError(400)
        return value.strip()

    def entries(ctx: _Ctx | None = None) -> list[Any]:
        """The verified log's entries (once per request: each verification re-hashes the log)."""
        cached = getattr(ctx.request.state, "entries", None) if ctx is not None else None
        if cached is not None:
            return list(cached)
        try:
            found = audit_entries(out_dir)
        except ReviewError as exc:
            raise WebError(409, "error.409_log", str(exc)) from exc
        if ctx is not None:
            ctx.request.state.entries = found
        return found

    def released(run: RunInfo) -> list[int]:
        try:
            return released_ranks(run)
        except ReviewError as exc:  # the list on disk is not the one the log says was released
            raise WebError(409, "error.409_list", str(exc)) from exc

    def append(ctx: _Ctx, actie: str, run_id: str | None, details: dict[str, Any]) -> None:
        """Append an entry for the request's principal; no view or export without it."""
        assert ctx.principal is not None
        record(actie, actor(ctx.principal), details, run_id)

    def record(actie: str, who: str, details: dict[str, Any], run_id: str | None = None) -> None:
        """Append an entry to the audit log; the request fails (409) when it cannot be written."""
        try:
            audit_log(out_dir).append(actie, actor=who, run_id=run_id, details=details)
        except VastgoedError as exc:
            raise WebError(409, "error.409_log", str(exc)) from exc

    def run_for(ctx: _Ctx, run_id: str, *roles: str) -> RunInfo:
        principal = need(ctx, *(roles or ("analist", "reviewer")))
        run = find_run(out_dir, run_id, entries(ctx))
        if run is None:
            raise WebError(404)
        if not can_open(principal.rol, run.status):
            raise WebError(403)
        return run

    def actor(principal: Principal | Account) -> str:
        return actor_of(principal)

    def verdicts_of(ctx: _Ctx, run_id: str) -> dict[str, str]:
        db = ctx.db
        sync_index(db, entries(ctx))
        rows = db.execute(
            select(VerdictRow.verblijfsobject_id, VerdictRow.uitkomst)
            .where(VerdictRow.run_id == run_id)
            .order_by(VerdictRow.seq)
        ).all()
        return {str(v): str(u) for v, u in rows}

    # ---- login ----------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            if ctx.principal is not None:
                return RedirectResponse("/runs", status_code=303)
            return render(ctx, "login.html")

    @app.post("/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            form = await form_of(ctx)
            naam = field(form, "naam", 64).lower()
            password = field(form, "wachtwoord", 1024)
            client = client_address(request)
            found = authenticate(db, naam, password, policy, adres=client, by_address=from_proxy(request))
            if found.locked:
                return render(ctx, "login.html", 429, fout="login.too_many")
            for entry in login_entries(found, client):
                record(entry.actie, entry.actor, entry.details)
            account = found.account
            if account is None:
                _LOG.info("failed login from %s", client)
                return render(ctx, "login.html", 401, fout="login.failed")
            purge_sessions(db, idle_s=idle_s, max_age_s=max_age_s)
            token = start_session(db, account)
            target = "/wachtwoord" if account.tijdelijk_wachtwoord else "/runs"
            response = RedirectResponse(target, status_code=303)
            set_cookie(response, SESSION_COOKIE, token)
            return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            principal = need(ctx, one_time=True)
            await form_of(ctx)
            end_session(db, request.cookies.get(SESSION_COOKIE))
            record("logout", actor(principal), {})
            response = RedirectResponse("/", status_code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response

    def password_page(ctx: _Ctx, status: int = 200, fout: str = "") -> HTMLResponse:
        return render(ctx, "password.html", status, fout=fout)

    @app.get("/wachtwoord", response_class=HTMLResponse)
    def password_view(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            need(ctx, one_time=True)
            return password_page(ctx)

    @app.post("/wachtwoord", response_class=HTMLResponse)
    async def password_change(request: Request) -> Response:
        """The account holder replaces a one-time password (or their own) with one of their choice."""
        with sessions() as db:
            ctx = context(request, db)
            principal = need(ctx, one_time=True)
            form = await form_of(ctx)
            current, new = field(form, "huidig", 1024), field(form, "nieuw", 1024)
            if new != field(form, "herhaal", 1024):
                return password_page(ctx, 400, "password.repeat")
            account = db.get(Account, principal.account_id)
            assert account is not None  # the session is live, so the account is
            try:
                change_password(db, account, current, new)
            except PasswordRefused as exc:
                return password_page(ctx, 400, exc.problem.value)
            except AccountError:
                return password_page(ctx, 400, "password.current_wrong")
            record("account", actor(principal), {"account": account.naam, "wat": "wachtwoord_gewijzigd"})
            response = RedirectResponse("/runs", status_code=303)
            set_cookie(response, SESSION_COOKIE, start_session(db, account))
            return response

    @app.get("/taal/{code}")
    def switch_language(code: str, terug: str = "/") -> Response:
        if code not in LANGUAGES:
            raise WebError(400)
        target = terug if terug.startswith("/") and not terug.startswith("//") and "\\" not in terug else "/"
        response = RedirectResponse(target, status_code=303)
        set_cookie(response, LANG_COOKIE, code, max_age=365 * 86400)
        return response

    # ---- runs -----------------------------------------------------------------------------------

    @app.get("/runs", response_class=HTMLResponse)
    def runs_overview(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            principal = need(ctx)
            runs = list_runs(out_dir, entries(ctx))
            if principal.rol == "analist":
                runs = [r for r in runs if r.status == "released"]
            return render(ctx, "runs.html", runs=runs)

    @app.get("/runs/{run_id}", response_class=HTMLResponse)
    def ranked_list(
        request: Request,
        run_id: str,
        fenomeen: str = "",
        buurt: str = "",
        band: str = "",
        verdict: str = "",
        sort: str = "rank",
        desc: bool = False,
        page: int = 1,
    ) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id)
            assert ctx.principal is not None
            if (
                (fenomeen and fenomeen not in FENOMENEN)
                or (buurt and not _BUURT.fullmatch(buurt))
                or (band and band not in {b[0] for b in BANDS})
                or (verdict and verdict not in (*OUTCOMES, "geen"))
                or sort not in ("rank", "score", "buurt", "fenomeen", "adres")
                or not 1 <= page <= 100_000
            ):
                raise WebError(400)
            q = ListQuery(fenomeen, buurt, band, verdict, sort, desc, page)
            ranks = released(run) if ctx.principal.rol == "analist" else None
            result = query_list(
                load_signals(run.path),
                q,
                page_size=settings.page_size,
                ranks=ranks,
                verdicts=verdicts_of(ctx, run.run_id),
            )
            params = {k: v for k, v in vars(q).items() if k != "page" and v not in ("", False)}
            append(ctx, "view", run.run_id, {"pagina": "lijst", "page": result.page, "filters": params})

            def page_link(n: int) -> str:
                return f"/runs/{run.run_id}?" + urlencode({**params, "page": n})

            return render(
                ctx,
                "list.html",
                run=run,
                q=q,
                result=result,
                bands=[b[0] for b in BANDS],
                outcomes=OUTCOMES,
                page_link=page_link,
                fenomenen=FENOMENEN,
            )

    def signal_row(ctx: _Ctx, run: RunInfo, rank: int) -> dict[str, Any]:
        assert ctx.principal is not None
        if ctx.principal.rol == "analist" and rank not in released(run):
            raise WebError(404)
        rows = load_signals(run.path).filter((pl.col("rank") == rank) & (pl.col("status") == "signaal"))
        if rows.height != 1:
            raise WebError(404)
        return rows.row(0, named=True)

    def signal_page(
        ctx: _Ctx,
        run: RunInfo,
        rank: int,
        row: dict[str, Any],
        status: int = 200,
        fout: str = "",
        ingevuld: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The signal's dossier, with the verdict form.

        After a refused verdict: its error at the top, and the form's choices kept (never the note: a
        refused note may hold what must not be shown again).
        """
        from features.registry import catalogue

        vbo = str(row["verblijfsobject_id"])
        features = _features_of(run.path, vbo)
        labels = {s.name: (s.label_nl, s.unit, s.family) for s in catalogue()}
        facts = [
            {"label": labels[k][0], "waarde": v, "eenheid": labels[k][1], "familie": labels[k][2]}
            for k, v in features.items()
            if k in labels and v is not None
        ]
        use = dossier.utility_history(run.path, run.info, vbo, features)
        use_charts = []
        if not isinstance(use, str):
            for product in ("elektriciteit", "gas", "water"):
                years = [u for u in use if u.product == product]
                if years:
                    use_charts.append(
                        charts.use_against_norm_svg(
                            product,
                            [u.jaar for u in years],
                            [u.verbruik for u in years],
                            [u.norm for u in years],
                            years[0].eenheid,
                            translate("signal.norm", ctx.lang),
                        )
                    )
        peildatum = dt.date.fromisoformat(run.peildatum) if run.peildatum else dt.date.today()
        try:
            regs: dossier.Registrations | None = dossier.registrations(run.path, vbo, peildatum)
            edges = dossier.neighbourhood_edges(run.path, vbo)
        except VastgoedError:
            regs, edges = None, []
        verdicts = ctx.db.execute(
            select(
                VerdictRow.uitkomst, VerdictRow.actor, VerdictRow.tijd, VerdictRow.datum, VerdictRow.fenomeen
            )
            .where(VerdictRow.run_id == run.run_id, VerdictRow.verblijfsobject_id == vbo)
            .order_by(VerdictRow.seq)
        ).all()
        scores = {f: row.get(f"score_{f}") for f in FENOMENEN if row.get(f"score_{f}") is not None}
        return render(
            ctx,
            "signal.html",
            status,
            run=run,
            rank=rank,
            s=row,
            facts=facts,
            use=use,
            use_charts=use_charts,
            regs=regs,
            regs_chart=charts.registrations_svg(translate("signal.residents_chart", ctx.lang), regs.series)
            if regs
            else "",
            edges=edges,
            verdicts=verdicts,
            scores=scores,
            outcomes=OUTCOMES,
            fenomenen=FENOMENEN,
            today=dt.date.today().isoformat(),
            fout=fout,
            ingevuld=dict(ingevuld or {}),
            melding=_melding(ctx.request),
        )

    @app.get("/runs/{run_id}/signalen/{rank}", response_class=HTMLResponse)
    def signal_detail(request: Request, run_id: str, rank: int) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id)
            row = signal_row(ctx, run, rank)
            vbo = row["verblijfsobject_id"]
            append(ctx, "view", run.run_id, {"verblijfsobject_id": vbo, "rank": rank, "pagina": "signaal"})
            return signal_page(ctx, run, rank, row)

    @app.get("/runs/{run_id}/signalen/{rank}/netwerk.svg")
    def signal_graph(request: Request, run_id: str, rank: int) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id)
            row = signal_row(ctx, run, rank)
            vbo = str(row["verblijfsobject_id"])
            try:
                svg = dossier.neighbourhood_svg(run.path, vbo)
            except VastgoedError as exc:
                raise WebError(404, detail=str(exc)) from exc
            append(ctx, "view", run.run_id, {"verblijfsobject_id": vbo, "rank": rank, "pagina": "netwerk"})
            return Response(svg, media_type="image/svg+xml")

    @app.post("/runs/{run_id}/signalen/{rank}/verdict", response_class=HTMLResponse)
    async def verdict(request: Request, run_id: str, rank: int) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id, "analist")
            form = await form_of(ctx)
            row = signal_row(ctx, run, rank)
            principal = need(ctx, "analist")
            outcome = field(form, "uitkomst", 32)
            fenomeen = field(form, "fenomeen", 64) or None
            note = field(form, "toelichting", 2000)
            kept = {"uitkomst": outcome, "fenomeen": fenomeen or "", "datum": field(form, "datum", 10)}
            try:
                datum = dt.date.fromisoformat(field(form, "datum", 10)) if form.get("datum") else None
            except ValueError:
                return signal_page(ctx, run, rank, row, 400, translate("verdict.bad_date", ctx.lang), kept)
            if outcome not in OUTCOMES or (fenomeen is not None and fenomeen not in FENOMENEN):
                return signal_page(ctx, run, rank, row, 400, translate("verdict.choose", ctx.lang), kept)
            try:
                record_verdict(
                    run.path,
                    str(row["verblijfsobject_id"]),
                    outcome=outcome,
                    note=note,
                    actor=principal.naam,
                    role="analist",
                    fenomeen=fenomeen,
                    datum=datum,
                )
            except ReviewError as exc:
                _LOG.info("verdict refused: %s", exc)
                return signal_page(ctx, run, rank, row, 400, public(str(exc)), kept)
            sync_index(db, entries())
            return RedirectResponse(
                f"/runs/{run.run_id}/signalen/{rank}?melding=verdict.saved", status_code=303
            )

    # ---- review ---------------------------------------------------------------------------------

    def review_page(
        ctx: _Ctx, run: RunInfo, status: int = 200, fout: list[str] | None = None
    ) -> HTMLResponse:
        ethics = run.path / "ethics"
        register: dict[str, Any] = {}
        fairness: dict[str, Any] = {}
        try:
            register = json.loads((ethics / "algoritmeregister.json").read_text(encoding="utf-8"))
            fairness = json.loads((ethics / "fairness.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        run_entry = next(e for e in reversed(entries(ctx)) if e.actie == "run" and e.run_id == run.run_id)
        flag_ids = [str(f) for f in run_entry.details.get("fairness_flags", []) or []]
        flags = {str(f.get("id")): f for f in fairness.get("vlaggen", []) if isinstance(f, dict)}
        return render(
            ctx,
            "review.html",
            status,
            run=run,
            register=[(k, register.get(k)) for k in _REGISTER_FIELDS if register.get(k)],
            flags=[(fid, flags.get(fid, {})) for fid in flag_ids],
            docs=[d for d, f in _DOCS.items() if (ethics / f).is_file()],
            measured=_measured(run.info, ctx.lang),
            decisions=DECISIONS,
            fout=fout or [],
            melding=_melding(ctx.request),
        )

    @app.get("/runs/{run_id}/beoordeling", response_class=HTMLResponse)
    def review_view(request: Request, run_id: str) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id, "reviewer")
            return review_page(ctx, run)

    @app.get("/runs/{run_id}/ethiek/{doc}", response_class=HTMLResponse)
    def ethics_document(request: Request, run_id: str, doc: str) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id)
            if doc not in _DOCS or not (run.path / "ethics" / _DOCS[doc]).is_file():
                raise WebError(404)
            body = (run.path / "ethics" / _DOCS[doc]).read_text(encoding="utf-8")
            return HTMLResponse(body, headers={"Content-Security-Policy": _DOC_CSP})

    @app.post("/runs/{run_id}/besluit", response_class=HTMLResponse)
    async def decide(request: Request, run_id: str) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id, "reviewer")
            form = await form_of(ctx)
            principal = need(ctx, "reviewer")
            decision = field(form, "besluit", 16)
            flags = [f for f in form.getlist("vlag") if isinstance(f, str)]
            if decision not in DECISIONS or len(flags) > 1000:
                return review_page(ctx, run, 400, [translate("error.400", ctx.lang)])
            try:
                record_decision(
                    run.path,
                    decision=decision,
                    role=REVIEW_ROLE,
                    actor=principal.naam,
                    rationale=field(form, "motivering"),
                    accept_flags=flags,
                    conditions=field(form, "voorwaarden"),
                )
            except ReviewError as exc:
                _LOG.info("decision refused: %s", exc)
                return review_page(ctx, run, 400, [public(str(exc))])
            sync_index(db, entries())
            return RedirectResponse(f"/runs/{run.run_id}/beoordeling?melding=review.saved", status_code=303)

    @app.post("/runs/{run_id}/vrijgeven", response_class=HTMLResponse)
    async def release_run(request: Request, run_id: str) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id, "reviewer")
            await form_of(ctx)
            principal = need(ctx, "reviewer")
            try:
                release(run.path, actor=actor(principal))
            except ReleaseRefused as exc:  # the reviewer needs the gate's reasons, not our paths
                _LOG.info("release refused: %s", "; ".join(exc.reasons))
                return review_page(ctx, run, 409, [public(r) for r in exc.reasons])
            except ReviewError as exc:
                _LOG.info("release refused: %s", exc)
                return review_page(ctx, run, 409, [public(str(exc))])
            sync_index(db, entries())
            return RedirectResponse(
                f"/runs/{run.run_id}/beoordeling?melding=review.release_saved", status_code=303
            )

    @app.get("/runs/{run_id}/export.{fmt}")
    def export(request: Request, run_id: str, fmt: str) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            run = run_for(ctx, run_id)
            if fmt not in ("csv", "xlsx"):
                raise WebError(404)
            if run.status != "released":
                raise WebError(409)
            released(run)  # the list is the one the log says was released
            path = run.path / "vrijgegeven" / "lijst.csv"
            append(ctx, "export", run.run_id, {"formaat": fmt})
            name = f"vastgoed-{run.run_id}.{fmt}"
            headers = {"Content-Disposition": f'attachment; filename="{name}"'}
            if fmt == "csv":
                return Response(path.read_bytes(), media_type="text/csv; charset=utf-8", headers=headers)
            buffer = io.BytesIO()
            frame = pl.read_csv(
                path, schema_overrides={"verblijfsobject_id": pl.String, "buurtcode": pl.String}
            )
            frame.write_excel(buffer, worksheet="vrijgegeven", autofit=True)
            return Response(
                buffer.getvalue(),
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                headers=headers,
            )

    # ---- accounts -------------------------------------------------------------------------------

    def accounts_page(ctx: _Ctx, status: int = 200, fout: str = "") -> HTMLResponse:
        accounts = ctx.db.scalars(select(Account).order_by(Account.naam)).all()
        return render(
            ctx,
            "accounts.html",
            status,
            accounts=accounts,
            roles=ROLES,
            fout=fout,
            melding=_melding(ctx.request),
        )

    @app.get("/beheer/accounts", response_class=HTMLResponse)
    def accounts_view(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            need(ctx, "beheerder")
            return accounts_page(ctx)

    @app.post("/beheer/accounts", response_class=HTMLResponse)
    async def accounts_create(request: Request) -> Response:
        """Create an account (see :func:`~vastgoed.web.security.request_account`).

        An analist gets a one-time password; a reviewer or beheerder waits for a second beheerder.
        """
        with sessions() as db:
            ctx = context(request, db)
            principal = need(ctx, "beheerder")
            form = await form_of(ctx)
            naam, rol = field(form, "naam", 64), field(form, "rol", 16)
            password = field(form, "wachtwoord", 1024) or None
            needs_password = rol not in PRIVILEGED and not settings.sso_header
            if password is None and needs_password:  # no password only for single sign-on
                return accounts_page(ctx, 400, translate("accounts.password_required", ctx.lang))
            try:
                account = request_account(db, naam, rol, password, door=principal.account_id)
            except AccountExists:
                db.rollback()
                return accounts_page(ctx, 409, translate("accounts.exists", ctx.lang))
            except AccountError as exc:
                db.rollback()
                _LOG.info("account not created: %s", exc)
                return accounts_page(ctx, 400, account_error(exc, ctx.lang))
            wat = "aangemaakt" if account.goedgekeurd else "aangevraagd"
            record("account", actor(principal), {"account": account.naam, "rol": rol, "wat": wat})
            melding = "accounts.created" if account.goedgekeurd else "accounts.requested"
            return RedirectResponse(f"/beheer/accounts?melding={melding}", status_code=303)

    def account_error(exc: AccountError, lang: str) -> str:
        key = exc.problem.value if isinstance(exc, PasswordRefused) else "accounts.invalid"
        return translate(key, lang)

    @app.post("/beheer/accounts/wijzig", response_class=HTMLResponse)
    async def accounts_change(request: Request) -> Response:
        with sessions() as db:
            ctx = context(request, db)
            principal = need(ctx, "beheerder")
            form = await form_of(ctx)
            try:
                account = db.get(Account, int(field(form, "account", 12)))
            except ValueError:
                account = None
            wat = field(form, "wat", 16)
            if account is None or wat not in _ACCOUNT_CHANGES:
                raise WebError(400)
            if account.id == principal.account_id and wat in ("blokkeren", "wachtwoord", "goedkeuren"):
                return accounts_page(ctx, 400, translate(f"accounts.not_own_{wat}", ctx.lang))
            password = field(form, "wachtwoord", 1024) or None
            try:
                wat = change_account(db, account, wat, password, principal.account_id)
            except AccountError as exc:
                db.rollback()
                _LOG.info("account not changed: %s", exc)
                return accounts_page(ctx, 400, account_error(exc, ctx.lang))
            record("account", actor(principal), {"account": account.naam, "rol": account.rol, "wat": wat})
            melding = "accounts.reset_requested" if wat == "wachtwoord_aangevraagd" else "accounts.changed"
            return RedirectResponse(f"/beheer/accounts?melding={melding}", status_code=303)

    def change_account(db: Session, account: Account, wat: str, password: str | None, door: int) -> str:
        """Carry out a change of the accounts page; returns what was done, for the audit log."""
        if wat == "wachtwoord":
            if password is None and account.rol not in PRIVILEGED:
                raise AccountError("a reset needs a one-time password")
            done = reset_password(db, account, password or "", door=door)
            return "wachtwoord_gereset" if done else "wachtwoord_aangevraagd"
        if wat == "goedkeuren":
            if password is None and not settings.sso_header:
                raise AccountError("an approval sets a one-time password")
            approve_account(db, account, password, door=door)
            return "goedgekeurd"
        account.actief = wat == "activeren"
        db.commit()
        if not account.actief:  # a blocked account's sessions end now
            end_account_sessions(db, account.id)
        return wat

    return app


_ACCOUNT_CHANGES = ("activeren", "blokkeren", "wachtwoord", "goedkeuren")
_ABSOLUTE = re.compile(r"(?<![\w.~/])/(?:[\w.@+-]+/)+[\w.@+-]*")
_KNOWN_ERRORS = {"error.400", "error.401", "error.403", "error.404", "error.405", "error.409", "error.429"}
_FEATURE_CACHE: dict[Path, tuple[int, pl.DataFrame]] = {}


def _features_of(run_dir: Path, verblijfsobject_id: str) -> dict[str, Any]:
    path = run_dir / "features.parquet"
    if not path.is_file():
        return {}
    mtime = path.stat().st_mtime_ns
    cached = _FEATURE_CACHE.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, pl.read_parquet(path))
        _FEATURE_CACHE[path] = cached
    rows = cached[1].filter(pl.col("verblijfsobject_id") == verblijfsobject_id)
    return rows.row(0, named=True) if rows.height else {}


def _melding(request: Request) -> str:
    """A message key from the query string (after a redirect), only from the known set."""
    key = request.query_params.get("melding", "")
    allowed = {
        "verdict.saved",
        "review.saved",
        "review.release_saved",
        "accounts.created",
        "accounts.requested",
        "accounts.changed",
        "accounts.reset_requested",
    }
    return key if key in allowed else ""
