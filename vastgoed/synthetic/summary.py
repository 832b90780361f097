"""Summary statistics of a generated municipality: from the generator's bookkeeping and from the files."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from vastgoed.core.files import read_strings
from vastgoed.core.identifiers import bsn_expr, postcode_expr
from vastgoed.core.schema import FENOMENEN
from vastgoed.synthetic.population import OPEN
from vastgoed.synthetic.utility import ELEC_NORM
from vastgoed.synthetic.world import Arr, State

__all__ = ["GenerationSummary", "summarise", "summary_from_world", "vacancy_and_use"]

_SIZES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class GenerationSummary:
    """Key statistics of one generated municipality.

    Attributes:
        seed: Random seed.
        scale: Size relative to Maastricht.
        peildatum: Reference date.
        rijen: Data rows per file stem.
        n_verblijfsobjecten: Verblijfsobjecten in BAG.
        n_woningen: Verblijfsobjecten with woonfunctie.
        n_panden: Buildings.
        n_buurten: Neighbourhoods.
        n_inwoners: Persons with an open woonadres registration.
        n_huishoudens: Households (students in rooms and unrelated adults each count as one).
        aandeel_eenpersoons: Share of single-person households.
        gem_huishoudgrootte: Residents per household.
        n_studenten: Registered students.
        n_vestigingen: Establishments in the KvK extract.
        fenomenen: Addresses per planted phenomenon.
        fenomeen_aandeel: Phenomenon addresses as a share of dwellings.
        lookalikes: Addresses per benign look-alike type.
        aandeel_administratieve_leegstand: Dwellings with nobody registered and no company, share.
        elektriciteit_per_huishoudgrootte: Mean 2024 electricity (kWh) of ordinary households by size.
        aandeel_zonnepanelen: Share of dwellings with solar panels.
        n_onderzoeken: Past investigations.
        aandeel_bevestigd: Share of investigations confirmed.
        adreslinks: Address-bearing records per file stem (rows of ``truth/adreslinks.csv``).
        adreslinks_afgeschermd: Of those, records written without a usable address, per file stem.
        onderzoeksbias: The selection biases planted in the past investigations: the over-weighted
            ``buurten`` (codes) and audit ``groepen`` (``attribuut=groep``).
    """

    seed: int
    scale: float
    peildatum: str
    rijen: dict[str, int] = field(default_factory=dict)
    n_verblijfsobjecten: int = 0
    n_woningen: int = 0
    n_panden: int = 0
    n_buurten: int = 0
    n_inwoners: int = 0
    n_huishoudens: int = 0
    aandeel_eenpersoons: float = 0.0
    gem_huishoudgrootte: float = 0.0
    n_studenten: int = 0
    n_vestigingen: int = 0
    fenomenen: dict[str, int] = field(default_factory=dict)
    fenomeen_aandeel: dict[str, float] = field(default_factory=dict)
    lookalikes: dict[str, int] = field(default_factory=dict)
    aandeel_administratieve_leegstand: float = 0.0
    elektriciteit_per_huishoudgrootte: dict[str, float] = field(default_factory=dict)
    aandeel_zonnepanelen: float = 0.0
    n_onderzoeken: int = 0
    aandeel_bevestigd: float = 0.0
    adreslinks: dict[str, int] = field(default_factory=dict)
    adreslinks_afgeschermd: dict[str, int] = field(default_factory=dict)
    onderzoeksbias: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The summary as indented, key-sorted JSON (deterministic)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def vacancy_and_use(world: Any) -> tuple[Arr, Arr, Arr]:
    """Administratively vacant dwellings, ordinary households' objects, and 2024 electricity use."""
    g, plan, pop = world.geo, world.plan, world.pop
    est = world.ct.arrays("est")
    has_company = np.zeros(g.n, dtype=bool)
    has_company[est["vbo"][(est["vbo"] >= 0) & (est["end"] < -(10**6))]] = True
    admin_vacant = g.is_dwelling & (pop.reg_count == 0) & ~has_company
    ordinary = (plan.state == State.REGULAR) & (plan.fenomeen == "") & (plan.lookalike == "")
    return admin_vacant, ordinary, world.util.elec[:, -1]


def summary_from_world(
    world: Any,
    seed: int,
    scale: float,
    rijen: dict[str, int],
    adreslinks: dict[str, int] | None = None,
    afgeschermd: dict[str, int] | None = None,
) -> GenerationSummary:
    """Compute the summary from the generator's own arrays (``world`` is a :class:`writer.World`).

    ``rijen``, ``adreslinks`` and ``afgeschermd`` are the counts :func:`writer.write_world` returns.
    """
    g, plan, pop, util, inv = world.geo, world.plan, world.pop, world.util, world.inv
    dw = g.is_dwelling
    n_dw = int(dw.sum())
    openw = (pop.brp_end == OPEN) & (pop.brp_functie == "W")
    residents = len(np.unique(pop.brp_person[openw]))
    n_hh = len(pop.hh_vbo)
    fen = {f: int((plan.fenomeen == f).sum()) for f in FENOMENEN}
    looks = sorted({str(x) for x in plan.lookalike.tolist()} - {""})
    admin_vacant, ordinary, e24 = vacancy_and_use(world)
    elec = {str(s): round(float(np.nanmean(e24[ordinary & (pop.cur_n == s)])), 1) for s in _SIZES}
    return GenerationSummary(
        seed=seed,
        scale=scale,
        peildatum="2025-01-01",
        rijen=dict(sorted(rijen.items())),
        n_verblijfsobjecten=g.n,
        n_woningen=n_dw,
        n_panden=len(np.unique(g.pand)),
        n_buurten=len(g.buurt_code),
        n_inwoners=residents,
        n_huishoudens=n_hh,
        aandeel_eenpersoons=round(float((pop.hh_size == 1).mean()), 4),
        gem_huishoudgrootte=round(residents / max(n_hh, 1), 3),
        n_studenten=int(pop.students.sum()),
        n_vestigingen=int(rijen.get("kvk_vestigingen", 0)),
        fenomenen=fen,
        fenomeen_aandeel={f: round(c / max(n_dw, 1), 5) for f, c in fen.items()},
        lookalikes={x: int((plan.lookalike == x).sum()) for x in looks},
        aandeel_administratieve_leegstand=round(float(admin_vacant.sum() / max(n_dw, 1)), 4),
        elektriciteit_per_huishoudgrootte=elec,
        aandeel_zonnepanelen=round(float(util.solar[dw].mean()), 4),
        n_onderzoeken=len(inv.vbo),
        aandeel_bevestigd=round(float(inv.bevestigd.mean()) if len(inv.vbo) else 0.0, 4),
        adreslinks=dict(adreslinks or {}),
        onderzoeksbias={
            "buurten": sorted(
                str(g.buurt_code[i]) for i in (inv.bias_buurten if inv.bias_buurten is not None else [])
            ),
            "groepen": [inv.bias_groep] if inv.bias_groep else [],
        },
        adreslinks_afgeschermd=dict(afgeschermd or {}),
    )


def _mean(s: pl.Series) -> float:
    v = s.mean()
    return float(v) if isinstance(v, int | float) else 0.0


def _addr_key() -> pl.Expr:
    """A normalised address key: postcode, huisnummer and the letter/toevoeging without punctuation."""
    suffix = (
        pl.concat_str([pl.col("huisletter").fill_null(""), pl.col("huisnummertoevoeging").fill_null("")])
        .str.to_uppercase()
        .str.replace_all(r"[^0-9A-Z]", "")
        .str.replace(r"^0+(\d)", "$1")
    )
    return pl.concat_str(
        [
            postcode_expr(pl.col("postcode").cast(pl.Utf8)),
            pl.lit("|"),
            pl.col("huisnummer").cast(pl.Utf8),
            pl.lit("|"),
            suffix,
        ]
    )


def _read(folder: Path, name: str) -> pl.DataFrame:
    frame = read_strings(folder, name)
    if frame is None:
        raise FileNotFoundError(f"{folder / name}.csv (nor a folder {name}/)")
    return frame


def summarise(out: Path, truth: Path | None = None) -> dict[str, Any]:
    """Recompute the key statistics from the written files (and the truth folder, when given).

    Reads both forms the generator writes: CSV files, and a region's folders of Parquet parts.

    Households are estimated from BRP as the LAA does: people at one address who share a surname or
    a registration date form one household.

    Args:
        out: The data folder.
        truth: The truth folder, for per-phenomenon counts, the electricity norms check and the
            address-link counts.

    Returns:
        Statistics keyed like :class:`GenerationSummary` where they can be recomputed.
    """
    bag = _read(out, "bag_verblijfsobjecten")
    brp = _read(out, "brp_inschrijvingen")
    res: dict[str, Any] = {"n_verblijfsobjecten": bag.height}
    dwell = bag.filter(pl.col("gebruiksdoel").str.contains("woonfunctie"))
    res["n_woningen"] = dwell.height
    res["n_buurten"] = bag["buurtcode"].n_unique()
    res["n_panden"] = bag["pand_id"].n_unique()
    cur = (
        brp.filter((pl.col("functie_adres") == "W") & pl.col("datum_einde_adreshouding").is_null())
        .with_columns(
            bsn9=bsn_expr(pl.col("bsn")),
            addr=_addr_key(),
            sur=pl.concat_str(
                [pl.col("voorvoegsel").fill_null(""), pl.col("geslachtsnaam")]
            ).str.to_lowercase(),
        )
        .with_row_index("i")
    )
    res["n_inwoners"] = cur["bsn9"].n_unique()
    lab = cur.with_columns(lbl=pl.col("i"))
    for _ in range(4):
        lab = lab.with_columns(lbl=pl.col("lbl").min().over(["addr", "sur"]))
        lab = lab.with_columns(lbl=pl.col("lbl").min().over(["addr", "datum_aanvang_adreshouding"]))
    sizes = lab.group_by("lbl").len()
    res["n_huishoudens"] = sizes.height
    res["aandeel_eenpersoons"] = round(_mean(sizes["len"] == 1), 4)
    res["gem_huishoudgrootte"] = round(cur.height / max(sizes.height, 1), 3)
    kvk = _read(out, "kvk_vestigingen")
    res["n_vestigingen"] = kvk.height
    onderzoek = _read(out, "onderzoeksuitkomsten")
    res["n_onderzoeken"] = onderzoek.height
    res["aandeel_bevestigd"] = round(_mean(onderzoek["uitkomst"] == "bevestigd"), 4)
    if truth is not None:
        adr = _read(truth, "adressen")
        n_dw = max(dwell.height, 1)
        counts = {f: int((adr["fenomeen"] == f).sum()) for f in FENOMENEN}
        res["fenomenen"] = counts
        res["fenomeen_aandeel"] = {f: round(c / n_dw, 5) for f, c in counts.items()}
        # electricity by registered household size at ordinary dwellings
        ordinary = adr.filter(pl.col("fenomeen").is_null() & pl.col("lookalike").is_null())
        bag_k = (
            bag.join(ordinary.select("verblijfsobject_id"), on="verblijfsobject_id")
            .filter(pl.col("gebruiksdoel") == "woonfunctie")
            .with_columns(addr=_addr_key())
            .select("addr")
        )
        counts_at = cur.group_by("addr").len().rename({"len": "n"})
        en = (
            _read(out, "energie_verbruik")
            .filter((pl.col("product") == "elektriciteit") & (pl.col("jaar") == "2024"))
            .with_columns(addr=_addr_key(), kwh=pl.col("verbruik").cast(pl.Float64))
            .group_by("addr")
            .agg(pl.col("kwh").mean())
        )
        joined = bag_k.join(counts_at, on="addr").join(en, on="addr")
        by_size = {str(s): joined.filter(pl.col("n") == s)["kwh"].mean() for s in _SIZES}
        res["elektriciteit_per_huishoudgrootte"] = {
            k: (round(float(v), 1) if isinstance(v, float) else None) for k, v in by_size.items()
        }
        res["elektriciteit_norm"] = {str(s): float(ELEC_NORM[s]) for s in _SIZES}
        links = _read(truth, "adreslinks").with_columns(stem=pl.col("record").str.split(":").list.first())
        per = links.group_by("stem").agg(n=pl.len(), afg=(pl.col("afgeschermd") == "true").sum())
        res["adreslinks"] = {str(r["stem"]): int(r["n"]) for r in per.sort("stem").iter_rows(named=True)}
        res["adreslinks_afgeschermd"] = {
            str(r["stem"]): int(r["afg"]) for r in per.sort("stem").iter_rows(named=True)
        }
    return res
