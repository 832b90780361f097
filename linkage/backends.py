"""Where the linkage's SQL runs: in-process DuckDB (the default) or Spark (``linkage.backend``).

Two steps of the linkage are SQL: the Splink person model (training, blocking counts, prediction)
and the fuzzy address step. This module gives them a Splink database API for the configured
backend, runs a plain query on it, and writes the few functions whose names or edge cases differ
between the two engines, so both give the same answers (``docs/spark.md``).

pyspark is imported only when the Spark backend is used: the default install has no pyspark and
needs no Java. The Spark session is created on first use and then shared by the process.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from vastgoed.core.errors import VastgoedError

if TYPE_CHECKING:
    from splink import DuckDBAPI
    from splink.internals.database_api import DatabaseAPISubClass
    from splink.internals.splink_dataframe import SplinkDataFrame

    from vastgoed.core.config import LinkageConfig, SparkConfig

__all__ = [
    "BackendUnavailableError",
    "Dialect",
    "SqlFunctions",
    "backend_name",
    "duckdb_api",
    "duckdb_connect",
    "release",
    "run_query",
    "spark_jaro_winkler",
    "spark_session",
    "splink_db_api",
    "sql_functions",
    "to_polars",
]

Dialect = Literal["duckdb", "spark"]


class BackendUnavailableError(VastgoedError):
    """The configured linkage backend cannot run here (pyspark or Java missing, session failed)."""


@dataclass(frozen=True)
class SqlFunctions:
    """SQL for the functions whose names or answers differ between DuckDB and Spark.

    The Spark forms give DuckDB's answers. Splink's Scala ``jaro_winkler`` does not: it counts
    half-transpositions as fractions (``teunkens``/``fleukens`` 0.75, DuckDB 0.778), compares
    characters where DuckDB compares UTF-8 bytes, and gives 1.0 for two empty strings; so Spark
    gets :func:`spark_jaro_winkler` in plain SQL instead. The DuckDB forms are the plain calls.
    """

    dialect: Dialect

    def jaro_winkler(self, a: str, b: str) -> str:
        """Jaro-Winkler similarity of two string expressions (null if either is null)."""
        if self.dialect == "duckdb":
            return f"jaro_winkler_similarity({a}, {b})"
        return spark_jaro_winkler(a, b)

    def damerau_levenshtein(self, a: str, b: str) -> str:
        """Damerau-Levenshtein distance of two string expressions (null if either is null).

        Spark uses Splink's Scala function on the strings' UTF-8 bytes (as one Latin-1 character
        each), because DuckDB counts bytes: ``é`` against ``e`` is two edits in both.
        """
        if self.dialect == "duckdb":
            return f"damerau_levenshtein({a}, {b})"
        la, lb = (f"decode(encode({x}, 'UTF-8'), 'ISO-8859-1')" for x in (a, b))
        return f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE damerau_levenshtein({la}, {lb}) END)"

    def starts_with(self, s: str, prefix: str) -> str:
        """Whether string ``s`` starts with ``prefix``."""
        return f"starts_with({s}, {prefix})" if self.dialect == "duckdb" else f"startswith({s}, {prefix})"

    def list_len(self, col: str) -> str:
        """The number of elements of a list (array) column."""
        return f"len({col})" if self.dialect == "duckdb" else f"size({col})"


def _let(value: str, var: str, body: str) -> str:
    """``body`` with ``var`` bound to ``value`` once (Spark SQL has no LET: a one-element transform)."""
    return f"element_at(transform(array({value}), {var} -> {body}), 1)"


_D = "CAST({} AS DOUBLE)".format


def spark_jaro_winkler(a: str, b: str) -> str:
    """Spark SQL for DuckDB's ``jaro_winkler_similarity(a, b)``, to the last bit.

    DuckDB (rapidfuzz): Jaro over the UTF-8 bytes with the match window
    ``max(len) / 2 - 1``, greedy matching in string order, whole transpositions (half the
    out-of-order matches, rounded down), then ``jaro + prefix * 0.1 * (1 - jaro)`` above 0.7 with
    a common prefix of at most four, evaluated as one fused multiply-add. Written here with
    higher-order functions (no UDF, so nothing to ship to a cluster); the fused multiply-add is
    reproduced exactly with Dekker's product and Knuth's sum. Null if either is null; 0.0 if
    either is empty.
    """
    # jw_s: x and y as arrays of one-byte binaries, la and lb their lengths, r the match window
    dims = (
        "named_struct('x', transform(sequence(1, length(jw_p.x)), jw_k -> substr(jw_p.x, jw_k, 1)), "
        "'y', transform(sequence(1, length(jw_p.y)), jw_k -> substr(jw_p.y, jw_k, 1)), "
        "'la', length(jw_p.x), 'lb', length(jw_p.y), "
        "'r', CAST(greatest(greatest(length(jw_p.x), length(jw_p.y)) div 2 - 1, 0) AS INT))"
    )
    lo, hi = "greatest(1, jw_i - jw_s.r)", "least(jw_s.lb, jw_i + jw_s.r)"
    # the first byte of y inside the window, not matched yet, that equals byte i of x
    first = (
        f"try_element_at(filter(sequence({lo}, {hi}), jw_j -> jw_j >= {lo} AND jw_j <= {hi} "
        "AND try_element_at(jw_s.y, jw_j) = element_at(jw_s.x, jw_i) "
        "AND NOT array_contains(jw_st.my, jw_j)), 1)"
    )
    step = _let(
        first,
        "jw_m",
        "CASE WHEN jw_m IS NULL THEN jw_st ELSE named_struct("
        "'my', concat(jw_st.my, array(jw_m)), 'ma', concat(jw_st.ma, array(element_at(jw_s.x, jw_i)))) END",
    )
    # my: the matched positions of y; ma: the matched bytes of x, in order
    matched = (
        "aggregate(sequence(1, jw_s.la), named_struct('my', CAST(array() AS array<int>), "
        f"'ma', CAST(array() AS array<binary>)), (jw_st, jw_i) -> {step})"
    )
    m = "size(jw_st.ma)"
    half_transpositions = (
        "CAST(size(array_remove(zip_with(jw_st.ma, "
        "transform(array_sort(jw_st.my), jw_k -> element_at(jw_s.y, jw_k)), "
        "(jw_c, jw_d) -> jw_c <> jw_d), false)) div 2 AS INT)"
    )
    jaro = _let(
        matched,
        "jw_st",
        f"CASE WHEN {m} = 0 THEN {_D(0)} ELSE "
        f"({m} / jw_s.la + {m} / jw_s.lb + ({m} - {half_transpositions}) / {m}) / {_D(3)} END",
    )
    prefix = (
        "aggregate(sequence(1, least(4, jw_s.la, jw_s.lb)), 0, (jw_n, jw_k) -> "
        "CASE WHEN jw_n = jw_k - 1 AND element_at(jw_s.x, jw_k) = element_at(jw_s.y, jw_k) "
        "THEN jw_k ELSE jw_n END)"
    )
    # fma(w, 1 - j, j): w * (1 - j) exactly as hi + lo (Veltkamp split, Dekker), j + hi exactly as
    # s + t (Knuth), then s + (t + lo): the correctly rounded result DuckDB's fused multiply-add gives.
    split = _D(134217729)
    fma = _let(
        f"named_struct('a', jw_w, 'b', {_D(1)} - jw_j, 'p', jw_w * ({_D(1)} - jw_j), "
        f"'ta', {split} * jw_w, 'tb', {split} * ({_D(1)} - jw_j))",
        "jw_v",
        _let(
            "named_struct('ah', jw_v.ta - (jw_v.ta - jw_v.a), 'bh', jw_v.tb - (jw_v.tb - jw_v.b))",
            "jw_h",
            _let(
                "named_struct('e', ((jw_h.ah * jw_h.bh - jw_v.p) + jw_h.ah * (jw_v.b - jw_h.bh) "
                "+ (jw_v.a - jw_h.ah) * jw_h.bh) + (jw_v.a - jw_h.ah) * (jw_v.b - jw_h.bh), "
                "'s', jw_j + jw_v.p, 'bb', (jw_j + jw_v.p) - jw_j)",
                "jw_u",
                "jw_u.s + (((jw_j - (jw_u.s - jw_u.bb)) + (jw_v.p - jw_u.bb)) + jw_u.e)",
            ),
        ),
    )
    boosted = _let(f"{prefix} * {_D(0.1)}", "jw_w", fma)
    winkler = _let(jaro, "jw_j", f"CASE WHEN jw_j > {_D(0.7)} THEN {boosted} ELSE jw_j END")
    body = _let(
        f"named_struct('x', encode({a}, 'UTF-8'), 'y', encode({b}, 'UTF-8'))",
        "jw_p",
        _let(dims, "jw_s", winkler),
    )
    return (
        f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL "
        f"WHEN {a} = '' OR {b} = '' THEN {_D(0)} ELSE {body} END)"
    )


def sql_functions(dialect: Dialect) -> SqlFunctions:
    """The SQL helpers of ``dialect``."""
    return SqlFunctions(dialect)


def backend_name(cfg: LinkageConfig | None) -> Dialect:
    """The configured backend; DuckDB when there is no configuration."""
    return "duckdb" if cfg is None else cfg.backend


#: DuckDB's memory limit when none is configured: its own default is 80% of the machine, which
#: beside the batch's tables runs a region out of memory; past the limit DuckDB spills to disk.
DUCKDB_MEMORY_LIMIT = "4GB"


def duckdb_connect(num_threads: int | None = None, memory_limit: str | None = None) -> Any:
    """An in-memory DuckDB connection with a thread count, a memory limit and a spill folder.

    Args:
        num_threads: Threads (DuckDB's default takes every core); None keeps the default.
        memory_limit: DuckDB's ``memory_limit`` (``"4GB"``); None takes :data:`DUCKDB_MEMORY_LIMIT`.
    """
    import duckdb

    con = duckdb.connect(":memory:")
    # the engine shows its own progress; DuckDB's bars would print from every worker of a run in shards
    con.execute("SET enable_progress_bar = false")
    if num_threads is not None:
        con.execute(f"SET threads = {int(num_threads)}")
    limit = (memory_limit or DUCKDB_MEMORY_LIMIT).replace("'", "")
    con.execute(f"SET memory_limit = '{limit}'")
    spill = str(Path(tempfile.gettempdir()) / f"vastgoed-duckdb-{os.getpid()}").replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    return con


def duckdb_api(num_threads: int, memory_limit: str | None = None) -> DuckDBAPI:
    """A DuckDB database API with an explicit thread count (the default takes every core)."""
    from splink import DuckDBAPI

    con = duckdb_connect(num_threads, memory_limit)
    con.execute("SET preserve_insertion_order = false")
    return DuckDBAPI(connection=con)


def release(db_api: DatabaseAPISubClass) -> None:
    """Free what a linkage left in its database.

    A DuckDB connection is closed (its tables, Splink's cached intermediate tables and its buffer
    pool go with it); a Spark session is shared and stays.
    """
    con = getattr(db_api, "duckdb_con", None)
    if con is not None:
        con.close()
    gc.collect()  # Splink's linker and its tables hold one another; free them now, not some time


def splink_db_api(cfg: LinkageConfig | None, num_threads: int) -> DatabaseAPISubClass:
    """The Splink database API of the configured backend.

    Args:
        cfg: The linkage configuration (``backend``, ``spark``); None means DuckDB.
        num_threads: DuckDB's thread count (Spark takes its parallelism from its master).

    Raises:
        BackendUnavailableError: Spark is configured but pyspark, Java or Splink's jar is missing.
    """
    if cfg is None or cfg.backend == "duckdb":
        return duckdb_api(num_threads, None if cfg is None else cfg.duckdb_memory_limit)
    # A session of its own (sharing the context): Splink's input and intermediate table names are
    # fixed, and a second linkage in this process must not find the first one's.
    spark = spark_session(cfg.spark).newSession()
    from splink import SparkAPI

    api = SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=spark, break_lineage_method=cfg.spark.break_lineage, register_udfs_automatically=False
    )
    _register_udfs(spark)
    return api


def to_polars(df: SplinkDataFrame) -> pl.DataFrame:
    """A Splink table of either backend as a polars frame."""
    if df.db_api.sql_dialect.sql_dialect_str == "spark":
        out = pl.from_arrow(df.as_spark_dataframe().toArrow())
    else:
        out = pl.from_arrow(df.as_duckdbpyrelation().arrow())
    assert isinstance(out, pl.DataFrame)
    return out


def run_query(
    cfg: LinkageConfig | None, sql: str, tables: dict[str, pl.DataFrame], *, num_threads: int | None = None
) -> pl.DataFrame:
    """Run ``sql`` over ``tables`` (name -> frame) on the configured backend.

    Args:
        cfg: The linkage configuration; None means DuckDB.
        sql: The query, in the backend's dialect (see :class:`SqlFunctions`).
        tables: The frames the query reads, by the names it uses.
        num_threads: DuckDB's thread count; None: DuckDB's default (every core).

    Returns:
        The result, row order unspecified.
    """
    if cfg is None or cfg.backend == "duckdb":
        con = duckdb_connect(num_threads, None if cfg is None else cfg.duckdb_memory_limit)
        try:
            for name, df in tables.items():
                con.register(name, df)
            out: pl.DataFrame = con.sql(sql).pl()
        finally:
            con.close()
        return out
    spark = spark_session(cfg.spark)
    _register_udfs(spark)
    try:
        for name, df in tables.items():
            # Spark has no unsigned integers (polars' row indexes are UInt32).
            signed = df.with_columns(pl.col(pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64).cast(pl.Int64))
            spark.createDataFrame(signed.to_arrow()).createOrReplaceTempView(name)
        result = pl.from_arrow(spark.sql(sql).toArrow())
    finally:
        for name in tables:
            spark.catalog.dropTempView(name)
    assert isinstance(result, pl.DataFrame)
    return result


_SESSION: list[Any] = []


def _import_pyspark() -> Any:
    try:
        import pyspark
    except ImportError as e:
        raise BackendUnavailableError(
            'linkage.backend = "spark" needs pyspark, which the default install leaves out: '
            "install the `spark` extra (`uv sync --frozen --inexact --extra spark`, or `make test-spark`)"
        ) from e
    return pyspark


def _check_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and shutil.which("java", path=str(Path(java_home) / "bin")):
        return
    if shutil.which("java") is None:
        raise BackendUnavailableError(
            'linkage.backend = "spark" needs Java 17 or 21 to start Spark, and there is no `java` on '
            "PATH and no JAVA_HOME: install a JDK (e.g. `apt-get install openjdk-17-jre-headless`)"
        )


def spark_session(cfg: SparkConfig) -> Any:
    """The process's Spark session: the active one if there is one, else one built from ``cfg``.

    A session that is already running (Databricks, a notebook, ``spark-submit``) is used with its
    own settings; it must have Splink's similarity jar on its classpath (Databricks: Splink
    registers it). A session built here gets the jar, ``cfg``'s settings and a checkpoint directory.

    Raises:
        BackendUnavailableError: pyspark or Java is missing, or the session does not start.
    """
    _import_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        _ensure_checkpoint_dir(active, cfg)
        return active
    if _SESSION:
        return _SESSION[0]
    if not cfg.master or cfg.master.startswith("local"):
        _check_java()
    from splink.backends.spark import similarity_jar_location

    jar = similarity_jar_location()
    local = cfg.master.startswith("local")
    conf: dict[str, str] = {
        "spark.driver.memory": cfg.driver_memory,
        "spark.sql.shuffle.partitions": str(cfg.shuffle_partitions),
        "spark.ui.showConsoleProgress": "false",
        # In local mode the executor is this process: a machine stalled for two minutes (swapping,
        # overloaded) must not make Spark declare it lost, which local mode cannot undo.
        **({"spark.network.timeout": "3600s"} if local else {}),
        **({"spark.local.dir": cfg.local_dir} if cfg.local_dir else {}),
        **cfg.conf,
    }
    conf["spark.jars"] = ",".join(j for j in (cfg.conf.get("spark.jars"), jar) if j)
    builder = SparkSession.builder.appName(cfg.app_name)
    if cfg.master:
        builder = builder.master(cfg.master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as e:
        raise BackendUnavailableError(f"the Spark session did not start (master {cfg.master!r}): {e}") from e
    spark.sparkContext.setLogLevel("ERROR")
    _ensure_checkpoint_dir(spark, cfg)
    _SESSION.append(spark)
    return spark


def _ensure_checkpoint_dir(spark: Any, cfg: SparkConfig) -> None:
    """Splink's ``parquet`` and ``checkpoint`` lineage breaks write under the checkpoint directory."""
    if not spark.sparkContext._jsc.sc().getCheckpointDir().isEmpty():
        return
    path = cfg.checkpoint_dir
    if path is None:
        path = tempfile.mkdtemp(prefix="vastgoed-spark-")
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    spark.sparkContext.setCheckpointDir(path)


def _register_udfs(spark: Any) -> None:
    """Register Splink's Scala functions (``damerau_levenshtein``, ...) from its jar, once a session.

    The jar is on the classpath of a session built here; on Databricks Splink attaches it to the
    cluster first; elsewhere it must have been given (``--jars``).
    """
    if spark.catalog.functionExists("damerau_levenshtein"):
        return
    from splink.backends.spark import similarity_jar_location
    from splink.internals.spark.jar_location import get_scala_udfs

    try:
        if "DATABRICKS_RUNTIME_VERSION" in os.environ:
            from splink.internals.databricks.enable_splink import enable_splink

            enable_splink(spark)  # type: ignore[no-untyped-call]
        for udf in get_scala_udfs():  # type: ignore[no-untyped-call]
            spark.udf.registerJavaFunction(*udf)
    except Exception as e:
        raise BackendUnavailableError(
            "Splink's Scala functions (damerau_levenshtein, ...) cannot be registered: its jar is not on "
            f"the Spark classpath; start Spark with `--jars {similarity_jar_location()}` (docs/spark.md)"
        ) from e
