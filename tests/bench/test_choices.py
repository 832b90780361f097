"""The model's choices across worlds (issue 21): ``make bench-choices``.

Every choice of ``experiments/keuzes-werelden.toml`` (monotone constraints, buurt weighting, the
weight of unlabelled negatives, weak labels, calibration, per-phenomenon rule evidence) against the
standard model, on every world of the cross-world benchmark (``tests/bench/worlds.py``: the
project's generator with the demo parameters, with parameters drawn per seed, and the independent
world), seeds ``VASTGOED_BENCH_CHOICE_SEEDS`` (default 1,2) at scale 1.0. Each variant's whole
ranking (``vastgoed experiment run --lijsten``) is judged by the independent world's
``evaluate.py`` against that world's truth. Printed and written to ``out/bench/choices.md`` and
``choices.json``; a choice that only one world supports is what the model card's table shows.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.bench.worlds import (
    ROOT,
    WORLDS,
    _evaluate_py,
    _generate,
    _harness_truth,
    _ranking,
    _run,
    _vastgoed,
    engine_env,
    independent_world_dir,
    missing_world_reason,
    write_config,
)
from vastgoed.core.schema import FENOMENEN

CHOICES = ROOT / "experiments" / "keuzes-werelden.toml"


def run_choices(world: str, seed: int, scale: float, work: Path) -> dict[str, Any]:
    """Generate ``world``, run the experiment with lists, and judge every variant's list."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data, truth, lists = work / "data", work / "truth", work / "lijsten"
    _generate(world, seed, scale, data, truth)
    real = world == "independent"
    env = engine_env(real_data=real)
    cfg = write_config(work, real_data=real)
    cmd = [
        "experiment",
        "run",
        str(CHOICES),
        "--data",
        str(data),
        "--config",
        str(cfg),
        "--lijsten",
        str(lists),
    ]
    started = time.perf_counter()
    _run(_vastgoed(*cmd), env=env, what=f"experiment on the {world} world (seed {seed})")
    seconds = time.perf_counter() - started
    htruth = truth if real else _harness_truth(data, truth, work / "htruth")
    out: dict[str, Any] = {"world": world, "seed": seed, "experiment_s": round(seconds, 1), "variants": {}}
    for csv in sorted(lists.glob("*.csv")):
        ev = _evaluate_py(data, htruth, csv, work / f"{csv.stem}.json")
        out["variants"][csv.stem] = _ranking(ev["engine"])
        out["rules_harness"] = _ranking(ev["baseline"])
    for bulk in (data, truth, work / "htruth", work / "mlartifacts"):
        shutil.rmtree(bulk, ignore_errors=True)
    return out


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f}"


def choices_markdown(results: list[dict[str, Any]]) -> str:
    """Per variant and world-seed: AP overall / P@200 / AP never investigated, and the change in AP."""
    cols = [f"{r['world']} {r['seed']}" for r in results]
    variants = sorted({v for r in results for v in r["variants"]}, key=lambda v: (v != "standaard", v))
    lines = ["| variant | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for v in variants:
        cells = []
        for r in results:
            m = r["variants"].get(v)
            base = r["variants"].get("standaard")
            if m is None:
                cells.append("–")
                continue
            ap, p, unseen = m["overall"]["ap"], m["overall"]["p@200"], m["unseen"]["ap"]
            delta = "" if v == "standaard" or base is None else f" (Δ {ap - base['overall']['ap']:+.3f})"
            cells.append(f"{_fmt(ap)} / {_fmt(p)} / {_fmt(unseen)}{delta}")
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Per phenomenon, AP of the standard model and the change per variant:")
    lines.append("")
    lines.append("| variant | world | " + " | ".join(FENOMENEN) + " |")
    lines.append("|---" * (len(FENOMENEN) + 2) + "|")
    for v in variants:
        for r in results:
            m, base = r["variants"].get(v), r["variants"].get("standaard")
            if m is None or base is None:
                continue
            vals = []
            for f in FENOMENEN:
                a, b = m["per_fenomeen"][f]["ap"], base["per_fenomeen"][f]["ap"]
                vals.append(
                    _fmt(a) if v == "standaard" else ("–" if a is None or b is None else f"{a - b:+.3f}")
                )
            lines.append(f"| {v} | {r['world']} {r['seed']} | " + " | ".join(vals) + " |")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.timeout(0)
def test_model_choices_across_worlds() -> None:
    if independent_world_dir() is None:
        pytest.skip(missing_world_reason())
    seeds = [int(s) for s in os.environ.get("VASTGOED_BENCH_CHOICE_SEEDS", "1,2").split(",") if s.strip()]
    worlds = [w.strip() for w in os.environ.get("VASTGOED_BENCH_WORLDS", ",".join(WORLDS)).split(",")]
    results = []
    for world in worlds:
        for seed in seeds:
            print(f"\n== choices on the {world} world, seed {seed}", flush=True)
            results.append(
                run_choices(world, seed, 1.0, ROOT / "out" / "bench" / "choices" / f"{world}-{seed}")
            )
            print(choices_markdown(results[-1:]), flush=True)
    table = choices_markdown(results)
    print(f"\n{table}")
    dest = ROOT / "out" / "bench"
    (dest / "choices.md").write_text(table, encoding="utf-8")
    (dest / "choices.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    assert all(r["variants"] for r in results)
