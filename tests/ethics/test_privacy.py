"""The privacy gate: identifiers in outputs are found (and masked), look-alikes are not; retention."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vastgoed.core.errors import ConfigError, VastgoedError
from vastgoed.core.identifiers import is_valid_bsn
from vastgoed.ethics.privacy import (
    Finding,
    KnownIdentifiers,
    PrivacyError,
    ScanResult,
    check_paths,
    parse_age,
    purge_runs,
    scan_paths,
)

BSN = "123456782"  # passes the 11-proef
BSN_SHORT = "10005833"  # 010005833 with its leading zero lost
NOT_BSN = "123456789"  # fails it
ROW_BSN_SHAPED = "100000010"  # a row number that passes it too
BIRTH = dt.date(1970, 5, 17)
# Everything a finding must never repeat.
RAW = (BSN, BSN_SHORT, "Jan de Vries", "de Vries", "Vries", "1970-05-17", "17-05-1970")

KNOWN = KnownIdentifiers(names=frozenset({"Jan de Vries", "Piet Bakker"}), birth_dates=frozenset({BIRTH}))


def _key(name: str) -> str:
    """A name key as the scan stores it: its folded words in sorted order."""
    return " ".join(sorted(name.split(" ")))


def _assert_masked(findings: tuple[Finding, ...] | list[Finding]) -> None:
    for f in findings:
        for raw in RAW:
            assert raw not in f.excerpt, f
            assert raw not in f.location, f


def _only(result: ScanResult, soort: str) -> list[Finding]:
    return [f for f in result.findings if f.soort == soort]


# --- BSN --------------------------------------------------------------------------------------


def test_bsn_in_csv_cell_is_found_with_row_and_column(tmp_path: Path) -> None:
    p = tmp_path / "signals.csv"
    pl.DataFrame({"adres": ["Markt 1", "Markt 2"], "opmerking": ["geen", f"klant {BSN} belde"]}).write_csv(p)
    res = scan_paths([p])
    assert [(f.file, f.location, f.soort) for f in res.findings] == [(p, "row 1, column opmerking", "bsn")]
    assert res.findings[0].excerpt == "klant 12*****82 belde"
    _assert_masked(res.findings)


def test_row_number_of_a_record_id_is_not_a_bsn_but_a_bsn_beside_it_is(tmp_path: Path) -> None:
    # a region's utility extract has over 10^8 rows: record ids carry 9-digit row numbers
    row = ROW_BSN_SHAPED
    assert is_valid_bsn(row)
    p = tmp_path / "adressen.parquet"
    pl.DataFrame(
        {
            "record": [f"energie_verbruik:{row}", "kadaster_eigendom:7"],
            "detail": [f"energie_verbruik:{row} en klant {BSN}", f"onbekend_bestand:{BSN}"],
        }
    ).write_parquet(p)
    res = scan_paths([p], KNOWN)
    assert sorted((f.location, f.soort) for f in res.findings) == [
        ("row 0, column detail", "bsn"),
        ("row 1, column detail", "bsn"),
    ]
    _assert_masked(res.findings)


def test_bsn_in_parquet_string_and_integer_columns(tmp_path: Path) -> None:
    p = tmp_path / "features.parquet"
    pl.DataFrame(
        {
            "verblijfsobject_id": ["0935010000000001", "0935010000000002", "0935010000000003"],
            "tekst": [None, "x", f"id={BSN}"],
            "getal": [1, int(BSN), 3],
            "klein": pl.Series([1, 2, 3], dtype=pl.Int8),
        }
    ).write_parquet(p)
    res = scan_paths([p])
    assert sorted((f.location, f.soort) for f in res.findings) == [
        ("row 1, column getal", "bsn"),
        ("row 2, column tekst", "bsn"),
    ]
    _assert_masked(res.findings)


def test_bsn_in_nested_parquet_list_of_structs(tmp_path: Path) -> None:
    p = tmp_path / "signals.parquet"
    redenen = [
        [{"kenmerk": "n_ingeschreven", "feit": "12 personen", "bijdrage": 0.4}],
        [
            {"kenmerk": "x", "feit": "ok", "bijdrage": 0.1},
            {"kenmerk": "y", "feit": f"bsn {BSN}", "bijdrage": 0.2},
        ],
    ]
    pl.DataFrame({"rank": [1, 2], "redenen": redenen}).write_parquet(p)
    res = scan_paths([p])
    assert [(f.location, f.soort) for f in res.findings] == [("row 1, column redenen.feit", "bsn")]
    _assert_masked(res.findings)


def test_bsn_in_html_and_json_string(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        f"<html>\n<body>\n<table><tr><td>{BSN}</td></tr></table>\n</body></html>\n", encoding="utf-8"
    )
    doc = tmp_path / "run.json"
    doc.write_text(json.dumps({"data": {"warnings": ["ok", f"rij met {BSN} afgewezen"]}}), encoding="utf-8")
    res = scan_paths([tmp_path])
    assert [(f.file.name, f.location, f.soort) for f in res.findings] == [
        ("report.html", "line 3", "bsn"),
        ("run.json", "key data.warnings[1]", "bsn"),
    ]
    _assert_masked(res.findings)


def test_bsn_look_alikes_are_not_flagged(tmp_path: Path) -> None:
    sha = ("ab" + BSN + "cd").ljust(64, "e")
    bag = "0935" + BSN + "000"
    assert len(bag) == 16 and is_valid_bsn(BSN) and not is_valid_bsn(NOT_BSN)
    p = tmp_path / "t.csv"
    pl.DataFrame(
        {
            "verblijfsobject_id": [bag],
            "hash": [sha],
            "score": [f"0.{BSN}"],
            "ongeldig": [NOT_BSN],
            "run_id": [f"20261122T150705-{BSN}ab"],
            "kvk_nummer": [BSN_SHORT],  # 8 digits, no BSN context: a KvK number
        }
    ).write_csv(p)
    doc = tmp_path / "run.json"
    payload = {
        "bytes": int(BSN),
        "rows": {"n": int(BSN)},
        "ratio": float(f"0.{BSN}"),
        "hashes_sha256": {"a": sha},
    }
    doc.write_text(json.dumps(payload), encoding="utf-8")
    text = tmp_path / "model.txt"
    text.write_text(f"threshold=0.{BSN} leaf {BSN}.5 uuid {BSN_SHORT}-1234-5678\n", encoding="utf-8")
    assert scan_paths([tmp_path]).findings == ()


def test_json_numbers_are_checked_only_under_identifier_keys(tmp_path: Path) -> None:
    doc = tmp_path / "a.json"
    doc.write_text(json.dumps({"bytes": int(BSN), "persoon": {"bsn": int(BSN)}, "sofi": [int(BSN_SHORT)]}))
    res = scan_paths([doc])
    assert [(f.location, f.soort) for f in res.findings] == [
        ("key persoon.bsn", "bsn"),
        ("key sofi[0]", "bsn"),
    ]
    _assert_masked(res.findings)


def test_short_bsn_needs_context_but_the_printed_form_does_not(tmp_path: Path) -> None:
    p = tmp_path / "notes.md"
    p.write_text(f"code {BSN_SHORT}\nBSN: {BSN_SHORT}\nkaart 1234.56.782\nburgerservicenummer 1234.56.782.\n")
    res = scan_paths([p])
    assert [(f.location, f.soort) for f in res.findings] == [
        ("line 2", "bsn"),
        ("line 3", "bsn"),
        ("line 4", "bsn"),
    ]
    assert res.findings[0].excerpt == "BSN: 10****33"
    _assert_masked(res.findings)


# --- names and birth dates --------------------------------------------------------------------


def test_known_full_name_is_found_but_not_a_lone_surname_or_street(tmp_path: Path) -> None:
    p = tmp_path / "report.md"
    p.write_text(
        "# Signalen\n"
        "Gesprek met jan  DE vries, over de woning.\n"  # case and spacing do not matter
        "De Vries woont er niet meer.\n"
        "Bakkerstraat 12, 6211 AB Maastricht\n"
        "Familie Bakker\n",
        encoding="utf-8",
    )
    res = scan_paths([p], KNOWN)
    assert [(f.location, f.soort, f.excerpt) for f in res.findings] == [
        ("line 2", "naam", "Gesprek met j** D* v****, over de woning.")
    ]
    assert scan_paths([p]).findings == ()  # without known names nothing is guessed


def test_known_names_from_tables_cover_initials_and_kadaster_forms() -> None:
    tables = {
        "brp_inschrijvingen": pl.DataFrame(
            {
                "geslachtsnaam": ["Vries", "Jansen", "Smit"],
                "voorvoegsel": ["de", None, None],
                "voornamen": ["Jan Pieter", "", "A.B. Carel"],
                "geboortedatum": ["1970-05-17", "1980-00-00", None],
            }
        ),
        "kadaster_eigendom": pl.DataFrame(
            {
                "eigenaar_type": ["natuurlijk_persoon", "rechtspersoon", "natuurlijk_persoon"],
                "eigenaar_naam": ["Wang, Y.", "Maas Vastgoed B.V.", "Mol"],
                "eigenaar_geboortedatum": [dt.date(1960, 1, 2), None, None],
            }
        ),
        "vergunningen": pl.DataFrame({"aanvrager_naam": ["Piet Bakker", "Horeca Groep"]}),  # no kvk column
        "kvk_vestigingen": pl.DataFrame({"handelsnaam": ["Jansen Bouw"]}),
    }
    known = KnownIdentifiers.from_tables(tables)
    assert {
        _key(n)
        for n in (
            "jan pieter de vries",
            "jan de vries",
            "pieter de vries",
            "j.p. de vries",
            "wang y.",
            "piet bakker",
            "a.b.c. smit",
        )
    } <= known.names
    assert not any("jansen" in n or "maas" in n or n == "mol" for n in known.names)
    assert known.birth_dates == {dt.date(1970, 5, 17), dt.date(1960, 1, 2)}  # 1980-00-00 is not a date
    assert KnownIdentifiers.from_tables({}) == KnownIdentifiers()
    assert KnownIdentifiers.from_tables({"x": pl.DataFrame({"a": [1]})}).names == frozenset()


def test_initials_are_matched_as_written(tmp_path: Path) -> None:
    known = KnownIdentifiers(names=frozenset({"J.P. de Vries", "De Vries", "J. K."}))
    assert known.names == {_key("j.p. de vries")}  # a lone surname and bare initials are not names
    p = tmp_path / "a.txt"
    p.write_text("eigenaar J. P. de Vries\nobject (J.P. de Vries)\nscript a.push(de.vries)\n")
    assert [f.location for f in scan_paths([p], known).findings] == ["line 1", "line 2"]


def test_birth_date_after_geboren_is_found(tmp_path: Path) -> None:
    p = tmp_path / "dossier.txt"
    p.write_text(
        "bewoner, geboren op 17-05-1970, staat ingeschreven\n"
        "onderzocht op 1970-05-17\n"  # a date alone is not a birth date
        "geb. 1970-05-17\n",
        encoding="utf-8",
    )
    res = scan_paths([p])
    assert [(f.location, f.soort) for f in res.findings] == [
        ("line 1", "geboortedatum"),
        ("line 3", "geboortedatum"),
    ]
    assert res.findings[0].excerpt == "bewoner, geboren op **-**-****, staat ingeschreven"
    _assert_masked(res.findings)


def test_birth_date_only_in_a_row_with_a_known_name(tmp_path: Path) -> None:
    p = tmp_path / "signals.parquet"
    pl.DataFrame(
        {
            "adres": ["Markt 1", "Markt 2", "Markt 3"],
            "contact": [None, "Jan de Vries", "Piet Bakker"],
            "laatste_onderzoek": [BIRTH, BIRTH, dt.date(2024, 1, 1)],
        }
    ).write_parquet(p)
    res = scan_paths([p], KNOWN)
    assert sorted((f.location, f.soort) for f in res.findings) == [
        ("row 1, column contact", "naam"),
        ("row 1, column laatste_onderzoek", "geboortedatum"),
        ("row 2, column contact", "naam"),
    ]
    _assert_masked(res.findings)
    # Without known identifiers an investigation date is just a date.
    assert scan_paths([p]).findings == ()


def test_birth_date_columns_and_identifying_columns_are_flagged(tmp_path: Path) -> None:
    p = tmp_path / "personen.csv"
    pl.DataFrame(
        {
            "record": ["a", "b"],
            "bsn_pseudoniem": [None, None],
            "geboortedatum": ["1970-05-17", ""],
            "aanvrager_naam": [None, None],
            "handelsnaam": ["x", "y"],
            "straat_naam": ["x", "y"],
        }
    ).write_csv(p)
    res = scan_paths([p])
    assert sorted((f.location, f.soort) for f in res.findings) == [
        ("column aanvrager_naam", "identificerende_kolom"),
        ("column bsn_pseudoniem", "identificerende_kolom"),
        ("column geboortedatum", "identificerende_kolom"),
        ("row 0, column geboortedatum", "geboortedatum"),
    ]
    _assert_masked(res.findings)


def test_identifying_fields_inside_nested_columns_are_flagged(tmp_path: Path) -> None:
    p = tmp_path / "graph.parquet"
    pl.DataFrame({"knoop": ["a"], "partij": [[{"rol": "eigenaar", "bsn": None}]]}).write_parquet(p)
    res = scan_paths([p])
    assert [(f.location, f.soort, f.excerpt) for f in res.findings] == [
        ("column partij", "identificerende_kolom", "kolom partij.bsn")
    ]


def test_json_birth_key_and_name_next_to_birth_date(tmp_path: Path) -> None:
    p = tmp_path / "graph.json"
    p.write_text(
        json.dumps(
            {
                "nodes": [
                    {"label": "Jan de Vries", "sinds": "1970-05-17"},
                    {"label": "Markt 1", "sinds": "1970-05-17"},
                    {"geboortedatum": "1970-05-17"},
                ]
            }
        ),
        encoding="utf-8",
    )
    res = scan_paths([p], KNOWN)
    assert [(f.location, f.soort) for f in res.findings] == [
        ("key nodes[0].label", "naam"),
        ("key nodes[0].sinds", "geboortedatum"),
        ("key nodes[2].geboortedatum", "geboortedatum"),
    ]
    _assert_masked(res.findings)


def test_jsonl_and_identifier_as_json_key(tmp_path: Path) -> None:
    p = tmp_path / "log.jsonl"
    p.write_text(json.dumps({"per_bsn": {BSN: 3}}) + "\nnot json " + BSN + "\n", encoding="utf-8")
    res = scan_paths([p])
    assert [(f.location, f.soort) for f in res.findings] == [
        ("line 1, key per_bsn.12*****82 (name)", "bsn"),
        ("line 2", "bsn"),
    ]
    _assert_masked(res.findings)


# --- files, directories, the gate -------------------------------------------------------------


def test_directories_recurse_skip_binaries_and_do_not_follow_links(tmp_path: Path) -> None:
    run = tmp_path / "out" / "run1"
    (run / "links").mkdir(parents=True)
    (run / "links" / "x.csv").write_text(f"a\n{BSN}\n", encoding="utf-8")
    (run / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + BSN.encode())
    (run / "MLmodel").write_text(f"flavors:\n  x: {BSN}\n", encoding="utf-8")
    (run / "weird.txt").write_bytes(b"\x00\x01" + BSN.encode())
    (tmp_path / "out" / "latest").symlink_to("run1", target_is_directory=True)
    res = scan_paths([tmp_path / "out", tmp_path / "missing.json"])
    assert sorted((f.file.name, f.location) for f in res.findings) == [
        ("MLmodel", "line 2"),
        ("x.csv", "row 0, column a"),
    ]
    assert sorted((s.file.name, s.reason) for s in res.skipped) == [
        ("chart.png", "not a text, table or JSON file"),
        ("missing.json", "not found"),
        ("weird.txt", "binary content"),
    ]
    assert len(res.scanned) == 2 and not res.clean


def test_unreadable_parquet_is_skipped_with_reason(tmp_path: Path) -> None:
    p = tmp_path / "broken.parquet"
    p.write_bytes(b"not parquet")
    res = scan_paths([p])
    assert res.findings == () and res.skipped[0].reason.startswith("unreadable parquet")


def test_check_paths_raises_privacy_error_naming_the_file(tmp_path: Path) -> None:
    clean = tmp_path / "ok.csv"
    clean.write_text("a,b\n1,2\n", encoding="utf-8")
    assert check_paths([clean]).clean
    bad = tmp_path / "bad.csv"
    bad.write_text("opmerking\n" + "\n".join(f"bsn {BSN}" for _ in range(12)) + "\n", encoding="utf-8")
    with pytest.raises(PrivacyError) as info:
        check_paths([tmp_path])
    err = info.value
    assert isinstance(err, VastgoedError)
    msg = str(err)
    assert str(bad) in msg and "12 direct identifier(s)" in msg and "... and 2 more" in msg
    assert "row 0, column opmerking: bsn: bsn 12*****82" in msg
    assert BSN not in msg and len(err.findings) == 12


def test_performance_sanity(tmp_path: Path) -> None:
    n = 70_000
    p = tmp_path / "signals.parquet"
    pl.DataFrame(
        {
            "verblijfsobject_id": [f"0935010{i:09d}" for i in range(n)],
            "adres": [f"Bakkerstraat {i % 500}, 6211 AB Maastricht" for i in range(n)],
            "redenen": [f"{i % 9} personen ingeschreven; verbruik 0.{i:09d}" for i in range(n)],
            "score": [i / n for i in range(n)],
        }
    ).write_parquet(p)
    page = tmp_path / "report.html"
    row = "<tr><td>Bakkerstraat 12</td><td>0.734</td><td>hennepteelt</td><td>0935010000012345</td></tr>\n"
    page.write_text("<table>\n" + row * (3_000_000 // len(row)) + "</table>\n", encoding="utf-8")
    names = frozenset(f"Voornaam{i} Achternaam{i}" for i in range(100_000)) | {"Piet Bakker"}
    known = KnownIdentifiers(names=names, birth_dates=frozenset({BIRTH}))
    start = time.perf_counter()
    res = scan_paths([p, page], known)
    took = time.perf_counter() - start
    print(f"scan of a {n}-row parquet and a 3 MB HTML page with 100k known names: {took:.2f} s")
    assert res.findings == ()


# --- retention --------------------------------------------------------------------------------

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def _run(out: Path, run_id: str, started: str | None) -> Path:
    d = out / run_id
    d.mkdir(parents=True)
    info = {"run_id": run_id} | ({"started": started} if started is not None else {})
    (d / "run.json").write_text(json.dumps(info), encoding="utf-8")
    (d / "signals.csv").write_text("a\n1\n", encoding="utf-8")
    return d


def test_purge_removes_only_old_runs_and_fixes_latest(tmp_path: Path) -> None:
    out = tmp_path / "out"
    old = _run(out, "20250101T000000-aaaaaa", "2025-01-01T00:00:00+00:00")
    naive = _run(out, "20250201T000000-bbbbbb", "2025-02-01T00:00:00")  # taken as UTC
    new = _run(out, "20260520T000000-cccccc", "2026-05-20T00:00:00+00:00")
    undated = _run(out, "20240101T000000-dddddd", None)
    (out / "governance").mkdir()
    (out / "governance" / "log.jsonl").write_text("{}\n", encoding="utf-8")
    (out / "latest").symlink_to(old.name, target_is_directory=True)
    (out / ".purge-20200101T000000-eeeeee").mkdir()  # left over from a crashed purge

    planned = purge_runs(out, dt.timedelta(days=90), now=NOW, dry_run=True)
    assert [r.run_id for r in planned] == [old.name, naive.name]
    assert old.is_dir() and (out / "latest").is_symlink()

    purged = purge_runs(out, dt.timedelta(days=90), now=NOW)
    assert [(r.run_id, r.path) for r in purged] == [(old.name, old), (naive.name, naive)]
    assert purged[1].started == dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
    assert sorted(p.name for p in out.iterdir()) == sorted(["governance", new.name, undated.name])
    assert (out / "governance" / "log.jsonl").is_file()


def test_purge_keeps_latest_pointing_to_a_kept_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(out, "old", "2020-01-01T00:00:00+00:00")
    new = _run(out, "new", "2026-05-31T00:00:00+00:00")
    (out / "latest").symlink_to("new", target_is_directory=True)
    assert [r.run_id for r in purge_runs(out, dt.timedelta(days=2), now=NOW)] == ["old"]
    assert (out / "latest").resolve() == new.resolve()
    assert purge_runs(tmp_path / "nowhere", dt.timedelta(days=1)) == []


def test_purge_rejects_a_non_positive_period(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        purge_runs(tmp_path, dt.timedelta(0))


@pytest.mark.parametrize(
    ("text", "days"),
    [("90d", 90), ("12w", 84), ("6m", 180), ("2y", 730), (" 1 D ", 1), ("1Y", 365)],
)
def test_parse_age(text: str, days: int) -> None:
    assert parse_age(text) == dt.timedelta(days=days)


@pytest.mark.parametrize("text", ["", "90", "d", "0d", "-5d", "1.5m", "3h", "90 days", "9" * 20 + "y"])
def test_parse_age_rejects_bad_input(text: str) -> None:
    with pytest.raises(ConfigError, match="invalid age"):
        parse_age(text)


def test_anchor_words_and_name_words_are_those_of_each_key_one_at_a_time() -> None:
    """The vectorised anchors (a country's millions of names) equal the per-key definition."""
    from vastgoed.ethics.privacy import _anchor

    names = [
        "Jan Pieter de Vries",
        "J.P. de Vries",
        "de Vries, J.P.",
        "Anna van der Berg-Smit",
        "Émile Zoë Ñúñez",
        "Li Wu",
        "Mo Ab",  # equally long words: the first in the key
        "A.B.C. Jansen",
        "Hendrik-Jan van 't Hof",
    ]
    known = KnownIdentifiers(names=frozenset(names))
    keys = sorted(known.names)
    assert list(known._anchors.iter_rows()) == sorted({_anchor(k) for k in keys})
    assert known._name_words == frozenset(w for k in keys for w in k.split(" "))
    assert known._max_words == max(k.count(" ") + 1 for k in keys)
    empty = KnownIdentifiers()
    assert empty._anchors.height == 0 and empty._max_words == 0 and not empty._name_words


def test_the_prefilter_passes_over_record_ids_in_a_text_but_not_what_the_scan_would_find(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A country's row numbers have 8 and 9 digits; a text of record ids is no BSN (nor 8 digits
    unless a BSN keyword stands in it). The pre-filter keeps every string the full scan finds."""
    from vastgoed.ethics import privacy

    bsn = "111222333"
    assert is_valid_bsn(bsn)
    values = [
        '[{"record":"brp_inschrijvingen:17500123","soort":"persoon"}]',  # 8-digit row numbers
        '[{"record":"energie_verbruik:111222333"}]',  # a 9-digit row number that passes the 11-proef
        "kadaster_eigendom:12345678, brp_inschrijvingen:111222333",
        f"brp_inschrijvingen:1 en {bsn}",  # a BSN beside a record id
        f"x{bsn}",  # not a separate token
        f"xbrp_inschrijvingen:{bsn}",  # not a record id: a word character before it
        "bsn brp_inschrijvingen:12345678",  # with the keyword an 8-digit number may be a BSN
        "geboren 1-2-1980 brp_inschrijvingen:5",
        "\u00bdmeldingen:111222333",  # Python's \\w holds ½, polars' does not: not a record id for the scan
        "sof\u0131 meldingen:12345611",  # a dotless i: a BSN keyword to Python's case folding
        "SOF\u0130 meldingen:12345611",
        "b\u017fn meldingen:12345611",  # a long s
        None,
        "gewone tekst",
    ]
    series = pl.Series(values, dtype=pl.String)
    expected = {
        i: spans
        for i, v in enumerate(values)
        if v is not None and (spans := privacy._scan_text(v, KNOWN, names=True))
    }
    assert dict(privacy._scan_many(series, KNOWN)) == expected
    assert set(expected) >= {3, 5}
    calls: list[str] = []
    real = privacy._scan_text

    def counted(text: str, *args: object, **kwargs: object) -> list[privacy._Span]:
        calls.append(text)
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(privacy, "_scan_text", counted)
    list(privacy._scan_many(series[:3], KNOWN))
    assert calls == []  # the texts of record ids never reach Python


def test_a_large_json_document_is_scanned_as_a_small_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A document with many strings (a fairness audit per buurt) is pre-filtered vectorised: the
    # findings must be those of scanning every string in Python.
    groups = {
        f"buurt {i:05d}": {"n": i, "selectie": i / 7, "label": f"BU{i:08d}", "rij": f"brp_inschrijvingen:{i}"}
        for i in range(600)
    }
    groups["buurt 00042"]["opmerking"] = f"klant {BSN} belde"
    groups["buurt 00077"]["notitie"] = "bezocht door Jan de Vries"
    groups["buurt 00077"]["geboren"] = "17-05-1970"
    groups["buurt 00100"]["bsn"] = BSN_SHORT
    groups["buurt 00101"]["geboortedatum"] = 19700517
    groups["Piet Bakker"] = {"n": 1}
    groups["buurt 00200"]["tekst"] = "geboren op 1970-05-17"
    p = tmp_path / "fairness.json"
    p.write_text(
        json.dumps({"groepen": groups, "lijst": [f"waarde {i}" for i in range(400)]}), encoding="utf-8"
    )

    def found() -> list[tuple[str, str, str]]:
        return sorted((f.location, f.soort, f.excerpt) for f in scan_paths([p], KNOWN).findings)

    large = found()
    monkeypatch.setattr("vastgoed.ethics.privacy._PRESCAN_MIN_STRINGS", 10**9)
    assert large == found()
    assert {s for _, s, _ in large} == {"bsn", "naam", "geboortedatum"}
    assert len(large) == 7, large
    _assert_masked(scan_paths([p], KNOWN).findings)


def test_ids_of_one_word_or_prefix_and_word_are_passed_over_unless_a_name_can_start_there(
    tmp_path: Path,
) -> None:
    # Millions of node and person ids (``persoon:Pabc``) are ruled out by their form; a prefix that
    # is the first word of a known name is still looked at.
    known = KnownIdentifiers(names=frozenset({"Pand Jansen", "Jan de Vries"}))
    ids = [f"persoon:P{i:07d}" for i in range(300)] + ["vriesjan", "pand:Jansen", "Jan:de", "x:Jan de Vries"]
    p = tmp_path / "knopen.parquet"
    pl.DataFrame({"knoop": ids}).write_parquet(p)
    found = sorted(f.location for f in scan_paths([p], known).findings if f.soort == "naam")
    assert found == ["row 301, column knoop", "row 303, column knoop"]


def test_a_nested_column_is_scanned_field_by_field_with_the_tables_rows(tmp_path: Path) -> None:
    # Lists of structs (an object's weakest links, its reasons) are scanned leaf by leaf: each
    # finding names the table's row and the field; record ids are no BSN.
    link = pl.Struct(
        {"record": pl.String, "zekerheid": pl.Float64, "bsn": pl.Int64, "geboortedatum": pl.String}
    )
    p = tmp_path / "signals.parquet"
    pl.DataFrame(
        {
            "verblijfsobject_id": ["a", "b", "c"],
            "koppelingen": [
                [
                    {
                        "record": f"brp_inschrijvingen:{ROW_BSN_SHAPED}",
                        "zekerheid": 0.9,
                        "bsn": None,
                        "geboortedatum": None,
                    }
                ],
                None,
                [
                    {
                        "record": "bezocht door Jan de Vries",
                        "zekerheid": 0.5,
                        "bsn": None,
                        "geboortedatum": None,
                    },
                    {"record": "x", "zekerheid": 0.1, "bsn": int(BSN_SHORT), "geboortedatum": "1970-05-17"},
                ],
            ],
            "tags": [["geen"], [f"klant {BSN}"], []],
        },
        schema_overrides={"koppelingen": pl.List(link)},
    ).write_parquet(p)
    res = scan_paths([p], KNOWN)
    found = sorted((f.location, f.soort) for f in res.findings)
    assert found == [
        ("column koppelingen", "identificerende_kolom"),  # its fields bsn and geboortedatum
        ("column koppelingen", "identificerende_kolom"),
        ("row 1, column tags", "bsn"),
        ("row 2, column koppelingen.bsn", "bsn"),
        ("row 2, column koppelingen.geboortedatum", "geboortedatum"),
        ("row 2, column koppelingen.record", "naam"),
    ]
    _assert_masked(res.findings)
    # a field named like a known person is reported without its name
    q = tmp_path / "odd.parquet"
    pl.DataFrame({"v": [{"Piet Bakker": "x"}]}).write_parquet(q)
    odd = scan_paths([q], KNOWN).findings
    assert [f.soort for f in odd] == ["naam"] and all("Bakker" not in f.location for f in odd)


def test_the_union_of_stored_identifiers_finds_what_each_part_finds(tmp_path: Path) -> None:
    a = KnownIdentifiers(names=frozenset({"Jan de Vries"}), birth_dates=frozenset({BIRTH}))
    b = KnownIdentifiers(names=frozenset({"Piet Bakker", "Anna Maria van Dijk"}))
    for name, k in (("a", a), ("b", b)):
        (tmp_path / name).mkdir()
        k.write(tmp_path / name)
    both = KnownIdentifiers.stored([tmp_path / "a", tmp_path / "b"])
    assert both == KnownIdentifiers(names=a.names | b.names, birth_dates=a.birth_dates)
    assert both._anchors.equals(KnownIdentifiers(names=a.names | b.names)._anchors)
    assert both._name_words == a._name_words | b._name_words and both._max_words == 4
    p = tmp_path / "report.html"
    p.write_text(
        "<p>bezocht: Piet Bakker</p>\n<p>Anna Maria van Dijk</p>\n<p>J. de Vries, 17-05-1970</p>\n",
        encoding="utf-8",
    )
    found = sorted((f.location, f.soort) for f in scan_paths([p], both).findings)
    each = sorted((f.location, f.soort) for k in (a, b) for f in scan_paths([p], k).findings)
    assert found == each and len(found) == 2
    assert KnownIdentifiers.stored([]) == KnownIdentifiers()


def test_a_nested_cell_is_still_read_whole_where_one_field_explains_another(tmp_path: Path) -> None:
    # A BSN keyword or birth word in one field and the number or date in another, a name over two
    # strings of a list, a known birth date beside a known name: found as in the cell's JSON text.
    p = tmp_path / "nested.parquet"
    pl.DataFrame(
        {
            "a": [{"soort": "bsn", "nummer": BSN_SHORT}, {"soort": "kvk", "nummer": "12345678"}],
            "b": [["Jan", "de Vries"], ["Jan"]],
            "c": [{"naam": "Piet Bakker", "d": BIRTH}, {"naam": "x", "d": BIRTH}],
            "e": [{"type": "geboortedatum", "datum": "17-05-1970"}, {"type": "start", "datum": "17-05-1970"}],
        }
    ).write_parquet(p)
    found = sorted((f.location, f.soort) for f in scan_paths([p], KNOWN).findings)
    assert ("row 0, column a", "bsn") in found
    assert ("row 0, column b", "naam") in found
    assert ("row 0, column c", "geboortedatum") in found and ("row 0, column c.naam", "naam") in found
    assert ("row 0, column e", "geboortedatum") in found
    assert not [f for f in found if f[0].startswith("row 1")]


def test_a_large_json_document_with_a_lone_surrogate_is_scanned(tmp_path: Path) -> None:
    p = tmp_path / "doc.json"
    p.write_text(
        json.dumps({"v": [f"w{i}" for i in range(300)] + ["\ud800", f"klant {BSN}"]}), encoding="utf-8"
    )
    assert [f.soort for f in scan_paths([p]).findings] == ["bsn"]


def test_a_name_part_that_folds_to_nothing_is_no_word() -> None:
    # U+037A (a combining iota subscript as a letter) folds to nothing: before, a given name of it
    # alone crashed the name keys, and as a surname word it left a double space in the key
    tables = {
        "brp_inschrijvingen": pl.DataFrame(
            {
                "geslachtsnaam": ["Vries", "Bakker \u037a"],
                "voorvoegsel": ["de", None],
                "voornamen": ["\u037a", "Piet"],
            }
        )
    }
    known = KnownIdentifiers.from_tables(tables)
    assert _key("piet bakker") in known.names and not any("  " in n or n.endswith(" ") for n in known.names)


def _outputs_with_names(tmp_path: Path) -> list[Path]:
    """Files that hold known names in every form the scan reads, and words of names they do not."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text(
        "<p>bezocht: Piet <b>Bakker</b></p>\n<p>Anna Maria van Dijk, 17-05-1970</p>\n<p>Jan Smit</p>\n",
        encoding="utf-8",
    )
    (out / "lijst.csv").write_text(
        "adres,notitie\nMarktstraat 1,gesproken met J.P. de Vries\nKerkstraat 2,Jan\n", encoding="utf-8"
    )
    (out / "doc.json").write_text(
        json.dumps({"v": [f"w{i}" for i in range(300)] + ["zie Jan de Vries"], "Karel Peeters": 1}),
        encoding="utf-8",
    )
    (out / "klein.json").write_text(json.dumps({"naam": "Lies Claes", "d": "17-05-1970"}), encoding="utf-8")
    (out / "regels.jsonl").write_text('{"a": "Tom Hermans"}\nkapot {\n', encoding="utf-8")
    pl.DataFrame(
        {
            "Sara Wouters": [1, 2],
            "b": [["Jan", "de Vries"], ["Jan"]],
            "c": [{"naam": "Piet Bakker", "d": BIRTH}, {"naam": "x", "d": BIRTH}],
            "s": ["persoon:abc", "Ingrid Jacobs woont hier"],
        }
    ).write_parquet(out / "t.parquet")
    return [out]


def test_stored_identifiers_find_what_all_identifiers_find(tmp_path: Path) -> None:
    # Two shards' identifiers, stored as Parquet; the scan loads only the names made of the files'
    # words and must find what a scan with every name finds.
    a = KnownIdentifiers(
        names=frozenset({"Jan de Vries", "J.P. de Vries", "Piet Bakker", "Karel Peeters", "Jan Klaassen"}),
        birth_dates=frozenset({BIRTH}),
    )
    b = KnownIdentifiers(
        names=frozenset(
            {"Anna Maria van Dijk", "Lies Claes", "Tom Hermans", "Sara Wouters", "Ingrid Jacobs"}
        ),
        birth_dates=frozenset({dt.date(1980, 1, 2)}),
    )
    folders = []
    for i, k in enumerate((a, b)):
        folders.append(tmp_path / f"shard-{i}")
        folders[-1].mkdir()
        k.write(folders[-1])
    both = KnownIdentifiers(names=a.names | b.names, birth_dates=a.birth_dates | b.birth_dates)
    assert KnownIdentifiers.stored(folders) == both
    # only names whose every word is given are read
    assert KnownIdentifiers.stored(folders, {"jan", "de", "vries", "peeters"}).names == {_key("jan de vries")}
    paths = _outputs_with_names(tmp_path)
    want = scan_paths(paths, both)
    got = scan_paths(paths, KnownIdentifiers.stored_for(paths, folders))
    assert got.findings == want.findings
    # every planted name, and the birth dates beside them
    named = {f.location for f in got.findings if f.soort == "naam"}
    assert len(named) >= 10 and sum(f.soort == "geboortedatum" for f in got.findings) >= 2
    with pytest.raises(PrivacyError):
        check_paths(paths, KnownIdentifiers.stored_for(paths, folders))
    # a name only in a nested cell's JSON text (two leaves side by side), which rule (c) reads
    # whole beside a known name and birth date in the row
    nested = tmp_path / "nested"
    nested.mkdir()
    pl.DataFrame({"s": ["Piet Bakker"], "c": [[["Jan"], ["Klaassen"], ["17-05-1970"]]]}).write_parquet(
        nested / "t.parquet"
    )
    want = scan_paths([nested], both)
    assert scan_paths([nested], KnownIdentifiers.stored_for([nested], folders)).findings == want.findings
    assert not any("Klaassen" in f.excerpt for f in want.findings)
    # names that are not in the files find nothing
    clean = tmp_path / "clean"
    clean.mkdir()
    KnownIdentifiers(names=frozenset({"Jan Klaassen", "Els de Wit"})).write(clean)
    assert (
        scan_paths(paths, KnownIdentifiers.stored_for(paths, [clean])).findings
        == scan_paths(paths, KnownIdentifiers.stored([clean])).findings
    )
    lijst = [paths[0] / "lijst.csv"]
    assert check_paths(lijst, KnownIdentifiers.stored_for(lijst, [clean])).scanned


# Text in which the vectorised word split and Python's differ if either is wrong: initials glued to
# a word or a digit, initials with spaces, non-ASCII letters and marks, particles, legal forms.
_TRICKY = [
    "J.P. de Vries", "J. P. de Vries", "J.Peters", "a.push x", "Jan", "", "  ", "Ölçü Şahin", "ß Straße",
    "van der Berg, J.", "A.B.C.", "A.B.c", "x.1 y", "Élise D'Arc", "O'Neill, P.", "Bakker \u037a",
    "\u037a", "de", "J.-P. Dupont", "v.d. Berg", "T.  Smit", "Ma\u0308rk Jansen", "k\u212a", "12 Jan",
    "jan_piet", "J.P.", "J..P. Bakker", "Jan.Peter de Boer", "Mr. J. Smit BV", "Stichting Jan de Vries",
    "\u017fofie Kelly", "Vries, J.P. de", "P.J.x. Smit",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="aJPx .,1_-'\u00e9\u0308\u017f\u212a", max_size=14), max_size=40))
def test_words_split_vectorised_as_in_python(texts: list[str]) -> None:
    from vastgoed.ethics.privacy import _word_lists, _words

    texts = texts + _TRICKY
    assert _word_lists(pl.Series(texts, dtype=pl.String)).to_list() == [_words(t) for t in texts]


def test_raw_and_person_names_are_the_keys_of_their_words() -> None:
    from vastgoed.ethics.privacy import _LEGAL_FORMS, _name_key, _person_names, _raw_names, _words

    df = pl.DataFrame({"naam": _TRICKY, "soort": ["natuurlijk_persoon"] * len(_TRICKY)})
    want = {
        k
        for t in _TRICKY
        if not any(w in _LEGAL_FORMS for w in _words(t)) and (k := _name_key(_words(t))) is not None
    }
    assert _raw_names(df, "naam", "soort", "kvk") == want and _key("jan de vries") not in want
    people = pl.DataFrame(
        {
            "voornamen": ["Jan Peter", "J.P.", "Élise"],
            "voorvoegsel": ["de", None, "van"],
            "geslachtsnaam": ["Vries"] * 3,
        }
    )
    assert _person_names(people) == {
        _key(n) for n in (
            "jan peter de vries", "jan de vries", "peter de vries", "j.p. de vries", "j.p. vries",
            "elise van vries", "e. van vries",
        )
    }  # fmt: skip
