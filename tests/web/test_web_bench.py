"""Page-load figures for a run of 70,000 scored objects (``make bench``; prints, never asserts a time).

The run is one of the batch's small runs whose ``signals.parquet`` is replaced by a synthetic one of
70,000 rows (the real rows first, then copies with new ids and ranks), so the pages do the work of a
Maastricht-sized list. Each page is loaded once cold, then seven times; the median is printed.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import polars as pl
import pytest

from tests.web.conftest import Runs, make_web

N_OBJECTS = 70_000


def _inflate(path: Path) -> None:
    real = pl.read_parquet(path)
    copies = -(-N_OBJECTS // real.height)
    frames = [real]
    for i in range(1, copies):
        frames.append(
            real.with_columns(
                (
                    pl.col("verblijfsobject_id").str.slice(0, 4)
                    + pl.lit(f"{i:02d}")
                    + pl.col("verblijfsobject_id").str.slice(6)
                ).alias("verblijfsobject_id"),
                (pl.col("score") * (1 - i / copies)).alias("score"),
            )
        )
    big = pl.concat(frames).head(N_OBJECTS)
    ranked = big.filter(pl.col("status") == "signaal").sort("score", descending=True)
    ranked = ranked.with_columns(pl.int_range(1, ranked.height + 1, dtype=pl.Int64).alias("rank"))
    pl.concat([ranked, big.filter(pl.col("status") != "signaal")]).write_parquet(path)


@pytest.mark.slow
def test_page_load_for_a_run_of_70k_objects(web_runs: Runs, tmp_path: Path) -> None:
    web = make_web(web_runs, tmp_path, f"sqlite:///{tmp_path / 'bench.sqlite'}")
    _inflate(web.out / web.awaiting / "signals.parquet")
    assert pl.read_parquet(web.out / web.awaiting / "signals.parquet").height == N_OBJECTS
    client = web.client("reviewer")
    pages = {
        "runs overview": "/runs",
        "ranked list, page 1": f"/runs/{web.awaiting}",
        "list, filtered + sorted by score, page 20": (
            f"/runs/{web.awaiting}?band=zeer_laag&sort=score&desc=true&page=20"
        ),
        "signal detail (rank 1)": f"/runs/{web.awaiting}/signalen/1",
        "review page": f"/runs/{web.awaiting}/beoordeling",
    }
    print(f"\npage load, {N_OBJECTS:,} scored objects (TestClient, server time incl. rendering):")
    for name, path in pages.items():
        start = time.perf_counter()
        assert client.get(path).status_code == 200, path
        cold = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(7):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"  {name:45s} cold {cold:7.1f} ms   "
            f"median {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms"
        )
    web.app.state.engine.dispose()
