"""The cross-world benchmark (issue 20): the batch on the project's generator and on the independent world.

Each world's run: generate the municipality, run ``vastgoed run`` in a fresh process with a fresh
MLflow store (so the run trains its own Splink and signal models), then score it. Both worlds are
scored by the *same* evaluator, the independent world's ``evaluate.py`` (called where it lives,
never copied): on the project's world through an adapter that writes the project's truth in the
harness's file layout (:func:`_harness_truth`). What it scores:

- three rankings: the model's list (the ranked signals by rank, then the addresses the run ranks
  apart, ``recent_onderzocht`` and ``koppeling_onzeker``, by score: every scored object once), the
  project's rule baseline (``models.baseline_scores`` on the run's features: the objects a rule
  flags) and the harness's own rule baseline (computed by ``evaluate.py`` from the data alone).
  "That world's own rule baseline" is the project's rules on the project's world and the harness's
  rules on the independent world; the other rule set is kept in the JSON;
- ``unseen``: the same with every address in ``onderzoeksuitkomsten`` removed from list and truth
  (never investigated: no training label can flatter the model there);
- per phenomenon: the rows of a list labelled with that phenomenon;
- person linkage: ``evaluate.py``'s pairwise figures, and per source pair
  (``linkage.pairwise_quality`` on the same convention: a truth record the run did not link is a
  singleton), address accuracy on matchable records, and the quarantine against the truth's list of
  bad rows (empty for both worlds' clean data: every quarantined row is a valid row quarantined).

On the project's world the project's own evaluator (``vastgoed.report.evaluate_run``, whose
population leaves the recently investigated out of both rankings) is run as well; its headline is
kept in the JSON as a cross-check.

Time and memory: the wall time of the ``vastgoed run`` process and its peak resident memory (the
largest of the kernel's figure for the process, the stage peaks in ``run.json`` and the process
tree's peak there).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from tests import worlds as tests_worlds
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.worlds import CrossWorld, WorldRow

ROOT = Path(__file__).resolve().parents[2]
ENV_WORLD = tests_worlds.INDEPENDENT_WORLD_ENV
#: ``project``: the project's generator with the demo parameters at the seed (``--vast``);
#: ``getrokken``: the project's generator with the parameters the seed draws (docs/synthetic.md);
#: ``independent``: ``../shared/independent-municipality``.
WORLDS = ("project", "getrokken", "independent")
#: The worlds written by the project's generator.
OWN_WORLDS = ("project", "getrokken")
KS = (50, 200, 500)
#: The issue's linkage and ingest targets (printed, not asserted).
PERSON_F1_MIN, PERSON_PRECISION_MIN, PAIR_RECALL_MIN, PAIR_MIN_TRUE = 0.95, 0.98, 0.90, 1000


class BatchFailed(AssertionError):
    """A world's generator, batch or evaluator exited with an error."""


def independent_world_dir() -> Path | None:
    """The independent municipality's folder (``gen.py``, ``evaluate.py``), or None when absent.

    Found as the tests find it (:func:`tests.worlds.independent_world_dir`); a folder named in
    ``VASTGOED_INDEPENDENT_WORLD`` that lacks the two scripts is an error here, not a skip.
    """
    named = os.environ.get(ENV_WORLD, "")
    if named:
        path = Path(named).expanduser().resolve()
        missing = [s for s in ("gen.py", "evaluate.py") if not (path / s).is_file()]
        if missing:
            raise FileNotFoundError(f"{ENV_WORLD}={named}: {', '.join(missing)} not found there")
        return path
    found = tests_worlds.independent_world_dir()
    return found if found is not None and (found / "evaluate.py").is_file() else None


def missing_world_reason() -> str:
    """Why the independent world is not measured (for a skip)."""
    looked = f"shared/independent-municipality in the folders above {ROOT}"
    return (
        f"INDEPENDENT WORLD NOT FOUND: set {ENV_WORLD} to the folder with gen.py and evaluate.py "
        f"(looked in {looked})"
    )


# ---------------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------------
@dataclass
class Measured:
    """One process: wall seconds, the kernel's peak resident MiB for it, stdout."""

    seconds: float
    peak_mib: float
    stdout: str


def _run(cmd: list[str], *, env: dict[str, str] | None = None, what: str) -> Measured:
    """Run ``cmd``, reaped with ``os.wait4`` (its own peak, not the largest child's so far)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=env, start_new_session=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        tail = err.read()[-4000:].decode("utf-8", "replace")
    if proc.returncode != 0:
        raise BatchFailed(f"{what} failed with exit code {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return Measured(seconds, round(usage.ru_maxrss / 1024, 1), stdout)


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for a parsed config: tables of scalars and lists of scalars."""
    scalars, tables = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(f"\n[{prefix}{key}]\n" + _toml(value, f"{prefix}{key}."))
        else:
            scalars.append(f"{key} = {_toml_value(value)}\n")
    return "".join(scalars) + "".join(tables)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def engine_env(*, real_data: bool) -> dict[str, str]:
    """The environment of a world's ``vastgoed`` process; data not marked synthetic needs a key."""
    env = dict(os.environ)
    env.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if real_data:
        env["VASTGOED_PSEUDONYM_KEY"] = secrets.token_hex(20)
    return env


def write_config(work: Path, *, real_data: bool) -> Path:
    """The run's config: the base config with a fresh MLflow store in ``work``.

    The base is ``VASTGOED_BENCH_CONFIG`` or ``configs/default.toml`` (what ``make score`` runs).
    For data not marked synthetic, the shipped ethics metadata with ``voorbeeld = false``, as a
    municipality's own metadata would say (the engine refuses example metadata on real data).
    """
    base = Path(os.environ.get("VASTGOED_BENCH_CONFIG", ROOT / "configs" / "default.toml"))
    with base.open("rb") as fh:
        cfg = tomllib.load(fh)
    tracking = cfg.setdefault("tracking", {})
    tracking["tracking_uri"] = f"sqlite:///{work / 'mlflow.db'}"
    tracking["artifact_location"] = str(work / "mlartifacts")
    if real_data:
        shipped = (ROOT / "configs" / "ethics.toml").read_text(encoding="utf-8")
        own, n = re.subn(r"(?m)^voorbeeld\s*=\s*true\b", "voorbeeld = false", shipped)
        if n != 1:
            raise ValueError("configs/ethics.toml: no line `voorbeeld = true` to turn into false")
        (work / "ethics.toml").write_text(own, encoding="utf-8")
        cfg.setdefault("ethics", {})["metadata"] = str(work / "ethics.toml")
    path = work / "config.toml"
    path.write_text(_toml(cfg), encoding="utf-8")
    from vastgoed.core.config import load_config

    load_config(path)  # the written file is a valid config, or this raises
    return path


def _vastgoed(*args: str) -> list[str]:
    return [sys.executable, "-m", "vastgoed", *args]


def _generate(world: str, seed: int, scale: float, data: Path, truth: Path) -> Measured:
    args = ["--out", str(data), "--truth", str(truth), "--seed", str(seed), "--scale", str(scale)]
    if world in OWN_WORLDS:
        fixed = ["--vast"] if world == "project" else []
        return _run(_vastgoed("generate", *args, *fixed), what=f"project generator, {world} (seed {seed})")
    folder = independent_world_dir()
    assert folder is not None, missing_world_reason()
    return _run([sys.executable, str(folder / "gen.py"), *args], what=f"independent gen.py (seed {seed})")


# ---------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------
def _model_list(run_dir: Path, dest: Path, *, by_score: bool = False) -> Path:
    """The model's whole ranking: ranked signals by rank, then those ranked apart by score.

    ``by_score``: every scored object by score alone, as if nothing were ranked apart (the
    "model AP by score" column: what ranking apart costs or gains against this truth).
    """
    s = pl.read_parquet(
        run_dir / "signals.parquet", columns=["verblijfsobject_id", "rank", "score", "fenomeen"]
    )
    if by_score:
        s = s.sort(["score", "verblijfsobject_id"], descending=[True, False])
    else:
        s = s.sort(
            [pl.col("rank").is_null(), "rank", "score", "verblijfsobject_id"],
            descending=[False, False, True, False],
        )
    s.select(pl.int_range(1, pl.len() + 1).alias("rank"), "verblijfsobject_id", "fenomeen").write_csv(dest)
    return dest


def _project_rules_list(run_dir: Path, dest: Path) -> Path:
    """The project's rule baseline on the run's own features: the objects a rule flags, by score."""
    from models import baseline_scores

    base = baseline_scores(pl.read_parquet(run_dir / "features.parquet"))
    (
        base.filter(pl.col("score") > 0)
        .sort(["score", "verblijfsobject_id"], descending=[True, False])
        .select(pl.int_range(1, pl.len() + 1).alias("rank"), "verblijfsobject_id", "fenomeen")
        .write_csv(dest)
    )
    return dest


def _harness_truth(data: Path, truth: Path, dest: Path) -> Path:
    """The project's truth in the harness's layout, so that ``evaluate.py`` can score its world.

    ``adressen.csv`` gains ``buurtcode`` (from the BAG extract; the fairness view reads it),
    ``record_adressen.csv`` is ``adreslinks`` with ``matchbaar`` = not shielded and a true object,
    ``personen.csv`` is copied, and ``corrupt_rows.csv`` is empty (the generator writes no bad rows).
    """
    from vastgoed.core.files import read_strings

    dest.mkdir(parents=True, exist_ok=True)
    adressen, personen, links = (read_strings(truth, n) for n in ("adressen", "personen", "adreslinks"))
    bag = read_strings(data, "bag_verblijfsobjecten")
    assert adressen is not None and personen is not None and links is not None and bag is not None
    buurt = bag.select("verblijfsobject_id", "buurtcode")
    adressen.join(buurt, on="verblijfsobject_id", how="left").write_csv(dest / "adressen.csv")
    personen.select("record", "persoon_id").write_csv(dest / "personen.csv")
    links.select(
        "record",
        "verblijfsobject_id",
        (
            pl.col("verblijfsobject_id").is_not_null()
            & ~pl.col("afgeschermd").str.to_lowercase().is_in(["true", "1"])
        )
        .cast(pl.String)
        .str.to_lowercase()
        .alias("matchbaar"),
    ).write_csv(dest / "record_adressen.csv")
    pl.DataFrame(
        schema={c: pl.String for c in ("record", "bestand", "kolom", "reden", "waarde", "duplicaat_van")}
    ).write_csv(dest / "corrupt_rows.csv")
    return dest


def _evaluate_py(
    data: Path, truth: Path, signals: Path, out: Path, *, run_dir: Path | None = None
) -> dict[str, Any]:
    folder = independent_world_dir()
    assert folder is not None, missing_world_reason()
    cmd = [sys.executable, str(folder / "evaluate.py"), "--truth", str(truth), "--data", str(data)]
    cmd += ["--signals", str(signals), "--out", str(out)]
    if run_dir is not None:
        cmd += ["--links", str(run_dir / "links"), "--quarantine", str(run_dir / "quarantine.csv")]
    _run(cmd, what=f"evaluate.py on {signals.name}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _ranking(block: dict[str, Any]) -> dict[str, Any]:
    """The figures of one list from ``evaluate.py``'s ``engine`` or ``baseline`` block."""

    def pick(m: dict[str, Any]) -> dict[str, Any]:
        return {
            **{f"p@{k}": m.get(f"precision@{k}") for k in KS},
            "ap": m.get("average_precision"),
            "listed": m.get("n_listed"),
            "positives": m.get("n_positive"),
        }

    return {
        "overall": pick(block["overall"]),
        "unseen": pick(block["unseen"]),
        "per_fenomeen": {f: pick(m) for f, m in block["per_fenomeen"].items()},
    }


def _person_pairs(truth: Path, run_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pairwise person quality per source pair, over every truth record and over the linked ones.

    The first counts a truth record the run did not link as a singleton (``evaluate.py``'s
    convention); the second counts only records in both (the project evaluator's).
    """
    from linkage import pairwise_quality
    from vastgoed.core.files import read_strings

    t = read_strings(truth, "personen")
    assert t is not None
    t = t.select("record", "persoon_id")
    pred = (
        pl.read_parquet(run_dir / "links" / "personen.parquet", columns=["record", "persoon_id"])
        .with_columns(pl.col("record", "persoon_id").cast(pl.String))
        .unique("record", keep="first")
    )
    filled = t.select("record").join(
        pred,
        on="record",
        how="left",
    )
    filled = filled.with_columns(
        pl.coalesce(pl.col("persoon_id"), pl.lit("__single__") + pl.col("record")).alias("persoon_id")
    )
    return pairwise_quality(filled, t).to_dicts(), pairwise_quality(pred, t).to_dicts()


def _ranked_apart(run_dir: Path, truth: Path) -> dict[str, Any]:
    """Objects and true positives per ``status`` of the run's list (``signaal`` is the ranked list)."""
    s = pl.read_parquet(run_dir / "signals.parquet", columns=["verblijfsobject_id", "status"])
    t = pl.read_csv(truth / "adressen.csv", infer_schema=False, columns=["verblijfsobject_id", "fenomeen"])
    pos = t.filter(pl.col("fenomeen").fill_null("") != "").select("verblijfsobject_id")
    s = s.with_columns(pl.col("verblijfsobject_id").is_in(pos["verblijfsobject_id"].implode()).alias("pos"))
    return {
        row["status"]: {"objects": row["objects"], "positives": row["positives"]}
        for row in s.group_by("status")
        .agg(pl.len().alias("objects"), pl.col("pos").sum().alias("positives"))
        .sort("status")
        .iter_rows(named=True)
    }


def _quarantine_by_reason(run_dir: Path) -> list[dict[str, Any]]:
    q = pl.read_csv(run_dir / "quarantine.csv", infer_schema=False)
    if q.is_empty():
        return []
    # a reason names the value ("... (8 digits)"): group on its words before any digits or quotes
    reason = pl.col("reden").str.replace(r"[\"'0-9].*$", "").str.strip_chars(" (:")
    return (
        q.group_by("bestand", "kolom", reason.alias("reden"))
        .len("rows")
        .sort("rows", descending=True)
        .head(8)
        .to_dicts()
    )


@dataclass
class WorldRun:
    """The figures of one world and seed."""

    world: str
    seed: int
    scale: float
    run_id: str = ""
    objects: int = 0
    positives: int = 0
    investigated: int = 0
    generate_s: float = 0.0
    batch_wall_s: float = 0.0
    stages_s: float = 0.0
    peak_mib: float = 0.0
    evaluate_s: float = 0.0
    #: ``model``, ``model_by_score``, ``rules_project``, ``rules_harness`` (``evaluate.py``'s figures).
    rankings: dict[str, Any] = field(default_factory=dict)
    own_rules: str = ""
    persons: dict[str, Any] = field(default_factory=dict)
    person_pairs: list[dict[str, Any]] = field(default_factory=list)
    #: The same over the truth records the run linked only (the project evaluator's convention).
    person_pairs_linked: list[dict[str, Any]] = field(default_factory=list)
    addresses: dict[str, Any] = field(default_factory=dict)
    quarantine: dict[str, Any] = field(default_factory=dict)
    #: Per ``status`` of the run's list: objects and true positives (the ranked apart sit at its end).
    ranked_apart: dict[str, Any] = field(default_factory=dict)
    #: The project's own evaluator on the project's world (its headline), as a cross-check.
    project_evaluator: dict[str, Any] | None = None

    def targets(self) -> dict[str, bool | None]:
        """Which of the issue's targets hold: person F1 and precision, pair recall, no valid row lost."""

        def f1_held(rows: list[dict[str, Any]]) -> bool | None:
            total = next((p for p in rows if p["bron_a"] == p["bron_b"] == "alle"), None)
            if total is None or total["f1"] is None or total["precision"] is None:
                return None
            return bool(total["f1"] >= PERSON_F1_MIN and total["precision"] >= PERSON_PRECISION_MIN)

        big = [p for p in self.person_pairs if p["bron_a"] != "alle" and p["true"] >= PAIR_MIN_TRUE]
        f1_name = f"person F1 >= {PERSON_F1_MIN} and precision >= {PERSON_PRECISION_MIN}"
        return {
            f"{f1_name} (every truth record)": f1_held(self.person_pairs),
            f"{f1_name} (linked records only)": f1_held(self.person_pairs_linked),
            f"recall >= {PAIR_RECALL_MIN} per source pair with >= {PAIR_MIN_TRUE:,} true pairs "
            "(every truth record)": all(p["recall"] >= PAIR_RECALL_MIN for p in big),
            "no valid row quarantined": self.quarantine.get("extra_quarantined") == 0,
        }

    def worst_pair(self) -> dict[str, Any] | None:
        """The source pair with the lowest F1 among those with at least ``PAIR_MIN_TRUE`` true pairs."""
        big = [p for p in self.person_pairs if p["bron_a"] != "alle" and p["true"] >= PAIR_MIN_TRUE]
        return min(big, key=lambda p: p["f1"]) if big else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the targets and the worst pair."""
        return {**asdict(self), "targets": self.targets(), "worst_pair": self.worst_pair()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorldRun:
        """Back from :meth:`to_dict` (``out/bench/worlds.json``'s runs), to print the tables again."""
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def run_world(world: str, seed: int, scale: float, work: Path, *, keep_run: bool = False) -> WorldRun:
    """Generate ``world`` at ``seed`` and ``scale``, run the batch in a fresh MLflow store, score it.

    Raises:
        BatchFailed: when the generator, the batch or an evaluator fails.
    """
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}; one of {WORLDS}")
    work.mkdir(parents=True, exist_ok=True)
    data, truth, out = work / "data", work / "truth", work / "out"
    r = WorldRun(world=world, seed=seed, scale=scale)
    r.generate_s = round(_generate(world, seed, scale, data, truth).seconds, 1)
    real = world == "independent"
    env = engine_env(real_data=real)
    cfg = write_config(work, real_data=real)
    batch = _run(
        _vastgoed("run", "--data", str(data), "--out", str(out), "--config", str(cfg)),
        env=env,
        what=f"vastgoed run on the {world} world (seed {seed}, scale {scale})",
    )
    run_dir = (out / "latest").resolve()
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    memory = info.get("memory", {})
    r.run_id = str(info.get("run_id", run_dir.name))
    r.objects = int(info.get("n_scored", 0))
    r.batch_wall_s = round(batch.seconds, 1)
    r.stages_s = round(sum(float(v) for v in info.get("timings_s", {}).values()), 1)
    r.peak_mib = max(
        batch.peak_mib,
        float(memory.get("overall_peak_rss_mib", 0.0)),
        float(memory.get("process_tree_peak_mib", 0.0)),
        *(float(v) for v in memory.get("peak_rss_mib", {}).values()),
    )

    start = time.perf_counter()
    ev = work / "eval"
    ev.mkdir(exist_ok=True)
    htruth = truth if real else _harness_truth(data, truth, ev / "truth")
    model_list = _model_list(run_dir, ev / "model.csv")
    main = _evaluate_py(data, htruth, model_list, ev / "model.json", run_dir=run_dir)
    r.positives, r.investigated = int(main["positives"]), int(main["investigated_addresses"])
    r.rankings["model"] = _ranking(main["engine"])
    r.rankings["rules_harness"] = _ranking(main["baseline"])
    for name, lst in (
        ("model_by_score", _model_list(run_dir, ev / "model_by_score.csv", by_score=True)),
        ("rules_project", _project_rules_list(run_dir, ev / "rules_project.csv")),
    ):
        r.rankings[name] = _ranking(_evaluate_py(data, htruth, lst, ev / f"{name}.json")["engine"])
    r.own_rules = "rules_harness" if real else "rules_project"
    r.ranked_apart = _ranked_apart(run_dir, htruth)
    linkage = main.get("linkage", {})
    persons = linkage.get("personen")
    if isinstance(persons, dict):
        r.persons = {k: persons[k] for k in ("all_pairs", "cross_source_pairs", "records_in_truth")}
    addresses = linkage.get("adressen")
    if isinstance(addresses, dict):
        r.addresses = addresses
    r.person_pairs, r.person_pairs_linked = _person_pairs(htruth, run_dir)
    q = main.get("quarantine", {})
    r.quarantine = {
        k: q.get(k) for k in ("expected_rows", "quarantined_rows_found", "caught", "extra_quarantined")
    }
    r.quarantine["top_reasons"] = _quarantine_by_reason(run_dir)
    if not real:
        from vastgoed.report.evaluation import evaluate_run

        ev_p = evaluate_run(run_dir, truth)
        r.project_evaluator = {
            "headline": ev_p.headline(),
            "never_investigated": ev_p.never_investigated,
        }
    r.evaluate_s = round(time.perf_counter() - start, 1)
    (work / "figures.json").write_text(json.dumps(r.to_dict(), indent=1, default=str), encoding="utf-8")
    if not keep_run:  # the figures, the lists and evaluate.py's JSON stay; the bulk goes
        for bulk in (out, data, truth, ev / "truth"):
            shutil.rmtree(bulk, ignore_errors=True)
    return r


# ---------------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------------
def _f(v: Any, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _label(r: WorldRun) -> str:
    return f"{r.world} {r.seed}"


def markdown(results: list[WorldRun]) -> str:
    """The figures as markdown tables (what goes into ``docs/benchmarks.md``)."""
    lines: list[str] = []
    own = {"rules_project": "project rules", "rules_harness": "harness rules"}
    for part, title in (
        ("overall", "Whole ranking"),
        ("unseen", "Never-investigated addresses (`unseen`)"),
    ):
        lines += [
            f"**{title}** (model vs. that world's own rule baseline):",
            "",
            "| world seed | positives | model P@50 | P@200 | P@500 | AP "
            "| own rules | P@50 | P@200 | P@500 | AP | AP ratio | other rules AP | model AP by score |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in results:
            m, b = r.rankings["model"][part], r.rankings[r.own_rules][part]
            other = r.rankings["rules_project" if r.own_rules == "rules_harness" else "rules_harness"][part]
            ratio = m["ap"] / b["ap"] if m["ap"] is not None and b["ap"] else None
            lines.append(
                f"| {_label(r)} | {m['positives']:,} | "
                + " | ".join(_f(m[f"p@{k}"], 2) for k in KS)
                + f" | **{_f(m['ap'])}** | {own[r.own_rules]} | "
                + " | ".join(_f(b[f"p@{k}"], 2) for k in KS)
                + f" | **{_f(b['ap'])}** | {_f(ratio, 2)} | {_f(other['ap'])} "
                + f"| {_f(r.rankings['model_by_score'][part]['ap'])} |"
            )
        lines.append("")
    lines += [
        "**Per phenomenon** (AP, model / own rules; the rows of each list labelled with that phenomenon):",
        "",
        "| world seed | " + " | ".join(f.replace("_", " ") for f in FENOMENEN) + " |",
        "|---|" + "---|" * len(FENOMENEN),
    ]
    for r in results:
        m, b = r.rankings["model"]["per_fenomeen"], r.rankings[r.own_rules]["per_fenomeen"]
        cells = [f"{_f(m[f]['ap'], 2)} / {_f(b[f]['ap'], 2)}" for f in FENOMENEN]
        lines.append(f"| {_label(r)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "**Linkage, ingest, cost** (person pairs over every truth record, a record the run did not "
        "link a singleton; worst source pair by F1 among those with ≥ 1,000 true pairs):",
        "",
        "| world seed | objects | person P / R / F1 | F1 over linked records | cross-source F1 "
        "| worst pair (P / R) | address accuracy | valid rows quarantined | batch wall | peak memory "
        "| targets met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a = r.persons.get("all_pairs", {})
        x = r.persons.get("cross_source_pairs", {})
        w = r.worst_pair()
        worst = "–" if w is None else f"{w['bron_a']}–{w['bron_b']} {_f(w['precision'])} / {_f(w['recall'])}"
        held = r.targets()
        linked = next((p for p in r.person_pairs_linked if p["bron_a"] == p["bron_b"] == "alle"), {})
        lines.append(
            f"| {_label(r)} | {r.objects:,} | {_f(a.get('precision'))} / {_f(a.get('recall'))} / "
            f"{_f(a.get('f1'))} | {_f(linked.get('f1'))} | {_f(x.get('f1'))} | {worst} | "
            f"{_f(r.addresses.get('accuracy'), 4)} | "
            f"{r.quarantine.get('extra_quarantined')} | {r.batch_wall_s:.0f} s | "
            f"{r.peak_mib / 1024:.2f} GiB | {sum(bool(v) for v in held.values())}/{len(held)} |"
        )
    pairs = sorted(
        {(p["bron_a"], p["bron_b"]) for r in results for p in r.person_pairs if p["bron_a"] != "alle"}
    )
    if pairs:
        lines += [
            "",
            "**Person pairs per source pair** (precision / recall; true pairs in brackets):",
            "",
            "| source pair | " + " | ".join(_label(r) for r in results) + " |",
            "|---|" + "---|" * len(results),
        ]
        for pa in pairs:
            cells = []
            for r in results:
                p = next((p for p in r.person_pairs if (p["bron_a"], p["bron_b"]) == pa), None)
                cells.append(
                    "–" if p is None else f"{_f(p['precision'], 2)} / {_f(p['recall'], 2)} ({p['true']:,})"
                )
            lines.append(f"| {pa[0]}–{pa[1]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def targets_text(results: list[WorldRun]) -> str:
    """Which of the issue's targets hold, per world and seed (printed, never asserted)."""
    lines = []
    for r in results:
        for name, held in r.targets().items():
            mark = "holds" if held else ("n/a" if held is None else "MISSED")
            lines.append(f"{_label(r):<14} {mark:<7} {name}")
    return "\n".join(lines)


def cross_world(results: list[WorldRun], *, measured: str, commit: str, scale: float) -> CrossWorld:
    """The runs reduced to what the engine carries (``vastgoed/core/werelden.json``, the model card)."""
    capacity = 200

    def row(r: WorldRun) -> WorldRow:
        model, rules = r.rankings["model"], r.rankings[r.own_rules]
        key = f"p@{capacity}"
        return WorldRow(
            world=r.world,
            seed=r.seed,
            positives=r.positives,
            model_p=model["overall"][key],
            model_ap=model["overall"]["ap"],
            rules_p=rules["overall"][key],
            rules_ap=rules["overall"]["ap"],
            unseen_model_ap=model["unseen"]["ap"],
            unseen_rules_ap=rules["unseen"]["ap"],
            per_fenomeen={
                f: [model["per_fenomeen"][f]["ap"], rules["per_fenomeen"][f]["ap"]]
                for f in FENOMENEN
                if f in model.get("per_fenomeen", {}) and f in rules.get("per_fenomeen", {})
            },
        )

    return CrossWorld(
        measured=measured, commit=commit, scale=scale, capacity=capacity, rows=tuple(row(r) for r in results)
    )
