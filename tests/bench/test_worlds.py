"""The batch across worlds (issue 20): the project's generator and the independent municipality.

``test_world_runs`` (in ``make test``): each world once at scale 0.1, seed 1, in a fresh MLflow store;
fails when a world's batch or its evaluation fails, and checks that figures came out. The figures'
quality is the full benchmark's business.

``test_world_benchmark`` (slow; ``make bench-worlds``, also in ``make bench``): three seeds per world
at scale 1.0 (``VASTGOED_BENCH_WORLD_SEEDS``, ``VASTGOED_BENCH_WORLD_SCALE``,
``VASTGOED_BENCH_WORLDS`` override), printed as markdown tables and written to
``out/bench/worlds.md`` and ``worlds.json`` (each run's figures and ``evaluate.py``'s JSON stay in
``out/bench/worlds/WORLD-SEED/``), with which of the issue's linkage and ingest targets
hold (printed, not asserted; a failed batch fails the test).

The independent world is found by ``independent_world_dir()`` (``VASTGOED_INDEPENDENT_WORLD``, or
``../shared/independent-municipality`` beside the checkout). Its ``evaluate.py`` scores both worlds,
so where it is absent both are skipped with the reason, never passed silently.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.bench.worlds import (
    OWN_WORLDS,
    ROOT,
    WORLDS,
    BatchFailed,
    WorldRun,
    cross_world,
    independent_world_dir,
    markdown,
    missing_world_reason,
    run_world,
    targets_text,
)
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.worlds import CROSS_WORLD_FILE, docs_section, load_cross_world, with_docs_section


# ``project`` is ``getrokken`` with ``--vast``: the fast run takes the drawn world, to keep make test short
@pytest.mark.parametrize("world", [w for w in WORLDS if w != "project"])
def test_world_runs(world: str, tmp_path: Path) -> None:
    # Both worlds are scored by the independent world's evaluate.py: without it neither can be.
    if independent_world_dir() is None:
        pytest.skip(missing_world_reason())
    r = run_world(world, seed=1, scale=0.1, work=tmp_path)
    assert r.objects > 0
    model = r.rankings["model"]["overall"]
    assert model["listed"] == r.objects, "the model's list holds every scored object once"
    for name in ("model", r.own_rules):
        for part in ("overall", "unseen"):
            ap = r.rankings[name][part]["ap"]
            assert isinstance(ap, float) and not math.isnan(ap) and 0.0 <= ap <= 1.0, (name, part, ap)
    assert r.rankings[r.own_rules]["overall"]["listed"] > 0, "the rule baseline flags nothing"
    assert r.persons["all_pairs"]["true_pairs"] > 0
    assert any(p["bron_a"] == "alle" for p in r.person_pairs)
    # the same pairs counted two ways: evaluate.py's all pairs and linkage.pairwise_quality's total
    total = next(p for p in r.person_pairs if (p["bron_a"], p["bron_b"]) == ("alle", "alle"))
    assert total["tp"] == r.persons["all_pairs"]["correct_pairs"]
    assert total["true"] == r.persons["all_pairs"]["true_pairs"]
    assert 0.0 <= r.addresses["accuracy"] <= 1.0
    assert isinstance(r.quarantine["extra_quarantined"], int)
    assert r.batch_wall_s > 0 and r.peak_mib > 0
    if world in OWN_WORLDS:
        assert r.project_evaluator is not None
    print("\n" + markdown([r]))


def _seeds() -> list[int]:
    return [int(s) for s in os.environ.get("VASTGOED_BENCH_WORLD_SEEDS", "1,2,3").split(",") if s.strip()]


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _fresh(work: Path) -> Path:
    """A run's folder under out/bench/worlds (kept after the run: its figures and evaluate.py's JSON)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


@pytest.mark.slow
@pytest.mark.timeout(0)  # six runs at scale 1 with training: half an hour or more on a shared machine
def test_world_benchmark() -> None:
    scale = float(os.environ.get("VASTGOED_BENCH_WORLD_SCALE", "1.0"))
    worlds = [w.strip() for w in os.environ.get("VASTGOED_BENCH_WORLDS", ",".join(WORLDS)).split(",")]
    if independent_world_dir() is None:  # its evaluate.py scores both worlds
        pytest.skip(missing_world_reason())
    commit, started = _commit(), time.strftime("%Y-%m-%d %H:%M")
    results: list[WorldRun] = []
    failures: list[str] = []
    for world in worlds:
        for seed in _seeds():
            print(f"\n== {world} world, seed {seed}, scale {scale}", flush=True)
            try:
                r = run_world(
                    world, seed, scale, _fresh(ROOT / "out" / "bench" / "worlds" / f"{world}-{seed}")
                )
            except BatchFailed as exc:  # the other runs still run; the test fails at the end
                failures.append(str(exc))
                print(f"FAILED: {exc}", flush=True)
                continue
            results.append(r)
            model, rules = r.rankings["model"]["overall"], r.rankings[r.own_rules]["overall"]
            print(
                f"   batch {r.batch_wall_s:.0f} s, peak {r.peak_mib / 1024:.2f} GiB; "
                f"AP model {model['ap']}, own rules {rules['ap']}",
                flush=True,
            )
    table = markdown(results)
    held = targets_text(results)
    print(f"\nmeasured {started} at {commit}, scale {scale}, seeds {_seeds()}\n\n{table}\n{held}")
    dest = ROOT / "out" / "bench"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "worlds.md").write_text(
        f"Measured {started} at commit {commit}, scale {scale}, seeds {_seeds()}.\n\n{table}\n"
        f"Targets:\n\n```\n{held}\n```\n",
        encoding="utf-8",
    )
    (dest / "worlds.json").write_text(
        json.dumps(
            {
                "measured": started,
                "commit": commit,
                "scale": scale,
                "seeds": _seeds(),
                "failures": failures,
                "runs": [r.to_dict() for r in results],
            },
            indent=1,
            default=str,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten: {dest / 'worlds.md'}, {dest / 'worlds.json'}")
    _refresh_committed(results, failures, measured=started, commit=commit, scale=scale)
    assert not failures, "\n\n".join(failures)


def _refresh_committed(
    results: list[WorldRun],
    failures: list[str],
    *,
    measured: str,
    commit: str,
    scale: float,
    json_path: Path = CROSS_WORLD_FILE,
    card: Path = ROOT / "docs" / "model-card.md",
) -> bool:
    """Rewrite the engine's copy of the cross-world table (``vastgoed/core/werelden.json``) and the
    model card's (``docs/model-card.md``), when this was the full benchmark: both worlds at scale 1.0,
    no failure. Otherwise say why not (a partial run must not replace the published table)."""
    measured_worlds = {r.world for r in results}
    why_not = [
        *(["a run failed"] if failures else []),
        *([f"scale {scale}, not 1.0"] if scale != 1.0 else []),
        *(
            [f"worlds {sorted(measured_worlds)}, not all of {WORLDS}"]
            if measured_worlds != set(WORLDS)
            else []
        ),
    ]
    if why_not:
        print(f"\nnot refreshed: {json_path} and {card} ({'; '.join(why_not)})")
        return False
    cw = cross_world(results, measured=measured, commit=commit, scale=scale)
    json_path.write_text(json.dumps(cw.to_json(), indent=1) + "\n", encoding="utf-8")
    card.write_text(with_docs_section(card.read_text(encoding="utf-8"), cw), encoding="utf-8")
    print(f"\nrefreshed: {json_path} and {card} (commit them)")
    return True


def _fake_run(world: str, seed: int, ap: float) -> WorldRun:
    own = "rules_project" if world in OWN_WORLDS else "rules_harness"
    block = {"p@200": 0.5, "ap": ap}
    ranking = {"overall": block, "unseen": block, "per_fenomeen": {f: block for f in FENOMENEN}}
    rankings = {"model": ranking, own: ranking}
    return WorldRun(world=world, seed=seed, scale=1.0, rankings=rankings, own_rules=own)


def test_bench_refreshes_the_committed_table_only_after_a_full_run(tmp_path: Path) -> None:
    """What ``make bench-worlds`` does to ``werelden.json`` and the model card (on copies)."""
    json_path, card = tmp_path / "werelden.json", tmp_path / "model-card.md"
    json_path.write_text(CROSS_WORLD_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    card.write_text((ROOT / "docs" / "model-card.md").read_text(encoding="utf-8"), encoding="utf-8")
    before = (json_path.read_text(encoding="utf-8"), card.read_text(encoding="utf-8"))
    committed = load_cross_world()
    assert committed is not None
    worlds = (("project", 0.7), ("getrokken", 0.6), ("independent", 0.4))
    runs = [_fake_run(w, s, ap) for w, ap in worlds for s in (1, 2, 3)]

    def refresh(results: list[WorldRun], failures: list[str], scale: float) -> bool:
        return _refresh_committed(
            results,
            failures,
            measured="2027-01-02 03:04",
            commit="abc1234",
            scale=scale,
            json_path=json_path,
            card=card,
        )

    # one world, another scale or a failure leaves the published table alone
    assert not refresh(runs[:3], [], 1.0)
    assert not refresh(runs, [], 0.1)
    assert not refresh(runs, ["boom"], 1.0)
    assert (json_path.read_text(encoding="utf-8"), card.read_text(encoding="utf-8")) == before
    assert refresh(runs, [], 1.0)
    cw = load_cross_world(json_path)
    assert cw is not None and (cw.commit, cw.day.isoformat()) == ("abc1234", "2027-01-02")
    assert cw.worlds() == ["project", "getrokken", "independent"] and len(cw.rows) == 9
    text = card.read_text(encoding="utf-8")
    assert docs_section(cw) in text and "at commit abc1234" in text
    # only the table changed
    assert text.replace(docs_section(cw), "") == before[1].replace(docs_section(committed), "")
