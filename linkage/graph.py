"""The property–person–company graph: polars node and edge tables, networkx for neighbourhoods.

Nodes (``knoop`` ids are ``soort:sleutel``):

* ``verblijfsobject:<BAG id>`` and ``pand:<BAG id>``;
* ``persoon:<persoon_id>``: a linked person cluster (never a BSN or a name);
* ``bedrijf:<KvK-nummer>`` and ``vestiging:<vestigingsnummer>``;
* ``aansluiting:<EAN>``: a utility connection.

Edges (``van → naar``, kind ``soort``), each with its source, extract date, the record it comes
from, and how sure the links behind it are (``methode_adres``/``zekerheid_adres`` for the address,
``methode_partij``/``zekerheid_partij`` for the person or company, ``zekerheid`` the weaker):

* ``ingeschreven_op`` persoon → verblijfsobject (BRP; ``begin``, ``einde``, ``functie_adres`` W/B);
* ``functionaris_van`` persoon → bedrijf (KvK; ``functie``);
* ``eigenaar_van`` persoon or bedrijf → verblijfsobject (Kadaster; ``koopsom``, ``hypotheek``);
* ``heeft_vestiging`` bedrijf → vestiging and ``gevestigd_op`` vestiging → verblijfsobject (KvK);
* ``aanvrager_van`` persoon or bedrijf → verblijfsobject (permits; ``vergunning_soort``, ``besluit``);
* ``aansluiting_op`` aansluiting → verblijfsobject (utility; ``product``);
* ``in_pand`` verblijfsobject → pand (BAG).

Aggregates that must scale (features) are polars joins over the edge table
(:func:`object_parties`); networkx holds only neighbourhoods (:func:`neighbourhood`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "EDGE_SCHEMA",
    "NODE_SCHEMA",
    "Graph",
    "build_graph",
    "neighbourhood",
    "neighbourhood_json",
    "object_parties",
]

EDGE_SCHEMA: dict[str, pl.DataType] = {
    "van": pl.String(),
    "naar": pl.String(),
    "soort": pl.String(),
    "bron": pl.String(),
    "extractdatum": pl.Date(),
    "record": pl.String(),
    "methode_adres": pl.String(),
    "zekerheid_adres": pl.Float64(),
    "methode_partij": pl.String(),
    "zekerheid_partij": pl.Float64(),
    "zekerheid": pl.Float64(),
    "begin": pl.Date(),
    "einde": pl.Date(),
    "functie_adres": pl.String(),
    "functie": pl.String(),
    "koopsom": pl.Int64(),
    "hypotheek": pl.Boolean(),
    "vergunning_soort": pl.String(),
    "besluit": pl.String(),
    "product": pl.String(),
}
NODE_SCHEMA: dict[str, pl.DataType] = {"knoop": pl.String(), "soort": pl.String(), "label": pl.String()}

#: Legal forms of enterprises run by natural persons, whose trade name is often the owner's name.

#: Edge kinds through which a party is tied to an object (for :func:`object_parties`).
_PARTY_ROLES = ("ingeschreven_op", "eigenaar_van", "aanvrager_van")


@dataclass(frozen=True)
class Graph:
    """The graph as two tables.

    Attributes:
        nodes: ``knoop, soort, label`` (the label is an address, a KvK trade name or an id:
            persons are labelled by their ``persoon_id`` only).
        edges: One row per edge, columns of :data:`EDGE_SCHEMA`.
    """

    nodes: pl.DataFrame
    edges: pl.DataFrame


def _record(stem: str) -> pl.Expr:
    return pl.concat_str([pl.lit(f"{stem}:"), pl.col("rij").cast(pl.String)])


def _node(kind: str, col: str) -> pl.Expr:
    return pl.concat_str([pl.lit(f"{kind}:"), pl.col(col)])


def _with_address(table: pl.DataFrame, stem: str, address_links: pl.DataFrame) -> pl.DataFrame:
    links = address_links.filter(pl.col("bron") == stem).select(
        "rij",
        pl.col("verblijfsobject_id").alias("_vbo"),
        pl.col("methode").alias("methode_adres"),
        pl.col("zekerheid").alias("zekerheid_adres"),
    )
    return table.join(links, on="rij", how="inner").with_columns(_record(stem).alias("record"))


def _finish(df: pl.DataFrame, stem: str, extract: dt.date) -> pl.DataFrame:
    """Give an edge block every column of :data:`EDGE_SCHEMA` (null where it has none)."""
    df = df.with_columns(
        pl.lit(None, dtype=dtype).alias(name) for name, dtype in EDGE_SCHEMA.items() if name not in df.columns
    )
    df = df.with_columns(
        pl.lit(stem).alias("bron"),
        pl.lit(extract).alias("extractdatum"),
        pl.min_horizontal(
            pl.col("zekerheid_adres").fill_null(1.0), pl.col("zekerheid_partij").fill_null(1.0)
        ).alias("zekerheid"),
    )
    return df.select([pl.col(n).cast(t) for n, t in EDGE_SCHEMA.items()])


def _parties(record_col: str, person_links: pl.DataFrame, company_links: pl.DataFrame) -> pl.DataFrame:
    """``record -> party node, methode_partij, zekerheid_partij`` (a person cluster or a company)."""
    persons = person_links.select(
        pl.col("record").alias(record_col),
        _node("persoon", "persoon_id").alias("_partij"),
        pl.lit("persoonskoppeling").alias("methode_partij"),
        pl.col("zekerheid").alias("zekerheid_partij"),
    )
    companies = company_links.select(
        pl.col("record").alias(record_col),
        _node("bedrijf", "kvk_nummer").alias("_partij"),
        pl.col("methode").alias("methode_partij"),
        pl.col("zekerheid").alias("zekerheid_partij"),
    )
    return pl.concat([companies, persons]).unique(record_col, keep="first", maintain_order=True)


def build_graph(
    tables: Mapping[str, pl.DataFrame],
    address_links: pl.DataFrame,
    company_links: pl.DataFrame,
    person_links: pl.DataFrame,
    extract_dates: Mapping[str, dt.date],
) -> Graph:
    """Build the node and edge tables from the validated tables and their links.

    Args:
        tables: Validated tables by contract stem (each with its ``rij``).
        address_links: ``record, bron, rij, verblijfsobject_id, methode, zekerheid``.
        company_links: ``record, kvk_nummer, methode, zekerheid`` (Kadaster owners and permit
            applicants that are companies, and establishments).
        person_links: ``record, persoon_id, zekerheid`` for every person-bearing record.
        extract_dates: The extract date per source.

    Returns:
        The graph; records that link to no object or party give no edge.
    """
    edges: list[pl.DataFrame] = []
    parties = _parties("record", person_links, company_links)

    def extract(stem: str) -> dt.date:
        return extract_dates[stem]

    bag = tables["bag_verblijfsobjecten"]
    edges.append(
        _finish(
            bag.select(
                _node("verblijfsobject", "verblijfsobject_id").alias("van"),
                _node("pand", "pand_id").alias("naar"),
                pl.lit("in_pand").alias("soort"),
                _record("bag_verblijfsobjecten").alias("record"),
                pl.lit("bag").alias("methode_adres"),
                pl.lit(1.0).alias("zekerheid_adres"),
            ).filter(pl.col("naar").is_not_null()),
            "bag_verblijfsobjecten",
            extract("bag_verblijfsobjecten"),
        )
    )

    stem = "brp_inschrijvingen"
    if stem in tables:
        brp = _with_address(tables[stem], stem, address_links).join(parties, on="record", how="inner")
        edges.append(
            _finish(
                brp.select(
                    pl.col("_partij").alias("van"),
                    _node("verblijfsobject", "_vbo").alias("naar"),
                    pl.lit("ingeschreven_op").alias("soort"),
                    "record",
                    "methode_adres",
                    "zekerheid_adres",
                    "methode_partij",
                    "zekerheid_partij",
                    pl.col("datum_aanvang_adreshouding").alias("begin"),
                    pl.col("datum_einde_adreshouding").alias("einde"),
                    "functie_adres",
                ),
                stem,
                extract(stem),
            )
        )

    stem = "kvk_functionarissen"
    if stem in tables:
        fn = (
            tables[stem]
            .with_columns(_record(stem).alias("record"))
            .join(parties, on="record", how="inner")
            .filter(pl.col("_partij").str.starts_with("persoon:"))
        )
        edges.append(
            _finish(
                fn.select(
                    pl.col("_partij").alias("van"),
                    _node("bedrijf", "kvk_nummer").alias("naar"),
                    pl.lit("functionaris_van").alias("soort"),
                    "record",
                    "methode_partij",
                    "zekerheid_partij",
                    pl.col("datum_aanvang").alias("begin"),
                    pl.col("datum_einde").alias("einde"),
                    "functie",
                ),
                stem,
                extract(stem),
            )
        )

    stem = "kadaster_eigendom"
    if stem in tables:
        kad = _with_address(tables[stem], stem, address_links).join(parties, on="record", how="inner")
        edges.append(
            _finish(
                kad.select(
                    pl.col("_partij").alias("van"),
                    _node("verblijfsobject", "_vbo").alias("naar"),
                    pl.lit("eigenaar_van").alias("soort"),
                    "record",
                    "methode_adres",
                    "zekerheid_adres",
                    "methode_partij",
                    "zekerheid_partij",
                    pl.col("datum_verkrijging").alias("begin"),
                    pl.col("datum_einde").alias("einde"),
                    "koopsom",
                    "hypotheek",
                ),
                stem,
                extract(stem),
            )
        )

    stem = "kvk_vestigingen"
    if stem in tables:
        ves = tables[stem].with_columns(_record(stem).alias("record"))
        edges.append(
            _finish(
                ves.select(
                    _node("bedrijf", "kvk_nummer").alias("van"),
                    _node("vestiging", "vestigingsnummer").alias("naar"),
                    pl.lit("heeft_vestiging").alias("soort"),
                    "record",
                    pl.lit("kvk_nummer").alias("methode_partij"),
                    pl.lit(1.0).alias("zekerheid_partij"),
                    pl.col("datum_inschrijving").alias("begin"),
                    pl.col("datum_uitschrijving").alias("einde"),
                ),
                stem,
                extract(stem),
            )
        )
        located = _with_address(tables[stem], stem, address_links)
        edges.append(
            _finish(
                located.select(
                    _node("vestiging", "vestigingsnummer").alias("van"),
                    _node("verblijfsobject", "_vbo").alias("naar"),
                    pl.lit("gevestigd_op").alias("soort"),
                    "record",
                    "methode_adres",
                    "zekerheid_adres",
                    pl.col("datum_inschrijving").alias("begin"),
                    pl.col("datum_uitschrijving").alias("einde"),
                ),
                stem,
                extract(stem),
            )
        )

    stem = "vergunningen"
    if stem in tables:
        verg = _with_address(tables[stem], stem, address_links).join(parties, on="record", how="inner")
        edges.append(
            _finish(
                verg.select(
                    pl.col("_partij").alias("van"),
                    _node("verblijfsobject", "_vbo").alias("naar"),
                    pl.lit("aanvrager_van").alias("soort"),
                    "record",
                    "methode_adres",
                    "zekerheid_adres",
                    "methode_partij",
                    "zekerheid_partij",
                    pl.col("datum_aanvraag").alias("begin"),
                    pl.col("soort").alias("vergunning_soort"),
                    "besluit",
                ),
                stem,
                extract(stem),
            )
        )

    stem = "energie_verbruik"
    if stem in tables:
        # One edge per connection: its first and last year, the address link of its latest row.
        eu = _with_address(tables[stem], stem, address_links)
        conn = (
            eu.sort("jaar")
            .group_by("ean", maintain_order=True)
            .agg(
                pl.col("_vbo").last(),
                pl.col("record").last(),
                pl.col("methode_adres").last(),
                pl.col("zekerheid_adres").last(),
                pl.col("product").first(),
                pl.col("jaar").min().alias("_j0"),
                pl.col("jaar").max().alias("_j1"),
            )
        )
        edges.append(
            _finish(
                conn.select(
                    _node("aansluiting", "ean").alias("van"),
                    _node("verblijfsobject", "_vbo").alias("naar"),
                    pl.lit("aansluiting_op").alias("soort"),
                    "record",
                    "methode_adres",
                    "zekerheid_adres",
                    pl.date(pl.col("_j0"), 1, 1).alias("begin"),
                    pl.date(pl.col("_j1"), 12, 31).alias("einde"),
                    "product",
                ),
                stem,
                extract(stem),
            )
        )

    edge_table = pl.concat(edges, how="vertical")
    return Graph(nodes=_nodes(tables, edge_table), edges=edge_table)


def _nodes(tables: Mapping[str, pl.DataFrame], edges: pl.DataFrame) -> pl.DataFrame:
    ids = pl.concat([edges.select(pl.col("van").alias("knoop")), edges.select(pl.col("naar").alias("knoop"))])
    ids = ids.unique().with_columns(
        pl.col("knoop").str.split_exact(":", 1).struct.field("field_0").alias("soort")
    )
    bag = tables["bag_verblijfsobjecten"]
    labels = [
        bag.select(
            _node("verblijfsobject", "verblijfsobject_id").alias("knoop"),
            pl.concat_str(
                [
                    pl.col("openbare_ruimte"),
                    pl.lit(" "),
                    pl.col("huisnummer").cast(pl.String),
                    pl.col("huisletter").fill_null(""),
                    pl.when(pl.col("huisnummertoevoeging").is_not_null())
                    .then(pl.lit("-") + pl.col("huisnummertoevoeging"))
                    .otherwise(pl.lit("")),
                    pl.lit(", "),
                    pl.col("postcode"),
                ]
            ).alias("label"),
        )
    ]
    if "kvk_vestigingen" in tables:
        # Enterprises are labelled by their legal form and KvK number, never by name: the trade name
        # of a sole trader is the owner's own name, and a B.V. or stichting is often named after a
        # person too ("J. Smeets Holding B.V."); the privacy scan of every run found both.
        ves = tables["kvk_vestigingen"].with_columns(
            pl.concat_str(
                [pl.col("rechtsvorm").fill_null("onderneming"), pl.lit(" "), pl.col("kvk_nummer")]
            ).alias("handelsnaam")
        )
        labels.append(
            ves.sort("datum_inschrijving")
            .group_by("kvk_nummer")
            .agg(pl.col("handelsnaam").last())
            .select(_node("bedrijf", "kvk_nummer").alias("knoop"), pl.col("handelsnaam").alias("label"))
        )
        labels.append(
            ves.select(
                _node("vestiging", "vestigingsnummer").alias("knoop"), pl.col("handelsnaam").alias("label")
            )
        )
    label = pl.concat(labels).unique("knoop", keep="first")
    return (
        ids.join(label, on="knoop", how="left")
        .with_columns(pl.coalesce("label", pl.col("knoop")).alias("label"))
        .select([pl.col(n).cast(t) for n, t in NODE_SCHEMA.items()])
        .sort("knoop")
    )


def object_parties(graph: Graph) -> pl.DataFrame:
    """Object–party incidences: ``verblijfsobject_id, partij, rol, begin, einde``.

    A party is tied to an object as a registered resident, an owner or a permit applicant; a
    company also through its establishments there, and a person also as an officer of a company
    established there (the officer's own period).
    """
    e = graph.edges
    vbo = pl.col("naar").str.strip_prefix("verblijfsobject:")
    direct = e.filter(pl.col("soort").is_in(_PARTY_ROLES)).select(
        vbo.alias("verblijfsobject_id"),
        pl.col("van").alias("partij"),
        pl.col("soort").alias("rol"),
        "begin",
        "einde",
    )
    est = e.filter(pl.col("soort") == "gevestigd_op").select(
        pl.col("van").alias("_ves"), vbo.alias("verblijfsobject_id"), "begin", "einde"
    )
    owner = e.filter(pl.col("soort") == "heeft_vestiging").select(
        pl.col("van").alias("partij"), pl.col("naar").alias("_ves")
    )
    companies = est.join(owner, on="_ves").select(
        "verblijfsobject_id", "partij", pl.lit("gevestigd_op").alias("rol"), "begin", "einde"
    )
    officers = e.filter(pl.col("soort") == "functionaris_van").select(
        pl.col("van").alias("_persoon"),
        pl.col("naar").alias("partij"),
        pl.col("begin").alias("_b"),
        pl.col("einde").alias("_e"),
    )
    via = (
        companies.join(officers, on="partij")
        .select(
            "verblijfsobject_id",
            pl.col("_persoon").alias("partij"),
            pl.lit("functionaris_van").alias("rol"),
            pl.max_horizontal("begin", "_b").alias("begin"),
            pl.min_horizontal("einde", "_e").alias("einde"),
        )
        # only when the officer's term and the establishment's period overlap
        .filter(pl.col("begin").is_null() | pl.col("einde").is_null() | (pl.col("begin") <= pl.col("einde")))
    )
    return pl.concat([direct, companies, via]).unique().sort("verblijfsobject_id", "partij", "rol", "begin")


def neighbourhood(graph: Graph, start: str, depth: int = 2, *, max_fanout: int = 50) -> nx.MultiDiGraph:
    """The nodes within ``depth`` edges of ``start`` (either direction), as a networkx graph.

    Expansion is by polars filters on the edge table, so only the neighbourhood reaches networkx.
    A node with more than ``max_fanout`` edges (a housing corporation, a large owner) is shown but
    not expanded: the node gets ``ingeklapt=True`` and its ``graad`` (number of edges), so a reviewer
    sees that it has more, instead of a picture drowned in its portfolio.

    Raises:
        KeyError: ``start`` is not a node of the graph.
    """
    import networkx as nx

    if graph.nodes.filter(pl.col("knoop") == start).height == 0:
        raise KeyError(start)
    seen = {start}
    collapsed: dict[str, int] = {}
    frontier = {start}
    picked: list[pl.DataFrame] = []
    for _ in range(depth):
        if not frontier:
            break
        hop = graph.edges.filter(pl.col("van").is_in(list(frontier)) | pl.col("naar").is_in(list(frontier)))
        ends = pl.concat([hop.select(pl.col("van").alias("k")), hop.select(pl.col("naar").alias("k"))])
        degree = dict(ends.group_by("k").len().iter_rows())
        hubs = {n for n in frontier if degree.get(n, 0) > max_fanout and n != start}
        for n in hubs:
            collapsed[n] = int(degree[n])
        keep = hop.filter(~pl.col("van").is_in(list(hubs)) & ~pl.col("naar").is_in(list(hubs)))
        picked.append(keep)
        new = (set(keep.get_column("van").to_list()) | set(keep.get_column("naar").to_list())) - seen
        seen |= new
        frontier = new
    sub = pl.concat(picked) if picked else graph.edges.clear()
    sub = sub.filter(pl.col("van").is_in(list(seen)) & pl.col("naar").is_in(list(seen))).unique()
    g: nx.MultiDiGraph = nx.MultiDiGraph()
    for row in graph.nodes.filter(pl.col("knoop").is_in(list(seen))).iter_rows(named=True):
        g.add_node(
            row["knoop"],
            soort=row["soort"],
            label=row["label"],
            start=row["knoop"] == start,
            ingeklapt=row["knoop"] in collapsed,
            graad=collapsed.get(row["knoop"]),
        )
    for row in sub.sort("van", "naar", "soort", "record").iter_rows(named=True):
        attrs = {k: _plain(v) for k, v in row.items() if k not in ("van", "naar") and v is not None}
        g.add_edge(row["van"], row["naar"], **attrs)
    return g


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def neighbourhood_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    """A JSON-serialisable node-link form of a neighbourhood (networkx ``node_link_data``)."""
    import networkx as nx

    data: dict[str, Any] = nx.node_link_data(g, edges="kanten", nodes="knopen")
    return data
