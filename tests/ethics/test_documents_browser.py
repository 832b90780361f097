"""The model card and datasheet pages in a real browser: no console errors, no requests, headings shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser import open_page
from tests.ethics.test_metadata import EVIL, GEBRU, MITCHELL, SHIPPED, hostile_facts
from vastgoed.ethics.documents import write_documents
from vastgoed.ethics.metadata import load_ethics


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("run") / "ethics"
    return write_documents(out, load_ethics(SHIPPED), hostile_facts())


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
    page, errors, requests = open_page(browser, path)
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
    page, errors, requests = open_page(browser, path)
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
