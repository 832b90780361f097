"""truth/adreslinks.csv: the true verblijfsobject of every address-bearing record, and which are unusable."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from vastgoed.synthetic import GenerationSummary, summarise
from vastgoed.synthetic.writer import ADDRESS_STEMS

_CANONICAL_PC = r"^\d{4}[A-Z]{2}$"


def _read(out: Path, stem: str) -> pl.DataFrame:
    return pl.read_csv(out / f"{stem}.csv", infer_schema=False)


def _links(truth: Path) -> pl.DataFrame:
    return pl.read_csv(truth / "adreslinks.csv", infer_schema=False)


def _with_truth(out: Path, truth: Path, stem: str) -> pl.DataFrame:
    """The written rows of ``stem`` with their truth link and the BAG address of the true object."""
    df = _read(out, stem).with_row_index("row")
    if "openbare_ruimte" in df.columns:
        df = df.rename({"openbare_ruimte": "straat"})
    df = df.with_columns(record=pl.lit(f"{stem}:") + pl.col("row").cast(pl.Utf8))
    bag = _read(out, "bag_verblijfsobjecten").select(
        "verblijfsobject_id",
        pl.col("nummeraanduiding_id").alias("bag_num"),
        pl.col("openbare_ruimte").alias("bag_straat"),
        pl.col("huisnummer").alias("bag_huisnummer"),
        pl.col("huisletter").alias("bag_huisletter"),
        pl.col("huisnummertoevoeging").alias("bag_toevoeging"),
        pl.col("postcode").alias("bag_postcode"),
    )
    links = _links(truth).rename({"verblijfsobject_id": "truth_vbo"})
    return df.join(links, on="record", how="left").join(
        bag, left_on="truth_vbo", right_on="verblijfsobject_id", how="left"
    )


def test_one_row_per_address_bearing_record(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = generated
    links = _links(truth)
    assert links.columns == ["record", "verblijfsobject_id", "afgeschermd"]
    assert links["record"].n_unique() == links.height
    assert set(links["afgeschermd"].unique().to_list()) == {"true", "false"}
    expected = [f"{stem}:{i}" for stem in ADDRESS_STEMS for i in range(_read(out, stem).height)]
    assert links["record"].to_list() == expected


def test_every_object_is_in_bag(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = generated
    bag = set(_read(out, "bag_verblijfsobjecten")["verblijfsobject_id"].to_list())
    ids = _links(truth)["verblijfsobject_id"]
    assert ids.null_count() == 0
    assert set(ids.unique().to_list()) <= bag


@pytest.mark.parametrize("stem", ADDRESS_STEMS)
def test_written_address_is_that_of_the_true_object(
    generated: tuple[Path, Path, GenerationSummary], stem: str
) -> None:
    out, truth, _ = generated
    df = _with_truth(out, truth, stem)
    assert df["truth_vbo"].null_count() == 0 and df["bag_postcode"].null_count() == 0
    usable = df.filter(pl.col("afgeschermd") == "false")
    # records without postcode noise (the canonical form): postcode + huisnummer as in BAG, verbatim
    clean = usable.filter(pl.col("postcode").str.contains(_CANONICAL_PC))
    assert clean.height >= 0.7 * usable.height  # 10% spacing/case noise and 10% dropped postcodes (meldingen)
    sample = clean.sample(n=min(clean.height, 300), seed=1)
    written = (sample["postcode"] + " " + sample["huisnummer"]).to_list()
    in_bag = (sample["bag_postcode"] + " " + sample["bag_huisnummer"]).to_list()
    assert written == in_bag
    # noise never changes the huisnummer and only the notation of a postcode
    with_nr = usable.filter(pl.col("huisnummer").is_not_null())
    assert (with_nr["huisnummer"] == with_nr["bag_huisnummer"]).all()
    with_pc = usable.filter(pl.col("postcode").is_not_null())
    assert (with_pc["postcode"].str.replace(" ", "").str.to_uppercase() == with_pc["bag_postcode"]).all()
    # most usable records carry the BAG address letter for letter, but not all (there is noise)
    same = (
        (pl.col("straat").fill_null("") == pl.col("bag_straat").fill_null(""))
        & (pl.col("postcode").fill_null("") == pl.col("bag_postcode"))
        & (pl.col("huisletter").fill_null("") == pl.col("bag_huisletter").fill_null(""))
        & (pl.col("huisnummertoevoeging").fill_null("") == pl.col("bag_toevoeging").fill_null(""))
    )
    share = usable.select(same.mean()).item()
    assert 0.6 < share < 1.0, share


def test_source_identifiers_agree_with_truth(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, _ = generated
    kad = _with_truth(out, truth, "kadaster_eigendom").drop_nulls("verblijfsobject_id")
    assert kad.height > 0 and (kad["verblijfsobject_id"] == kad["truth_vbo"]).all()
    brp = _with_truth(out, truth, "brp_inschrijvingen").drop_nulls("nummeraanduiding_id")
    assert brp.height > 0 and (brp["nummeraanduiding_id"] == brp["bag_num"]).all()


@pytest.mark.parametrize("stem", ADDRESS_STEMS)
def test_afgeschermd_means_no_usable_address(
    generated: tuple[Path, Path, GenerationSummary], stem: str
) -> None:
    out, truth, _ = generated
    df = _with_truth(out, truth, stem)
    partial = pl.col("huisnummer").is_null() | (pl.col("postcode").is_null() & pl.col("straat").is_null())
    flagged = df.select(partial.alias("p"), (pl.col("afgeschermd") == "true").alias("a"))
    assert (flagged["p"] == flagged["a"]).all()
    n_afg = int(flagged["a"].sum())
    if stem == "kvk_vestigingen":
        # a shielded home address: every address field is empty
        afg = df.filter(pl.col("afgeschermd") == "true")
        cols = ["straat", "huisnummer", "huisletter", "huisnummertoevoeging", "postcode", "plaats"]
        assert n_afg > 0 and afg.select(pl.all_horizontal(pl.col(cols).is_null())).to_series().all()
    elif stem == "meldingen":
        assert n_afg > 0
    else:
        assert n_afg == 0


def test_summary_counts_links(generated: tuple[Path, Path, GenerationSummary]) -> None:
    out, truth, summary = generated
    s = summarise(out, truth)
    assert s["adreslinks"] == summary.adreslinks
    assert s["adreslinks_afgeschermd"] == summary.adreslinks_afgeschermd
    assert {k: v for k, v in summary.rijen.items() if k in ADDRESS_STEMS} == summary.adreslinks
