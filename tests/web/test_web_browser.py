"""The web application in Debian's Chromium (Playwright): each role's path through the pages.

Screenshots of the main pages are saved to ``$VASTGOED_SCREENSHOTS/<database>/``, by default
``<repo>/out/web-screenshots/<database>/`` (``out/`` is git-ignored); the path is printed.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, Web, _free_port, make_web


@pytest.fixture
def served(web_runs: Any, tmp_path: Path, database_url: str) -> Iterator[tuple[str, Web]]:
    import uvicorn

    web = make_web(web_runs, tmp_path, database_url)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", web
    server.should_exit = True
    thread.join(timeout=10)
    web.app.state.engine.dispose()


def _page(browser: Any) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    return page, errors, requests


def _login(page: Any, base: str, naam: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=naam]", naam)
    page.fill("input[name=wachtwoord]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/runs")


def _screenshot_folder(database_url: str) -> Path:
    """``$VASTGOED_SCREENSHOTS/<db>``, else ``<repo>/out/web-screenshots/<db>`` (a stable, ignored place)."""
    root = os.environ.get("VASTGOED_SCREENSHOTS") or str(
        Path(__file__).parents[2] / "out" / "web-screenshots"
    )
    folder = Path(root) / database_url.split(":")[0].split("+")[0]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_roles_in_the_browser(browser: Any, served: tuple[str, Web], database_url: str) -> None:
    base, web = served
    shots = _screenshot_folder(database_url)

    # -- analyst: the released run only; filter, open a signal, record a verdict ---------------
    page, errors, requests = _page(browser)
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Inloggen"
    page.screenshot(path=str(shots / "01-login.png"), full_page=True)
    _login(page, base, "ana")
    rows = page.locator("#runs tbody tr")
    assert rows.count() == 1 and rows.first.get_attribute("data-run") == web.released
    page.screenshot(path=str(shots / "02-runs-analist.png"), full_page=True)
    page.click(f"a[href='/runs/{web.released}']")
    total = int(page.locator("#total").inner_text())
    fenomeen = page.locator("select[name=fenomeen] option").nth(1).get_attribute("value")
    page.select_option("select[name=fenomeen]", fenomeen)
    page.click("#filters button[type=submit]")
    filtered = int(page.locator("#total").inner_text())
    assert 0 < filtered <= total and f"fenomeen={fenomeen}" in page.url
    assert all(c == fenomeen for c in page.locator("#signals tbody tr td:nth-child(5)").all_inner_texts())
    page.screenshot(path=str(shots / "03-lijst.png"), full_page=True)
    page.locator("#signals tbody tr td a").first.click()
    page.wait_for_selector("#reasons")
    assert page.locator("#utility svg, #registrations svg").count() >= 1
    # the picture is a separate request (rendered on demand): wait until it has loaded, or failed
    # (polled from here: the app's CSP rightly forbids the eval that wait_for_function would use)
    for _ in range(150):
        if page.evaluate("document.querySelector('#graph img').complete"):
            break
        page.wait_for_timeout(200)
    assert page.evaluate("document.querySelector('#graph img').naturalWidth") > 0
    page.screenshot(path=str(shots / "04-signaal.png"), full_page=True)
    page.select_option("select[name=uitkomst]", "niet_bevestigd")
    page.fill("textarea[name=toelichting]", "bezocht; bewoond zoals ingeschreven")
    page.click("#verdict-form button[type=submit]")
    page.wait_for_selector("p.ok")
    assert "niet bevestigd" in page.locator("#verdicts").inner_text()
    assert not errors, errors
    # an unreleased run and review pages are refused (the browser logs each 403 as a console error)
    for path in (
        f"/runs/{web.awaiting}",
        f"/runs/{web.awaiting}/beoordeling",
        f"/runs/{web.released}/beoordeling",
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 403
        assert "geen toegang" in page.locator("main").inner_text()
    page.screenshot(path=str(shots / "05-geweigerd.png"), full_page=True)
    assert page.locator("form#decision-form, form#release-form").count() == 0
    assert all(r.startswith(base) for r in requests), "a page reached outside the application"
    assert not any(re.search(r"\d{16}", r) for r in requests)
    page.close()

    # -- reviewer: the review page, accept the flags, approve and release ---------------------
    page, errors, _ = _page(browser)
    _login(page, base, "rev")
    row = page.locator(f"#runs tr[data-run='{web.awaiting}']")
    assert row.get_attribute("data-status") == "awaiting_review"
    page.click(f"a[href='/runs/{web.awaiting}/beoordeling']")
    page.screenshot(path=str(shots / "06-beoordeling.png"), full_page=True)
    for box in page.locator("input[name=vlag]").all():
        box.check()
    page.check("input[name=besluit][value=approve]")
    page.fill("textarea[name=motivering]", "Ethiekbundel en fairness-vlaggen besproken; geen bezwaar.")
    page.click("#decision-form button[type=submit]")
    page.wait_for_selector("p.ok")
    assert page.locator("#run-status").inner_text() == "goedgekeurd"
    page.click("#release-form button[type=submit]")
    page.wait_for_selector("p.ok")
    assert page.locator("#run-status").inner_text() == "vrijgegeven"
    page.click(f"a[href='/runs/{web.awaiting}/ethiek/fairness']")
    page.screenshot(path=str(shots / "07-fairness.png"), full_page=True)
    page.goto(base + "/runs")
    page.screenshot(path=str(shots / "08-runs-reviewer.png"), full_page=True)
    assert not errors, errors
    page.close()

    # -- beheerder: accounts; English as second language ---------------------------------------
    page, errors, _ = _page(browser)
    _login(page, base, "beh")
    page.click("a[href='/beheer/accounts']")
    page.fill("#account-form input[name=naam]", "nieuwe.analist")
    page.fill("#account-form input[name=wachtwoord]", "een-ander-lang-wachtwoord")
    page.click("#account-form button[type=submit]")
    page.wait_for_selector("p.ok")
    assert "nieuwe.analist" in page.locator("#accounts").inner_text()
    page.click("a[lang=en]")
    assert page.locator("h1").inner_text() == "Accounts" and "Create account" in page.content()
    page.screenshot(path=str(shots / "09-accounts-en.png"), full_page=True)
    assert not errors, errors
    page.close()
    print(f"\nscreenshots: {shots}")
