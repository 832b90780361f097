"""What the web application does with the engine, and its security: CSRF, cookies, headers, errors,
the login rate limit, single sign-on, identifiers kept out of URLs and persons out of pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from tests.web.conftest import PASSWORD, USERS, Runs, Web, csrf_of, login, make_web
from vastgoed.ethics.privacy import identifiers_in_text
from vastgoed.ethics.review import audit_log, read_decisions, record_verdict
from vastgoed.web.i18n import MESSAGES

TEMPLATES = Path(__file__).parents[2] / "vastgoed" / "web" / "templates"


def _entries(web: Web, actie: str) -> list[dict[str, object]]:
    return [e.to_dict() for e in audit_log(web.out).entries() if e.actie == actie]


def test_security_headers_and_cookies(web: Web) -> None:
    client = web.client()
    for response in (client.get("/"), client.get("/runs"), client.get("/nergens")):
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "http" not in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    cookie = web.client().get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    response = login(client, "ana")
    assert "samesite=strict" in response.headers["set-cookie"].lower()


def test_cookies_are_secure_unless_http_is_allowed(web_runs: Runs, tmp_path: Path) -> None:
    w = make_web(web_runs, tmp_path, f"sqlite:///{tmp_path / 's.sqlite'}", allow_http=False)
    from fastapi.testclient import TestClient

    client = TestClient(w.app, base_url="https://testserver", follow_redirects=False)
    assert "secure" in client.get("/").headers["set-cookie"].lower()
    response = login(client, "ana")
    assert response.status_code == 303 and "secure" in response.headers["set-cookie"].lower()
    w.app.state.engine.dispose()


def test_forms_without_csrf_token_are_refused(web: Web) -> None:
    client = web.client()
    assert client.post("/login", data={"naam": "ana", "wachtwoord": PASSWORD}).status_code == 403
    rev = web.client("reviewer")
    response = rev.post(
        f"/runs/{web.awaiting}/besluit", data={"besluit": "approve", "motivering": "x", "csrf": "vervalst"}
    )
    assert response.status_code == 403 and "Traceback" not in response.text
    assert read_decisions(web.out / web.awaiting) == []


def test_bad_input_gives_a_4xx_page_never_a_trace(web: Web) -> None:
    client = web.client("reviewer")
    for path, code in [
        (f"/runs/{web.released}?page=abc", 400),
        (f"/runs/{web.released}?fenomeen=onzin", 400),
        (f"/runs/{web.released}?buurt=<script>", 400),
        (f"/runs/{web.released}?sort=verblijfsobject_id", 400),
        (f"/runs/{web.released}/signalen/999999", 404),
        (f"/runs/{web.released}/signalen/een", 400),
        ("/runs/..%2F..%2Fetc", 404),
        (f"/runs/{web.released}/ethiek/..%2Frun.json", 404),
        ("/taal/fr", 400),
    ]:
        response = client.get(path)
        assert response.status_code == code, path
        assert "Traceback" not in response.text and "<h1>" in response.text
    assert client.put("/runs").status_code == 405


def test_login_is_rate_limited(web: Web) -> None:
    client = web.client()
    for _ in range(5):
        assert login(client, "ana", "fout-wachtwoord-123").status_code == 401
    blocked = login(client, "ana")
    assert blocked.status_code == 429 and "Traceback" not in blocked.text
    assert login(client, "rev").status_code == 303  # another account is not blocked


def test_single_sign_on_header_is_trusted_only_when_configured(
    web_runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import SecretStr

    from vastgoed.web import WebSettings, create_app
    from vastgoed.web.settings import WebSettingsError

    secret = "geheim-van-de-proxy-0123456789"
    url = f"sqlite:///{tmp_path / 'sso.sqlite'}"
    w = make_web(
        web_runs,
        tmp_path,
        url,
        sso_header="X-Remote-User",
        trusted_proxies=("testclient",),
        sso_secret=SecretStr(secret),
    )
    proxy = {"X-Vastgoed-Proxy-Secret": secret}
    client = w.client()
    assert client.get("/runs", headers={"X-Remote-User": "ana", **proxy}).status_code == 200
    assert w.client().get("/runs", headers={"X-Remote-User": "onbekend", **proxy}).status_code == 401
    # the header without the proxy's secret, or with a wrong one, is ignored (a local process)
    assert w.client().get("/runs", headers={"X-Remote-User": "ana"}).status_code == 401
    wrong = {"X-Remote-User": "ana", "X-Vastgoed-Proxy-Secret": secret[:-1] + "x"}
    assert w.client().get("/runs", headers=wrong).status_code == 401
    w.app.state.engine.dispose()
    # with the secret but not from a trusted proxy: ignored too
    w2 = make_web(
        web_runs,
        tmp_path / "b",
        url.replace("sso", "sso2"),
        sso_header="X-Remote-User",
        trusted_proxies=("10.0.0.9",),
        sso_secret=SecretStr(secret),
    )
    assert w2.client().get("/runs", headers={"X-Remote-User": "ana", **proxy}).status_code == 401
    w2.app.state.engine.dispose()
    # single sign-on without a secret does not start
    with pytest.raises(WebSettingsError):
        create_app(WebSettings(out_dir=tmp_path, sso_header="X-Remote-User", trusted_proxies=("p",)))
    monkeypatch.setenv("VG_TEST_SSO", secret)
    monkeypatch.setenv("VASTGOED_WEB_SSO_SECRET_ENV", "VG_TEST_SSO")
    settings = WebSettings.from_env(sso_header="X-Remote-User", trusted_proxies=("p",))
    assert settings.sso_secret is not None and secret not in repr(settings)


def test_decision_and_release_go_through_the_engine(web: Web) -> None:
    client = web.client("reviewer")
    page = client.get(f"/runs/{web.awaiting}/beoordeling").text
    flags = re.findall(r'name="vlag" value="([^"]+)"', page)
    token = csrf_of(page)
    refused = client.post(f"/runs/{web.awaiting}/vrijgeven", data={"csrf": token})
    assert refused.status_code == 409 and "moral-deliberation decision" in refused.text
    response = client.post(
        f"/runs/{web.awaiting}/besluit",
        data={"csrf": token, "besluit": "approve", "motivering": "gelezen en besproken", "vlag": flags},
    )
    assert response.status_code == 303
    decision = read_decisions(web.out / web.awaiting)[-1]
    assert (decision.decision, decision.role, decision.actor) == ("approve", "moreel_beraad", "rev")
    assert sorted(decision.accepted_flags) == sorted(flags)
    assert client.post(f"/runs/{web.awaiting}/vrijgeven", data={"csrf": token}).status_code == 303
    assert (web.out / web.awaiting / "vrijgegeven" / "lijst.csv").is_file()
    assert _entries(web, "release")[-1]["actor"] == "moreel_beraad:rev"
    assert 'data-status="released"' in client.get("/runs").text


def test_a_rationale_holding_a_bsn_is_refused_by_the_engine(web: Web) -> None:
    client = web.client("reviewer")
    token = csrf_of(client.get(f"/runs/{web.awaiting}/beoordeling").text)
    response = client.post(
        f"/runs/{web.awaiting}/besluit",
        data={"csrf": token, "besluit": "reject", "motivering": "bewoner 111222333 gesproken"},
    )
    assert response.status_code == 400 and "direct identifier" in response.text
    assert read_decisions(web.out / web.awaiting) == []


def test_verdicts_views_and_exports_are_audit_logged(web: Web) -> None:
    client = web.client("analist")
    page = client.get(f"/runs/{web.released}/signalen/1")
    assert page.status_code == 200
    view = _entries(web, "view")[-1]
    assert view["actor"] == "analist:ana" and view["details"]["rank"] == 1  # type: ignore[index]
    vbo = str(view["details"]["verblijfsobject_id"])  # type: ignore[index]
    response = client.post(
        f"/runs/{web.released}/signalen/1/verdict",
        data={
            "csrf": csrf_of(page.text),
            "uitkomst": "bevestigd",
            "datum": "2025-01-10",
            "toelichting": "leeg",
        },
    )
    assert response.status_code == 303
    verdict = _entries(web, "verdict")[-1]["details"]
    assert verdict["verblijfsobject_id"] == vbo and verdict["outcome"] == "bevestigd"  # type: ignore[index]
    # the history says when it was found and what, not only when it was typed and by whom
    history = client.get(f"/runs/{web.released}/signalen/1").text
    found = history.split('id="verdicts"')[1].split("</ul>")[0]
    assert "gevonden op 10-01-2025" in found and str(verdict["fenomeen"]) in found  # type: ignore[index]
    listed = client.get(f"/runs/{web.released}?verdict=bevestigd").text
    assert re.search(r'id="total">1<', listed)
    export = client.get(f"/runs/{web.released}/export.csv")
    assert export.content == (web.out / web.released / "vrijgegeven" / "lijst.csv").read_bytes()
    xlsx = client.get(f"/runs/{web.released}/export.xlsx")
    assert xlsx.content[:2] == b"PK"
    assert [e["details"]["formaat"] for e in _entries(web, "export")] == ["csv", "xlsx"]  # type: ignore[index]


def test_the_verdict_form_has_no_default_outcome_and_keeps_choices_not_the_note(web: Web) -> None:
    """One careless click must not make a training label: the outcome starts unchosen. A refused
    verdict shows its error at the top and keeps the outcome, fenomeen and date, never the note."""
    client = web.client("analist")
    page = client.get(f"/runs/{web.released}/signalen/2")
    assert re.search(r'<option value="" disabled selected>', page.text)
    assert not re.search(r'<option value="bevestigd" selected', page.text)
    before = len(_entries(web, "verdict"))
    unchosen = client.post(
        f"/runs/{web.released}/signalen/2/verdict",
        data={"csrf": csrf_of(page.text), "datum": "2025-01-10", "toelichting": "niets"},
    )
    assert unchosen.status_code == 400 and 'role="alert"' in unchosen.text
    assert unchosen.text.index('role="alert"') < unchosen.text.index('id="verdicts"')
    refused = client.post(
        f"/runs/{web.released}/signalen/2/verdict",
        data={
            "csrf": csrf_of(page.text),
            "uitkomst": "niet_bevestigd",
            "fenomeen": "hennepteelt",
            "datum": "2025-01-09",
            "toelichting": "bewoner 111222333 gesproken",
        },
    )
    assert refused.status_code == 400
    assert '<option value="niet_bevestigd" selected>' in refused.text
    assert '<option value="hennepteelt" selected>' in refused.text and 'value="2025-01-09"' in refused.text
    assert "111222333" not in refused.text
    assert len(_entries(web, "verdict")) == before


def test_verdicts_given_on_the_command_line_reach_the_filter(web: Web) -> None:
    lijst = pl.read_csv(
        web.out / web.released / "vrijgegeven" / "lijst.csv",
        schema_overrides={"verblijfsobject_id": pl.String},
    )
    record_verdict(
        web.out / web.released, lijst["verblijfsobject_id"][2], outcome="geen_toegang", note="", actor="cli"
    )
    listed = web.client("analist").get(f"/runs/{web.released}?verdict=geen_toegang").text
    assert re.search(r'id="total">1<', listed)


def test_filters_sorting_and_paging(web: Web) -> None:
    client = web.client("reviewer")
    signals = pl.read_parquet(web.out / web.awaiting / "signals.parquet").filter(
        pl.col("status") == "signaal"
    )
    fenomeen = signals["fenomeen"].mode()[0]
    page = client.get(f"/runs/{web.awaiting}?fenomeen={fenomeen}").text
    assert re.search(rf'id="total">{(signals["fenomeen"] == fenomeen).sum()}<', page)
    buurt = signals["buurtcode"][0]
    page = client.get(f"/runs/{web.awaiting}?buurt={buurt}&sort=score&desc=true").text
    assert re.search(rf'id="total">{(signals["buurtcode"] == buurt).sum()}<', page)
    last = client.get(f"/runs/{web.awaiting}?page=9999").text
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_no_identifier_in_urls_and_no_person_in_pages(web: Web) -> None:
    client = web.client("analist")
    graph = pl.read_parquet(web.out / web.released / "graph" / "knopen.parquet")
    persons = set(graph.filter(pl.col("soort") == "persoon")["knoop"].to_list())
    pages = [
        client.get("/runs").text,
        client.get(f"/runs/{web.released}").text,
        *(client.get(f"/runs/{web.released}/signalen/{r}").text for r in (1, 2, 3)),
        client.get(f"/runs/{web.released}/signalen/1/netwerk.svg").text,
    ]
    for html in pages:
        for url in re.findall(r'(?:href|action|src)="([^"]+)"', html):
            assert not re.search(r"\d{16}", url), url
        assert not any(p in html or p.split(":", 1)[1] in html for p in persons)
        assert identifiers_in_text(html) == []


def test_every_template_text_exists_in_both_languages(web: Web) -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"t\('([a-z_]+\.[a-z_0-9]+)'\)", template.read_text(encoding="utf-8")))
    assert used and used <= set(MESSAGES)
    assert all(nl and en for nl, en in MESSAGES.values())
    client = web.client()
    client.get("/taal/en?terug=/")
    assert "Log in" in client.get("/").text
    assert client.get("/taal/en?terug=//elders.example").headers["location"] == "/"


def test_store_migrations_are_idempotent(web: Web) -> None:
    from sqlalchemy import inspect

    from vastgoed.web.store import migrate

    migrate(web.app.state.engine)
    tables = set(inspect(web.app.state.engine).get_table_names())
    assert {"accounts", "sessies", "inlogpogingen", "index_besluiten", "index_verdicten"} <= tables


@pytest.mark.parametrize("role", ["analist", "reviewer"])
def test_signal_page_shows_the_dossier(web: Web, role: str) -> None:
    page = web.client(role).get(f"/runs/{web.released}/signalen/1").text
    for section in ("reasons", "links", "utility", "registrations", "graph", "facts", "verdicts"):
        assert f'id="{section}"' in page
    assert "<svg" in page  # the utility chart or the registrations chart, inline
    info = json.loads((web.out / web.released / "run.json").read_text(encoding="utf-8"))
    assert info["data"]["folder"]
    assert ('id="verdict-form"' in page) == (role == "analist")
    assert USERS[role] in page


def test_review_page_says_on_which_world_the_figures_were_measured(web: Web) -> None:
    client = web.client("reviewer")
    pages = {run: client.get(f"/runs/{run}/beoordeling").text for run in (web.released, web.awaiting)}
    for page in pages.values():
        assert '<p id="gemeten-op"><strong>Gemeten op:</strong>' in page
        assert "eigen generator van het project (vastgoed.synthetic, seed 7" in page
    # the first run trained (its validation, with the own-world warning); a later one may reuse it
    trained = pages[web.released]
    assert "validatieonderzoeken" in trained and 'id="wereld-waarschuwing">Let op:' in trained
    client.get("/taal/en?terug=/")
    english = client.get(f"/runs/{web.released}/beoordeling").text
    assert "<strong>Measured on:</strong> Time split" in english and "Note: this is the project" in english
