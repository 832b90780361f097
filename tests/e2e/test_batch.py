"""The whole batch at small scale, through the command line, as an operator runs it."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from vastgoed.cli import app
from vastgoed.core.identifiers import is_valid_bsn
from vastgoed.ethics.review import audit_log

SIGNAL_COLUMNS = [
    "rank",
    "verblijfsobject_id",
    "adres",
    "buurtcode",
    "score",
    "fenomeen",
    "redenen",
    "model_version",
    "run_id",
]


def _config(tmp: Path) -> Path:
    cfg = tmp / "config.toml"
    cfg.write_text(
        f"""
[model]
num_boost_round = 60
num_threads = 1
explain_top = 300
# the small municipalities have a handful of confirmed investigations; these tests are of the
# learned model (the rule-based start has its own, tests/e2e/test_no_labels.py)
min_confirmed = 1

[output]
top_n = 200

[tracking]
tracking_uri = "sqlite:///{tmp / "mlflow.db"}"
artifact_location = "{tmp / "mlartifacts"}"
experiment = "test"
""",
        encoding="utf-8",
    )
    return cfg


_DAMAGED_OPTIONAL = [
    ("kadaster_eigendom", "koopsom", "onbekend"),
    ("kvk_functionarissen", "geboortedatum", "31-11-1985"),  # an identifier: reported masked
]


@pytest.fixture(scope="module")
def batch(
    small_municipality: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, Path]:
    source, truth = small_municipality
    tmp = tmp_path_factory.mktemp("batch")
    data = tmp / "data"
    shutil.copytree(source, data)
    # two bad optional values: emptied and reported (genulde_waarden.csv), their rows kept
    for stem, column, value in _DAMAGED_OPTIONAL:
        df = pl.read_csv(data / f"{stem}.csv", infer_schema=False)
        df.with_columns(
            pl.when(pl.int_range(pl.len()) == 3).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
        ).write_csv(data / f"{stem}.csv")
    out = tmp / "out"
    result = CliRunner().invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp))]
    )
    assert result.exit_code == 0, result.output
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    (tmp / "run-output.txt").write_text(result.output, encoding="utf-8")
    return run_dir, tmp, truth


def test_run_writes_the_contract_outputs(batch: tuple[Path, Path, Path]) -> None:
    run_dir, _, _ = batch
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()
    signals = pl.read_parquet(run_dir / "signals.parquet")
    bag_rows = signals.height
    assert signals.columns[: len(SIGNAL_COLUMNS)] == SIGNAL_COLUMNS
    assert signals["verblijfsobject_id"].n_unique() == bag_rows
    ranked = signals.filter(pl.col("rank").is_not_null())
    apart = signals.filter(pl.col("rank").is_null())
    # New signals are ranked 1..n; addresses investigated recently follow, ranked apart.
    assert signals["rank"].to_list()[: ranked.height] == list(range(1, ranked.height + 1))
    assert ranked["score"].is_sorted(descending=True)
    assert set(ranked["status"]) == {"signaal"}
    assert set(apart["status"]) <= {"recent_onderzocht", "koppeling_onzeker"}
    recent = apart.filter(pl.col("status") == "recent_onderzocht")
    assert recent["laatste_onderzoek"].null_count() == 0
    assert (run_dir / "report.html").exists() and (run_dir / "recent_onderzocht.csv").exists()
    detail = ranked.head(20)
    for reasons in detail["redenen_detail"].to_list():
        assert reasons and all(r["bijdrage"] > 0 and r["feit"] for r in reasons)
    for against in detail["tegen"].to_list():
        assert all(r["bijdrage"] < 0 for r in against)
    top = pl.read_csv(run_dir / "signals.csv", schema_overrides={"verblijfsobject_id": pl.String})
    assert top.columns == SIGNAL_COLUMNS and top.height == min(200, bag_rows)
    assert top["redenen"].null_count() == 0
    first = top["redenen"][0]
    assert re.search(r"[^;]+ \(\+\d+\.\d\d\)", first), first
    info = json.loads((run_dir / "run.json").read_text())
    for key in ("run_id", "timings_s", "data", "config", "versions", "code_version", "model", "mlflow"):
        assert key in info
    assert set(info["timings_s"]) >= {
        "ingest",
        "linkage",
        "features",
        "train",
        "score",
        "explain",
        "write",
        "tracking",
    }
    assert len(info["data"]["hashes_sha256"]["bag_verblijfsobjecten.csv"]) == 64
    assert (run_dir / "quarantine.csv").exists()
    nulled = pl.read_csv(run_dir / "genulde_waarden.csv", infer_schema=False)
    assert nulled.select("bestand", "rij", "kolom", "waarde").rows() == [
        ("kadaster_eigendom", "3", "koopsom", "onbekend"),
        ("kvk_functionarissen", "3", "geboortedatum", "<datum>"),
    ]
    assert info["data"]["nulled_values"] == 2
    assert info["data"]["rows"]["kadaster_eigendom"]["values_nulled"] == 1
    assert info["data"]["rows"]["kadaster_eigendom"]["rows_quarantined"] == 0
    links = pl.read_parquet(run_dir / "links" / "adressen.parquet")
    assert links.columns == ["record", "verblijfsobject_id", "methode", "zekerheid"]
    assert links["record"].str.contains(r"^[a-z_]+:\d+$").all()
    assert not list(run_dir.parent.glob(".tmp-*"))


def test_mlflow_has_the_run_and_its_model(batch: tuple[Path, Path, Path]) -> None:
    run_dir, tmp, _ = batch
    info = json.loads((run_dir / "run.json").read_text())
    with sqlite3.connect(tmp / "mlflow.db") as db:
        names = {r[0] for r in db.execute("select name from runs")}
    assert info["run_id"] in names
    assert any((tmp / "mlartifacts").rglob("MLmodel"))
    # the training run's validation metrics name the world they were measured on
    with sqlite3.connect(tmp / "mlflow.db") as db:
        worlds = [r[0] for r in db.execute("select value from tags where key = 'vastgoed.gemeten_op'")]
    assert worlds and all("eigen generator van het project (vastgoed.synthetic, seed 7" in w for w in worlds)


def _person_strings(data: Path) -> set[str]:
    brp = pl.read_csv(data / "brp_inschrijvingen.csv", infer_schema=False)
    full = brp.select(pl.concat_str(["voornamen", "geslachtsnaam"], separator=" ")).to_series().to_list()
    kad = pl.read_csv(data / "kadaster_eigendom.csv", infer_schema=False).filter(
        pl.col("eigenaar_type") == "natuurlijk_persoon"
    )
    return {s for s in full + kad["eigenaar_naam"].to_list() if s and len(s) > 5}


def _texts_under(root: Path) -> list[str]:
    texts = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            df = pl.read_parquet(path)
            texts.append(df.write_ndjson())
        else:
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return texts


def test_no_bsn_and_no_person_name_in_outputs_or_mlflow(
    batch: tuple[Path, Path, Path], small_municipality: tuple[Path, Path]
) -> None:
    run_dir, tmp, _ = batch
    data, _ = small_municipality
    names = _person_strings(data)
    assert len(names) > 100  # the check below must have something to find
    texts = _texts_under(run_dir.parent) + _texts_under(tmp / "mlartifacts")
    with sqlite3.connect(tmp / "mlflow.db") as db:  # a SQL dump: every stored value, quoted and delimited
        texts.append("\n".join(db.iterdump()))
    raw_bsns = set(pl.read_csv(data / "brp_inschrijvingen.csv", infer_schema=False)["bsn"].to_list())
    assert len(raw_bsns) > 100
    for text in texts:
        # a standalone 9-digit number passing the 11-proef (not digits inside an id or a decimal)
        bsn_like = [m for m in re.findall(r"(?<![0-9A-Za-z.])\d{9}(?![0-9A-Za-z.])", text) if is_valid_bsn(m)]
        assert not bsn_like, bsn_like[:3]
        # and no input BSN anywhere, also glued to letters (not as digits of a longer number or decimal)
        leaked = raw_bsns.intersection(re.findall(r"(?<![\d.])\d{8,9}(?![\d.])", text))
        assert not leaked, len(leaked)
        found = [n for n in names if n in text]
        assert not found, found[:3]
        assert "31-11-1985" not in text  # the nulled birth date, reported masked


def test_evaluate_prints_model_and_baseline(batch: tuple[Path, Path, Path]) -> None:
    run_dir, _, truth = batch
    result = CliRunner().invoke(app, ["evaluate", "--run", str(run_dir), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    ev = json.loads((run_dir / "evaluatie.json").read_text())
    rankings = {(r["ranking"], r["fenomeen"]) for r in ev["rows"]}
    assert ("model", "alle") in rankings and ("baseline", "hennepteelt") in rankings
    ks = {r["k"] for r in ev["rows"]}
    assert ks == {50, 100, 200, 500}
    # every metric also per buurt: precision/recall at capacity, AP and a calibration curve
    signals = pl.read_parquet(run_dir / "signals.parquet")
    ranked_buurten = set(signals.filter(pl.col("rank").is_not_null())["buurtcode"].to_list())
    model_rows = [r for r in ev["per_buurt"] if r["ranking"] == "model"]
    assert {r["buurtcode"] for r in model_rows} == ranked_buurten
    assert all({"precision_at_k", "recall_at_k", "average_precision", "ece"} <= r.keys() for r in model_rows)
    curves = pl.DataFrame(ev["calibration_per_buurt"])
    assert set(curves["buurtcode"].to_list()) == ranked_buurten
    n_ranked = signals.filter(pl.col("rank").is_not_null()).height
    assert curves["n"].sum() == n_ranked
    assert "calibration" in result.output and "per buurt" in result.output
    # and on addresses never investigated, where no training label can flatter the model
    never = ev["headline_nooit_onderzocht"]
    assert never["precision_at_capacity_model"] is not None and "never investigated" in result.output
    fresh = signals.filter(pl.col("rank").is_not_null() & pl.col("laatste_onderzoek").is_null())
    assert 0 < fresh.height < n_ranked


def test_a_failing_run_leaves_no_list(
    small_municipality: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vastgoed.pipeline as pipeline

    data, _ = small_municipality

    def boom(*args: object, **kwargs: object) -> list[str]:
        raise RuntimeError("killed during explain")

    monkeypatch.setattr(pipeline, "explain_signals", boom)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp_path))]
    )
    assert result.exit_code != 0
    assert [p.name for p in out.iterdir()] == ["governance"]  # no list; the log says it failed
    failed = [e for e in audit_log(out).entries() if e.actie == "run_mislukt"]
    assert len(failed) == 1 and failed[0].details["fout"] == "RuntimeError"
    assert failed[0].details["fase"] == "explain" and "killed" not in json.dumps(failed[0].to_dict())


def test_a_running_batch_keeps_its_work_when_another_starts(tmp_path: Path) -> None:
    import os

    from vastgoed.pipeline import _clean_stale

    out = tmp_path / "out"
    live, dead = out / ".tmp-live", out / ".tmp-dead"
    live.mkdir(parents=True)
    dead.mkdir()
    (live / ".pid").write_text(str(os.getpid()))
    (dead / ".pid").write_text("999999999")
    _clean_stale(out)
    assert live.exists() and not dead.exists()


def test_graph_command_writes_the_neighbourhood(batch: tuple[Path, Path, Path]) -> None:
    run_dir, tmp, _ = batch
    edges = pl.read_parquet(run_dir / "graph" / "kanten.parquet")
    assert set(edges["soort"].unique()) >= {"ingeschreven_op", "eigenaar_van", "gevestigd_op", "in_pand"}
    owned = edges.filter(pl.col("soort") == "eigenaar_van")["naar"][0].removeprefix("verblijfsobject:")
    out = tmp / "buurt"
    result = CliRunner().invoke(
        app, ["graph", owned, "--run", str(run_dir), "--depth", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / f"buurt_{owned}_d2.json").read_text(encoding="utf-8"))
    assert any(k["soort"] == "eigenaar_van" for k in data["kanten"])
    assert (out / f"buurt_{owned}_d2.png").read_bytes()[:4] == b"\x89PNG"
    # the neighbourhood names persons by id only: no resident's or owner's name, no BSN
    text = (out / f"buurt_{owned}_d2.json").read_text(encoding="utf-8")
    data_dir = Path(json.loads((run_dir / "run.json").read_text())["data"]["folder"])
    assert not [n for n in _person_strings(data_dir) if n in text]
    bsns = set(pl.read_csv(data_dir / "brp_inschrijvingen.csv", infer_schema=False)["bsn"].to_list())
    assert not bsns.intersection(re.findall(r"\d{9}", text))
    bad = CliRunner().invoke(app, ["graph", "0935019999999999", "--run", str(run_dir), "--out", str(out)])
    assert bad.exit_code != 0 and "not in the graph" in bad.output


def test_every_quality_figure_names_its_world(batch: tuple[Path, Path, Path]) -> None:
    """Console summary, run.json, report, model card and register entry of a run on the generator."""
    run_dir, tmp, _ = batch
    own = "eigen generator van het project (vastgoed.synthetic, seed 7, schaal 0,03), gemeente 0935"
    console = " ".join((tmp / "run-output.txt").read_text(encoding="utf-8").split())
    assert "validatie: Tijdsplitsing op de eigen onderzoeken van deze gegevens" in console
    assert own in console
    assert re.search(r"precisie \(AP\) op die onderzoeken: model [01],\d{3}, regels [01],\d{3}", console)
    assert "let op: dit is de eigen wereld van de generator van het project" in console
    info = json.loads((run_dir / "run.json").read_text())
    world = info["data"]["gemeten_op"]
    assert (world["generator"], world["seed"], world["eigen_generator"]) == ("vastgoed.synthetic", 7, True)
    validatie = info["model"]["validatie"]
    assert validatie["validatieonderzoeken"] == info["model"]["training"]["validation_rows"] > 0
    assert validatie["validatievenster_vanaf"] == info["model"]["training"]["cutoff"]
    assert validatie["waarschuwing"].startswith("Let op:")
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<strong>Gemeten op:</strong> Tijdsplitsing" in report and own in report
    assert "wereld-waarschuwing" in report
    card = (run_dir / "ethics" / "model_card.md").read_text(encoding="utf-8")
    assert own in card and "> Let op: dit is de eigen wereld" in card
    assert "| eigen generator van het project | 1 |" in card
    assert "| onafhankelijk geschreven gemeente | 1 |" in card
    register = json.loads((run_dir / "ethics" / "algoritmeregister.json").read_text(encoding="utf-8"))
    assert own in register["run"]["validatie"]["tekst"]
    assert f"<strong>Gemeten op:</strong> synthetische gegevens van de {own}" in (
        run_dir / "ethics" / "fairness.html"
    ).read_text(encoding="utf-8")


def test_evaluate_names_the_generator_and_warns(batch: tuple[Path, Path, Path]) -> None:
    run_dir, _, truth = batch
    result = CliRunner().invoke(app, ["evaluate", "--run", str(run_dir), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Gemeten tegen de waarheid van synthetische gegevens van de eigen generator van het project" in out
    assert "seed 7" in out and "let op: dit is de eigen wereld van de generator van het project" in out
    assert "onafhankelijk geschreven gemeente precision@200 0," in out
    ev = json.loads((run_dir / "evaluatie.json").read_text())
    assert ev["gemeten_op"]["seed"] == 7 and ev["waarschuwing"].startswith("Let op:")
