"""Scale benchmarks (``make bench``): Maastricht-sized generation and batch, median of several runs.

Figures are printed, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import pytest

from vastgoed.core.config import Config, TrackingConfig
from vastgoed.pipeline import run_batch

REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


@pytest.mark.slow
def test_scale_one_generation_and_batch(tmp_path: Path) -> None:
    from vastgoed.synthetic import generate

    gen_times, batch_times, stage_times = [], [], []
    for i in range(REPEATS):
        data, truth = tmp_path / f"data{i}", tmp_path / f"truth{i}"
        start = time.perf_counter()
        generate(data, truth, seed=0, scale=1.0)
        gen_times.append(time.perf_counter() - start)
        cfg = Config(
            tracking=TrackingConfig(
                tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                artifact_location=str(tmp_path / "mlartifacts"),
            )
        )
        result = run_batch(data, tmp_path / "out", cfg)
        info = json.loads((result.run_dir / "run.json").read_text())
        batch_times.append(sum(info["timings_s"].values()))
        stage_times.append(info["timings_s"])
    print(f"\nscale 1.0, {REPEATS} runs")
    print(
        f"  generate: median {statistics.median(gen_times):.1f} s  (runs: {[round(t, 1) for t in gen_times]})"
    )
    print(
        f"  batch:    median {statistics.median(batch_times):.1f} s"
        f"  (runs: {[round(t, 1) for t in batch_times]})"
    )
    stages = list(dict.fromkeys(k for s in stage_times for k in s))
    for stage in stages:
        took = [s[stage] for s in stage_times if stage in s]
        print(
            f"    {stage:<12} median {statistics.median(took):6.1f} s"
            f"  ({len(took)} of {len(stage_times)} runs)"
        )
    print(f"  objects scored: {result.n_scored}")
    linkage = [s["linkage"] + s["persons"] for s in stage_times]
    print(
        f"  linkage (addresses, companies, persons): median {statistics.median(linkage):.1f} s"
        f"  (runs: {[round(t, 1) for t in linkage]}; target 60 s)"
    )


@pytest.mark.slow
def test_febrl_benchmarks() -> None:
    from linkage.benchmark import febrl_benchmark

    for name in ("febrl4", "febrl3"):
        runs = [febrl_benchmark(name) for _ in range(REPEATS)]  # type: ignore[arg-type]
        r = runs[-1]
        print(
            f"\n{name}: precision {r.precision:.5f} recall {r.recall:.5f} F1 {r.f1:.5f}"
            f"  time median {statistics.median(x.seconds for x in runs):.1f} s"
        )


@pytest.mark.slow
def test_scoring_seventy_thousand_objects(tmp_path: Path) -> None:
    """Scoring (all phenomenon models, priority, ranking) and explaining the top, median of runs."""
    from vastgoed.modelling import explain_signals, score_objects, train_model
    from vastgoed.pipeline import address_text, prepare_features
    from vastgoed.synthetic import generate

    data, truth = tmp_path / "data", tmp_path / "truth"
    generate(data, truth, seed=0, scale=1.0)
    cfg = Config(tracking=TrackingConfig(enabled=False))
    prepared = prepare_features(data, cfg)
    start = time.perf_counter()
    report = train_model(prepared.inputs, prepared.features, prepared.outcomes, cfg)
    train_s = time.perf_counter() - start
    bag = prepared.res.tables["bag_verblijfsobjecten"]
    score_s, explain_s = [], []
    for _ in range(max(REPEATS, 5)):
        start = time.perf_counter()
        scored = score_objects(
            report.model,
            prepared.features,
            bag,
            prepared.outcomes,
            prepared.inputs.peildatum,
            24,
            address_text,
        )
        score_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        explain_signals(report.model, scored, prepared.features, cfg.model, 2000)
        explain_s.append(time.perf_counter() - start)
    print(f"\nscoring {scored.height:,} verblijfsobjecten on {cfg.model.num_threads} threads")
    print(f"  train (time split, 7 models, out-of-fold calibration, logistic comparison): {train_s:.1f} s")
    print(
        f"  score: median {statistics.median(score_s):.2f} s"
        f"  (runs: {[round(t, 2) for t in score_s]}; target 5 s)"
    )
    print(
        f"  explain top 2,000 + recent: median {statistics.median(explain_s):.2f} s"
        f"  (runs: {[round(t, 2) for t in explain_s]})"
    )
