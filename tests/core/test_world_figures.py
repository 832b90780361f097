"""Figures name their world; the committed cross-world table is complete and the model card's copy of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from vastgoed.core.config import load_manifest
from vastgoed.core.worlds import (
    GENERATOR,
    CrossWorld,
    MeasuredOn,
    Validated,
    cross_world_md,
    docs_section,
    load_cross_world,
    own_world_warning,
    with_docs_section,
)

ROOT = Path(__file__).resolve().parents[2]

OWN = MeasuredOn(
    gemeentecode="0935",
    synthetisch=True,
    peildatum=dt.date(2025, 1, 1),
    generator=GENERATOR,
    seed=0,
    schaal=1.0,
)
REAL = MeasuredOn(
    gemeentecode="0363", gemeentenaam="Amsterdam", synthetisch=False, peildatum=dt.date(2025, 4, 1)
)


@pytest.fixture(scope="module")
def cross() -> CrossWorld:
    cw = load_cross_world()
    assert cw is not None, "vastgoed/core/werelden.json is missing or unreadable"
    return cw


def test_the_world_is_described_in_dutch_and_english() -> None:
    assert OWN.describe("nl") == (
        "synthetische gegevens van de eigen generator van het project (vastgoed.synthetic, seed 0, "
        "schaal 1,0), gemeente 0935, peildatum 01-01-2025"
    )
    assert OWN.describe("en").startswith("synthetic data of the project's own generator (vastgoed.synthetic")
    assert REAL.describe("nl") == "echte extracten, gemeente 0363 Amsterdam, peildatum 01-04-2025"
    unknown = dataclasses.replace(OWN, generator=None, seed=None, schaal=None)
    assert "noemt geen generator" in unknown.describe("nl") and not unknown.own_generator
    assert OWN.own_generator and not REAL.own_generator
    assert MeasuredOn.from_json(OWN.to_json()) == OWN
    drawn = dataclasses.replace(OWN, seed=3, variatie="getrokken")
    assert "seed 3, schaal 1,0, eigen getrokken wereldparameters)" in drawn.describe("nl")
    assert "its own drawn world parameters" in drawn.describe("en")
    assert MeasuredOn.from_json(drawn.to_json()) == drawn


def test_a_generated_manifest_names_generator_and_seed(small_municipality: tuple[Path, Path]) -> None:
    data, _ = small_municipality
    world = MeasuredOn.of_manifest(load_manifest(data))
    assert world.own_generator and world.seed == 7 and world.schaal == pytest.approx(0.03)
    assert "seed 7" in world.describe("nl")
    # the shared test data keeps the demo parameters (--vast), and says so
    assert world.variatie == "demo" and "getrokken" not in world.describe("nl")


def test_validation_names_world_window_and_size() -> None:
    v = Validated(world=OWN, cutoff=dt.date(2024, 1, 1), n_validation=1234)
    text = v.text("nl")
    for part in ("1.234 validatieonderzoeken", "01-01-2024", "seed 0", "0935", "peildatum 01-01-2025"):
        assert part in text, part
    assert v.warning("nl") is not None and "overschatten" in v.warning("nl")  # type: ignore[operator]
    j = v.to_json()
    assert j["gemeten_op"]["generator"] == GENERATOR and j["validatieonderzoeken"] == 1234
    assert j["validatievenster_vanaf"] == "2024-01-01" and j["validatievenster_tot"] == "2025-01-01"
    # real extracts, or no learned model: no own-world warning
    assert Validated(world=REAL, cutoff=dt.date(2024, 4, 1), n_validation=10).warning("nl") is None
    rules = Validated(world=OWN, learned=False)
    assert rules.warning("nl") is None and "geen geleerd model" in rules.text("nl")
    assert "MLflow" in Validated(world=REAL).text("nl")


def test_the_warning_quotes_both_worlds_with_date_and_commit(cross: CrossWorld) -> None:
    nl = own_world_warning("nl", cross)
    assert nl.startswith("Let op:") and "overschatten wat een echte gemeente zal zien" in nl
    assert cross.span("project", "model_ap") in nl and cross.span("independent", "model_ap") in nl
    assert f"{cross.day:%d-%m-%Y}" in nl and cross.commit in nl
    assert re.search(r"0,\d\d", nl) and not re.search(r"0\.\d\d", nl), "Dutch numbers"
    en = own_world_warning("en", cross)
    assert "overstate" in en and cross.span("independent", "model_ap", "en") in en


def test_committed_table_has_every_world(cross: CrossWorld) -> None:
    assert cross.worlds() == ["project", "getrokken", "independent"]
    assert cross.capacity == 200 and re.fullmatch(r"[0-9a-f]{7,40}", cross.commit), cross.commit
    for world in cross.worlds():
        rows = [r for r in cross.rows if r.world == world]
        assert sorted(r.seed for r in rows) == cross.seeds
        for r in rows:
            for v in (r.model_p, r.model_ap, r.rules_p, r.rules_ap, r.unseen_model_ap, r.unseen_rules_ap):
                assert v is not None and 0.0 <= v <= 1.0
            assert len(r.per_fenomeen) == 7


def test_table_rows_for_both_worlds_in_dutch_and_english(cross: CrossWorld) -> None:
    nl = cross_world_md(cross, "nl")
    rows = [line for line in nl.splitlines() if line.startswith(("| eigen generator", "| onafh"))]
    assert len(rows) == len(cross.rows)
    assert "| onafhankelijk geschreven gemeente | 1 |" in nl
    assert "| eigen generator van het project | 1 |" in nl
    assert f"Gemeten op {cross.day:%d-%m-%Y} bij commit {cross.commit}" in nl
    # Dutch decimals: a comma, never a point, in the table's figures
    assert re.search(r"\| 0,\d\d", nl) and not re.search(r"[| ]0\.\d\d", nl)
    en = cross_world_md(cross, "en")
    assert "| independently written municipality | 1 |" in en and f"at commit {cross.commit}" in en


def test_model_card_doc_carries_the_committed_table(cross: CrossWorld) -> None:
    """``make bench-worlds`` rewrites both; this fails when one was changed without the other."""
    text = (ROOT / "docs" / "model-card.md").read_text(encoding="utf-8")
    assert docs_section(cross) in text, "docs/model-card.md's 'Across worlds' differs from werelden.json"
    assert with_docs_section(text, cross) == text
    with pytest.raises(ValueError, match="markers"):
        with_docs_section("# no markers", cross)
