"""The analysts' HTML report: self-contained, escaped, atomic, and working in a real browser."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from playwright.sync_api import Browser

from tests.browser import open_page
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.worlds import GENERATOR, MeasuredOn, Validated
from vastgoed.report.html import ReportInput, render_report, write_report

EVIL = 'Markt 1</script><script>alert("xss")</script><!-- <b>&amp;, 6211CK Maastricht'
EVIL_FEIT = "</SCRIPT ><img src=x onerror=alert(1)> 3 meldingen"
REASON = pl.List(
    pl.Struct({"kenmerk": pl.String, "label": pl.String, "feit": pl.String, "bijdrage": pl.Float64})
)
KENMERKEN = [
    ("water_m3", "waterverbruik (m³)", "{:.1f} m³ in 12 maanden"),
    ("maanden_zonder_inschrijving", "maanden zonder inschrijving", "{:.0f} maanden"),
    ("elektriciteit_per_m2", "elektriciteit per m²", "{:.0f} kWh/m²"),
    ("meldingen_drugs_3j", "meldingen drugs/stank laatste 3 jaar", "{:.0f} meldingen"),
    ("personen_per_m2", "m² per ingeschreven persoon", "{:.0f} m²"),
    ("kvk_vestigingen", "vestigingen op het adres", "{:.0f} vestigingen"),
    ("eigenaar_wissels_5j", "eigendomswisselingen laatste 5 jaar", "{:.0f} wisselingen"),
    ("gas_t_o_v_norm", "gas t.o.v. norm huishouden", "{:.2f}"),
]
BUURTEN = [  # code, x, y (RD New), objecten; the last has no coordinates
    ("BU09350101", 176_300.0, 317_900.0, 2_400),
    ("BU09350301", 178_900.0, 319_600.0, 1_800),
    ("BU09350702", 174_200.0, 314_100.0, 3_100),
    ("BU09359999", None, None, 40),
]


def _reasons(rng: np.random.Generator, n: int, sign: float) -> list[dict[str, Any]]:
    picks = rng.choice(len(KENMERKEN), size=n, replace=False)
    sizes = sorted(rng.uniform(0.05, 3.5, size=n), reverse=True)
    return [
        {
            "kenmerk": KENMERKEN[k][0],
            "label": KENMERKEN[k][1],
            "feit": KENMERKEN[k][2].format(rng.uniform(0, 400)),
            "bijdrage": float(sign * size),
        }
        for k, size in zip(picks, sizes, strict=True)
    ]


def build_input(
    n_signals: int = 30, n_reasons: int = 4, n_tegen: int = 2, n_scores: int = 3_000, seed: int = 0
) -> ReportInput:
    """A report input shaped like the pipeline's, with nulls and hostile text where they hurt."""
    rng = np.random.default_rng(seed)
    codes = [b[0] for b in BUURTEN]
    rows: list[dict[str, Any]] = []
    for i in range(n_signals):
        per = rng.dirichlet(np.ones(len(FENOMENEN)) * 0.3) * rng.uniform(0.3, 0.999)
        investigated = i % 7 == 3
        rows.append(
            {
                "rank": i + 1,
                "verblijfsobject_id": f"0935010000{i:06d}",
                "adres": f"Teststraat {i + 1}, 6211AB Maastricht",
                "buurtcode": codes[i % len(codes)],
                "score": float(per.sum()),
                "fenomeen": FENOMENEN[int(per.argmax())],
                **{f"score_{f}": float(v) for f, v in zip(FENOMENEN, per, strict=True)},
                "redenen": _reasons(rng, n_reasons, 1.0),
                "tegen": _reasons(rng, n_tegen if i % 5 else 0, -1.0),
                "laatste_onderzoek": dt.date(2024, 1 + i % 12, 15) if investigated else None,
                "laatste_uitkomst": "hennepteelt: niet_bevestigd" if investigated else None,
            }
        )
    rows.sort(key=lambda r: -r["score"])
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    if rows:
        rows[0]["adres"] = EVIL
        rows[0]["redenen"][0]["feit"] = EVIL_FEIT
        rows[1]["redenen"] = None  # an object whose explanation is missing
        rows[1]["score_hennepteelt"] = None
    signals = pl.DataFrame(
        rows,
        schema={
            "rank": pl.Int64,
            "verblijfsobject_id": pl.String,
            "adres": pl.String,
            "buurtcode": pl.String,
            "score": pl.Float64,
            "fenomeen": pl.String,
            **{f"score_{f}": pl.Float64 for f in FENOMENEN},
            "redenen": REASON,
            "tegen": REASON,
            "laatste_onderzoek": pl.Date,
            "laatste_uitkomst": pl.String,
        },
    )
    recent = pl.DataFrame(
        {
            "verblijfsobject_id": ["0935010000900001", "0935010000900002", "0935010000900003"],
            "adres": ["Oude Markt 2, 6211AA Maastricht", EVIL, "Brusselseweg 9, 6217GA Maastricht"],
            "buurtcode": ["BU09350101", "BU09350301", "BU09350702"],
            "score": [0.71, 0.93, None],
            "fenomeen": ["overbewoning", "hennepteelt", "spookbewoning"],
            "laatste_onderzoek": [dt.date(2025, 3, 1), dt.date(2025, 6, 9), None],
            "laatste_uitkomst": ["overbewoning: bevestigd", None, "spookbewoning: niet_bevestigd"],
        },
        schema_overrides={"laatste_onderzoek": pl.Date, "score": pl.Float64},
    )
    per_buurt = signals.group_by("buurtcode").len()
    counts = dict(zip(per_buurt["buurtcode"].to_list(), per_buurt["len"].to_list(), strict=True))
    buurten = pl.DataFrame(
        {
            "buurtcode": codes,
            "x": [b[1] for b in BUURTEN],
            "y": [b[2] for b in BUURTEN],
            "n_objecten": [b[3] for b in BUURTEN],
            "n_signalen": [counts.get(c, 0) for c in codes],
        },
        schema={
            "buurtcode": pl.String,
            "x": pl.Float64,
            "y": pl.Float64,
            "n_objecten": pl.Int64,
            "n_signalen": pl.Int64,
        },
    )
    importance = pl.DataFrame(
        {
            "kenmerk": [k[0] for k in KENMERKEN],
            "label": [k[1] for k in KENMERKEN],
            "belang": sorted(rng.uniform(0.01, 0.6, size=len(KENMERKEN)), reverse=True),
        }
    )
    scores = np.concatenate([rng.beta(0.4, 6.0, size=n_scores), signals["score"].to_numpy()])
    return ReportInput(
        run_id="20260101T000000-abc123",
        gemeentecode="0935",
        peildatum=dt.date(2026, 1, 1),
        model_version="lgbm-13c50888c340",
        signals=signals,
        recent=recent,
        scores=scores,
        buurten=buurten,
        importance=importance,
        quality=[
            ("Invoer", [("Afgekeurde rijen", "12 van 81.234 (0,01%)"), ("<i>Bestanden</i>", "14")]),
            ("Koppeling adressen", [("Gekoppeld", "99,2%"), ("Onzeker", "0,3%")]),
            ("Leeg", []),
        ],
        metrics=[
            ("Precisie@k (model / basislijn)", [("k = 100", "0,62 / 0,31"), ("k = 500", "0,48 / 0,22")]),
            ("Recall@k", [("k = 500", "0,41 / 0,19")]),
        ],
    )


def empty_input() -> ReportInput:
    """No signals, no recent addresses, no scores, and only a buurt without coordinates."""
    full = build_input(n_signals=30)
    return ReportInput(
        run_id="leeg",
        gemeentecode="0935",
        peildatum=dt.date(2026, 1, 1),
        model_version="m",
        signals=full.signals.clear(),
        recent=pl.DataFrame(),
        scores=np.array([], dtype=np.float64),
        buurten=full.buurten.filter(pl.col("x").is_null()).with_columns(n_signalen=pl.lit(0, pl.Int64)),
        importance=full.importance.clear(),
        quality=[],
        metrics=[],
    )


def _json_block(text: str) -> Any:
    m = re.search(r'<script type="application/json" id="rapport-data">(.*?)</script>', text, re.S)
    assert m is not None
    return json.loads(m.group(1))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


# --- unit tests -------------------------------------------------------------------------------


@pytest.fixture
def report(tmp_path: Path) -> tuple[Path, ReportInput]:
    data = build_input()
    path = tmp_path / "run" / "report.html"
    write_report(path, data)
    return path, data


def test_page_is_self_contained(report: tuple[Path, ReportInput]) -> None:
    text = report[0].read_text(encoding="utf-8")
    lowered = text.lower()
    for needle in ("http://", "https://", "//cdn", "url(", "@import"):
        assert needle not in lowered, needle
    parser = _Tags()
    parser.feed(text)
    assert not {t for t, _ in parser.tags} & {"link", "img", "iframe", "object", "embed", "base"}
    for tag, attrs in parser.tags:
        assert "src" not in attrs, (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith("#"), (tag, href)
    assert [t for t, _ in parser.tags].count("script") == 2  # the JSON block and the page's script
    csp = next(a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp


def test_json_block_round_trips_and_cannot_break_out(report: tuple[Path, ReportInput]) -> None:
    path, data = report
    text = path.read_text(encoding="utf-8")
    payload = _json_block(text)
    assert [s["r"] for s in payload["signalen"]] == data.signals["rank"].to_list()
    first = payload["signalen"][0]
    assert first["a"] == EVIL
    assert first["re"][0][2] == EVIL_FEIT
    assert payload["signalen"][1]["re"] == []  # null explanation becomes an empty list
    assert payload["signalen"][1]["fs"][FENOMENEN.index("hennepteelt")] is None
    block = text.split('id="rapport-data">', 1)[1].split("</script>", 1)[0]
    assert "</" not in block and "<!--" not in block
    assert "<\\/script>" in block


def test_hostile_text_is_escaped_in_html(report: tuple[Path, ReportInput]) -> None:
    text = report[0].read_text(encoding="utf-8")
    outside_json = re.sub(r'<script type="application/json".*?</script>', "", text, flags=re.S)
    assert 'alert("xss")' not in outside_json
    assert (
        "&lt;/script&gt;&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in outside_json
    )  # recent table
    assert "&lt;i&gt;Bestanden&lt;/i&gt;" in outside_json  # quality label
    parser = _Tags()
    parser.feed(text)
    assert "i" not in {t for t, _ in parser.tags}  # no tag came from the data
    assert EVIL in "".join(parser.text)  # the recent table shows the address as text


def test_sections_and_facts_are_present(report: tuple[Path, ReportInput]) -> None:
    path, data = report
    text = path.read_text(encoding="utf-8")
    for anchor in ("signalen", "verdeling", "kaart", "recent", "model", "kwaliteit"):
        assert f'<section id="{anchor}">' in text
    assert "een signaal is geen bevinding" in text.lower()
    assert "geen nieuwe signalen" in text
    assert data.run_id in text and "01-01-2026" in text and data.model_version in text
    assert "Precisie@k (model / basislijn)" in text and "0,62 / 0,31" in text
    # the histogram is binned: each score is not in the file, the bars are
    assert text.count('class="balk') >= 10
    # the buurt without coordinates is listed, not drawn
    assert 'data-buurt="BU09359999"' not in text
    assert "Niet op de kaart" in text and "BU09359999" in text


def test_map_keeps_east_and_north(report: tuple[Path, ReportInput]) -> None:
    text = report[0].read_text(encoding="utf-8")
    pos = {
        m.group(1): (float(m.group(2)), float(m.group(3)))
        for m in re.finditer(r'data-buurt="(\w+)" cx="([\d.]+)" cy="([\d.]+)"', text)
    }
    assert set(pos) == {"BU09350101", "BU09350301", "BU09350702"}
    west_south, centre, east_north = pos["BU09350702"], pos["BU09350101"], pos["BU09350301"]
    assert west_south[0] < centre[0] < east_north[0]  # x east
    assert west_south[1] > centre[1] > east_north[1]  # y north, flipped on screen
    # one scale for both axes: the pixel distances keep the metre ratio
    dx_m, dy_m = 178_900 - 174_200, 319_600 - 314_100
    dx_px, dy_px = east_north[0] - west_south[0], west_south[1] - east_north[1]
    assert dx_px / dy_px == pytest.approx(dx_m / dy_m, rel=0.01)


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "report.html"
    path.write_text("oud", encoding="utf-8")
    write_report(path, build_input(n_signals=5))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    first = path.read_text(encoding="utf-8")
    assert first.startswith("<!DOCTYPE html>")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(path, build_input(n_signals=6))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no tmp file left
    assert path.read_text(encoding="utf-8") == first  # the old report is intact


def test_empty_frames_render(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_report(path, empty_input())
    text = path.read_text(encoding="utf-8")
    assert _json_block(text)["signalen"] == []
    assert "Geen gescoorde objecten." in text
    assert "Geen recent onderzochte adressen." in text
    assert "Geen buurtcoördinaten beschikbaar" in text
    assert "Geen validatiecijfers beschikbaar." in text


def test_missing_column_is_refused(tmp_path: Path) -> None:
    data = build_input(n_signals=3)
    bad = dataclasses.replace(data, signals=data.signals.drop("tegen"))
    with pytest.raises(ValueError, match="tegen"):
        write_report(tmp_path / "report.html", bad)
    assert not (tmp_path / "report.html").exists()


def test_size_for_500_signals(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_report(path, build_input(n_signals=500, n_reasons=8, n_tegen=5, n_scores=70_000))
    size = path.stat().st_size
    assert size < 1_500_000, size
    # the 70k scores are binned, not embedded
    small = tmp_path / "small.html"
    write_report(small, build_input(n_signals=500, n_reasons=8, n_tegen=5, n_scores=10))
    assert abs(size - small.stat().st_size) < 10_000


# --- the page in a browser --------------------------------------------------------------------


def test_report_in_browser(browser: Browser, report: tuple[Path, ReportInput], tmp_path: Path) -> None:
    path, data = report
    signals = data.signals
    page, errors, requests = open_page(browser, path)
    try:
        rows = page.locator("#signalen-body tr.signaal")
        assert rows.count() == signals.height
        assert page.locator("#signalen-body tr.signaal:visible").count() == signals.height
        assert page.locator("#teller").inner_text() == f"{signals.height} van {signals.height} signalen"
        assert rows.nth(0).locator("td").nth(1).inner_text() == EVIL  # hostile text shown as text

        fenomeen = signals["fenomeen"].value_counts(sort=True)["fenomeen"][0]
        expected = signals.filter(pl.col("fenomeen") == fenomeen).height
        assert 0 < expected < signals.height
        page.select_option("#filter-fenomeen", fenomeen)
        assert page.locator("#teller").inner_text() == f"{expected} van {signals.height} signalen"
        assert page.locator("#signalen-body tr.signaal:visible").count() == expected

        page.fill("#filter-score", "0.6")
        both = signals.filter((pl.col("fenomeen") == fenomeen) & (pl.col("score") >= 0.6)).height
        assert page.locator("#teller").inner_text() == f"{both} van {signals.height} signalen"
        page.click("#filter-wis")
        page.wait_for_function(
            f"document.getElementById('teller').textContent.startsWith('{signals.height} ')"
        )

        target = signals.row(2, named=True)
        row = rows.nth(2)
        row.click()
        assert row.get_attribute("aria-expanded") == "true"
        detail = page.locator("tr.uitleg:visible")
        assert detail.count() == 1
        detail_text = detail.inner_text()
        assert target["redenen"][0]["feit"] in detail_text
        assert target["redenen"][0]["label"] in detail_text
        bars = detail.locator("svg.bijdragen rect")
        assert bars.count() == len(target["redenen"]) + len(target["tegen"])
        assert detail.locator("svg.bijdragen rect.tegen").count() == len(target["tegen"])

        rows.nth(0).click()  # the hostile fact renders as text
        assert EVIL_FEIT in page.locator("tr.uitleg:visible").nth(0).inner_text()

        page.locator('svg.kaart circle[data-buurt="BU09350301"]').click()
        in_buurt = signals.filter(pl.col("buurtcode") == "BU09350301").height
        assert page.locator("#teller").inner_text() == f"{in_buurt} van {signals.height} signalen"
        assert page.locator("#filter-buurt").input_value() == "BU09350301"

        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        assert (tmp_path / "report.png").stat().st_size > 10_000
    finally:
        page.close()
    assert errors == []
    assert requests == [path.as_uri()]


def test_empty_report_in_browser(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_report(path, empty_input())
    page, errors, requests = open_page(browser, path)
    try:
        assert page.locator("#teller").inner_text() == "0 van 0 signalen"
        assert page.locator("#geen-signalen").inner_text() == "Geen signalen in deze run."
        assert page.locator("#filter-fenomeen").is_disabled()
    finally:
        page.close()
    assert errors == []
    assert requests == [path.as_uri()]


def test_validation_block_says_where_it_was_measured() -> None:
    world = MeasuredOn(
        gemeentecode="0935", synthetisch=True, peildatum=dt.date(2026, 1, 1), generator=GENERATOR, seed=0
    )
    validated = Validated(world=world, cutoff=dt.date(2025, 1, 1), n_validation=305)
    data = dataclasses.replace(
        build_input(n_signals=5), measured_on=validated.text("nl"), world_warning=validated.warning("nl")
    )
    page = render_report(data)
    block = page[page.index('<section id="model">') : page.index('<section id="kwaliteit">')]
    assert "<strong>Gemeten op:</strong> Tijdsplitsing op de eigen onderzoeken" in block
    assert "305 validatieonderzoeken van 01-01-2025 tot de peildatum" in block
    assert "eigen generator van het project (vastgoed.synthetic, seed 0" in block
    assert '<p class="let-op wereld-waarschuwing">Let op: dit is de eigen wereld' in block
    assert block.index("Gemeten op:") < block.index("Precisie@k")  # before the figures
    # escaped like every other text
    hostile = dataclasses.replace(data, measured_on="<script>x</script>", world_warning=None)
    text = render_report(hostile)
    assert "<script>x</script>" not in text and "wereld-waarschuwing" not in text
