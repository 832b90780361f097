"""Responsible use end to end: the ethics bundle of a run, the release gate, verdicts, the audit log,
the privacy scan, and property-level outputs only."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from tests.e2e.accounts import ANALIST, PASSWORD, REVIEWER, add_accounts, as_user
from tests.e2e.test_batch import _config
from vastgoed.cli import app
from vastgoed.ethics.documents import missing_register_fields

RUNNER = CliRunner()
PERSON_KEYS = {"persoon_id", "bsn", "bsn_pseudoniem", "geslachtsnaam", "voornamen", "geboortedatum"}


@pytest.fixture(scope="module")
def governed(
    small_municipality: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    data, _ = small_municipality
    tmp = tmp_path_factory.mktemp("governed")
    out = tmp / "out"
    result = RUNNER.invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp))]
    )
    assert result.exit_code == 0, result.output
    add_accounts(out)
    return Path(result.stdout.strip().splitlines()[-1]), out


def _release(run_dir: Path) -> Result:
    return as_user(RUNNER, REVIEWER, "release", str(run_dir))


def _verdict(run_dir: Path, *args: str) -> Result:
    return as_user(RUNNER, ANALIST, "verdict", str(run_dir), *args)


def _actions(log: Path) -> list[str]:
    return [json.loads(line)["actie"] for line in log.read_text(encoding="utf-8").splitlines()]


def _besides_logins(log: Path) -> list[str]:
    """The log's entries other than the command line's logins (which a refused command still makes)."""
    return [
        line for line in log.read_text(encoding="utf-8").splitlines() if json.loads(line)["actie"] != "login"
    ]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_run_carries_its_ethics_bundle(governed: tuple[Path, Path]) -> None:
    run_dir, _ = governed
    ethics = run_dir / "ethics"
    names = {p.name for p in ethics.iterdir()}
    assert {
        "algoritmeregister.json",
        "model_card.md",
        "datasheet.md",
        "fairness.json",
        "fairness.html",
    } <= names
    register = json.loads((ethics / "algoritmeregister.json").read_text(encoding="utf-8"))
    assert missing_register_fields(register) == []
    assert register["run"]["run_id"] == run_dir.name
    fairness = json.loads((ethics / "fairness.json").read_text(encoding="utf-8"))
    assert fairness["herkomst_labels"]["onderzoeken"] > 0 and fairness["model"] and fairness["labels"]
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert info["ethics"]["fairness"]["n_vlaggen"] == len(fairness["vlaggen"])


def test_signals_carry_their_dossier_and_uncertain_links_are_not_ranked(governed: tuple[Path, Path]) -> None:
    run_dir, _ = governed
    signals = pl.read_parquet(run_dir / "signals.parquet")
    assert {
        "koppeling_min_zekerheid",
        "zwakste_koppelingen",
        "actualiteit",
        "redenen_detail",
        "tegen",
    } <= set(signals.columns)
    assert "brp_inschrijvingen=" in signals["actualiteit"][0]
    onzeker = signals.filter(pl.col("status") == "koppeling_onzeker")
    assert onzeker.height and onzeker["rank"].null_count() == onzeker.height
    # the weakest link a signal rests on decides (signal_link_certainty), not the weakest at the object
    assert (onzeker["koppeling_zekerheid_signaal"] < 0.9).all()
    assert (onzeker["koppeling_min_zekerheid"] <= onzeker["koppeling_zekerheid_signaal"]).all()
    ranked = signals.filter(pl.col("rank").is_not_null())
    assert (ranked["koppeling_zekerheid_signaal"].fill_null(1.0) >= 0.9).all()


def test_no_output_scores_a_person(governed: tuple[Path, Path]) -> None:
    """The unit is the verblijfsobject: every table that carries a score is keyed by it, and no table
    carries a score next to a person key."""
    run_dir, _ = governed
    tables = [*run_dir.rglob("*.parquet"), *run_dir.rglob("*.csv")]
    assert tables
    for path in tables:
        cols = set(
            pl.read_parquet_schema(path) if path.suffix == ".parquet" else pl.read_csv(path, n_rows=1).columns
        )
        scored = {c for c in cols if c == "score" or c.startswith("score_") or c == "rank"}
        if scored:
            assert "verblijfsobject_id" in cols, path
            assert not (cols & PERSON_KEYS), (path, cols & PERSON_KEYS)


def test_release_needs_an_approving_review_and_writes_nothing_before(governed: tuple[Path, Path]) -> None:
    run_dir, out = governed
    log = out / "governance" / "audit.jsonl"
    before, log_before = _tree(run_dir), log.read_bytes()

    refused = _release(run_dir)
    assert refused.exit_code != 0
    assert "no moral-deliberation decision" in refused.output and "nothing was written" in refused.output
    # the reviewer's login is logged; nothing else
    assert _tree(run_dir) == before and log.read_bytes().startswith(log_before)
    assert _actions(log)[len(log_before.splitlines()) :] == ["login"]

    ok = as_user(
        RUNNER, REVIEWER, "review", str(run_dir), "--decision", "approve", "--rationale", "Afgewogen."
    )
    assert ok.exit_code == 0, ok.output
    # (an approval that leaves a flag open does not release: test_the_gate_takes_flags_...)
    ok = as_user(
        RUNNER, REVIEWER,
        "review", str(run_dir), "--decision", "approve",
        "--rationale", "Vlaggen besproken: selectie in het verleden, lijst wordt gecontroleerd.",
        "--accept-flag", "all",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.output
    released = _release(run_dir)
    assert released.exit_code == 0, released.output
    lijst = pl.read_csv(
        run_dir / "vrijgegeven" / "lijst.csv", schema_overrides={"verblijfsobject_id": pl.String}
    )
    assert lijst.height > 0 and lijst["rank"].to_list() == sorted(lijst["rank"].to_list())
    release = json.loads((run_dir / "vrijgegeven" / "release.json").read_text(encoding="utf-8"))
    assert release["decision"]["decision"] == "approve"

    # a verdict on a released signal is stored with provenance and becomes a label
    vbo = lijst["verblijfsobject_id"][0]
    v = _verdict(run_dir, vbo, "--outcome", "bevestigd", "--note", "aangetroffen")
    assert v.exit_code == 0, v.output
    stored = json.loads((out / "governance" / "verdicten.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert stored["run_id"] == run_dir.name and stored["rank"] == 1 and stored["outcome"] == "bevestigd"
    bad = _verdict(run_dir, "0000000000000000", "--outcome", "bevestigd")
    assert bad.exit_code != 0 and "not on the released list" in bad.output

    # the audit log holds the run, both reviews, the release and the verdict, each after its login
    # (the last login is the refused verdict's), and verifies
    actions = _actions(log)
    assert actions.index("run") < actions.index("account") < actions.index("review")
    assert actions[-7:] == ["login", "review", "login", "release", "login", "verdict", "login"]
    verified = RUNNER.invoke(app, ["audit", "verify", "--out", str(out)])
    assert verified.exit_code == 0, verified.output

    # altering one byte of one entry is detected, and the entry is named
    lines = log.read_bytes().splitlines(keepends=True)
    i = 2
    pos = lines[i].index(b'"actie":"') + len(b'"actie":"')
    tampered = lines[i][:pos] + bytes([lines[i][pos] ^ 0x01]) + lines[i][pos + 1 :]
    log.write_bytes(b"".join([*lines[:i], tampered, *lines[i + 1 :]]))
    broken = RUNNER.invoke(app, ["audit", "verify", "--out", str(out)])
    assert broken.exit_code != 0
    assert f"entry {i + 1}" in broken.output and "does NOT verify" in broken.output
    log.write_bytes(b"".join(lines))


def _copy_run(governed: tuple[Path, Path], tmp_path: Path, flags: list[str]) -> tuple[Path, Path]:
    """The governed run in a fresh OUT, logged as a run with the given fairness flags."""
    from vastgoed.ethics.review import audit_log, run_file_hashes

    run_dir, _ = governed
    out = tmp_path / "out"
    copy = out / run_dir.name
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("vrijgegeven", "besluiten.json"))
    audit_log(out).append(
        "run",
        actor="batch:test",
        run_id=run_dir.name,
        details={"fairness_flags": flags, "bestanden_sha256": run_file_hashes(copy)},
    )
    add_accounts(out)
    return copy, out


def _review(run_dir: Path, *extra: str, decision: str = "approve") -> object:
    return as_user(
        RUNNER, REVIEWER, "review", str(run_dir), "--decision", decision, "--rationale", "Gewogen.", *extra
    )


FLAG = "model:buurt:BU09359999:selectie"


def test_the_gate_takes_flags_and_decisions_from_the_log_not_from_editable_files(
    governed: tuple[Path, Path], tmp_path: Path
) -> None:
    run_dir, _ = _copy_run(governed, tmp_path, [FLAG])
    # a hand-written approval is no decision: only the log counts
    (run_dir / "ethics" / "besluiten.json").write_text(
        json.dumps([{"decision": "approve", "role": "moreel_beraad", "actor": "x", "rationale": "x",
                     "accepted_flags": [FLAG], "conditions": "", "tijd": "2025-01-01T00:00:00+00:00"}]),
        encoding="utf-8",
    )  # fmt: skip
    refused = _release(run_dir)
    assert refused.exit_code != 0 and "no moral-deliberation decision" in refused.output
    assert not (run_dir / "vrijgegeven").exists()

    assert _review(run_dir).exit_code == 0  # approves, but leaves the flag open
    refused = _release(run_dir)
    assert refused.exit_code != 0 and "not explicitly accepted" in refused.output and FLAG in refused.output

    # emptying the flag list of fairness.json changes the run, and the flag stays open (from the log)
    fairness = run_dir / "ethics" / "fairness.json"
    original = fairness.read_bytes()
    doc = json.loads(original)
    doc["vlaggen"] = []
    fairness.write_text(json.dumps(doc), encoding="utf-8")
    refused = _release(run_dir)
    assert refused.exit_code != 0
    assert "ethics/fairness.json differs" in refused.output and "not explicitly accepted" in refused.output
    fairness.write_bytes(original)

    unknown = _review(run_dir, "--accept-flag", "model:buurt:onbekend:selectie")
    assert unknown.exit_code != 0 and "does not have" in unknown.output
    assert _review(run_dir, "--accept-flag", FLAG).exit_code == 0
    # the list changed after the review: refused
    signals = run_dir / "signals.parquet"
    kept = signals.read_bytes()
    pl.read_parquet(signals).with_columns(pl.col("score") * 0.5).write_parquet(signals)
    refused = _release(run_dir)
    assert refused.exit_code != 0 and "signals.parquet differs" in refused.output
    signals.write_bytes(kept)

    released = _release(run_dir)
    assert released.exit_code == 0, released.output
    lijst = pl.read_csv(run_dir / "vrijgegeven" / "lijst.csv", n_rows=1).columns
    assert "verblijfsobject_id" in lijst and not set(lijst) & PERSON_KEYS  # property-level, also released
    again = _release(run_dir)
    assert again.exit_code != 0 and "already released" in again.output


def test_reject_and_other_roles_do_not_release(governed: tuple[Path, Path], tmp_path: Path) -> None:
    from vastgoed.ethics.review import ReleaseRefused, record_decision, release

    run_dir, _ = _copy_run(governed, tmp_path, [])
    assert _review(run_dir).exit_code == 0
    assert _review(run_dir, decision="reject").exit_code == 0  # the latest decision counts
    with pytest.raises(ReleaseRefused, match="rejected the run"):
        release(run_dir, actor="t")
    record_decision(
        run_dir, decision="approve", role="beheerder", actor="t", rationale="Zelf goedgekeurd.",
        roles=("moreel_beraad", "beheerder"),
    )  # fmt: skip
    with pytest.raises(ReleaseRefused, match="not by 'moreel_beraad'"):
        release(run_dir, actor="t")
    conditions = _review(run_dir, decision="conditions")
    assert conditions.exit_code != 0 and "needs --conditions" in conditions.output
    assert not (run_dir / "vrijgegeven").exists()


def test_nothing_changes_when_the_audit_log_is_broken(governed: tuple[Path, Path], tmp_path: Path) -> None:
    run_dir, out = _copy_run(governed, tmp_path, [])
    assert _review(run_dir).exit_code == 0
    log = out / "governance" / "audit.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0].replace(b'"actor":"batch:test"', b'"actor":"batch:tesT"') + b"".join(lines[1:]))
    before = _tree(run_dir)
    review = _review(run_dir, "--accept-flag", "all")
    assert review.exit_code != 0 and "does not verify" in review.output
    released = _release(run_dir)
    assert released.exit_code != 0 and "does not verify" in released.output
    assert _tree(run_dir) == before


def test_identifiers_in_free_text_are_refused(governed: tuple[Path, Path], tmp_path: Path) -> None:
    run_dir, out = _copy_run(governed, tmp_path, [])
    log = out / "governance" / "audit.jsonl"
    assert _review(run_dir).exit_code == 0  # a clean rationale is fine
    before = _besides_logins(log)
    leaky = as_user(
        RUNNER, REVIEWER, "review", str(run_dir), "--decision", "approve",
        "--rationale", "Huurder met BSN 111222333 gesproken.",
    )  # fmt: skip
    assert leaky.exit_code != 0 and "direct identifier" in leaky.output and "111222333" not in leaky.output
    assert _besides_logins(log) == before
    assert _release(run_dir).exit_code == 0
    lijst = pl.read_csv(
        run_dir / "vrijgegeven" / "lijst.csv", schema_overrides={"verblijfsobject_id": pl.String}
    )
    vbo = lijst["verblijfsobject_id"][0]
    before = _besides_logins(log)
    note = _verdict(run_dir, vbo, "--outcome", "bevestigd", "--note", "bewoner geb. 01-02-1980 aanwezig")
    assert note.exit_code != 0 and "geboortedatum" in note.output and _besides_logins(log) == before
    wrong = _verdict(run_dir, vbo, "--outcome", "bevestigd", "--fenomeen", "fraude")
    assert wrong.exit_code != 0 and "--fenomeen must be one of" in wrong.output


def _entries(log: Path, actie: str) -> list[dict[str, Any]]:
    lines = log.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["actie"] == actie]


def _error(result: Result) -> str:
    assert result.exit_code != 0
    return " ".join(result.output.split())


FAILED = "Onbekende gebruikersnaam of onjuist wachtwoord."


def test_the_command_line_decides_and_releases_only_with_a_reviewer_account(
    governed: tuple[Path, Path], tmp_path: Path
) -> None:
    """Issue 22: who decides is an account of the web application, not a shell user or an option."""
    import getpass

    run_dir, out = _copy_run(governed, tmp_path, [])
    log = out / "governance" / "audit.jsonl"
    approve = ("review", str(run_dir), "--decision", "approve", "--rationale", "Gewogen.")
    missing = RUNNER.invoke(app, list(approve), env={"VASTGOED_PASSWORD": PASSWORD})
    assert missing.exit_code != 0 and "--user" in missing.output

    # a shell user without an account: refused, whatever the command
    shell = getpass.getuser()
    for args in (approve, ("release", str(run_dir)), ("verdict", str(run_dir), "0", "--outcome", "lopend")):
        assert FAILED in _error(as_user(RUNNER, shell, *args))
    # an analist neither decides nor releases, and --role / --actor raise no role
    assert "een analist-account mag niet beoordelen" in _error(as_user(RUNNER, ANALIST, *approve))
    assert "mag niet vrijgeven" in _error(as_user(RUNNER, ANALIST, "release", str(run_dir)))
    for extra in (("--role", "moreel_beraad"), ("--actor", REVIEWER)):
        said = _error(as_user(RUNNER, ANALIST, *approve, *extra))
        assert "de rol en de naam komen uit het account van --user" in said
    assert "komen uit het account" in _error(
        as_user(RUNNER, ANALIST, "release", str(run_dir), "--actor", "x")
    )
    # a wrong password says no more than an unknown name, and is logged without the password
    wrong = _error(as_user(RUNNER, REVIEWER, *approve, password="fout-wachtwoord-123"))
    assert FAILED in wrong and wrong == _error(as_user(RUNNER, "niemand", *approve))
    assert not _entries(log, "review") and not (run_dir / "vrijgegeven").exists()
    failed = _entries(log, "login_mislukt")
    assert [e["details"]["account"] for e in failed] == [None, None, None, REVIEWER, None]
    assert all(e["actor"] == "anoniem" and e["details"]["via"] == "opdrachtregel" for e in failed)
    assert "fout-wachtwoord-123" not in log.read_text(encoding="utf-8")

    # the reviewer decides and releases under their own name, each time after a logged login
    assert as_user(RUNNER, REVIEWER, *approve).exit_code == 0
    assert _release(run_dir).exit_code == 0
    (review,) = _entries(log, "review")
    (release,) = _entries(log, "release")
    assert review["actor"] == release["actor"] == f"moreel_beraad:{REVIEWER}"
    logins = _entries(log, "login")
    assert [e["actor"] for e in logins] == [f"analist:{ANALIST}"] * 2 + [f"moreel_beraad:{REVIEWER}"] * 2
    assert logins[-1]["details"] == {
        "adres": "opdrachtregel",
        "via": "opdrachtregel",
        "systeemgebruiker": shell,
    }


def test_the_command_line_keeps_the_web_lockout_and_refuses_one_time_passwords(
    governed: tuple[Path, Path], tmp_path: Path
) -> None:
    from sqlalchemy.orm import sessionmaker

    from vastgoed.web import WebSettings
    from vastgoed.web.security import approve_account, request_account
    from vastgoed.web.store import make_engine

    run_dir, out = _copy_run(governed, tmp_path, [])
    log = out / "governance" / "audit.jsonl"
    approve = ("review", str(run_dir), "--decision", "approve", "--rationale", "Gewogen.")
    for _ in range(5):
        assert FAILED in _error(as_user(RUNNER, REVIEWER, *approve, password="fout-wachtwoord-123"))
    (lock,) = _entries(log, "lockout")
    assert lock["details"]["account"] == REVIEWER and lock["details"]["seconden"] == 60
    # the right password waits too: the name is locked out, from the web as from here
    assert "Te veel mislukte pogingen" in _error(as_user(RUNNER, REVIEWER, *approve))

    # one-time passwords (set by a beheerder, who knows them) do not decide nor record a verdict
    engine = make_engine(WebSettings.from_env(out_dir=out).resolved_database_url())
    with sessionmaker(engine)() as db:
        request_account(db, "tim", "analist", "eenmalig-wachtwoord-7", door=1)
        rik = request_account(db, "rik", "reviewer", None, door=1)
        approve_account(db, rik, "eenmalig-wachtwoord-8", door=2)
    engine.dispose()
    said = _error(as_user(RUNNER, "rik", *approve, password="eenmalig-wachtwoord-8"))
    assert "wijzig eerst je wachtwoord in de webapplicatie" in said
    verdict = ("verdict", str(run_dir), "0", "--outcome", "lopend")
    said = _error(as_user(RUNNER, "tim", *verdict, password="eenmalig-wachtwoord-7"))
    assert "wijzig eerst je wachtwoord in de webapplicatie" in said
    assert not _entries(log, "review") and not _entries(log, "verdict")


def test_a_deleted_audit_log_does_not_verify_while_runs_remain(
    governed: tuple[Path, Path], tmp_path: Path
) -> None:
    run_dir, out = _copy_run(governed, tmp_path, [])
    for p in (out / "governance").iterdir():
        p.unlink()
    result = RUNNER.invoke(app, ["audit", "verify", "--out", str(out)])
    said = result.output.replace("\n", "")  # rich wraps long lines
    assert result.exit_code != 0 and run_dir.name in said and "no 'run' entry" in said


def test_verdicts_become_labels_of_a_later_run(
    small_municipality: tuple[Path, Path], governed: tuple[Path, Path], tmp_path: Path
) -> None:
    """review → release → verdict (through the CLI) → the next run on the same OUT learns from it."""
    data, _ = small_municipality
    run_dir, out = _copy_run(governed, tmp_path, [])
    assert _review(run_dir).exit_code == 0
    assert _release(run_dir).exit_code == 0
    lijst = pl.read_csv(
        run_dir / "vrijgegeven" / "lijst.csv", schema_overrides={"verblijfsobject_id": pl.String}
    )
    vbo = lijst["verblijfsobject_id"][0]
    v = _verdict(
        run_dir,
        vbo,
        "--outcome",
        "niet_bevestigd",
        "--note",
        "leeg aangetroffen, verbouwing",
        "--datum",
        "2024-11-01",
    )
    assert v.exit_code == 0, v.output
    # an edited copy of the verdicts is not where labels come from
    copy = out / "governance" / "verdicten.jsonl"
    copy.write_text(copy.read_text(encoding="utf-8").replace("niet_bevestigd", "bevestigd"), encoding="utf-8")
    from vastgoed.ethics.review import verdict_labels

    labels = verdict_labels(out, dt.date(2025, 1, 1))
    assert labels.to_dicts() == [
        {"verblijfsobject_id": vbo, "datum_onderzoek": dt.date(2024, 11, 1),
         "fenomeen": lijst["fenomeen"][0], "uitkomst": "niet_bevestigd"}
    ]  # fmt: skip
    outcomes = pl.read_csv(
        data / "onderzoeksuitkomsten.csv", schema_overrides={"verblijfsobject_id": pl.String}
    )
    result = RUNNER.invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp_path))]
    )
    assert result.exit_code == 0, result.output
    info = json.loads((Path(result.stdout.strip().splitlines()[-1]) / "run.json").read_text(encoding="utf-8"))
    assert "onderzoeksuitkomsten: 1 analysts' verdicts added as labels" in info["data"]["warnings"]
    fairness = json.loads((out / "latest" / "ethics" / "fairness.json").read_text(encoding="utf-8"))
    assert fairness["herkomst_labels"]["onderzoeken"] == outcomes.height + 1


def test_a_planted_bsn_in_an_output_fails_the_run(
    small_municipality: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vastgoed.pipeline as pipeline

    data, _ = small_municipality
    real = pipeline.write_report

    def leaky(path: Path, report: object) -> None:
        real(path, report)  # type: ignore[arg-type]
        with path.open("a", encoding="utf-8") as fh:
            fh.write("<!-- bewoner BSN 111222333 -->")  # passes the 11-proef

    monkeypatch.setattr(pipeline, "write_report", leaky)
    out = tmp_path / "out"
    result = RUNNER.invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp_path))]
    )
    assert result.exit_code != 0
    assert "report.html" in result.output and "bsn" in result.output
    assert "111222333" not in result.output  # the finding is masked
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] in ([], ["governance"])
    assert not any(p.name.startswith("2") for p in out.iterdir())


def test_a_run_refuses_to_start_with_incomplete_ethics_metadata(
    small_municipality: tuple[Path, Path], tmp_path: Path
) -> None:
    data, _ = small_municipality
    shipped = Path(__file__).resolve().parents[2] / "configs" / "ethics.toml"
    text = shipped.read_text(encoding="utf-8")
    blank = tmp_path / "ethics.toml"
    blanked, n = re.subn(
        r'proportionaliteit = """.*?"""', 'proportionaliteit = "  "', text, count=1, flags=re.S
    )
    assert n == 1
    blank.write_text(blanked, encoding="utf-8")
    cfg = _config(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8") + f'\n[ethics]\nmetadata = "{blank}"\n', encoding="utf-8")
    out = tmp_path / "out"
    result = RUNNER.invoke(app, ["run", "--data", str(data), "--out", str(out), "--config", str(cfg)])
    assert result.exit_code != 0
    assert "afweging.proportionaliteit" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_a_planted_bsn_in_an_mlflow_artefact_fails_the_run_and_removes_the_mlflow_run(
    small_municipality: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow

    import vastgoed.pipeline as pipeline

    data, _ = small_municipality
    real = pipeline.register_and_decide
    planted: list[str] = []

    def leaky(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        run_id = result[2].run_id  # type: ignore[index]
        mlflow.MlflowClient().log_text(run_id, "bewoner met BSN 111222333", "notities.txt")
        planted.append(run_id)
        return result

    monkeypatch.setattr(pipeline, "register_and_decide", leaky)
    out = tmp_path / "out"
    result = RUNNER.invoke(
        app, ["run", "--data", str(data), "--out", str(out), "--config", str(_config(tmp_path))]
    )
    assert result.exit_code != 0 and planted
    said = result.output.replace("\n", "")
    assert "notities.txt" in said and "bsn" in said and "111222333" not in said
    client = mlflow.MlflowClient()
    run = client.get_run(planted[0])
    assert run.info.lifecycle_stage == "deleted"
    models = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{planted[0]}'",
        output_format="list",
    )
    assert models == []  # its logged model went with it
    assert not any(p.name.startswith("2") for p in out.iterdir())


def test_purge_keeps_the_retention_period_and_logs_before_it_removes(
    governed: tuple[Path, Path], tmp_path: Path
) -> None:
    run_dir, out = _copy_run(governed, tmp_path, [])
    info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    info["started"] = "2020-01-01T00:00:00+00:00"
    (run_dir / "run.json").write_text(json.dumps(info), encoding="utf-8")
    cfg = tmp_path / "config.toml"
    cfg.write_text("[tracking]\nenabled = false\n", encoding="utf-8")
    purge = ["purge", "--out", str(out), "--config", str(cfg)]
    early = RUNNER.invoke(app, [*purge, "--older-than", "1d"])
    assert early.exit_code != 0 and "--reason" in early.output and run_dir.exists()
    dry = RUNNER.invoke(app, [*purge, "--dry-run"])
    assert dry.exit_code == 0 and run_dir.name in dry.output and run_dir.exists()
    gone = RUNNER.invoke(app, purge)  # the retention period of ethics.toml
    assert gone.exit_code == 0, gone.output
    assert not run_dir.exists()
    last = json.loads((out / "governance" / "audit.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["actie"] == "purge" and last["details"]["runs"] == [run_dir.name]
    assert RUNNER.invoke(app, ["audit", "verify", "--out", str(out)]).exit_code == 0


def test_a_signal_rests_on_person_links_only_where_it_follows_persons() -> None:
    from vastgoed.pipeline import signal_link_certainty

    certainty = pl.DataFrame(
        {
            "verblijfsobject_id": ["a", "b", "c", "d"],
            "koppeling_min_zekerheid": [0.6, 0.6, 0.8, 0.99],
            "koppeling_min_zekerheid_adres": [0.99, 0.99, 0.8, 0.99],
            "koppeling_min_zekerheid_persoon": [0.6, 0.6, None, None],
        }
    )
    feats = pl.DataFrame(
        {
            "verblijfsobject_id": ["a", "b", "c", "d"],
            "netwerk_eigenaar_bevestigd": [1, 0, 0, 0],  # a: evidence through an owner's cluster
            "netwerk_bevestigde_adressen": [0, 0, 0, 0],
            "elektriciteit_kwh": [100.0, 40000.0, 40000.0, 40000.0],
        }
    )
    got = dict(signal_link_certainty(certainty, feats).iter_rows())
    # a rests on its weak person link; b's weak person link feeds nothing it shows; c's address link is weak
    assert got == {"a": 0.6, "b": 0.99, "c": 0.8, "d": 0.99}
