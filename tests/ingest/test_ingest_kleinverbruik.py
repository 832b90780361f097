from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from vastgoed.core.errors import DataError
from vastgoed.ingest import read_kleinverbruik

OLD = (
    "NETBEHEERDER\tNETGEBIED\tSTRAATNAAM\tPOSTCODE_VAN\tPOSTCODE_TOT\tWOONPLAATS\tLANDCODE\tPRODUCTSOORT\t"
    "VERBRUIKSSEGMENT\tAANSLUITINGEN_AANTAL\tLEVERINGSRICHTING_PERC\tFYSIEKE_STATUS_PERC\t"
    "SOORT_AANSLUITING_PERC\tSOORT_AANSLUITING\tSJV_GEMIDDELD\tSJV_LAAG_TARIEF_PERC\tSLIMME_METER_PERC\n"
    "Enexis B.V.\tENEXIS\tBoschstraat\t6211AA\t6211AB\tMAASTRICHT\tNL\tELK\tKVB\t23\t100\t100\t87\t3x25\t"
    "2345,5\t45\t78,26\n"
    "Enexis B.V.\tENEXIS\tBoschstraat\t6211 ac\t6211AE\tMAASTRICHT\tNL\tGAS\tKVB\t18\t100\t100\t90\tG4\t"
    "1120\t0\t61\n"
    "Enexis B.V.\tENEXIS\tMarkt\tonbekend\t6211CK\tMAASTRICHT\tNL\tELK\tKVB\t12\t100\t100\t90\t3x25\t"
    "1800\t40\t50\n"
)
NEW = (
    "NETBEHEERDER;STRAATNAAM;POSTCODE_VAN;POSTCODE_TOT;WOONPLAATS;PRODUCTSOORT;AANSLUITINGEN_AANTAL;"
    "SJA_GEMIDDELD;SLIMME_METER_PERC\n"
    "Enexis B.V.;Markt;6211CK;6211CM;MAASTRICHT;ELK;31;1999,75;88,1\n"
)


def test_kleinverbruik_files_are_read_as_published(tmp_path: Path) -> None:
    folder = tmp_path / "kleinverbruik"
    folder.mkdir()
    (folder / "enexis_kleinverbruik_2023.csv").write_bytes(b"\xef\xbb\xbf" + OLD.encode("utf-8"))
    (folder / "enexis_kleinverbruik_2024.csv").write_bytes(b"\xef\xbb\xbf" + NEW.encode("utf-8"))
    table = read_kleinverbruik(tmp_path)
    assert table is not None
    assert table.get_column("bestand").to_list() == ["enexis_kleinverbruik_2023.csv"] * 2 + [
        "enexis_kleinverbruik_2024.csv"
    ]
    assert table.get_column("rij").to_list() == [0, 1, 0]
    assert table.get_column("postcode_van").to_list() == ["6211AA", "6211AC", "6211CK"]
    assert table.get_column("productsoort").to_list() == ["ELK", "GAS", "ELK"]
    assert table.get_column("sjv_gemiddeld").to_list() == [2345.5, 1120.0, 1999.75]
    assert table.get_column("slimme_meter_perc").to_list() == [78.26, 61.0, 88.1]
    assert table.schema["aansluitingen_aantal"] == pl.Int64


def test_no_kleinverbruik_folder_gives_none(tmp_path: Path) -> None:
    assert read_kleinverbruik(tmp_path) is None


def test_kleinverbruik_without_average_is_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "kleinverbruik"
    folder.mkdir()
    (folder / "x.csv").write_text(NEW.replace("SJA_GEMIDDELD", "IETS"), encoding="utf-8")
    with pytest.raises(DataError, match="sjv_gemiddeld"):
        read_kleinverbruik(tmp_path)
