"""The ``vastgoed`` command line. Logging and console set up here, never on import."""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import polars as pl
import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from vastgoed.core.config import load_config
from vastgoed.core.errors import ConfigError, VastgoedError
from vastgoed.core.numbers import format_number
from vastgoed.core.worlds import Validated

if TYPE_CHECKING:
    from vastgoed.web.security import Login
    from vastgoed.web.store import Account

__all__ = ["app", "main"]

app = typer.Typer(
    name="vastgoed",
    help="Property-risk signals for Dutch municipalities: generate, validate, run, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Messages are never wrapped by rich (soft_wrap): a path or an error stays one line, whatever the
# width of the terminal; a terminal wraps long lines on screen itself, and a copy is whole.
_console = Console(stderr=True, soft_wrap=True)
#: Off a terminal (a log file, a pipe, a test), tables and progress lines are laid out this wide
#: instead of at the width rich would guess (80 columns, or $COLUMNS of the shell that started it).
_LOG_WIDTH = 120


def _fit_console() -> None:
    if not _console.is_terminal:
        _console.width = _LOG_WIDTH


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=_console, show_path=False)],
    )

    # A warning is a line for the operator ("warning: ..."), not a Python source excerpt.
    def _show(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
        _console.print(f"[yellow]warning:[/yellow] {message}", highlight=False, soft_wrap=True)

    warnings.showwarning = _show


def _fail(exc: VastgoedError) -> typer.Exit:
    """One line naming the file and column, exit code 2."""
    _console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


#: Files the commands create are owner-only (0600, folders 0700): runs, governance/ (the audit log,
#: the verdicts, the web store) hold personal data and decisions. Restored when the command ends.
_UMASK = 0o077


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More log output.")] = False,
) -> None:
    # Before LightGBM's OpenMP runtime starts: spinning worker threads slow training several-fold
    # on a shared 2-core machine. MLflow must not phone home.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    previous = os.umask(_UMASK)
    ctx.call_on_close(lambda: os.umask(previous))
    _fit_console()
    _setup_logging(verbose)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder for the data extracts (the data contract).")],
    truth: Annotated[Path, typer.Option(help="Folder for the ground truth; never inside --out.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    scale: Annotated[
        float,
        typer.Option(
            help="1.0 is Maastricht-sized (about 70k verblijfsobjecten); up to 2 one municipality in CSV "
            "files, above that a region of gemeenten in partitioned Parquet (at most 150)."
        ),
    ] = 1.0,
    preset: Annotated[
        str | None,
        typer.Option(
            help="A named size instead of --scale: 'regio' (scale 10, a RIEC region, about 700k "
            "verblijfsobjecten) or 'national' (scale 140, the country, about 10M)."
        ),
    ] = None,
    gemeenten: Annotated[
        int | None,
        typer.Option(
            help="Split into exactly this many gemeenten (a region in Parquet, also at a small scale)."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Processes building gemeenten of a region at once (each holds one gemeente in memory); "
            "the files do not depend on it."
        ),
    ] = 2,
    vast: Annotated[
        bool,
        typer.Option(
            "--vast",
            help="Keep the demo municipality's world parameters at any seed (signature strengths, "
            "look-alikes, noise, past investigations); without it every seed but 0 draws its own "
            "(docs/synthetic.md).",
        ),
    ] = False,
) -> None:
    """Write a synthetic municipality or region with planted, known patterns, and its truth beside it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from vastgoed.synthetic import generate as _generate

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_console, transient=False) as bar:
        task = bar.add_task("gemeenten", total=None, visible=False)

        def _step(done: int, total: int, gem: object) -> None:
            name = getattr(gem, "naam", "")
            bar.update(task, completed=done, total=total, visible=True, description=f"gemeenten ({name})")

        try:
            summary = _generate(
                out,
                truth,
                seed=seed,
                scale=scale,
                preset=preset,
                gemeenten=gemeenten,
                workers=max(1, workers),
                progress=_step,
                fixed=vast,
            )
        except VastgoedError as exc:
            raise _fail(exc) from exc
    _console.print(f"synthetic data written to [bold]{out}[/bold], truth to [bold]{truth}[/bold]")
    _console.print_json(data=summary.to_dict())


@app.command()
def validate(
    data: Annotated[Path, typer.Argument(help="A data folder in the contract's format.")],
    out: Annotated[
        Path | None, typer.Option(help="Write quarantine.csv and genulde_waarden.csv here.")
    ] = None,
) -> None:
    """Check every row of every file; report counts per file and quarantine bad rows (exit 0)."""
    from vastgoed.ingest import NULLED_FILE, ingest, write_quarantine

    try:
        res = ingest(data)
    except VastgoedError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"validation of {data}")
    for col in ("file", "rows", "kept", "quarantined", "nulled", "encoding"):
        table.add_column(col, justify="left" if col in ("file", "encoding") else "right")
    for stem, c in res.counts.items():
        table.add_row(
            stem,
            str(c.rows_read),
            str(c.rows_kept),
            str(c.rows_quarantined),
            str(c.values_nulled),
            c.encoding,
        )
    _console.print(table)
    for w in res.warnings:
        _console.print(f"[yellow]warning:[/yellow] {w}", highlight=False)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_quarantine(res.quarantine, out / "quarantine.csv")
        write_quarantine(res.nulled, out / NULLED_FILE)
        _console.print(f"quarantine written to {out / 'quarantine.csv'} ({res.quarantine.height} entries)")
        _console.print(f"nulled values written to {out / NULLED_FILE} ({res.nulled.height} entries)")


@app.command()
def run(
    data: Annotated[Path, typer.Option(help="A data folder in the contract's format.")],
    out: Annotated[Path, typer.Option(help="Where run folders are written.")] = Path("out"),
    config: Annotated[
        Path | None, typer.Option(help="A TOML run config (default: built-in defaults).")
    ] = None,
    train: Annotated[
        bool,
        typer.Option(
            "--train",
            help="Train and register a new model first; it becomes champion only if it beats the champion.",
        ),
    ] = False,
    no_train: Annotated[
        bool,
        typer.Option(
            "--no-train",
            help="Never train: stop with an error when no stored model fits this data (its gemeente, "
            "synthetic or real, and feature set).",
        ),
    ] = False,
) -> None:
    """Run the whole batch: ingest, link, features, score with the champion, explain, report, track.

    The champion and the Splink model are used only when they were trained on this gemeente's data
    of the same kind (synthetic or real extracts). Otherwise (or with ``--train``) a model is
    trained and registered first, and the output says so.
    """
    from vastgoed.core.binding import ModelMismatchError
    from vastgoed.pipeline import run_batch

    try:
        if train and no_train:
            raise ConfigError("--train and --no-train contradict each other: choose one")
        cfg = load_config(config)
        try:
            result = run_batch(data, out, cfg, console=_console, train=train, no_train=no_train)
        except ModelMismatchError as exc:
            raise exc.with_arguments(["--config", str(config)] if config else []) from exc
    except VastgoedError as exc:
        raise _fail(exc) from exc
    for notice in result.notices:
        _console.print(f"[yellow]warning:[/yellow] {notice}", highlight=False)
    total = sum(result.timings.values())
    _console.print(
        f"\n[bold green]done[/bold green] in {total:.1f} s: {result.n_scored} objects scored\n"
        f"  ranked list: [bold]{result.run_dir / 'signals.csv'}[/bold] (top), "
        f"{result.run_dir / 'signals.parquet'} (all)\n  report:      {result.run_dir / 'report.html'}\n"
        f"  run record:  {result.run_dir / 'run.json'}",
        highlight=False,
    )
    _print_validation(result.validated, result.validation)
    typer.echo(str(result.run_dir))


def _print_validation(validated: Validated | None, validation: dict[str, dict[str, float | None]]) -> None:
    """The run's own validation figures, with the world they were measured on (and its warning)."""
    if validated is None:
        return
    lines = [f"  validatie:   {validated.text('nl')}"]
    figures = [
        f"{name} {format_number(m.get('average_precision'), 3)}"
        for name, m in (("model", validation.get("model")), ("regels", validation.get("regels")))
        if m
    ]
    if figures:
        lines.append(f"               gemiddelde precisie (AP) op die onderzoeken: {', '.join(figures)}")
    _console.print("\n".join(lines), highlight=False)
    warning = validated.warning("nl")
    if warning:
        _console.print(f"[yellow]let op:[/yellow] {warning.removeprefix('Let op: ')}", highlight=False)


linkage_app = typer.Typer(
    help="Record linkage: clerical review of uncertain pairs, and benchmarks.", no_args_is_help=True
)
app.add_typer(linkage_app, name="linkage")


@linkage_app.command("review-export")
def review_export(
    data: Annotated[Path, typer.Option(help="A data folder in the contract's format.")],
    out: Annotated[Path, typer.Option(help="CSV to write; it holds names: keep it with the reviewers.")],
    config: Annotated[
        Path | None, typer.Option(help="A TOML run config (thresholds, reviewed pairs).")
    ] = None,
) -> None:
    """Export person pairs between the two review thresholds for clerical review.

    Fill in ``besluit`` (``match`` / ``no match``) and set ``linkage.reviewed_pairs`` to the file:
    later runs apply the decisions before clustering.
    """
    from vastgoed.pipeline import export_review

    try:
        n = export_review(data, out, load_config(config), console=_console)
    except VastgoedError as exc:
        raise _fail(exc) from exc
    _console.print(f"{n} pairs to review written to [bold]{out}[/bold] (contains personal data)")


@linkage_app.command("benchmark")
def benchmark(
    dataset: Annotated[str, typer.Argument(help="febrl4 (linking two files) or febrl3 (deduplication).")],
) -> None:
    """Run the person-linkage code on a Febrl dataset and print precision, recall, F1 and time."""
    from linkage.benchmark import febrl_benchmark

    if dataset not in ("febrl3", "febrl4"):
        raise _fail(VastgoedError(f"unknown dataset {dataset!r}: choose febrl3 or febrl4"))
    r = febrl_benchmark(dataset)  # type: ignore[arg-type]
    typer.echo(
        f"{dataset}: precision {r.precision:.5f}  recall {r.recall:.5f}  F1 {r.f1:.5f}  "
        f"time {r.seconds:.1f} s  candidate pairs {r.n_candidate_pairs}  threshold {r.threshold}"
    )


@app.command()
def graph(
    verblijfsobject_id: Annotated[str, typer.Argument(help="The BAG verblijfsobject id (16 digits).")],
    run: Annotated[Path, typer.Option(help="A run folder (OUT/<run_id> or OUT/latest).")],
    depth: Annotated[int, typer.Option(help="How many edges away from the object.")] = 2,
    out: Annotated[Path, typer.Option(help="Folder for the JSON and the picture.")] = Path(),
) -> None:
    """Write an object's neighbourhood in the property-person-company graph as JSON and PNG."""
    from vastgoed.report.graph_view import write_neighbourhood

    try:
        files = write_neighbourhood(run.resolve(), verblijfsobject_id, depth, out)
    except VastgoedError as exc:
        raise _fail(exc) from exc
    _console.print(f"{files.nodes} nodes, {files.edges} edges")
    typer.echo(str(files.json_path))
    typer.echo(str(files.png_path))


experiment_app = typer.Typer(
    help="Defined experiments (ablations, searches) as nested MLflow runs.", no_args_is_help=True
)
app.add_typer(experiment_app, name="experiment")


@experiment_app.command("run")
def experiment_run(
    spec: Annotated[Path, typer.Argument(help="An experiment file, e.g. experiments/familie-ablatie.toml.")],
    data: Annotated[Path, typer.Option(help="A data folder in the contract's format.")] = Path(
        "data/synthetic"
    ),
    config: Annotated[Path | None, typer.Option(help="A TOML run config (tracking, model defaults).")] = None,
    lijsten: Annotated[
        Path | None,
        typer.Option(
            help="Write each variant's whole ranking here as <variant>.csv, to judge it against a "
            "world's truth (make bench-choices)."
        ),
    ] = None,
) -> None:
    """Train every variant of an experiment on the same split; print and log their validation figures."""
    from vastgoed.experiment import load_experiment, run_experiment

    try:
        cfg = load_config(config)
        if not cfg.tracking.enabled:
            raise VastgoedError("experiments are logged to MLflow: set tracking.enabled = true")
        result = run_experiment(load_experiment(spec), data, cfg, console=_console, lists=lijsten)
    except VastgoedError as exc:
        raise _fail(exc) from exc
    Console(width=160).print(_frame_table(f"experiment {spec.stem}", result.table))
    _print_validation(result.validated, {})
    typer.echo(f"MLflow parent run: {result.parent_run_id}")


features_app = typer.Typer(help="The feature catalogue.", no_args_is_help=True)
app.add_typer(features_app, name="features")


@features_app.command("catalogue")
def features_catalogue(
    out: Annotated[Path, typer.Option(help="Markdown file to write.")] = Path("docs/features.md"),
) -> None:
    """Write the feature catalogue (every feature's meaning, sources, unit, direction, proxy risk)."""
    from features import catalogue
    from features.catalogue_doc import catalogue_markdown

    out.write_text(catalogue_markdown(catalogue()), encoding="utf-8")
    typer.echo(str(out))


@app.command()
def evaluate(
    run: Annotated[Path, typer.Option("--run", help="A run folder, e.g. out/latest.")],
    truth: Annotated[Path, typer.Option(help="The synthetic truth folder.")],
) -> None:
    """Precision@k, recall@k and average precision against the synthetic truth: model vs. rule baseline."""
    from vastgoed.report import evaluate_run

    try:
        ev = evaluate_run(run.resolve(), truth)
    except VastgoedError as exc:
        raise _fail(exc) from exc
    wide = (
        ev.table.with_columns(
            pl.concat_str([pl.col("precision").round(2), pl.lit(" / "), pl.col("recall").round(2)]).alias(
                "p / r"
            )
        )
        .pivot(on="k", index=["fenomeen", "ranking"], values="p / r")
        .sort("fenomeen", "ranking")
    )
    table = Table(title=f"precision / recall at k — {run}")
    for c in wide.columns:
        table.add_column(c if c in ("fenomeen", "ranking") else f"@{c}")
    table.add_column("positives", justify="right")
    for row in wide.iter_rows(named=True):
        table.add_row(*(str(row[c]) for c in wide.columns), str(ev.n_positives[row["fenomeen"]]))
    out = Console(width=160)
    out.print(table)
    h = ev.headline()

    def f3(v: float | None) -> str:
        return "–" if v is None else f"{v:.3f}"

    out.print(
        f"[bold]precision@{ev.capacity}[/bold]: model {f3(h['precision_at_capacity_model'])}, "
        f"rule baseline {f3(h['precision_at_capacity_baseline'])}\n"
        f"[bold]average precision[/bold] (whole ranking): model {f3(h['average_precision_model'])}, "
        f"rule baseline {f3(h['average_precision_baseline'])}, "
        f"ratio {f3(h['average_precision_ratio'])}",
        highlight=False,
    )
    if ev.never_investigated is not None:
        n = ev.never_investigated
        out.print(
            f"never investigated (no training label can flatter these): precision@{ev.capacity} model "
            f"{f3(n['precision_at_capacity_model'])}, rules {f3(n['precision_at_capacity_baseline'])}; "
            f"AP model {f3(n['average_precision_model'])}, rules {f3(n['average_precision_baseline'])}, "
            f"ratio {f3(n['average_precision_ratio'])}",
            highlight=False,
        )
    out.print(ev.world_text(), highlight=False)
    if (warning := ev.warning()) is not None:
        out.print(f"[bold yellow]let op:[/bold yellow] {warning.removeprefix('Let op: ')}", highlight=False)
    out.print(_frame_table("calibration (model, whole ranking)", ev.calibration))
    buurt = ev.per_buurt.filter(pl.col("ranking") == "model").sort("ece", descending=True, nulls_last=True)
    out.print(
        _frame_table(
            f"per buurt (model; the 10 worst calibrated of {buurt.height}, all in evaluatie.json)",
            buurt.head(10).drop("ranking"),
        )
    )
    for title, frame, cols in (
        (
            "person linkage (pairwise)",
            ev.persons,
            ["bron_a", "bron_b", "tp", "predicted", "true", "precision", "recall", "f1"],
        ),
        (
            "address matching",
            ev.addresses,
            ["bron", "records", "matchable", "matched", "precision", "coverage"],
        ),
        ("company linkage", ev.companies, ["bron", "true", "linked", "correct", "precision", "recall"]),
    ):
        if frame is not None:
            out.print(_frame_table(title, frame.select(cols)))


def _actor(actor: str | None) -> str:
    return actor or os.environ.get("USER") or "onbekend"


def _roles(config: Path | None) -> list[str]:
    from vastgoed.ethics.metadata import load_ethics

    meta = load_ethics(load_config(config).ethics.metadata_path())
    return list(meta.rollen.model_dump().keys())


#: Where the command line's logins come from, for the lock-out and the audit log.
_CLI = "opdrachtregel"
_USER_HELP = (
    "Your account of the web application (the password from $VASTGOED_PASSWORD, else asked); "
    "your role is the account's."
)
_DATABASE_HELP = "SQLAlchemy URL of the store (default as for `vastgoed serve`)."
_NO_ROLE_HELP = "Gone: the role comes from the --user account."


class _AuthRefused(VastgoedError):
    """The command line's login or the account's role does not allow the command."""


def _no_role_options(role: str | None, actor: str | None) -> None:
    """Refuse the options that once named the role and the person: the account says both now."""
    if role is not None or actor is not None:
        raise _fail(
            ConfigError(
                "--role en --actor bestaan niet meer: de rol en de naam komen uit het account van --user "
                "(the role and the name come from the --user account)"
            )
        )


def _signed_in(run: Path, user: str, database_url: str | None, roles: tuple[str, ...], what: str) -> Account:
    """Log ``user`` in as the web application does (:func:`_login`) and check the account's role.

    Raises:
        VastgoedError: a wrong password or a name without an active, approved account (one
            message for both), a name that waits after failed logins, a one-time password, or a
            role that may not do ``what``.
    """
    from vastgoed.web.i18n import translate

    found = _login(run, user, database_url)
    if found.locked:
        raise _AuthRefused(translate("login.too_many", "nl"))
    account = found.account
    if account is None:
        raise _AuthRefused(translate("login.failed", "nl"))
    if account.tijdelijk_wachtwoord:
        raise _AuthRefused(
            f"{account.naam} heeft een eenmalig wachtwoord: wijzig eerst je wachtwoord in de webapplicatie"
        )
    if account.rol not in roles:
        raise _AuthRefused(
            f"een {account.rol}-account mag niet {what}: daarvoor is een {' of '.join(roles)}-account nodig"
        )
    return account


def _login(run: Path, user: str, database_url: str | None) -> Login:
    """The web application's login against its store (that of the run's OUT), audit-logged there.

    The password comes from ``$VASTGOED_PASSWORD``, else it is asked (hidden). The entries are the
    web's, with ``via: opdrachtregel`` and the shell user.
    """
    from sqlalchemy.orm import sessionmaker

    from vastgoed.ethics.anchor import use_database
    from vastgoed.ethics.review import audit_log
    from vastgoed.web import WebSettings
    from vastgoed.web.security import authenticate, login_entries, login_policy
    from vastgoed.web.store import make_engine, migrate

    if not (run / "run.json").is_file():  # before a store or a log is made in a mistyped OUT
        raise ConfigError(f"{run}: not a run folder (no run.json)")
    out = run.resolve().parent
    settings = WebSettings.from_env(out_dir=out, database_url=database_url)
    url = settings.resolved_database_url()
    engine = make_engine(url)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the schema's steps are not this command's news
    try:
        migrate(engine)
        use_database(out, url)  # the audit log's anchor, as the web application's
        password = os.environ.get("VASTGOED_PASSWORD") or typer.prompt(
            f"wachtwoord van {user}", hide_input=True
        )
        with sessionmaker(engine, expire_on_commit=False)() as db:
            found = authenticate(db, user, password, login_policy(settings), adres=_CLI)
    finally:
        engine.dispose()
    for entry in login_entries(found, _CLI, via=_CLI):
        audit_log(out).append(
            entry.actie, actor=entry.actor, details=entry.details | {"systeemgebruiker": _os_user()}
        )
    return found


_User = Annotated[str, typer.Option("--user", help=_USER_HELP)]
_DatabaseUrl = Annotated[str | None, typer.Option(help=_DATABASE_HELP)]
_Role = Annotated[str | None, typer.Option("--role", hidden=True, help=_NO_ROLE_HELP)]
_Actor = Annotated[str | None, typer.Option("--actor", hidden=True, help=_NO_ROLE_HELP)]


@app.command()
def review(
    run: Annotated[Path, typer.Argument(help="A run folder, OUT/<run_id>.")],
    decision: Annotated[str, typer.Option(help="approve, reject or conditions.")],
    rationale: Annotated[str, typer.Option(help="Why: the reasons of the decision, in words.")],
    user: _User,
    accept_flag: Annotated[
        list[str] | None,
        typer.Option("--accept-flag", help="A fairness flag id the review accepts (repeatable; 'all')."),
    ] = None,
    conditions: Annotated[str, typer.Option(help="The conditions of a 'conditions' decision.")] = "",
    config: Annotated[Path | None, typer.Option(help="A TOML run config (which ethics metadata).")] = None,
    database_url: _DatabaseUrl = None,
    role: _Role = None,
    actor: _Actor = None,
) -> None:
    """Record the moral-deliberation decision on a run (and in the audit log); a reviewer account decides."""
    from vastgoed.ethics.review import REVIEW_ROLE, record_decision

    _no_role_options(role, actor)
    try:
        account = _signed_in(run, user, database_url, ("reviewer",), "beoordelen")
        d = record_decision(
            run,
            decision=decision,
            role=REVIEW_ROLE,
            actor=account.naam,
            rationale=rationale,
            accept_flags=accept_flag or [],
            conditions=conditions,
            roles=_roles(config),
        )
    except VastgoedError as exc:
        raise _fail(exc) from exc
    _console.print(
        f"decision [bold]{d.decision}[/bold] recorded for {run} ({len(d.accepted_flags)} flags accepted)"
    )


@app.command()
def release(
    run: Annotated[Path, typer.Argument(help="A run folder, OUT/<run_id>.")],
    user: _User,
    database_url: _DatabaseUrl = None,
    actor: _Actor = None,
) -> None:
    """Release a run's list to the working group: only with an approving decision and a complete bundle.

    A reviewer account releases.
    """
    from vastgoed.ethics.review import release as do_release
    from vastgoed.web.security import actor_of

    _no_role_options(None, actor)
    try:
        account = _signed_in(run, user, database_url, ("reviewer",), "vrijgeven")
        target = do_release(run, actor=actor_of(account))
    except VastgoedError as exc:
        raise _fail(exc) from exc
    typer.echo(str(target))


@app.command()
def verdict(
    run: Annotated[Path, typer.Argument(help="A released run folder, OUT/<run_id>.")],
    verblijfsobject_id: Annotated[str, typer.Argument(help="The signal's verblijfsobject.")],
    outcome: Annotated[
        str, typer.Option(help="bevestigd, niet_bevestigd, geen_toegang, lopend or verklaard.")
    ],
    user: _User,
    note: Annotated[
        str, typer.Option(help="What was found, not who: no names, BSNs or birth dates (a BSN is refused).")
    ] = "",
    fenomeen: Annotated[str | None, typer.Option(help="The phenomenon found, if not the signal's.")] = None,
    datum: Annotated[
        str | None, typer.Option(help="The day the outcome was found, YYYY-MM-DD (default: today).")
    ] = None,
    database_url: _DatabaseUrl = None,
    role: _Role = None,
    actor: _Actor = None,
) -> None:
    """Record an analyst's verdict on a released signal; confirmed or not, it becomes a label.

    An analist or reviewer account records it.
    """
    import datetime as dt

    from vastgoed.ethics.review import record_verdict
    from vastgoed.web.security import ENGINE_ROLE

    _no_role_options(role, actor)
    try:
        try:
            day = dt.date.fromisoformat(datum) if datum else None
        except ValueError as exc:
            raise ConfigError(f"--datum {datum!r} is not a date (YYYY-MM-DD)") from exc
        account = _signed_in(run, user, database_url, ("analist", "reviewer"), "een uitkomst vastleggen")
        v = record_verdict(
            run,
            verblijfsobject_id,
            outcome=outcome,
            note=note,
            actor=account.naam,
            role=ENGINE_ROLE[account.rol],
            fenomeen=fenomeen,
            datum=day,
        )
    except VastgoedError as exc:
        raise _fail(exc) from exc
    _console.print(
        f"verdict [bold]{v['outcome']}[/bold] recorded for {verblijfsobject_id} (run {v['run_id']})"
    )


audit_app = typer.Typer(help="The hash-chained audit log of runs, reviews, releases and verdicts.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    out: Annotated[Path, typer.Option(help="The output folder (holding governance/audit.jsonl).")] = Path(
        "out"
    ),
) -> None:
    """Check that no audit-log entry was altered, removed or reordered."""
    from vastgoed.ethics.review import audit_log, audit_log_path, pending_runs, unlogged_runs

    path = audit_log_path(out)
    try:
        result = audit_log(out).verify()  # an append interrupted by a crash is recovered first
        for recovered in result.recovered:
            _console.print(f"[yellow]hersteld: {recovered}[/yellow]", highlight=False)
        problems = list(result.problems)
        if result.ok:
            # A deleted log verifies as an empty one: the runs in OUT say what it should hold.
            problems += [
                f"run folder {out / r} has no 'run' entry: entries were removed or the log was replaced"
                for r in unlogged_runs(out)
            ]
            for run_id in pending_runs(out):
                _console.print(
                    f"run {run_id} is begun but not published: still going, or killed (the next "
                    "`vastgoed run` removes what it left and logs it as failed)",
                    highlight=False,
                )
    except VastgoedError as exc:
        raise _fail(exc) from exc
    if problems:
        for problem in problems:
            _console.print(f"[red]{problem}[/red]", highlight=False)
        _console.print(f"[red]audit log {path} does NOT verify[/red]")
        raise typer.Exit(1)
    _console.print(f"audit log {path}: {result.n_entries} entries, chain intact")


@audit_app.command("erase")
def audit_erase(
    entry: Annotated[int, typer.Argument(help="The audit entry (seq) whose free text is erased.")],
    reason: Annotated[str, typer.Option(help="Why (e.g. a request under GDPR art. 17); no identifiers.")],
    out: Annotated[Path, typer.Option(help="The output folder (holding governance/audit.jsonl).")] = Path(
        "out"
    ),
) -> None:
    """Erase an entry's free text (rationale, conditions, note) from the text store; logged, chain intact."""
    from vastgoed.ethics.review import erase_text

    try:
        done = erase_text(out, entry, reason=reason, actor=f"beheerder:{_actor(None)}")
    except VastgoedError as exc:
        raise _fail(exc) from exc
    _console.print(
        f"text of entry {entry} erased ({', '.join(done.details['velden'])}); logged as entry {done.seq}"
    )


@app.command()
def purge(
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", help="Age such as 365d, 12w, 6m or 2y (default: the retention period)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="The output folder.")] = Path("out"),
    reason: Annotated[
        str, typer.Option(help="Why runs are removed before the retention period ends (required then).")
    ] = "",
    dry_run: Annotated[bool, typer.Option(help="List what would be removed.")] = False,
    config: Annotated[Path | None, typer.Option(help="A TOML run config (ethics metadata, MLflow).")] = None,
) -> None:
    """Remove runs past their retention period, and their MLflow batch runs; logged before anything goes."""
    import datetime as dt

    from vastgoed.ethics.metadata import load_ethics
    from vastgoed.ethics.privacy import parse_age, purge_runs
    from vastgoed.ethics.review import audit_log

    try:
        cfg = load_config(config)
        retention = dt.timedelta(days=load_ethics(cfg.ethics.metadata_path()).bewaren.bewaartermijn_dagen)
        age = parse_age(older_than) if older_than else retention
        if age < retention and not reason.strip():
            raise ConfigError(
                f"--older-than {older_than} is shorter than the retention period ({retention.days} days, "
                "configs/ethics.toml bewaren.bewaartermijn_dagen): say why with --reason"
            )
        due = purge_runs(out, age, dry_run=True)
        if not dry_run and due:
            mlflow_runs = {p.run_id: _mlflow_run_of(p.path) for p in due}
            audit_log(out).append(
                "purge",
                actor=f"beheerder:{_actor(None)}",
                details={
                    "older_than_days": age.days,
                    "reason": reason.strip(),
                    "runs": [p.run_id for p in due],
                    "mlflow_runs": sorted(r for r in mlflow_runs.values() if r),
                },
            )
            due = purge_runs(out, age)
            if cfg.tracking.enabled:
                from vastgoed.tracking import delete_run

                for p in due:
                    if not mlflow_runs.get(p.run_id):
                        continue
                    try:
                        delete_run(cfg.tracking, str(mlflow_runs[p.run_id]))
                    except Exception as exc:  # the store's own errors; the folder is gone and logged
                        _console.print(
                            f"[yellow]MLflow run {mlflow_runs[p.run_id]} of {p.run_id} not removed: "
                            f"{exc}; remove it from the store by hand[/yellow]"
                        )
    except VastgoedError as exc:
        raise _fail(exc) from exc
    verb = "would remove" if dry_run else "removed"
    _console.print(f"{verb} {len(due)} run(s): {', '.join(p.run_id for p in due) or '-'}")


def _mlflow_run_of(run_dir: Path) -> str | None:
    """The MLflow batch run of a run folder (its report and run.json), from its run.json."""
    try:
        info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        return str(info["mlflow"]["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _frame_table(title: str, frame: pl.DataFrame) -> Table:
    table = Table(title=title)
    for c in frame.columns:
        table.add_column(c, justify="left" if frame[c].dtype == pl.String else "right")
    for row in frame.iter_rows():
        table.add_row(*(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row))
    return table


def main() -> None:
    """Entry point for ``python -m vastgoed``."""
    app()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    out: Annotated[Path, typer.Option(help="The output folder (runs and governance/).")] = Path("out"),
    database_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of the store (default: $VASTGOED_DATABASE_URL, else SQLite in OUT)."
        ),
    ] = None,
    allow_http: Annotated[
        bool, typer.Option(help="Session cookies without the Secure flag: only for local use without TLS.")
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            help="Address of a reverse proxy in front of the application (repeatable; default "
            "$VASTGOED_WEB_TRUSTED_PROXIES): only from it are X-Forwarded-For and the SSO header read."
        ),
    ] = None,
    sso_header: Annotated[
        str | None,
        typer.Option(help="Trust this header of the reverse proxy as the user (e.g. X-Remote-User)."),
    ] = None,
    sso_secret_env: Annotated[
        str | None,
        typer.Option(
            help="Name of the environment variable holding the secret the proxy sends in "
            "X-Vastgoed-Proxy-Secret (required with --sso-header)."
        ),
    ] = None,
    beheerder: Annotated[
        str | None,
        typer.Option(help="Create this beheerder account first when the store has none (asks the password)."),
    ] = None,
) -> None:
    """The analysts' and reviewers' web application (make ui): login at /, the runs at /runs."""
    import uvicorn
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from vastgoed.web import WebSettings, create_app
    from vastgoed.web.security import create_account
    from vastgoed.web.settings import secret_from_env
    from vastgoed.web.store import Account

    try:
        settings = WebSettings.from_env(
            out_dir=out,
            database_url=database_url,
            allow_http=allow_http or None,
            trusted_proxies=tuple(trusted_proxy) if trusted_proxy else None,
            sso_header=sso_header,
            sso_secret=secret_from_env(sso_secret_env) if sso_secret_env else None,
        )
        web = create_app(settings)
        if beheerder:
            with sessionmaker(web.state.engine)() as db:
                if db.scalar(select(Account).where(Account.rol == "beheerder")) is None:
                    password = typer.prompt(
                        f"password for {beheerder}", hide_input=True, confirmation_prompt=True
                    )
                    create_account(db, beheerder, "beheerder", password)
                    _console.print(f"beheerder account {beheerder!r} created")
    except VastgoedError as exc:
        raise _fail(exc) from exc
    if not settings.allow_http and host in ("127.0.0.1", "localhost"):
        _console.print("[yellow]session cookies are Secure: use TLS, or --allow-http for local use[/yellow]")
    _console.print(f"vastgoed web on http://{host}:{port}/ (runs in {settings.out_dir})")
    uvicorn.run(web, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)


account_app = typer.Typer(
    help="Accounts of the web application, the operator's way (on the server).", no_args_is_help=True
)
app.add_typer(account_app, name="account")


@account_app.command("add")
def account_add(
    naam: Annotated[str, typer.Argument(help="The account's login name.")],
    rol: Annotated[str, typer.Option(help="analist, reviewer or beheerder.")] = "analist",
    out: Annotated[Path, typer.Option(help="The output folder (runs and governance/).")] = Path("out"),
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL of the store (default as for `vastgoed serve`).")
    ] = None,
) -> None:
    """Create an approved account whose holder types their own password here (asked twice).

    The way to a second beheerder where there is one: in the web application a reviewer or
    beheerder account needs the approval of a beheerder other than the one who asked for it.
    """
    from sqlalchemy.orm import sessionmaker

    from vastgoed.ethics.review import audit_log
    from vastgoed.web import WebSettings
    from vastgoed.web.security import create_account
    from vastgoed.web.store import make_engine, migrate

    try:
        settings = WebSettings.from_env(out_dir=out, database_url=database_url)
        engine = make_engine(settings.resolved_database_url())
        migrate(engine)
        password = typer.prompt(f"password for {naam}", hide_input=True, confirmation_prompt=True)
        with sessionmaker(engine, expire_on_commit=False)() as db:  # the account is read after
            account = create_account(db, naam, rol, password)
        audit_log(settings.out_dir).append(
            "account",
            actor=f"operator:{_os_user()}",
            details={"account": account.naam, "rol": rol, "wat": "aangemaakt"},
        )
    except VastgoedError as exc:
        raise _fail(exc) from exc
    _console.print(f"{rol} account {account.naam!r} created")


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
