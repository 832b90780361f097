"""Debian's Chromium for the browser tests: installed once (no browser download), opened watchfully.

The ``browser`` fixture (``tests/conftest.py``) launches it once per test worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "install_chromium", "open_page"]

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


def install_chromium(lock_dir: Path) -> None:
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


def open_page(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """Open a page; collect console errors, page errors, dialogs and every request the page makes."""
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
