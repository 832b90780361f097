"""The ``recordlinkage`` toolkit's classic pipeline on the person records the engine links.

Run as a separate process by ``tests/bench/test_stages.py`` (so it can be stopped when it does
not finish in time, and its memory is its own)::

    python tests/bench/rl_baseline.py RECORDS.parquet TRUTH_PERSONEN.parquet OUT.json [ENGINE_LINKS.parquet]

The classic pipeline (Christen 2012; the toolkit's own tutorial): index by blocking on the same
keys as the engine's Splink blocking rules, compare with Jaro-Winkler on names and exact agreement
on birth date, initials and address, classify with the unsupervised ECM (Fellegi-Sunter by
expectation maximisation), cluster matched pairs as connected components. Pairwise precision and
recall are measured against the generator's truth, for the toolkit and for the engine's clusters
(``links/personen.parquet`` of the batch run, when given).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl


def _truth_pairs(records: pl.DataFrame, truth: pl.DataFrame) -> int:
    """Number of true matching pairs among ``records``."""
    t = records.select("record").join(truth, on="record", how="inner")
    sizes = t.group_by("persoon_id").len()["len"].to_numpy().astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _cluster_pairs(links: pl.DataFrame, truth: pl.DataFrame) -> tuple[int, int]:
    """(predicted pairs, of which true) for a clustering given as ``record, cluster``."""
    sizes = links.group_by("cluster").len()["len"].to_numpy().astype(np.int64)
    predicted = int((sizes * (sizes - 1) // 2).sum())
    both = links.join(truth, on="record", how="inner").group_by("cluster", "persoon_id").len()
    s = both["len"].to_numpy().astype(np.int64)
    return predicted, int((s * (s - 1) // 2).sum())


def _quality(links: pl.DataFrame, truth: pl.DataFrame, n_true: int) -> dict[str, float]:
    predicted, correct = _cluster_pairs(links, truth)
    precision = correct / predicted if predicted else 1.0
    recall = correct / n_true if n_true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5)}


def run(records_path: Path, truth_path: Path, out: Path, engine_links: Path | None) -> None:
    import recordlinkage as rl
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    records = pl.read_parquet(records_path)
    truth = pl.read_parquet(truth_path).select("record", "persoon_id")
    n_true = _truth_pairs(records, truth)
    result: dict[str, object] = {"records": records.height, "true_pairs": n_true}
    if engine_links is not None:
        eng = pl.read_parquet(engine_links).select("record", pl.col("persoon_id").alias("cluster"))
        eng = records.select("record").join(eng, on="record", how="left")
        eng = eng.with_columns(pl.col("cluster").fill_null(pl.col("record")))
        result["engine"] = _quality(eng, truth, n_true)

    start = time.perf_counter()
    df = (
        records.with_columns(
            pl.col("voorletters").str.slice(0, 1).alias("voorletter1"),
            pl.concat_str([pl.col("postcode"), pl.col("huisnummer").cast(pl.String)]).alias("adres"),
        )
        .select("achternaam", "voornaam", "voorletters", "voorletter1", "geboortedatum", "geb_jaar", "adres")
        .to_pandas()
    )
    indexer = rl.Index()
    indexer.block(["achternaam", "geboortedatum"])
    indexer.block(["geboortedatum", "voorletter1"])
    indexer.block(["achternaam", "geb_jaar", "voorletter1"])
    indexer.block(["adres", "voorletter1"])
    pairs = indexer.index(df)
    t_index = time.perf_counter() - start
    compare = rl.Compare(n_jobs=1)
    compare.string("achternaam", "achternaam", method="jarowinkler", threshold=0.92, label="achternaam")
    compare.string("voornaam", "voornaam", method="jarowinkler", threshold=0.85, label="voornaam")
    compare.exact("voorletters", "voorletters", label="voorletters")
    compare.exact("geboortedatum", "geboortedatum", label="geboortedatum")
    compare.exact("adres", "adres", label="adres")
    features = compare.compute(pairs, df)
    t_compare = time.perf_counter() - start - t_index
    ecm = rl.ECMClassifier(binarize=0.5)
    matches = ecm.fit_predict(features)
    t_classify = time.perf_counter() - start - t_index - t_compare
    n = records.height
    left = matches.get_level_values(0).to_numpy()
    right = matches.get_level_values(1).to_numpy()
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    seconds = time.perf_counter() - start
    links = records.select("record").with_columns(pl.Series("cluster", labels))
    result["toolkit"] = _quality(links, truth, n_true) | {
        "seconds": round(seconds, 2),
        "index_s": round(t_index, 2),
        "compare_s": round(t_compare, 2),
        "classify_s": round(t_classify, 2),
        "candidate_pairs": len(pairs),
        "matched_pairs": len(matches),
    }
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    run(
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        Path(sys.argv[3]),
        Path(sys.argv[4]) if len(sys.argv) > 4 else None,
    )
