"""The generator's entry point: build the synthetic municipality and write it atomically."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from vastgoed.core.errors import VastgoedError
from vastgoed.synthetic.companies import build_companies
from vastgoed.synthetic.geography import build_geography
from vastgoed.synthetic.labels import build_investigations
from vastgoed.synthetic.ownership import build_ownership
from vastgoed.synthetic.permits import build_permits
from vastgoed.synthetic.phenomena import plan_states
from vastgoed.synthetic.population import build_population
from vastgoed.synthetic.region import PRESETS, Gemeente, plan_region
from vastgoed.synthetic.regional import Progress, generate_region
from vastgoed.synthetic.reports import build_reports
from vastgoed.synthetic.summary import GenerationSummary, summary_from_world
from vastgoed.synthetic.utility import build_utility
from vastgoed.synthetic.variation import WorldVariation, draw_variation
from vastgoed.synthetic.world import CompanyTable, PersonTable, State, child_rng
from vastgoed.synthetic.writer import World, write_world

__all__ = ["SINGLE_MAX_SCALE", "GenerationError", "build_world", "generate"]

#: Up to this scale, and without a number of gemeenten, the output is one municipality in CSV files.
SINGLE_MAX_SCALE = 2.0
#: The largest region (the country is about 140).
MAX_SCALE = 150.0


class GenerationError(VastgoedError):
    """The synthetic municipality cannot be generated as asked (bad folders or parameters)."""


def build_world(
    seed: int, scale: float, gemeente: Gemeente | None = None, variation: WorldVariation | None = None
) -> World:
    """Build the whole synthetic world in memory.

    Args:
        seed: Random seed; the same seed gives the same world.
        scale: Size relative to Maastricht (1.0: about 70k verblijfsobjecten).
        gemeente: One gemeente of a region, or None for the default Maastricht-like municipality.
        variation: The world's parameters; None draws them from ``seed`` (the demo's at seed 0).

    Returns:
        The world, ready to be written.
    """
    v = draw_variation(seed) if variation is None else variation
    geo = build_geography(child_rng(seed, 1), scale, gemeente)
    plan = plan_states(child_rng(seed, 2), geo, scale, v)
    pt = PersonTable()
    ct = CompanyTable()
    pop = build_population(child_rng(seed, 3), geo, plan, pt, v)
    comp = build_companies(child_rng(seed, 4), geo, plan, pop, pt, ct, scale)
    own = build_ownership(child_rng(seed, 5), geo, plan, pop, comp, pt, ct, scale)
    pt.finalise()
    util = build_utility(child_rng(seed, 6), geo, plan, pop, v)
    # look-alikes that depend on use: solar panels and students
    free = (plan.lookalike == "") & (plan.fenomeen == "")
    plan.lookalike[free & util.solar] = "zonnepanelen"
    plan.lookalike[free & ((plan.state == State.STUDIO) | (plan.state == State.STUDENT_HOUSE))] = "studenten"
    permits = build_permits(child_rng(seed, 7), geo, plan, own, comp)
    reports = build_reports(child_rng(seed, 8), geo, plan)
    inv = build_investigations(
        child_rng(seed, 9), geo, plan, pop, pt, util, reports, own, ct, permits, scale, v
    )
    return World(
        geo=geo,
        plan=plan,
        pt=pt,
        ct=ct,
        pop=pop,
        own=own,
        util=util,
        permits=permits,
        reports=reports,
        inv=inv,
        variation=v,
    )


def _check_folders(out: Path, truth: Path) -> tuple[Path, Path]:
    o = out.resolve()
    t = truth.resolve()
    if t == o or o in t.parents:
        raise GenerationError(f"the truth folder {truth} must not be inside the data folder {out}")
    if t in o.parents:
        raise GenerationError(f"the data folder {out} must not be inside the truth folder {truth}")
    for folder, markers in ((o, ("manifest.toml",)), (t, ("adressen.csv", "summary.json"))):
        if folder.exists() and (
            not folder.is_dir() or (any(folder.iterdir()) and not any((folder / m).exists() for m in markers))
        ):
            raise GenerationError(
                f"{folder} exists and is not an earlier generator output; refusing to overwrite"
            )
    return o, t


def _swap(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` with renames, so a failure never leaves a half-written folder."""
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)


def generate(
    out: Path,
    truth: Path,
    *,
    seed: int = 0,
    scale: float = 1.0,
    preset: str | None = None,
    gemeenten: int | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    fixed: bool = False,
) -> GenerationSummary:
    """Generate a synthetic municipality or region: the contract's files in ``out``, the truth in ``truth``.

    Up to scale 2 (and without ``gemeenten``) this is one Maastricht-like municipality written as CSV
    files. A larger scale, a ``preset`` or ``gemeenten`` gives a region of that many gemeenten of varied
    size (:func:`region.plan_region`), built one at a time and written as hive-partitioned Parquet
    (``out/<stem>/gemeente=<code>/part-0.parquet``; see :func:`regional.generate_region`).

    Args:
        out: Data folder to create or replace (an earlier generator output may be overwritten).
        truth: Truth folder, never inside ``out``.
        seed: Random seed; the same seed and scale give byte-identical files.
        scale: Size relative to Maastricht; 1.0 gives about 70k verblijfsobjecten and 125k residents.
        preset: ``regio`` (scale 10, a RIEC region) or ``national`` (scale 140, the country); overrides
            ``scale``.
        gemeenten: Split into exactly this many gemeenten (a region even at a small scale).
        workers: Processes building gemeenten of a region at once; the files do not depend on it.
        progress: Called after each gemeente of a region.
        fixed: Keep the demo municipality's parameters at any seed; otherwise a seed other than 0
            draws its own (:mod:`vastgoed.synthetic.variation`: signatures, look-alikes, noise,
            investigations), written to ``truth/variatie.json`` and named in the manifest.

    Returns:
        The summary statistics, also written to ``truth/summary.json``.

    Raises:
        GenerationError: When the folders overlap or would overwrite something else, or scale, preset or
            gemeenten are invalid.
    """
    if preset is not None:
        if preset not in PRESETS:
            raise GenerationError(f"unknown preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}")
        scale = PRESETS[preset]
    if not 0.005 <= scale <= MAX_SCALE:
        raise GenerationError(f"scale must be between 0.005 and {MAX_SCALE:g}, got {scale}")
    region = gemeenten is not None or scale > SINGLE_MAX_SCALE
    plan: list[Gemeente] = []
    if region:
        try:
            plan = plan_region(seed, scale, gemeenten)
        except ValueError as exc:
            raise GenerationError(str(exc)) from exc
    o, t = _check_folders(Path(out), Path(truth))
    o.parent.mkdir(parents=True, exist_ok=True)
    t.parent.mkdir(parents=True, exist_ok=True)
    variation = draw_variation(seed, fixed=fixed)
    tag = uuid.uuid4().hex[:8]
    tmp_o = o.with_name(f".{o.name}.tmp-{tag}")
    tmp_t = t.with_name(f".{t.name}.tmp-{tag}")
    try:
        tmp_o.mkdir()
        tmp_t.mkdir()
        if region:
            summary = generate_region(
                plan,
                tmp_o,
                tmp_t,
                seed=seed,
                scale=scale,
                workers=workers,
                progress=progress,
                variation=variation,
            )
        else:
            world = build_world(seed, scale, variation=variation)
            written = write_world(world, tmp_o, tmp_t, child_rng(seed, 10))
            summary = summary_from_world(
                world, seed, scale, written.rijen, written.adreslinks, written.afgeschermd
            )
            del world
            (tmp_t / "summary.json").write_text(summary.to_json(), encoding="utf-8")
        (tmp_t / "variatie.json").write_text(
            json.dumps(variation.as_dict(), indent=1, sort_keys=False) + "\n", encoding="utf-8"
        )
        _sign_manifest(tmp_o / "manifest.toml", seed=seed, scale=scale, variation=variation)
        _swap(tmp_o, o)
        _swap(tmp_t, t)
    finally:
        for tmp in (tmp_o, tmp_t):
            if tmp.exists():
                shutil.rmtree(tmp)
    return summary


def _sign_manifest(path: Path, *, seed: int, scale: float, variation: WorldVariation) -> None:
    """Add ``[generator]`` to the manifest: figures measured on this data can then name their world.

    ``variatie`` is ``demo`` for the demo municipality's parameters and ``getrokken`` for a world that
    drew its own (the parameters themselves are truth: ``truth/variatie.json``).
    """
    kind = "demo" if variation.is_demo else "getrokken"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[generator]\nnaam = "vastgoed.synthetic"\nseed = {seed}\nschaal = {scale!r}\n'
            f'variatie = "{kind}"\n'
        )
