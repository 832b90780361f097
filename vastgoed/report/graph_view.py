"""A verblijfsobject's neighbourhood in the graph, as JSON and as a picture, for reviewers."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from linkage.graph import Graph, neighbourhood, neighbourhood_json
from vastgoed.core.errors import VastgoedError
from vastgoed.report.charts import chart_png

__all__ = ["NeighbourhoodFiles", "load_graph", "neighbourhood_spec", "write_neighbourhood"]

_COLOURS = {
    "verblijfsobject": "#1f77b4",
    "pand": "#7f7f7f",
    "persoon": "#2ca02c",
    "bedrijf": "#d62728",
    "vestiging": "#ff7f0e",
    "aansluiting": "#9467bd",
}


@dataclass(frozen=True)
class NeighbourhoodFiles:
    """What :func:`write_neighbourhood` wrote."""

    json_path: Path
    png_path: Path
    nodes: int
    edges: int


def load_graph(run_dir: Path) -> Graph:
    """The graph tables a run wrote (``graph/knopen.parquet``, ``graph/kanten.parquet``).

    Raises:
        VastgoedError: The folder is not a run with a graph.
    """
    nodes, edges = run_dir / "graph" / "knopen.parquet", run_dir / "graph" / "kanten.parquet"
    if not nodes.is_file() or not edges.is_file():
        raise VastgoedError(f"{run_dir}: no graph/knopen.parquet and graph/kanten.parquet (not a run?)")
    return Graph(nodes=pl.read_parquet(nodes), edges=pl.read_parquet(edges))


def neighbourhood_spec(g: nx.MultiDiGraph, title: str) -> dict[str, Any]:
    """A Vega-Lite node-link picture; positions from a seeded spring layout (same graph, same picture)."""
    pos = nx.spring_layout(nx.Graph(g), seed=7, k=1.5 / math.sqrt(max(len(g), 1)))
    nodes = [
        {
            "x": float(pos[n][0]),
            "y": float(pos[n][1]),
            "soort": d["soort"],
            "label": (d["label"] if d["soort"] != "persoon" else n)
            + (f" (+{d['graad']} kanten, ingeklapt)" if d.get("ingeklapt") else ""),
            "start": bool(d.get("start")),
        }
        for n, d in g.nodes(data=True)
    ]
    edges = [
        {
            "x": float(pos[u][0]),
            "y": float(pos[u][1]),
            "x2": float(pos[v][0]),
            "y2": float(pos[v][1]),
            "soort": d.get("soort", ""),
            "zekerheid": float(d.get("zekerheid", 1.0)),
        }
        for u, v, d in g.edges(data=True)
    ]
    axis = {"axis": None}
    colour = {
        "field": "soort",
        "type": "nominal",
        "scale": {"domain": list(_COLOURS), "range": list(_COLOURS.values())},
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": title,
        "width": 900,
        "height": 700,
        "layer": [
            {
                "data": {"values": edges},
                "mark": {"type": "rule", "color": "#bbbbbb"},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **axis},
                    "y": {"field": "y", "type": "quantitative", **axis},
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                    "opacity": {"field": "zekerheid", "type": "quantitative", "scale": {"domain": [0, 1]}},
                },
            },
            {
                "data": {"values": nodes},
                "mark": {"type": "circle", "size": 160},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **axis},
                    "y": {"field": "y", "type": "quantitative", **axis},
                    "color": colour,
                    "stroke": {"condition": {"test": "datum.start", "value": "black"}, "value": None},
                },
            },
            {
                "data": {"values": nodes},
                "mark": {"type": "text", "dy": -10, "fontSize": 9},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", **axis},
                    "y": {"field": "y", "type": "quantitative", **axis},
                    "text": {"field": "label"},
                },
            },
        ],
    }


def write_neighbourhood(
    run_dir: Path, verblijfsobject_id: str, depth: int, out_dir: Path
) -> NeighbourhoodFiles:
    """Write the neighbourhood of an object as node-link JSON and as a PNG picture.

    Persons appear by their ``persoon_id`` only; the JSON carries every edge's source, dates,
    match method and link probability.

    Raises:
        VastgoedError: The run has no graph, or the object is not in it.
    """
    graph = load_graph(run_dir)
    start = f"verblijfsobject:{verblijfsobject_id}"
    try:
        g = neighbourhood(graph, start, depth)
    except KeyError:
        msg = f"verblijfsobject {verblijfsobject_id} is not in the graph of {run_dir}"
        raise VastgoedError(msg) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"buurt_{verblijfsobject_id}_d{depth}"
    json_path, png_path = out_dir / f"{stem}.json", out_dir / f"{stem}.png"
    json_path.write_text(json.dumps(neighbourhood_json(g), ensure_ascii=False, indent=1), encoding="utf-8")
    spec = neighbourhood_spec(g, f"{verblijfsobject_id}, diepte {depth}")
    png_path.write_bytes(chart_png(json.dumps(spec)))
    return NeighbourhoodFiles(json_path, png_path, g.number_of_nodes(), g.number_of_edges())
