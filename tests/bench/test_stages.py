"""Stage benchmark (``make bench``): wall time, peak memory and throughput per stage, by scale.

For each scale (0.1, 1 and 10 by default; ``VASTGOED_BENCH_SCALES`` overrides, and
``VASTGOED_BENCH_NATIONAL=1`` adds the national preset) this generates the synthetic data, then
runs in fresh processes, so that each peak is the process's own:

1. one plain polars scan of every input file (all columns as strings, as the ingest reads them):
   the cost of just reading the data;
2. the whole batch (``vastgoed run``): per-stage wall time and peak resident memory from its
   ``run.json``, the process's peak from the kernel (``wait4``);
3. the ``recordlinkage`` toolkit's classic pipeline on the same person records the engine linked
   (``tests/bench/rl_baseline.py``), stopped after ``VASTGOED_BENCH_RL_TIMEOUT`` seconds.

Figures are printed (and written to ``out/bench/stages.json``), never asserted: the machine is
shared and noisy. Scales below 10 are run ``BENCH_REPEATS`` times (3) and the median reported;
scale 10 and national ``BENCH_REPEATS_LARGE`` times (1).
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
REPEATS_LARGE = int(os.environ.get("BENCH_REPEATS_LARGE", "1"))
RL_TIMEOUT = float(os.environ.get("VASTGOED_BENCH_RL_TIMEOUT", "1200"))

_SCAN = """
import sys, time
from pathlib import Path
import polars as pl
root = Path(sys.argv[1])
start = time.perf_counter()
rows = 0
for f in sorted(root.rglob("*")):
    if f.suffix == ".csv":
        rows += pl.scan_csv(
            f, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True, ignore_errors=True
        ).collect().height
    elif f.suffix == ".parquet":
        rows += pl.scan_parquet(f).collect().height
print(rows, time.perf_counter() - start)
"""


@dataclass
class Measured:
    """One process: wall seconds, peak resident MiB (its own, from the kernel), and its stdout."""

    seconds: float
    peak_mib: float
    stdout: str = ""


@dataclass
class ScaleResult:
    """The medians of one scale."""

    label: str
    objects: int
    input_rows: int
    input_mib: float
    generate: list[Measured] = field(default_factory=list)
    scan: list[Measured] = field(default_factory=list)
    batch: list[Measured] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)
    stage_peaks: list[dict[str, float]] = field(default_factory=list)
    person_linkage_s: list[float] = field(default_factory=list)
    toolkit: dict[str, Any] | None = None


def _wait4(cmd: list[str], timeout: float | None = None) -> Measured:
    """Run ``cmd`` and reap it with ``os.wait4``: its own peak RSS, not the largest child's so far."""
    start = time.perf_counter()
    deadline = None if timeout is None else start + timeout
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT, start_new_session=True
        )
        assert proc.stdout is not None
        out_parts: list[str] = []
        with proc.stdout, selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
                if wait == 0.0:
                    os.killpg(proc.pid, 9)
                    os.wait4(proc.pid, 0)
                    proc.returncode = -9
                    raise subprocess.TimeoutExpired(cmd, timeout or 0)
                if sel.select(timeout=wait):
                    line = proc.stdout.readline()
                    if not line:
                        break
                    out_parts.append(line)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        err.seek(0)
        tail = err.read()[-3000:].decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd[:4])} ... failed with exit code {proc.returncode}:\n{tail}")
    return Measured(seconds, round(usage.ru_maxrss / 1024, 1), "".join(out_parts))


def _vastgoed(*args: str) -> list[str]:
    return [sys.executable, "-m", "vastgoed", *args]


def _generate_args(label: str) -> list[str]:
    return ["--preset", "national"] if label == "national" else ["--scale", label]


def _input_size(data: Path) -> tuple[int, float]:
    files = [f for f in data.rglob("*") if f.is_file() and f.suffix in (".csv", ".parquet")]
    return len(files), sum(f.stat().st_size for f in files) / 2**20


def _person_records(data: Path, run_dir: Path, out: Path) -> int:
    """The person records the engine linked (rebuilt from the data and the run's address links)."""
    from linkage.person_records import person_records
    from vastgoed.ingest import ingest

    res = ingest(data)
    links = pl.read_parquet(run_dir / "links" / "adressen.parquet")
    records = person_records(res.tables, links)
    records.write_parquet(out)
    return records.height


def _truth_personen(truth: Path) -> Path:
    """The truth's record → person table as one Parquet file (the toolkit's process reads it)."""
    from vastgoed.core.files import read_strings

    table = read_strings(truth, "personen")
    assert table is not None, f"no personen truth in {truth}"
    merged = truth.parent / "personen-truth.parquet"
    table.select("record", "persoon_id").write_parquet(merged)
    return merged


def _run_scale(label: str, work: Path, repeats: int) -> ScaleResult:
    data, truth, out = work / "data", work / "truth", work / "out"
    cfg = work / "bench.toml"
    cfg.write_text(
        "[tracking]\n"
        f'tracking_uri = "sqlite:///{work / "mlflow.db"}"\n'
        f'artifact_location = "{work / "mlartifacts"}"\n',
        encoding="utf-8",
    )
    result: ScaleResult | None = None
    for i in range(repeats):
        gen = _wait4(
            _vastgoed(
                "generate",
                "--out",
                str(data),
                "--truth",
                str(truth),
                "--seed",
                str(i),
                *_generate_args(label),
            )
        )
        scan = _wait4([sys.executable, "-c", _SCAN, str(data)])
        rows = int(scan.stdout.split()[0])
        batch = _wait4(_vastgoed("run", "--data", str(data), "--out", str(out), "--config", str(cfg)))
        info = json.loads((out / "latest" / "run.json").read_text())
        if result is None:
            _, mib = _input_size(data)
            result = ScaleResult(label, int(info["n_scored"]), rows, round(mib, 1))
        result.generate.append(gen)
        result.scan.append(scan)
        result.batch.append(batch)
        stages, peaks = dict(info["timings_s"]), dict(info.get("memory", {}).get("peak_rss_mib", {}))
        # a run in shards: each shard's stages, summed over the shards (worker seconds), largest peak
        for shard in info.get("shards", []):
            for stage, took in shard["timings_s"].items():
                stages[f"shards: {stage}"] = round(stages.get(f"shards: {stage}", 0.0) + took, 3)
            for stage, mib in shard["peak_rss_mib"].items():
                peaks[f"shards: {stage}"] = max(peaks.get(f"shards: {stage}", 0.0), mib)
        if "process_tree_peak_mib" in info.get("memory", {}):
            peaks["(all processes)"] = info["memory"]["process_tree_peak_mib"]
        result.stages.append(stages)
        result.stage_peaks.append(peaks)
        result.person_linkage_s.append(float(info["linkage"]["persons"]["timings_s"].get("total", 0.0)))
        if i == repeats - 1 and label == "national":
            # the toolkit's pipeline holds every record and pair in one process: not for a country
            result.toolkit = {"not_run": "national"}
        elif i == repeats - 1:
            records = work / "person_records.parquet"
            _person_records(data, out / "latest", records)
            rl_out = work / "toolkit.json"
            try:
                _wait4(
                    [
                        sys.executable,
                        str(Path(__file__).with_name("rl_baseline.py")),
                        str(records),
                        str(_truth_personen(truth)),
                        str(rl_out),
                        str(out / "latest" / "links" / "personen.parquet"),
                    ],
                    timeout=RL_TIMEOUT,
                )
                result.toolkit = json.loads(rl_out.read_text())
            except subprocess.TimeoutExpired:
                result.toolkit = {"did_not_finish_s": RL_TIMEOUT}
    assert result is not None
    return result


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _print(r: ScaleResult) -> dict[str, Any]:
    total = _median([m.seconds for m in r.batch])
    scan = _median([m.seconds for m in r.scan])
    stages = list(dict.fromkeys(k for s in r.stages for k in s))
    print(
        f"\n== scale {r.label}: {r.objects:,} verblijfsobjecten, {r.input_rows:,} input rows, "
        f"{r.input_mib:,.0f} MiB of input; median of {len(r.batch)} run(s)"
    )
    print(f"  {'stage':<22}{'wall s':>9}{'peak GiB':>10}{'objects/s':>13}")
    table: dict[str, Any] = {}
    for stage in stages:
        runs = [s[stage] for s in r.stages if stage in s]
        took = _median(runs)
        label = stage
        if len(runs) < len(r.stages):  # e.g. train: only when no champion is registered yet
            label = f"{stage} ({len(runs)}/{len(r.stages)})"
        peaks = [p[stage] for p in r.stage_peaks if stage in p]
        peak = max(peaks) / 1024 if peaks else float("nan")
        rate = r.objects / took if took > 0 else float("inf")
        table[stage] = {"wall_s": round(took, 2), "peak_gib": round(peak, 2), "objects_per_s": round(rate)}
        print(f"  {label:<22}{took:>9.1f}{peak:>10.2f}{rate:>13,.0f}")
    # The batch resets the kernel's high-water mark at each stage (that is how stage peaks are
    # taken), which resets what wait4 reports too: the process's peak is the largest stage peak.
    # A run in shards also samples its whole process tree (workers and the coordinating process
    # together): that is the machine's peak, and it is the largest figure.
    batch_peak = max([m.peak_mib for m in r.batch] + [v for p in r.stage_peaks for v in p.values()]) / 1024
    print(f"  {'batch (process)':<22}{total:>9.1f}{batch_peak:>10.2f}{r.objects / total:>13,.0f}")
    gen = _median([m.seconds for m in r.generate])
    gen_peak = max(m.peak_mib for m in r.generate) / 1024
    print(f"  {'generate (apart)':<22}{gen:>9.1f}{gen_peak:>10.2f}{r.objects / gen:>13,.0f}")
    scan_peak = max(m.peak_mib for m in r.scan) / 1024
    print(
        f"  {'polars scan of inputs':<22}{scan:>9.1f}{scan_peak:>10.2f}{r.input_rows / scan:>13,.0f} rows/s"
    )
    print(f"  ratio batch / plain polars scan of all inputs: {total / scan:.1f}")
    splink = _median(r.person_linkage_s)
    tk = r.toolkit or {}
    if "toolkit" in tk:
        t = tk["toolkit"]
        eng = tk.get("engine", {})
        print(
            f"  person linkage, {tk['records']:,} records: engine (Splink) {splink:.1f} s, "
            f"recordlinkage classic {t['seconds']:.1f} s ({t['candidate_pairs']:,} candidate pairs): "
            f"ratio toolkit / engine {t['seconds'] / splink:.2f}"
        )
        print(
            f"    pairwise F1 against the truth: engine {eng.get('f1', float('nan')):.4f} "
            f"(P {eng.get('precision', float('nan')):.4f}, R {eng.get('recall', float('nan')):.4f}); "
            f"toolkit {t['f1']:.4f} (P {t['precision']:.4f}, R {t['recall']:.4f})"
        )
    elif "not_run" in tk:
        print(f"  person linkage: engine (Splink) {splink:.1f} s (summed over shards); no toolkit here")
    elif "did_not_finish_s" in tk:
        print(
            f"  person linkage: engine (Splink) {splink:.1f} s; recordlinkage classic did not finish "
            f"within {tk['did_not_finish_s']:.0f} s (ratio > {tk['did_not_finish_s'] / splink:.1f})"
        )
    return {
        "label": r.label,
        "objects": r.objects,
        "input_rows": r.input_rows,
        "input_mib": r.input_mib,
        "runs": len(r.batch),
        "batch_wall_s": round(total, 1),
        "batch_runs_s": [round(m.seconds, 1) for m in r.batch],
        "batch_peak_gib": round(batch_peak, 2),
        "generate_wall_s": round(gen, 1),
        "generate_peak_gib": round(gen_peak, 2),
        "scan_wall_s": round(scan, 2),
        "ratio_batch_scan": round(total / scan, 2),
        "stages": table,
        "person_linkage_s": round(splink, 1),
        "toolkit": tk,
    }


def _labels() -> list[str]:
    labels = [s.strip() for s in os.environ.get("VASTGOED_BENCH_SCALES", "0.1,1,10").split(",") if s.strip()]
    if os.environ.get("VASTGOED_BENCH_NATIONAL") == "1" and "national" not in labels:
        labels.append("national")
    return labels


@pytest.mark.slow
@pytest.mark.timeout(0)  # scale 10 alone takes a quarter of an hour, the country hours
def test_stage_benchmark(tmp_path: Path) -> None:
    report: list[dict[str, Any]] = []
    for label in _labels():
        large = label == "national" or float(label) >= 10
        work = tmp_path / f"scale-{label}"
        work.mkdir()
        r = _run_scale(label, work, REPEATS_LARGE if large else REPEATS)
        report.append(_print(r))
        # the large outputs are gone before the next scale starts (disk is finite)
        shutil.rmtree(work, ignore_errors=True)
    dest = ROOT / "out" / "bench"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "stages.json").write_text(
        json.dumps({"measured": time.strftime("%Y-%m-%d %H:%M"), "scales": report}, indent=2),
        encoding="utf-8",
    )
    print(f"\nwritten: {dest / 'stages.json'}")
