"""Evaluation of a run against the synthetic truth: precision@k and recall@k, model vs. rule baseline.

Overall, an object counts as a hit when the truth gives it any phenomenon; the ranking is by
``score``. Because the model learned from past investigations, the same metrics are also given
for the addresses never investigated before: the honest measure of what the list adds.
Per fenomeen, the ranking is by that phenomenon's own score and a hit is an object whose
true phenomenon is that one. The rule baseline is computed from the run's own features.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from linkage import address_quality, company_quality, pairwise_quality
from models import K_VALUES, baseline_scores, precision_recall_at_k
from vastgoed.core.errors import DataError
from vastgoed.core.schema import FENOMENEN

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
    persons: pl.DataFrame | None = None
    addresses: pl.DataFrame | None = None
    companies: pl.DataFrame | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        out: dict[str, object] = {"n_positives": self.n_positives, "rows": self.table.to_dicts()}
        for name in ("persons", "addresses", "companies"):
            frame = getattr(self, name)
            if frame is not None:
                out[f"linkage_{name}"] = frame.to_dicts()
        return out


def _read_truth(truth_dir: Path) -> pl.DataFrame:
    path = truth_dir / "adressen.csv"
    if not path.exists():
        raise DataError(str(path), "truth file not found")
    return pl.read_csv(path, schema_overrides={"verblijfsobject_id": pl.String, "fenomeen": pl.String})


def _linkage_metrics(links: Path, truth_dir: Path) -> dict[str, pl.DataFrame | None]:
    """Linkage metrics for each kind of link that both the run and the truth have."""
    strings = {
        "record": pl.String,
        "persoon_id": pl.String,
        "verblijfsobject_id": pl.String,
        "kvk_nummer": pl.String,
    }

    def pair(run_file: str, truth_file: str) -> tuple[pl.DataFrame, pl.DataFrame] | None:
        if (links / run_file).exists() and (truth_dir / truth_file).exists():
            truth = pl.read_csv(truth_dir / truth_file, schema_overrides=strings, infer_schema_length=0)
            return pl.read_parquet(links / run_file), truth
        return None

    out: dict[str, pl.DataFrame | None] = {"persons": None, "addresses": None, "companies": None}
    if (p := pair("personen.parquet", "personen.csv")) is not None:
        out["persons"] = pairwise_quality(*p)
    if (p := pair("adressen.parquet", "adreslinks.csv")) is not None:
        run_links, truth = p
        out["addresses"] = address_quality(
            run_links, truth.with_columns(pl.col("afgeschermd").str.to_lowercase().is_in(["true", "1"]))
        )
    if (p := pair("bedrijven.parquet", "bedrijven.csv")) is not None:
        out["companies"] = company_quality(*p)
    return out


def _rank(frame: pl.DataFrame, score_col: str) -> list[str]:
    return (
        frame.filter(pl.col(score_col) > 0)
        .sort([score_col, "verblijfsobject_id"], descending=[True, False])["verblijfsobject_id"]
        .to_list()
    )


def evaluate_run(run_dir: Path, truth_dir: Path, ks: tuple[int, ...] = K_VALUES) -> Evaluation:
    """Evaluate ``run_dir`` against ``truth_dir`` and write ``evaluatie.json`` into the run.

    Raises:
        DataError: when the run or truth files are missing.
    """
    for name in ("signals.parquet", "features.parquet"):
        if not (run_dir / name).exists():
            raise DataError(str(run_dir / name), "not found: is this a run folder?")
    signals = pl.read_parquet(run_dir / "signals.parquet")
    base = baseline_scores(pl.read_parquet(run_dir / "features.parquet"))
    truth = _read_truth(truth_dir).filter(pl.col("fenomeen").is_not_null() & (pl.col("fenomeen") != ""))
    positives = {"alle": set(truth["verblijfsobject_id"].to_list())}
    for f in FENOMENEN:
        positives[f] = set(truth.filter(pl.col("fenomeen") == f)["verblijfsobject_id"].to_list())

    # The honest view: addresses never investigated before (the model saw the others' outcomes).
    investigated = (
        signals.filter(pl.col("laatste_onderzoek").is_not_null())["verblijfsobject_id"]
        if "laatste_onderzoek" in signals.columns
        else pl.Series([], dtype=pl.String)
    )
    fresh = {
        "model (niet eerder onderzocht)": signals.filter(
            ~pl.col("verblijfsobject_id").is_in(investigated.implode())
        ),
        "baseline (niet eerder onderzocht)": base.filter(
            ~pl.col("verblijfsobject_id").is_in(investigated.implode())
        ),
    }
    parts = []
    for ranking, frame in (("model", signals), ("baseline", base), *fresh.items()):
        for f in ("alle", *FENOMENEN):
            col = "score" if f == "alle" else f"score_{f}"
            table = precision_recall_at_k(_rank(frame, col), positives[f], ks)
            parts.append(table.with_columns(pl.lit(ranking).alias("ranking"), pl.lit(f).alias("fenomeen")))
    result = Evaluation(
        table=pl.concat(parts).select("ranking", "fenomeen", "k", "hits", "precision", "recall"),
        n_positives={k: len(v) for k, v in positives.items()},
        **_linkage_metrics(run_dir / "links", truth_dir),
    )
    tmp = run_dir / ".evaluatie.json.tmp"
    tmp.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    os.replace(tmp, run_dir / "evaluatie.json")
    return result
