from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as _hypothesis_settings

# No timing in tests: the machine is shared, and Hypothesis's per-example deadline (200 ms) failed a
# property test under load. Speed is the benchmarks' business (docs/benchmarks.md).
_hypothesis_settings.register_profile("vastgoed", deadline=None)
_hypothesis_settings.load_profile("vastgoed")

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# The audit log's key (held by operations in production; see vastgoed/ethics/auditlog.py). Set here so
# that subprocesses (the command line in end-to-end tests) inherit it.
os.environ.setdefault("VASTGOED_AUDIT_KEY", "test-audit-key-of-at-least-32-characters")

SMALL_SCALE = 0.03


@pytest.fixture(scope="session")
def small_municipality(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small synthetic municipality (data folder, truth folder), generated once per test worker."""
    from vastgoed.synthetic import generate

    root = tmp_path_factory.mktemp("municipality")
    data, truth = root / "data", root / "truth"
    generate(data, truth, seed=7, scale=SMALL_SCALE, fixed=True)
    return data, truth


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's headless Chromium under Playwright (installed with apt if missing), once per worker."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, install_chromium

    install_chromium(tmp_path_factory.getbasetemp().parent)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
