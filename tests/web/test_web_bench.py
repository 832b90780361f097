"""Page-load figures for a run of 70,000 scored objects and an audit log of 50,000 entries
(``make bench``; prints, never asserts a time).

The run is one of the batch's small runs whose ``signals.parquet`` and ``features.parquet`` are
replaced by synthetic ones of 70,000 rows (the real rows first, then copies with new, distinct ids
and ranks), so the pages do the work of a Maastricht-sized list. The pages are measured twice: on
the fixture's short audit log, then after 50,000 entries (views and verdicts, correctly chained) are
written to it, as a year of use would. Each page is loaded once cold, then seven times; the median
is printed. The list and signal pages include their own audit append; the neighbourhood picture is
a separate image request (with its append too).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tests.web.conftest import Runs, make_web

N_OBJECTS = 70_000
N_ENTRIES = 50_000


def _new_ids(copy: int) -> pl.Expr:
    # Real ids are gemeentecode (4) + "01" (objecttype) + 10 digits: copies take 51, 52, ... there.
    return (
        pl.col("verblijfsobject_id").str.slice(0, 4)
        + pl.lit(f"{50 + copy:02d}")
        + pl.col("verblijfsobject_id").str.slice(6)
    ).alias("verblijfsobject_id")


def _inflate(run_dir: Path) -> None:
    real = pl.read_parquet(run_dir / "signals.parquet")
    assert (real["verblijfsobject_id"].str.slice(4, 2) == "01").all()
    copies = -(-N_OBJECTS // real.height)
    assert copies < 49
    frames = [real]
    for i in range(1, copies):
        frames.append(real.with_columns(_new_ids(i), (pl.col("score") * (1 - i / copies)).alias("score")))
    big = pl.concat(frames).head(N_OBJECTS)
    assert big["verblijfsobject_id"].n_unique() == N_OBJECTS
    ranked = big.filter(pl.col("status") == "signaal").sort("score", descending=True)
    ranked = ranked.with_columns(pl.int_range(1, ranked.height + 1, dtype=pl.Int64).alias("rank"))
    pl.concat([ranked, big.filter(pl.col("status") != "signaal")]).write_parquet(run_dir / "signals.parquet")
    features = pl.read_parquet(run_dir / "features.parquet")
    frames = [features] + [features.with_columns(_new_ids(i)) for i in range(1, copies)]
    big_features = pl.concat(frames).join(
        big.select("verblijfsobject_id"), on="verblijfsobject_id", how="semi"
    )
    assert big_features.height == N_OBJECTS
    big_features.write_parquet(run_dir / "features.parquet")


def _grow_log(out: Path, run_id: str, n: int) -> None:
    """Append ``n`` chained entries (views and, one in ten, verdicts) the way the engine writes them."""
    from vastgoed.ethics import auditlog
    from vastgoed.ethics.review import audit_log

    log = audit_log(out)
    last = log.entries()[-1]
    seq, previous = last.seq, last.hash
    lines = []
    for i in range(n):
        seq += 1
        verdict = i % 10 == 9
        body: dict[str, Any] = {
            "seq": seq,
            "tijd": "2026-01-01T12:00:00+00:00",
            "actie": "verdict" if verdict else "view",
            "actor": "analist:bench" if not verdict else "bench",
            "run_id": run_id,
            "details": {"verblijfsobject_id": f"0935990{i:09d}", "rank": 1 + i % 500, "pagina": "signaal"}
            if not verdict
            else {"verblijfsobject_id": f"0935990{i:09d}", "rank": 1 + i % 500, "outcome": "geen_toegang"},
            "vorige": previous,
        }
        body["hash"] = auditlog._entry_hash(body)
        lines.append(auditlog._encode_line(body))
        previous = body["hash"]
    with log.path.open("ab") as handle:
        handle.write(b"".join(lines))
    auditlog._write_head(log.path, seq, previous)
    assert log.verify().ok


def _measure(client: Any, pages: dict[str, str]) -> None:
    for name, path in pages.items():
        start = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        cold = (time.perf_counter() - start) * 1000
        times = []
        for _ in range(7):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"  {name:48s} cold {cold:7.1f} ms   "
            f"median {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms"
        )


@pytest.mark.slow
def test_page_load_for_a_run_of_70k_objects(web_runs: Runs, tmp_path: Path) -> None:
    web = make_web(web_runs, tmp_path, f"sqlite:///{tmp_path / 'bench.sqlite'}")
    _inflate(web.out / web.awaiting)
    assert pl.read_parquet(web.out / web.awaiting / "signals.parquet").height == N_OBJECTS
    client = web.client("reviewer")
    a = web.awaiting
    pages = {
        "runs overview": "/runs",
        "ranked list, page 1 (+ audit append)": f"/runs/{a}",
        "list, filtered + sorted, page 20 (+ append)": (
            f"/runs/{a}?band=zeer_laag&sort=score&desc=true&page=20"
        ),
        "signal detail, rank 1 (+ audit append)": f"/runs/{a}/signalen/1",
        "review page": f"/runs/{a}/beoordeling",
    }
    graph = {"neighbourhood image, rank 1 (+ append)": f"/runs/{a}/signalen/1/netwerk.svg"}
    print(f"\npage load, {N_OBJECTS:,} scored objects (TestClient, server time incl. rendering):")
    _measure(client, pages | graph)

    start = time.perf_counter()
    _grow_log(web.out, web.released, N_ENTRIES)
    written = time.perf_counter() - start
    from vastgoed.ethics.review import audit_log

    n = len(audit_log(web.out).entries())
    print(f"\nthe same with an audit log of {n:,} entries (written in {written:.1f} s):")
    _measure(
        client,
        {
            "runs overview": "/runs",
            "ranked list, page 1 (+ audit append)": f"/runs/{a}",
            "signal detail, rank 1 (+ audit append)": f"/runs/{a}/signalen/1",
        }
        | graph,
    )
    web.app.state.engine.dispose()
