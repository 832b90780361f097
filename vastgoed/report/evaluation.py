"""Evaluation of a run against the synthetic truth: the ranked list against the rule baseline.

Overall, an object counts as a hit when the truth gives it any phenomenon; the ranking is by
``score``. Both rankings cover the same population: the run's ranked list, without the addresses
investigated recently (which the run ranks apart). Reported: precision@k and recall@k (including
at the working group's capacity), average precision over the whole ranking, a calibration table
and the same per buurt. Per fenomeen, the ranking is by that phenomenon's own score and a hit is an
object whose true phenomenon is that one. The rule baseline is computed from the run's own features.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from linkage import address_quality, company_quality, pairwise_quality
from models import (
    K_VALUES,
    RULES,
    average_precision,
    baseline_scores,
    calibration_per_buurt,
    calibration_table,
    per_buurt,
    precision_recall_at_k,
)
from vastgoed.core.errors import DataError
from vastgoed.core.files import read_strings, write_json_atomic
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.worlds import GENERATOR, MeasuredOn, own_world_warning

__all__ = ["Evaluation", "evaluate_run"]


@dataclass(frozen=True)
class Evaluation:
    """The ranking metrics, and the linkage metrics where the truth has them.

    Attributes:
        table: ``ranking, fenomeen, k, hits, precision, recall`` for the model and the baseline.
        n_positives: True positives per fenomeen (``alle`` for any).
        persons: Pairwise person-linkage quality per source pair, or None.
        addresses: Address-match precision and coverage per source, or None.
        companies: Company-link precision and recall per source, or None.
    """

    table: pl.DataFrame
    n_positives: dict[str, int]
    average_precision: dict[str, dict[str, float | None]]
    capacity: int
    calibration: pl.DataFrame
    per_buurt: pl.DataFrame
    calibration_per_buurt: pl.DataFrame
    #: The headline over addresses never investigated before the peildatum only (no training label).
    never_investigated: dict[str, float | None] | None = None
    persons: pl.DataFrame | None = None
    addresses: pl.DataFrame | None = None
    companies: pl.DataFrame | None = None
    #: The world the truth is of (the run's data; generator and seed from the truth's summary).
    measured_on: MeasuredOn | None = None

    def warning(self) -> str | None:
        """The own-world warning (Dutch) when the truth is the project generator's."""
        return own_world_warning("nl") if self.measured_on and self.measured_on.own_generator else None

    def world_text(self) -> str:
        """``Gemeten tegen de waarheid van ...``: the world of these figures, in Dutch."""
        if self.measured_on is None:
            return "Gemeten tegen een synthetische waarheid; de run zegt niet op welke gegevens."
        return f"Gemeten tegen de waarheid van {self.measured_on.describe('nl')}."

    def headline(self) -> dict[str, float | None]:
        """Precision@capacity of model and baseline, and their average precision and its ratio."""
        t = self.table.filter((pl.col("fenomeen") == "alle") & (pl.col("k") == self.capacity))
        p = {r["ranking"]: r["precision"] for r in t.to_dicts()}
        ap_m = self.average_precision["model"]["alle"]
        ap_b = self.average_precision["baseline"]["alle"]
        return {
            "precision_at_capacity_model": p.get("model"),
            "precision_at_capacity_baseline": p.get("baseline"),
            "average_precision_model": ap_m,
            "average_precision_baseline": ap_b,
            "average_precision_ratio": ap_m / ap_b if ap_m is not None and ap_b else None,
        }

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        out: dict[str, object] = {
            "gemeten_op": None if self.measured_on is None else self.measured_on.to_json(),
            "wereld": self.world_text(),
            "waarschuwing": self.warning(),
            "n_positives": self.n_positives,
            "capacity": self.capacity,
            "headline": self.headline(),
            "headline_nooit_onderzocht": self.never_investigated,
            "average_precision": self.average_precision,
            "rows": self.table.to_dicts(),
            "calibration": self.calibration.to_dicts(),
            "per_buurt": self.per_buurt.to_dicts(),
            "calibration_per_buurt": self.calibration_per_buurt.to_dicts(),
        }
        for name in ("persons", "addresses", "companies"):
            frame = getattr(self, name)
            if frame is not None:
                out[f"linkage_{name}"] = frame.to_dicts()
        return out


def _read_truth(truth_dir: Path) -> pl.DataFrame:
    truth = read_strings(truth_dir, "adressen")
    if truth is None:
        raise DataError(str(truth_dir / "adressen.csv"), "truth file not found (nor a folder adressen/)")
    return truth


def _linkage_metrics(links: Path, truth_dir: Path) -> dict[str, pl.DataFrame | None]:
    """Linkage metrics for each kind of link that both the run and the truth have."""
    strings = {
        "record": pl.String,
        "persoon_id": pl.String,
        "verblijfsobject_id": pl.String,
        "kvk_nummer": pl.String,
    }

    def pair(run_file: str, truth_name: str) -> tuple[pl.DataFrame, pl.DataFrame] | None:
        if not (links / run_file).exists():
            return None
        truth = read_strings(truth_dir, truth_name)
        if truth is None:
            return None
        return pl.read_parquet(links / run_file), truth.cast(
            {c: t for c, t in strings.items() if c in truth.columns}
        )

    out: dict[str, pl.DataFrame | None] = {"persons": None, "addresses": None, "companies": None}
    if (p := pair("personen.parquet", "personen")) is not None:
        out["persons"] = pairwise_quality(*p)
    if (p := pair("adressen.parquet", "adreslinks")) is not None:
        run_links, truth = p
        out["addresses"] = address_quality(
            run_links, truth.with_columns(pl.col("afgeschermd").str.to_lowercase().is_in(["true", "1"]))
        )
    if (p := pair("bedrijven.parquet", "bedrijven")) is not None:
        out["companies"] = company_quality(*p)
    return out


def _rank(frame: pl.DataFrame, score_col: str) -> list[str]:
    return (
        frame.filter(pl.col(score_col) > 0)
        .sort([score_col, "verblijfsobject_id"], descending=[True, False])["verblijfsobject_id"]
        .to_list()
    )


def _ap(frame: pl.DataFrame, score_col: str, positives: set[str]) -> float | None:
    ordered = frame.sort([score_col, "verblijfsobject_id"], descending=[True, False])
    y = ordered["verblijfsobject_id"].is_in(list(positives)).to_numpy()
    # Rank by position (ties broken by id, as the list is), not by tied scores.
    return average_precision(y, -np.arange(len(y), dtype=np.float64))


def evaluate_run(
    run_dir: Path, truth_dir: Path, ks: tuple[int, ...] = K_VALUES, capacity: int | None = None
) -> Evaluation:
    """Evaluate ``run_dir`` against ``truth_dir`` and write ``evaluatie.json`` into the run.

    The population is the ranked list: addresses investigated recently are ranked apart by the run
    (``status = recent_onderzocht``) and are left out of both the model's and the baseline's
    ranking, so that both are judged on the same new signals.

    Raises:
        DataError: when the run or truth files are missing.
    """
    for name in ("signals.parquet", "features.parquet"):
        if not (run_dir / name).exists():
            raise DataError(str(run_dir / name), "not found: is this a run folder?")
    # only the columns the metrics read: a country's list and features are gigabytes in full
    wanted = ["verblijfsobject_id", "rank", "buurtcode", "score", *(f"score_{f}" for f in FENOMENEN)]
    present = pl.read_parquet_schema(run_dir / "signals.parquet")
    signals = pl.read_parquet(
        run_dir / "signals.parquet", columns=[c for c in (*wanted, "laatste_onderzoek") if c in present]
    )
    if capacity is None:
        capacity = _capacity(run_dir)
    ks = tuple(sorted({*ks, capacity}))
    ranked_ids = signals.filter(pl.col("rank").is_not_null()).select("verblijfsobject_id")
    model = signals.join(ranked_ids, on="verblijfsobject_id", how="semi")
    del signals
    rule_inputs = sorted(
        {
            c
            for rule, severity in RULES.values()
            for c in (*rule.meta.root_names(), *severity.meta.root_names())
        }
    )
    base = baseline_scores(
        pl.read_parquet(run_dir / "features.parquet", columns=["verblijfsobject_id", *rule_inputs])
    ).join(ranked_ids, on="verblijfsobject_id", how="semi")
    base = base.join(model.select("verblijfsobject_id", "buurtcode"), on="verblijfsobject_id", how="left")
    truth = _read_truth(truth_dir).filter(pl.col("fenomeen").is_not_null() & (pl.col("fenomeen") != ""))
    truth = truth.join(ranked_ids, on="verblijfsobject_id", how="semi")
    positives = {"alle": set(truth["verblijfsobject_id"].to_list())}
    for f in FENOMENEN:
        positives[f] = set(truth.filter(pl.col("fenomeen") == f)["verblijfsobject_id"].to_list())

    parts = []
    ap: dict[str, dict[str, float | None]] = {"model": {}, "baseline": {}}
    for ranking, frame in (("model", model), ("baseline", base)):
        for f in ("alle", *FENOMENEN):
            col = "score" if f == "alle" else f"score_{f}"
            table = precision_recall_at_k(_rank(frame, col), positives[f], ks)
            parts.append(table.with_columns(pl.lit(ranking).alias("ranking"), pl.lit(f).alias("fenomeen")))
            ap[ranking][f] = _ap(frame, col, positives[f])
    never = _never_investigated_headline(model, base, positives["alle"], capacity)
    pos_all = list(positives["alle"])
    y_model = model["verblijfsobject_id"].is_in(pos_all)
    buurt = pl.concat(
        [
            per_buurt(
                frame.select("verblijfsobject_id", "buurtcode", "score").with_columns(
                    frame["verblijfsobject_id"].is_in(pos_all).alias("y")
                ),
                k=capacity,
            ).with_columns(pl.lit(ranking).alias("ranking"))
            for ranking, frame in (("model", model), ("baseline", base))
        ]
    )
    calibration = calibration_table(y_model.to_numpy(), model["score"].to_numpy(), n_bins=10)
    calibration_buurt = calibration_per_buurt(
        model.select("buurtcode", "score").with_columns(y_model.alias("y")), n_bins=5
    )
    del model, base  # the linkage metrics of a country need the memory
    result = Evaluation(
        table=pl.concat(parts).select("ranking", "fenomeen", "k", "hits", "precision", "recall"),
        n_positives={k: len(v) for k, v in positives.items()},
        average_precision=ap,
        capacity=capacity,
        calibration=calibration,
        per_buurt=buurt,
        calibration_per_buurt=calibration_buurt,
        never_investigated=never,
        measured_on=_measured_on(run_dir, truth_dir),
        **_linkage_metrics(run_dir / "links", truth_dir),
    )
    write_json_atomic(run_dir / "evaluatie.json", result.to_dict())
    return result


def _never_investigated_headline(
    model: pl.DataFrame, base: pl.DataFrame, positives: set[str], capacity: int
) -> dict[str, float | None] | None:
    """The headline on addresses with no investigation before the peildatum.

    An address whose outcome trained the model cannot flatter it here.
    """
    if "laatste_onderzoek" not in model.columns:
        return None
    fresh = model.filter(pl.col("laatste_onderzoek").is_null()).select("verblijfsobject_id")
    out: dict[str, float | None] = {}
    for ranking, frame in (("model", model), ("baseline", base)):
        kept = frame.join(fresh, on="verblijfsobject_id", how="semi")
        table = precision_recall_at_k(
            _rank(kept, "score"), positives & set(fresh["verblijfsobject_id"]), (capacity,)
        )
        out[f"precision_at_capacity_{ranking}"] = table["precision"][0] if table.height else None
        out[f"average_precision_{ranking}"] = _ap(kept, "score", positives)
    m, b = out["average_precision_model"], out["average_precision_baseline"]
    out["average_precision_ratio"] = m / b if m is not None and b else None
    return out


def _capacity(run_dir: Path) -> int:
    """The run's configured capacity (``model.capacity`` in run.json), 200 when absent."""
    try:
        info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        return int(info["config"]["model"]["capacity"])
    except (OSError, KeyError, ValueError, TypeError):
        return 200


def _measured_on(run_dir: Path, truth_dir: Path) -> MeasuredOn | None:
    """The run's world (``run.json``), completed from the truth's ``summary.json``.

    A truth folder with the generator's ``summary.json`` is the project generator's: its seed and
    scale name the world when the run's manifest did not (data generated before manifests recorded
    them).
    """
    try:
        data = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["data"]
        world = (
            MeasuredOn.from_json(data["gemeten_op"])
            if "gemeten_op" in data
            else MeasuredOn(
                gemeentecode=str(data["gemeentecode"]),
                synthetisch=bool(data["synthetisch"]),
                peildatum=dt.date.fromisoformat(str(data["peildatum"])),
            )
        )
    except (OSError, KeyError, ValueError, TypeError):
        return None
    try:
        summary = json.loads((truth_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return world
    if world.generator is None and world.synthetisch and "seed" in summary:
        world = dataclasses.replace(
            world, generator=GENERATOR, seed=int(summary["seed"]), schaal=float(summary["scale"])
        )
    return world
