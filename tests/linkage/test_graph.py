from __future__ import annotations

import datetime as dt
import json

import polars as pl

from linkage.graph import build_graph, neighbourhood, neighbourhood_json, object_parties

V1, V2, V3 = "0935010000000001", "0935010000000002", "0935010000000003"
D = dt.date


def _tables() -> dict[str, pl.DataFrame]:
    bag = pl.DataFrame(
        {
            "rij": [0, 1, 2],
            "verblijfsobject_id": [V1, V2, V3],
            "pand_id": ["0935100000000001", "0935100000000001", "0935100000000002"],
            "openbare_ruimte": ["Markt", "Markt", "Boschstraat"],
            "huisnummer": [1, 2, 5],
            "huisletter": [None, "A", None],
            "huisnummertoevoeging": [None, None, "2"],
            "postcode": ["6211CK", "6211CK", "6211AX"],
        }
    )
    brp = pl.DataFrame(
        {
            "rij": [0, 1],
            "datum_aanvang_adreshouding": [D(2020, 1, 1), D(2015, 1, 1)],
            "datum_einde_adreshouding": [None, D(2019, 12, 31)],
            "functie_adres": ["W", "W"],
        }
    )
    kad = pl.DataFrame(
        {
            "rij": [0, 1],
            "datum_verkrijging": [D(2018, 5, 1), D(2021, 3, 1)],
            "datum_einde": [None, None],
            "koopsom": [250_000, 400_000],
            "hypotheek": [False, True],
        }
    )
    ves = pl.DataFrame(
        {
            "rij": [0],
            "kvk_nummer": ["12345678"],
            "vestigingsnummer": ["000012345678"],
            "handelsnaam": ["Anker Holding B.V."],
            "rechtsvorm": ["bv"],
            "datum_inschrijving": [D(2019, 1, 1)],
            "datum_uitschrijving": [None],
        },
        schema_overrides={"datum_uitschrijving": pl.Date},
    )
    fn = pl.DataFrame(
        {
            "rij": [0],
            "kvk_nummer": ["12345678"],
            "functie": ["bestuurder"],
            "datum_aanvang": [D(2019, 1, 1)],
            "datum_einde": [None],
        },
        schema_overrides={"datum_einde": pl.Date},
    )
    return {
        "bag_verblijfsobjecten": bag,
        "brp_inschrijvingen": brp,
        "kadaster_eigendom": kad,
        "kvk_vestigingen": ves,
        "kvk_functionarissen": fn,
    }


def _graph():  # type: ignore[no-untyped-def]
    return _graph_of(_tables())


def _graph_of(tables: dict[str, pl.DataFrame]):  # type: ignore[no-untyped-def]
    address = pl.DataFrame(
        {
            "record": [
                "brp_inschrijvingen:0",
                "brp_inschrijvingen:1",
                "kadaster_eigendom:0",
                "kadaster_eigendom:1",
                "kvk_vestigingen:0",
            ],
            "bron": [
                "brp_inschrijvingen",
                "brp_inschrijvingen",
                "kadaster_eigendom",
                "kadaster_eigendom",
                "kvk_vestigingen",
            ],
            "rij": [0, 1, 0, 1, 0],
            "verblijfsobject_id": [V1, V2, V1, V3, V2],
            "methode": ["postcode_huisnummer", "straat_huisnummer", "bag_id", "bag_id", "fuzzy"],
            "zekerheid": [1.0, 1.0, 1.0, 1.0, 0.8],
        }
    )
    # Piet lives at V1 (and lived at V2), owns V1, and is the officer of the company at V2;
    # the company owns V3.
    persons = pl.DataFrame(
        {
            "record": [
                "brp_inschrijvingen:0",
                "brp_inschrijvingen:1",
                "kadaster_eigendom:0",
                "kvk_functionarissen:0",
            ],
            "persoon_id": ["Ppiet", "Ppiet", "Ppiet", "Ppiet"],
            "zekerheid": [1.0, 1.0, 0.95, 0.9],
        }
    )
    companies = pl.DataFrame(
        {
            "record": ["kadaster_eigendom:1", "kvk_vestigingen:0"],
            "kvk_nummer": ["12345678", "12345678"],
            "methode": ["kvk_nummer", "kvk_nummer"],
            "zekerheid": [1.0, 1.0],
        }
    )
    extract = {s: D(2024, 1, 2) for s in tables}
    return build_graph(tables, address, companies, persons, extract)


def test_edges_carry_kind_source_dates_and_certainty() -> None:
    g = _graph()
    kinds = dict(g.edges.group_by("soort").len().iter_rows())
    assert kinds == {
        "in_pand": 3,
        "ingeschreven_op": 2,
        "eigenaar_van": 2,
        "heeft_vestiging": 1,
        "gevestigd_op": 1,
        "functionaris_van": 1,
    }
    owner = g.edges.filter(pl.col("soort") == "eigenaar_van", pl.col("van") == "persoon:Ppiet").row(
        0, named=True
    )
    assert owner["naar"] == f"verblijfsobject:{V1}"
    assert owner["koopsom"] == 250_000 and owner["hypotheek"] is False
    assert owner["bron"] == "kadaster_eigendom" and owner["extractdatum"] == D(2024, 1, 2)
    assert owner["zekerheid"] == 0.95  # the weaker of the address (1.0) and person (0.95) links
    located = g.edges.filter(pl.col("soort") == "gevestigd_op").row(0, named=True)
    assert located["methode_adres"] == "fuzzy" and located["zekerheid"] == 0.8
    labels = dict(g.nodes.select("knoop", "label").iter_rows())
    assert labels[f"verblijfsobject:{V2}"] == "Markt 2A, 6211CK"
    assert labels["bedrijf:12345678"] == "bv 12345678"  # never a trade name: often a person's name
    assert labels["persoon:Ppiet"] == "persoon:Ppiet"  # persons by id only, never by name


def test_object_parties_include_officers_of_companies_established_there() -> None:
    parties = object_parties(_graph())
    at_v2 = parties.filter(pl.col("verblijfsobject_id") == V2)
    assert set(at_v2.select("partij", "rol").iter_rows()) == {
        ("persoon:Ppiet", "ingeschreven_op"),
        ("bedrijf:12345678", "gevestigd_op"),
        ("persoon:Ppiet", "functionaris_van"),
    }
    assert parties.filter(pl.col("verblijfsobject_id") == V3).get_column("partij").to_list() == [
        "bedrijf:12345678"
    ]


def test_neighbourhood_by_depth_and_json() -> None:
    g = _graph()
    one = neighbourhood(g, f"verblijfsobject:{V3}", depth=1)
    assert set(one.nodes) == {f"verblijfsobject:{V3}", "bedrijf:12345678", "pand:0935100000000002"}
    two = neighbourhood(g, f"verblijfsobject:{V3}", depth=2)
    assert {"vestiging:000012345678", "persoon:Ppiet"} <= set(two.nodes)
    assert f"verblijfsobject:{V1}" not in two.nodes  # three hops away
    data = json.loads(json.dumps(neighbourhood_json(two)))
    assert {k["soort"] for k in data["kanten"]} >= {"eigenaar_van", "functionaris_van", "heeft_vestiging"}


def test_a_sole_trader_is_labelled_by_legal_form_not_by_name() -> None:
    tables = _tables()
    tables["kvk_vestigingen"] = tables["kvk_vestigingen"].with_columns(
        pl.lit("P.L. Jeurissen").alias("handelsnaam"), pl.lit("eenmanszaak").alias("rechtsvorm")
    )
    address = pl.DataFrame(
        {"record": ["kvk_vestigingen:0"], "bron": ["kvk_vestigingen"], "rij": [0], "verblijfsobject_id": [V2]}
    ).with_columns(pl.lit("bag_id").alias("methode"), pl.lit(1.0).alias("zekerheid"))
    empty = pl.DataFrame(schema={"record": pl.String, "persoon_id": pl.String, "zekerheid": pl.Float64})
    no_companies = pl.DataFrame(
        schema={"record": pl.String, "kvk_nummer": pl.String, "methode": pl.String, "zekerheid": pl.Float64}
    )
    g = build_graph(tables, address, no_companies, empty, {s: D(2024, 1, 2) for s in tables})
    labels = dict(g.nodes.select("knoop", "label").iter_rows())
    assert labels["bedrijf:12345678"] == "eenmanszaak 12345678"
    assert not any("Jeurissen" in str(v) for v in labels.values())


def test_officer_terms_that_never_overlapped_the_establishment_tie_nothing() -> None:
    tables = _tables()
    tables["kvk_functionarissen"] = tables["kvk_functionarissen"].with_columns(
        pl.lit(D(2005, 1, 1)).alias("datum_aanvang"), pl.lit(D(2008, 1, 1)).alias("datum_einde")
    )
    g = _graph_of(tables)
    parties = object_parties(g)
    assert parties.filter(pl.col("rol") == "functionaris_van").height == 0


def test_a_hub_is_shown_but_not_expanded() -> None:
    g = _graph()
    many = pl.DataFrame(
        {
            "van": ["bedrijf:12345678"] * 80,
            "naar": [f"verblijfsobject:09350100000{i:05d}" for i in range(100, 180)],
            "soort": ["eigenaar_van"] * 80,
        }
    )
    edges = pl.concat([g.edges, many], how="diagonal_relaxed")
    nodes = pl.concat(
        [
            g.nodes,
            many.select(
                pl.col("naar").alias("knoop"),
                pl.lit("verblijfsobject").alias("soort"),
                pl.col("naar").alias("label"),
            ),
        ]
    )
    hub = neighbourhood(type(g)(nodes=nodes, edges=edges), f"verblijfsobject:{V3}", depth=2)
    assert hub.nodes["bedrijf:12345678"]["ingeklapt"] and hub.nodes["bedrijf:12345678"]["graad"] == 83
    assert len(hub) == 3  # V3, its pand and the collapsed owner: the 80 other objects are not drawn
