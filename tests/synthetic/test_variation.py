"""A generator that is many worlds (issue 21): each seed draws its parameters; seed 0 is the demo."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from vastgoed.synthetic import generate
from vastgoed.synthetic.generator import build_world
from vastgoed.synthetic.variation import (
    PARAMETERS,
    SOURCES,
    WorldVariation,
    draw_variation,
    parameters_markdown,
)
from vastgoed.synthetic.world import State

ROOT = Path(__file__).resolve().parents[2]
SCALE = 0.05


def test_the_table_and_the_record_agree() -> None:
    """Every field of WorldVariation is a declared parameter whose seed-0 value is the field's
    default, inside its range, with a known source."""
    assert [f.name for f in dataclasses.fields(WorldVariation)] == [p.name for p in PARAMETERS]
    demo = WorldVariation()
    for p in PARAMETERS:
        assert getattr(demo, p.name) == p.demo, p.name
        assert p.low <= p.demo <= p.high, p.name
        assert p.source in SOURCES, p.name


def test_seed_zero_and_fixed_are_the_demo() -> None:
    assert draw_variation(0) == WorldVariation()
    assert draw_variation(5, fixed=True) == WorldVariation()
    assert draw_variation(5) == draw_variation(5)
    assert draw_variation(5) != draw_variation(6)
    assert not draw_variation(5).is_demo


def test_draws_stay_in_their_ranges_and_spread() -> None:
    draws = [draw_variation(s).as_dict() for s in range(1, 201)]
    for p in PARAMETERS:
        values = np.array([d[p.name] for d in draws], dtype=float)
        assert values.min() >= p.low and values.max() <= p.high, p.name
        # the range is used, on both sides of the demo value where there is room
        if p.low < p.demo:
            assert (values < p.demo).sum() >= 10, p.name
        if p.demo < p.high:
            assert (values > p.demo).sum() >= 10, p.name
        if p.draw == "integer":
            assert all(float(v).is_integer() for v in values), p.name


def test_docs_carry_the_table() -> None:
    doc = (ROOT / "docs" / "synthetic.md").read_text(encoding="utf-8")
    inner = doc.split("<!-- parameters: begin -->\n", 1)[1].split("\n<!-- parameters: end -->", 1)[0]
    assert inner == parameters_markdown(), (
        "docs/synthetic.md: regenerate the table from parameters_markdown()"
    )


def _demo(**changes: float) -> WorldVariation:
    return dataclasses.replace(WorldVariation(), **changes)  # type: ignore[arg-type]


def test_rates_and_signatures_follow_the_parameters() -> None:
    few = build_world(11, SCALE, variation=_demo(leegstand=0.5, hennep_afgetapt=0.2, onderzoeken=400))
    many = build_world(11, SCALE, variation=_demo(leegstand=2.0, hennep_afgetapt=0.8, onderzoeken=1600))
    n_few = int((few.plan.state == State.LEEGSTAND).sum())
    n_many = int((many.plan.state == State.LEEGSTAND).sum())
    assert 3.0 <= n_many / n_few <= 5.0, (n_few, n_many)
    hennep_few, hennep_many = few.plan.state == State.HENNEP, many.plan.state == State.HENNEP
    assert few.plan.tapped[hennep_few].mean() < many.plan.tapped[hennep_many].mean()
    assert len(many.inv.vbo) > 3 * len(few.inv.vbo)
    # wrong outcomes: a world that confirms what is not there has more confirmed non-phenomena
    sloppy = build_world(11, SCALE, variation=_demo(treffer_onjuist=0.15, onderzoeken=1600))
    careful = build_world(11, SCALE, variation=_demo(treffer_onjuist=0.01, onderzoeken=1600))

    def wrong(w: object) -> int:
        inv, plan = w.inv, w.plan  # type: ignore[attr-defined]
        return int((inv.bevestigd & (plan.fenomeen[inv.vbo] != inv.fenomeen)).sum())

    assert wrong(sloppy) > 3 * max(wrong(careful), 1)


def test_noise_follows_the_parameters(tmp_path: Path) -> None:
    def short_bsns(factor: float) -> float:
        world = build_world(12, SCALE, variation=_demo(ruis_identificaties=factor))
        from vastgoed.synthetic.world import child_rng
        from vastgoed.synthetic.writer import write_world

        out, truth = tmp_path / f"d{factor}", tmp_path / f"t{factor}"
        out.mkdir()
        truth.mkdir()
        write_world(world, out, truth, child_rng(12, 10))
        bsn = pl.read_csv(out / "brp_inschrijvingen.csv", columns=["bsn"], schema_overrides={"bsn": pl.Utf8})
        return float((bsn["bsn"].str.len_chars() == 8).mean())

    assert short_bsns(2.0) > 2.5 * short_bsns(0.5)


@pytest.mark.parametrize(("fixed", "kind"), [(False, "getrokken"), (True, "demo")])
def test_the_world_says_what_it_is(tmp_path: Path, fixed: bool, kind: str) -> None:
    out, truth = tmp_path / "d", tmp_path / "t"
    generate(out, truth, seed=4, scale=0.01, fixed=fixed)
    manifest = tomllib.loads((out / "manifest.toml").read_text(encoding="utf-8"))
    assert manifest["generator"]["variatie"] == kind
    drawn = json.loads((truth / "variatie.json").read_text(encoding="utf-8"))
    assert drawn == draw_variation(4, fixed=fixed).as_dict()
    # the parameters are truth: never in the data folder
    assert not (out / "variatie.json").exists()
