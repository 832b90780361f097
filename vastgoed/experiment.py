"""Defined experiments: variants of the model trained on one prepared data set, as nested MLflow runs.

An experiment file (``experiments/<name>.toml``)::

    name = "familie-ablatie"
    description = "What each feature family adds."
    [base]                       # overrides of [model] for every variant
    num_boost_round = 200
    [[variant]]
    name = "zonder netwerk"
    drop_families = ["netwerk"]  # feature families left out
    [[variant]]
    name = "meer bladeren"
    model = { num_leaves = 31 }  # overrides of [model] for this variant
    [grid]                       # optional: every combination becomes a variant
    num_leaves = [7, 15, 31]

Each variant is trained on the same time split and measured on the same validation
investigations (average precision, precision@k, Brier) next to the logistic regression and the
rule baseline. Variants are logged as child runs of one parent run; nothing is registered and the
champion does not move: an experiment informs a choice, ``make train`` makes it.

With ``lists`` (``vastgoed experiment run --lijsten DIR``) each variant's whole ranking is written
as ``DIR/<variant>.csv`` (``rank, verblijfsobject_id, fenomeen, score, status``: ranked signals by
rank, then the addresses ranked apart by score, as a run's list orders them), so that a variant can
be judged against a world's truth by that world's own evaluator (``make bench-choices``: the
model's choices across worlds). The lists leave out the link-certainty step of a run (an object
whose signal rests on an uncertain link is ranked as a signal here).
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console

from features import catalogue
from vastgoed.core.config import Config, ModelConfig
from vastgoed.core.errors import ConfigError
from vastgoed.core.files import write_text_atomic
from vastgoed.core.spreadsheet import spreadsheet_safe
from vastgoed.core.worlds import MeasuredOn, Validated
from vastgoed.modelling import ScoringModel, features_at, score_objects, train_model, training_tables
from vastgoed.pipeline import Prepared, data_hash, prepare_features
from vastgoed.tracking import log_parent_metrics, log_training_run, parent_run, source_tags

__all__ = ["ExperimentSpec", "Variant", "load_experiment", "run_experiment"]


class Variant(BaseModel):
    """One variant: a name, model overrides and feature families to leave out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    model: dict[str, Any] = Field(default_factory=dict)
    drop_families: list[str] = Field(default_factory=list)
    drop_features: list[str] = Field(default_factory=list)


class ExperimentSpec(BaseModel):
    """An experiment file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    description: str = ""
    base: dict[str, Any] = Field(default_factory=dict)
    variant: list[Variant] = Field(default_factory=list)
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    def variants(self) -> list[Variant]:
        """The listed variants, then one per combination of the grid."""
        out = list(self.variant)
        if self.grid:
            keys = sorted(self.grid)
            for combo in itertools.product(*(self.grid[k] for k in keys)):
                overrides = dict(zip(keys, combo, strict=True))
                out.append(Variant(name=", ".join(f"{k}={v}" for k, v in overrides.items()), model=overrides))
        return out


def load_experiment(path: Path) -> ExperimentSpec:
    """Read and check an experiment file; unknown families and model settings are refused.

    Raises:
        ConfigError: naming the file and what is wrong.
    """
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    families = {s.family for s in catalogue()}
    names = {s.name for s in catalogue()}
    for v in spec.variants():
        bad = set(v.drop_families) - families
        if bad:
            raise ConfigError(f"{path}: variant {v.name!r}: unknown feature families {sorted(bad)}")
        bad = set(v.drop_features) - names
        if bad:
            raise ConfigError(f"{path}: variant {v.name!r}: unknown features {sorted(bad)}")
        try:
            ModelConfig.model_validate(spec.base | v.model)
        except ValidationError as exc:
            raise ConfigError(f"{path}: variant {v.name!r}: {exc}") from exc
    if not spec.variants():
        raise ConfigError(f"{path}: no variants")
    return spec


@dataclass
class ExperimentResult:
    """One row per variant with its validation figures, and the parent run's id."""

    table: pl.DataFrame
    parent_run_id: str
    child_runs: dict[str, str] = field(default_factory=dict)
    #: Where the variants were measured (the same time split for all); None without variants.
    validated: Validated | None = None


def variant_file(name: str) -> str:
    """The file name of a variant's list: its name in lower case, runs of other characters as ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".csv"


def _write_list(
    dest: Path, model: ScoringModel, prepared: Prepared, mc: ModelConfig, drop: frozenset[str]
) -> None:
    """A variant's whole ranking in :func:`score_objects`' order (ranked signals, then those ranked apart)."""
    scored = score_objects(
        model,
        prepared.features.drop(sorted(drop)),
        prepared.inputs.objects,
        prepared.outcomes,
        prepared.inputs.peildatum,
        mc.recent_months,
    )
    listed = scored.select(
        pl.int_range(1, pl.len() + 1).alias("rank"), "verblijfsobject_id", "fenomeen", "score", "status"
    )
    write_text_atomic(dest, spreadsheet_safe(listed).write_csv())


def run_experiment(
    spec: ExperimentSpec,
    data_dir: Path,
    config: Config,
    console: Console | None = None,
    lists: Path | None = None,
) -> ExperimentResult:
    """Prepare the data once, train every variant, log each as a nested run under one parent.

    With ``lists``, write each variant's whole ranking there (:func:`variant_file`).
    """
    console = console or Console(quiet=True)
    prepared = prepare_features(data_dir, config, console)
    at = features_at(prepared.inputs, prepared.features)
    by_family: dict[str, set[str]] = {}
    for s in catalogue():
        by_family.setdefault(s.family, set()).add(s.name)
    rows: list[dict[str, Any]] = []
    children: dict[str, str] = {}
    world = MeasuredOn.of_manifest(prepared.res.manifest)
    validated: Validated | None = None
    tags = {
        "vastgoed.kind": "experiment",
        "experiment": spec.name,
        "peildatum": prepared.inputs.peildatum.isoformat(),
        "gemeentecode": prepared.res.manifest.gemeentecode,
        "data_sha256": data_hash(prepared.res),
        "vastgoed.gemeten_op": world.describe("nl"),
        **source_tags(),
    }
    with parent_run(
        config.tracking, f"experiment-{spec.name}", {"description": spec.description}, tags
    ) as parent:
        for v in spec.variants():
            mc = ModelConfig.model_validate(config.model.model_dump() | spec.base | v.model)
            cfg = config.model_copy(update={"model": mc})
            drop = frozenset(v.drop_features).union(*(by_family[f] for f in v.drop_families))
            with console.status(f"variant {v.name}"):
                tr = train_model(
                    prepared.inputs, prepared.features, prepared.outcomes, cfg, at=at, drop_features=drop
                )
            logged = log_training_run(
                config.tracking,
                run_name=v.name,
                params={f"model.{k}": val for k, val in mc.model_dump().items()}
                | {"drop_families": ",".join(v.drop_families), "drop_features": ",".join(sorted(drop))},
                metrics=tr.flat_metrics(),
                tags=tags
                | {
                    "variant": v.name,
                    "model_hash": tr.model_hash,
                    "validation_data_sha256": tr.data_hash,
                },
                model=tr.model,
                input_example=tr.validation_set.X.head(5).cast(pl.Float64),
                tables=training_tables(tr),
                register=False,
                nested=True,
            )
            children[v.name] = logged.run_id
            if lists is not None:
                lists.mkdir(parents=True, exist_ok=True)
                _write_list(lists / variant_file(v.name), tr.model, prepared, mc, drop)
            validated = Validated(world=world, cutoff=tr.cutoff, n_validation=tr.n_validation)
            m, lr, rules = (tr.validation[k] for k in ("model", "logistic", "regels"))
            rows.append(
                {
                    "variant": v.name,
                    "val_ap": m["average_precision"],
                    "val_p@50": m["precision@50"],
                    "val_brier": m["brier"],
                    "logistic_ap": lr["average_precision"],
                    "regels_ap": rules["average_precision"],
                    "n_validatie": tr.n_validation,
                }
            )
            console.log(f"{v.name}: validation AP {m['average_precision']}")
        table = pl.DataFrame(rows)
        best = table.sort("val_ap", descending=True, nulls_last=True).row(0, named=True)
        log_parent_metrics({"best_val_ap": best["val_ap"]}, tables={"variants.csv": table})
    return ExperimentResult(table=table, parent_run_id=parent, child_runs=children, validated=validated)
