"""A region or the whole country, generated one gemeente at a time and written as partitioned Parquet.

Each gemeente is an ordinary in-memory world (:func:`generator.build_world`) with its own seed, code,
names, PC4 range and key ranges (:mod:`region`). It is built, written as its Parquet part of every
contract file, and freed before the next, so memory is bounded by the largest gemeente (times the
number of worker processes), not by the region. The output depends on the seed only: each gemeente's
files follow from its own plan entry, and the few region-wide steps (record numbers in the truth, the
grid operators' files, the summary) are done by the calling process in gemeentecode order, whatever
the number of workers.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from vastgoed.core.schema import FENOMENEN
from vastgoed.synthetic.region import Gemeente
from vastgoed.synthetic.summary import GenerationSummary, summary_from_world, vacancy_and_use
from vastgoed.synthetic.variation import WorldVariation
from vastgoed.synthetic.world import child_rng
from vastgoed.synthetic.writer import PARQUET_COMPRESSION, World, Written, write_gemeente, write_manifest

__all__ = ["GemeenteResult", "Progress", "generate_region"]

#: Called after each gemeente is complete: (gemeenten done, gemeenten in all, the gemeente).
Progress = Callable[[int, int, Gemeente], None]

_SIZES = (1, 2, 3, 4, 5)
_RECORD_TRUTH = ("personen", "bedrijven", "adreslinks")


@dataclass(frozen=True)
class GemeenteResult:
    """What one gemeente's worker hands back: its rows, summary and the raw counts behind its shares."""

    gemeente: Gemeente
    written: Written
    summary: GenerationSummary
    counts: dict[str, float]


def _raw_counts(world: World) -> dict[str, float]:
    """Numerators and denominators of the summary's shares and means, so they can be summed over gemeenten."""
    g, pop, util, inv = world.geo, world.pop, world.util, world.inv
    dw = g.is_dwelling
    admin_vacant, ordinary, e24 = vacancy_and_use(world)
    out: dict[str, float] = {
        "eenpersoons": float((pop.hh_size == 1).sum()),
        "admin_vacant": float(admin_vacant.sum()),
        "solar": float(util.solar[dw].sum()),
        "bevestigd": float(inv.bevestigd.sum()),
    }
    for s in _SIZES:
        v = e24[ordinary & (pop.cur_n == s)]
        v = v[~np.isnan(v)]
        out[f"elec_sum_{s}"] = float(v.sum())
        out[f"elec_n_{s}"] = float(len(v))
    return out


def _build_gemeente(
    gem: Gemeente, out: Path, truth: Path, staging: Path, variation: WorldVariation
) -> GemeenteResult:
    """Build one gemeente's world, write its parts, and free it (runs in a worker process)."""
    from vastgoed.synthetic.generator import build_world

    world = build_world(gem.seed, gem.scale, gem, variation)
    written = write_gemeente(world, out, truth, staging / gem.code, child_rng(gem.seed, 10))
    summary = summary_from_world(
        world, gem.seed, gem.scale, written.rijen, written.adreslinks, written.afgeschermd
    )
    counts = _raw_counts(world)
    del world
    gc.collect()
    return GemeenteResult(gem, written, summary, counts)


def _results(
    plan: list[Gemeente], out: Path, truth: Path, staging: Path, workers: int, variation: WorldVariation
) -> Iterator[GemeenteResult]:
    """Each gemeente's result, in plan order; built in ``workers`` processes when more than one."""
    if workers <= 1 or len(plan) == 1:
        for gem in plan:
            yield _build_gemeente(gem, out, truth, staging, variation)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(plan)), mp_context=ctx) as pool:
        n = len(plan)
        yield from pool.map(_build_gemeente, plan, [out] * n, [truth] * n, [staging] * n, [variation] * n)


def _finish(res: GemeenteResult, out: Path, truth: Path, staging: Path, offsets: dict[str, int]) -> None:
    """Region-wide steps for one gemeente, in order: records numbered after the gemeenten before it."""
    code = res.gemeente.code
    own = staging / code
    for name in _RECORD_TRUTH:
        frame = pl.read_parquet(own / f"{name}.parquet")
        base = pl.col("stem").replace_strict(offsets, default=0, return_dtype=pl.Int64)
        record = pl.concat_str([pl.col("stem"), pl.lit(":"), (pl.col("rij") + base).cast(pl.String)])
        final = frame.select(record.alias("record"), pl.exclude("stem", "rij"))
        target = truth / name / f"gemeente={code}" / "part-0.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        final.write_parquet(target, compression=PARQUET_COMPRESSION, statistics=True)
    kv = out / "kleinverbruik"
    kv.mkdir(exist_ok=True)
    for part in sorted((own / "kleinverbruik").glob("*.csv")):
        target = kv / part.name
        data = part.read_bytes()
        if target.exists():  # the header (and BOM) once per grid operator's file
            data = data.split(b"\n", 1)[1]
        with target.open("ab") as fh:
            fh.write(data)
    shutil.rmtree(own)
    for stem, n in res.written.rijen.items():
        offsets[stem] = offsets.get(stem, 0) + n


def _aggregate(seed: int, scale: float, results: list[GemeenteResult]) -> GenerationSummary:
    """The region's summary: counts summed, shares and means recomputed from the summed raw counts."""
    sums = [r.summary for r in results]

    def total(attr: str) -> int:
        return int(sum(getattr(s, attr) for s in sums))

    def add(attr: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in sums:
            for k, v in getattr(s, attr).items():
                out[k] = out.get(k, 0) + int(v)
        return dict(sorted(out.items()))

    def raw(key: str) -> float:
        return sum(r.counts[key] for r in results)

    n_dw, n_hh, n_inv = total("n_woningen"), total("n_huishoudens"), total("n_onderzoeken")
    residents = total("n_inwoners")
    fen = {f: sum(s.fenomenen.get(f, 0) for s in sums) for f in FENOMENEN}
    elec = {
        str(k): round(raw(f"elec_sum_{k}") / raw(f"elec_n_{k}"), 1) if raw(f"elec_n_{k}") else float("nan")
        for k in _SIZES
    }
    return GenerationSummary(
        seed=seed,
        scale=scale,
        peildatum=sums[0].peildatum,
        rijen=add("rijen"),
        n_verblijfsobjecten=total("n_verblijfsobjecten"),
        n_woningen=n_dw,
        n_panden=total("n_panden"),
        n_buurten=total("n_buurten"),
        n_inwoners=residents,
        n_huishoudens=n_hh,
        aandeel_eenpersoons=round(raw("eenpersoons") / max(n_hh, 1), 4),
        gem_huishoudgrootte=round(residents / max(n_hh, 1), 3),
        n_studenten=total("n_studenten"),
        n_vestigingen=total("n_vestigingen"),
        fenomenen=fen,
        fenomeen_aandeel={f: round(c / max(n_dw, 1), 5) for f, c in fen.items()},
        lookalikes=add("lookalikes"),
        aandeel_administratieve_leegstand=round(raw("admin_vacant") / max(n_dw, 1), 4),
        elektriciteit_per_huishoudgrootte=elec,
        aandeel_zonnepanelen=round(raw("solar") / max(n_dw, 1), 4),
        n_onderzoeken=n_inv,
        aandeel_bevestigd=round(raw("bevestigd") / max(n_inv, 1), 4),
        adreslinks=add("adreslinks"),
        adreslinks_afgeschermd=add("adreslinks_afgeschermd"),
        onderzoeksbias={
            "buurten": sorted(b for s in sums for b in s.onderzoeksbias.get("buurten", [])),
            "groepen": sorted({g for s in sums for g in s.onderzoeksbias.get("groepen", [])}),
        },
    )


def _summary_json(summary: GenerationSummary, results: list[GemeenteResult]) -> str:
    data = summary.to_dict()
    data["gemeenten"] = [
        {
            "gemeentecode": r.gemeente.code,
            "naam": r.gemeente.naam,
            "scale": r.gemeente.scale,
            "n_verblijfsobjecten": r.summary.n_verblijfsobjecten,
            "n_inwoners": r.summary.n_inwoners,
            "n_vestigingen": r.summary.n_vestigingen,
        }
        for r in results
    ]
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate_region(
    plan: list[Gemeente],
    out: Path,
    truth: Path,
    *,
    seed: int,
    scale: float,
    workers: int = 1,
    progress: Progress | None = None,
    variation: WorldVariation | None = None,
) -> GenerationSummary:
    """Write a planned region into ``out`` and ``truth`` (both existing, empty folders).

    Data: ``out/<stem>/gemeente=<code>/part-0.parquet`` for every contract file, one
    ``kleinverbruik/<operator>_kleinverbruiksgegevens_0101<year>.csv`` per grid operator and year, and
    ``manifest.toml`` listing the gemeenten. Truth: ``truth/<name>/gemeente=<code>/part-0.parquet`` for
    ``adressen``, ``personen``, ``bedrijven`` and ``adreslinks``, whose ``record`` (``stem:row``) counts
    rows over the parts in path order, as the ingest does; and ``summary.json`` for the whole region
    with a ``gemeenten`` list.

    Args:
        plan: The gemeenten (:func:`region.plan_region`), in gemeentecode order.
        out: Data folder.
        truth: Truth folder.
        seed: The region's seed (recorded in the summary).
        scale: The region's size (recorded in the summary).
        workers: Processes building gemeenten at the same time (memory grows with each).
        variation: The region's parameters, shared by its gemeenten (None: the demo's).
        progress: Called after each gemeente.

    Returns:
        The region's summary.
    """
    staging = truth / ".staging"
    staging.mkdir()
    offsets: dict[str, int] = {}
    results: list[GemeenteResult] = []
    v = WorldVariation() if variation is None else variation
    for res in _results(plan, out, truth, staging, workers, v):
        _finish(res, out, truth, staging, offsets)
        results.append(res)
        if progress is not None:
            progress(len(results), len(plan), res.gemeente)
    shutil.rmtree(staging)
    lead = max(plan, key=lambda g: (g.scale, g.code))
    write_manifest(out, lead.code, [(g.code, g.naam) for g in plan])
    summary = _aggregate(seed, scale, results)
    (truth / "summary.json").write_text(_summary_json(summary, results), encoding="utf-8")
    return summary
