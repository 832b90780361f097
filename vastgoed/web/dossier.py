"""A signal's dossier beyond ``signals.parquet``: utility use per year, registrations, its graph.

* **Utility use per year against the norm** is read from the run's input extract
  (``energie_verbruik``, in the folder ``run.json`` names, used only while its SHA-256 is the one the
  run recorded) through the run's address links (``links/adressen.parquet``). The norms are the
  feature builder's: electricity by registered household size (CBS), water 128 litres a day per
  registered person, gas by dwelling type (the run's own norm for the object, from its features).
* **The registration timeline** comes from the run's graph (``ingeschreven_op`` edges, which the
  batch built from ``brp_inschrijvingen``): counts and months only. No person key, name, birth
  date or pseudonym leaves this module.
* **The neighbourhood graph** is :mod:`vastgoed.report.graph_view`'s picture, with persons numbered
  per picture instead of labelled by their cluster id.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from features.utility import ELEKTRICITEIT_NORM_KWH
from linkage.graph import Graph, neighbourhood
from vastgoed.core.errors import VastgoedError
from vastgoed.core.schema import file_spec
from vastgoed.report.graph_view import load_graph, neighbourhood_spec

__all__ = [
    "Registrations",
    "UtilityYear",
    "neighbourhood_edges",
    "neighbourhood_svg",
    "registrations",
    "utility_history",
]

_WATER_M3_PER_PERSON = 128 * 365 / 1000
_LOCK = threading.Lock()
_USE_CACHE: dict[Path, pl.DataFrame | str] = {}
_GRAPH_CACHE: dict[Path, tuple[int, Graph]] = {}


@dataclass(frozen=True)
class UtilityYear:
    """Use of one product in one year, with the norm for the object that year."""

    product: str
    jaar: int
    verbruik: float
    norm: float | None
    eenheid: str


@dataclass(frozen=True)
class Registrations:
    """Registrations at an object over time, as counts only."""

    events: list[dict[str, Any]]
    series: list[tuple[dt.date, int]]
    current_w: int
    current_b: int


def _graph(run_dir: Path) -> Graph:
    path = run_dir / "graph" / "kanten.parquet"
    mtime = path.stat().st_mtime_ns if path.is_file() else 0
    with _LOCK:
        cached = _GRAPH_CACHE.get(run_dir)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    graph = load_graph(run_dir)
    with _LOCK:
        _GRAPH_CACHE[run_dir] = (mtime, graph)
    return graph


def _data_folder(info: dict[str, Any]) -> Path | None:
    folder = info.get("data", {}).get("folder")
    return Path(str(folder)) if folder else None


def _use_table(run_dir: Path, info: dict[str, Any]) -> pl.DataFrame | str:
    """Use per object, product and year; or why it cannot be shown (a short reason key)."""
    with _LOCK:
        cached = _USE_CACHE.get(run_dir)
    if cached is not None:
        return cached
    from vastgoed.ingest.reader import find_extract

    result: pl.DataFrame | str
    folder = _data_folder(info)
    found = find_extract(folder, "energie_verbruik") if folder is not None and folder.is_dir() else None
    if found is None:
        result = "geen_invoer"
    else:
        path, reader = found
        # a file, or a region's folder of parts (hashed per part and as a whole under "<stem>/")
        read, digests = reader.read_path(
            path, file_spec("energie_verbruik"), declared_encoding=None, fallback_encoding="cp1252"
        )
        name = f"{path.name}/" if path.is_dir() else path.name
        digest = digests.get(name, digests.get(path.name))
        recorded = info.get("data", {}).get("hashes_sha256", {}).get(name)
        if recorded is None or recorded != digest:
            result = "invoer_gewijzigd"
        else:
            raw = read.frame
            links = pl.read_parquet(
                run_dir / "links" / "adressen.parquet", columns=["record", "verblijfsobject_id"]
            )
            links = links.filter(pl.col("record").str.starts_with("energie_verbruik:")).select(
                pl.col("record").str.split(":").list.get(1).cast(pl.Int64).alias("rij"), "verblijfsobject_id"
            )
            result = (
                raw.select(
                    "rij",
                    "product",
                    pl.col("jaar").cast(pl.Int64, strict=False),
                    pl.col("verbruik").str.replace(",", ".").cast(pl.Float64, strict=False),
                )
                .join(links, on="rij")
                .drop_nulls(["jaar", "verbruik"])
                .group_by("verblijfsobject_id", "product", "jaar")
                .agg(pl.col("verbruik").sum())
                .sort("verblijfsobject_id", "product", "jaar")
            )
    with _LOCK:
        _USE_CACHE[run_dir] = result
    return result


def _registered(edges: pl.DataFrame, day: dt.date, functie: str = "W") -> int:
    return edges.filter(
        (pl.col("functie_adres") == functie)
        & (pl.col("begin") <= day)
        & (pl.col("einde").is_null() | (pl.col("einde") > day))
    ).height


def _registration_edges(run_dir: Path, verblijfsobject_id: str) -> pl.DataFrame:
    edges = _graph(run_dir).edges
    return edges.filter(
        (pl.col("soort") == "ingeschreven_op") & (pl.col("naar") == f"verblijfsobject:{verblijfsobject_id}")
    ).select("begin", "einde", "functie_adres")


def utility_history(
    run_dir: Path, info: dict[str, Any], verblijfsobject_id: str, features: dict[str, Any]
) -> list[UtilityYear] | str:
    """The object's use per product and year with its norm, or a reason key why it is not available."""
    table = _use_table(run_dir, info)
    if isinstance(table, str):
        return table
    rows = table.filter(pl.col("verblijfsobject_id") == verblijfsobject_id)
    regs = _registration_edges(run_dir, verblijfsobject_id)
    gas_norm = None
    if features.get("gas_m3") and features.get("gas_t_o_v_norm"):
        gas_norm = float(features["gas_m3"]) / float(features["gas_t_o_v_norm"])
    out = []
    for r in rows.iter_rows(named=True):
        n = _registered(regs, dt.date(int(r["jaar"]), 7, 1))
        norm: float | None
        if r["product"] == "elektriciteit":
            norm, unit = ELEKTRICITEIT_NORM_KWH[min(n, len(ELEKTRICITEIT_NORM_KWH) - 1)], "kWh"
        elif r["product"] == "water":
            norm, unit = max(n, 1) * _WATER_M3_PER_PERSON, "m³"
        else:
            norm, unit = gas_norm, "m³"
        out.append(UtilityYear(str(r["product"]), int(r["jaar"]), float(r["verbruik"]), norm, unit))
    return out


def registrations(run_dir: Path, verblijfsobject_id: str, peildatum: dt.date) -> Registrations:
    """Registrations that started and ended per month (W and B), and the number registered over time."""
    regs = _registration_edges(run_dir, verblijfsobject_id)
    starts = regs.select(pl.col("begin").dt.strftime("%Y-%m").alias("maand"), "functie_adres").with_columns(
        pl.lit("begonnen").alias("wat")
    )
    ends = (
        regs.drop_nulls("einde")
        .filter(pl.col("einde") <= peildatum)
        .select(pl.col("einde").dt.strftime("%Y-%m").alias("maand"), "functie_adres")
        .with_columns(pl.lit("beeindigd").alias("wat"))
    )
    events = (
        pl.concat([starts, ends])
        .drop_nulls("maand")
        .group_by("maand", "wat", "functie_adres")
        .len("aantal")
        .sort("maand", "wat", "functie_adres")
        .to_dicts()
    )
    series: list[tuple[dt.date, int]] = []
    if regs.height:
        first = regs["begin"].drop_nulls().min()
        start = first if isinstance(first, dt.date) else peildatum
        start = max(dt.date(start.year, start.month, 1), dt.date(peildatum.year - 10, 1, 1))
        day = start
        while day <= peildatum:
            series.append((day, _registered(regs, day)))
            day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return Registrations(events, series, _registered(regs, peildatum), _registered(regs, peildatum, "B"))


def _anonymised(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Persons numbered within the picture (``persoon 1``, ...), never labelled by their cluster id."""
    persons = sorted(n for n, d in g.nodes(data=True) if d.get("soort") == "persoon")
    mapping = {n: f"persoon {i}" for i, n in enumerate(persons, start=1)}
    relabelled: nx.MultiDiGraph = nx.relabel_nodes(g, mapping, copy=True)
    for new in mapping.values():
        relabelled.nodes[new]["label"] = new
    return relabelled


def _neighbourhood(run_dir: Path, verblijfsobject_id: str, depth: int) -> nx.MultiDiGraph:
    try:
        return _anonymised(neighbourhood(_graph(run_dir), f"verblijfsobject:{verblijfsobject_id}", depth))
    except KeyError:
        raise VastgoedError("the object is not in the run's graph") from None


def neighbourhood_svg(run_dir: Path, verblijfsobject_id: str, depth: int = 1) -> str:
    """The object's neighbourhood as an SVG picture (rendered offline, no external reference)."""
    import json

    import vl_convert

    g = _neighbourhood(run_dir, verblijfsobject_id, depth)
    spec = neighbourhood_spec(g, f"diepte {depth}")
    spec["width"], spec["height"] = 640, 420
    return str(vl_convert.vegalite_to_svg(json.dumps(spec)))


def neighbourhood_edges(run_dir: Path, verblijfsobject_id: str, depth: int = 1) -> list[dict[str, Any]]:
    """The edges of the picture: kind, source, certainty and dates (persons numbered, not named)."""
    g = _neighbourhood(run_dir, verblijfsobject_id, depth)
    keep = ("soort", "bron", "zekerheid", "begin", "einde", "functie_adres", "functie", "product")
    return [
        {"van": u, "naar": v, **{k: d.get(k) for k in keep}}
        for u, v, d in sorted(g.edges(data=True), key=lambda e: (str(e[2].get("soort")), e[0], e[1]))
    ]
