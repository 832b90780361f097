"""The model card and datasheet pages in a real browser: no console errors, no requests, headings shown."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, sync_playwright

from tests.ethics.test_metadata import EVIL, GEBRU, MITCHELL, SHIPPED, hostile_facts
from vastgoed.ethics.documents import write_documents
from vastgoed.ethics.metadata import load_ethics

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _install_chromium(lock_dir: Path) -> None:
    """Install Debian's chromium once across xdist workers (file lock), skipping only without apt."""
    import fcntl

    if CHROMIUM.exists():
        return
    with (lock_dir / "chromium-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if CHROMIUM.exists():
                return
            if shutil.which("apt-get") is None:
                pytest.skip(f"{CHROMIUM} is missing and apt-get is not available to install it")
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
            result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
            if result.returncode != 0:
                subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env, check=False)
                result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
            if result.returncode != 0 or not CHROMIUM.exists():
                pytest.fail(f"could not install chromium with apt-get: {result.stderr[-2000:]}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    _install_chromium(tmp_path_factory.getbasetemp().parent)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("run") / "ethics"
    return write_documents(out, load_ethics(SHIPPED), hostile_facts())


def _open(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """Open a page; collect console errors, page errors, dialogs and every request it makes."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    errors: list[str] = []
    requests: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    def on_dialog(dialog: Dialog) -> None:  # an alert() would mean injected script ran
        errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("dialog", on_dialog)
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, requests


@pytest.mark.parametrize(
    ("name", "title", "headings"),
    [
        ("model_card.html", "Model card: vastgoed-signal", MITCHELL),
        ("datasheet.html", "Datasheet: input data of run", GEBRU),
    ],
)
def test_page_in_browser(
    browser: Browser,
    documents: dict[str, Path],
    tmp_path: Path,
    name: str,
    title: str,
    headings: tuple[str, ...],
) -> None:
    path = documents[name]
    page, errors, requests = _open(browser, path)
    try:
        assert page.title().startswith(title)
        assert page.get_by_role("heading", level=1).first.is_visible()
        for heading in headings:
            assert page.get_by_role("heading", name=heading, exact=True, level=2).is_visible(), heading
        assert page.locator("script, img, iframe, object, embed").count() == 0
        body = page.locator("main").inner_text()
        assert '<script>alert("xss")</script>' in body  # hostile run text shown as text
        assert page.locator("blockquote").first.is_visible()  # the synthetic / example banner
        assert page.locator("table").count() >= 2
        page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    finally:
        page.close()
    assert errors == []
    assert requests == [path.as_uri()]
    assert EVIL  # the hostile text the facts carry


def test_fairness_page_in_browser(browser: Browser, tmp_path: Path) -> None:
    from tests.ethics.test_fairness import _audit, _world
    from vastgoed.ethics.fairness import fairness_html

    report = _audit(_world(1, bias=True))
    path = tmp_path / "fairness.html"
    path.write_text(fairness_html(report, run_id='<script>alert("xss")</script>'), encoding="utf-8")
    page, errors, requests = _open(browser, path)
    try:
        assert page.title().startswith("Fairness-audit")
        for heading in ("Vlaggen", "Herkomst van de labels", "De rangschikking per buurt en groep"):
            assert page.get_by_role("heading", name=heading, exact=True, level=2).is_visible(), heading
        flagged = page.locator("tr.flag")
        assert flagged.count() >= 3 and "labels:herkomst_groep:C" in page.locator("table").first.inner_text()
        assert page.locator("script").count() == 0
    finally:
        page.close()
    assert errors == []
    assert requests == [path.as_uri()]
