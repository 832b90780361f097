"""Write the synthetic world as the data contract's files (with linkage noise) and the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from vastgoed.core.schema import Kind, file_spec
from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.ids import bsns, bsns_in_classes, ranged_numbers, sequential_numbers
from vastgoed.synthetic.kleinverbruik import write_kleinverbruik
from vastgoed.synthetic.labels import Investigations, audit_groups
from vastgoed.synthetic.noise import (
    birth_date_strings,
    huisletter_variants,
    name_typos,
    postcode_variants,
    street_variants,
)
from vastgoed.synthetic.ownership import Ownership
from vastgoed.synthetic.permits import Permits
from vastgoed.synthetic.phenomena import Plan
from vastgoed.synthetic.population import OPEN, Population
from vastgoed.synthetic.region import BSN_CLASSES, Gemeente
from vastgoed.synthetic.reports import Reports
from vastgoed.synthetic.surnames import SURNAME_TABLE
from vastgoed.synthetic.utility import Utility
from vastgoed.synthetic.variation import WorldVariation
from vastgoed.synthetic.world import Arr, CompanyTable, PersonTable, days_to_iso

__all__ = [
    "ADDRESS_STEMS",
    "PARQUET_COMPRESSION",
    "TRUTH_NAMES",
    "World",
    "Written",
    "write_gemeente",
    "write_world",
]

#: Compression of every Parquet part the generator writes.
PARQUET_COMPRESSION: Final = "zstd"
#: The truth tables, by name (``truth/<name>.csv``, or ``truth/<name>/`` for a region).
TRUTH_NAMES: tuple[str, ...] = ("adressen", "personen", "bedrijven", "adreslinks")

#: The files whose records carry an address, in the order of ``truth/adreslinks.csv``.
ADDRESS_STEMS: tuple[str, ...] = (
    "brp_inschrijvingen",
    "kvk_vestigingen",
    "kadaster_eigendom",
    "vergunningen",
    "energie_verbruik",
    "meldingen",
)

_GRONDSLAG = {
    "bag_verblijfsobjecten": "Wet basisregistraties adressen en gebouwen, art. 2 (synthetisch)",
    "brp_inschrijvingen": "Wet BRP, art. 3.3 (synthetisch)",
    "kvk_vestigingen": "Handelsregisterwet 2007, art. 22 (synthetisch)",
    "kvk_functionarissen": "Handelsregisterwet 2007, art. 22 (synthetisch)",
    "kadaster_eigendom": "Kadasterwet, art. 107 (synthetisch)",
    "vergunningen": "Omgevingswet en Alcoholwet, eigen registratie gemeente (synthetisch)",
    "energie_verbruik": "Convenant netbeheerder en drinkwaterbedrijf (synthetisch)",
    "meldingen": "Eigen registratie gemeente, MeldDesk (synthetisch)",
    "onderzoeksuitkomsten": "Eigen registratie LAA-werkgroep (synthetisch)",
    "audit_kenmerken": "Alleen voor de fairness-audit, AVG art. 9 lid 2 sub g (synthetisch)",
}
_EXTRACT = {
    "bag_verblijfsobjecten": "2025-01-02",
    "brp_inschrijvingen": "2025-01-02",
    "kvk_vestigingen": "2025-01-03",
    "kvk_functionarissen": "2025-01-03",
    "kadaster_eigendom": "2025-01-02",
    "vergunningen": "2025-01-06",
    "energie_verbruik": "2025-01-15",
    "meldingen": "2025-01-06",
    "onderzoeksuitkomsten": "2025-01-06",
    "audit_kenmerken": "2025-01-02",
}


@dataclass
class World:
    """Everything the generator made, ready to be written."""

    geo: Geo
    plan: Plan
    pt: PersonTable
    ct: CompanyTable
    pop: Population
    own: Ownership
    util: Utility
    permits: Permits
    reports: Reports
    inv: Investigations
    variation: WorldVariation = field(default_factory=WorldVariation)


@dataclass(frozen=True)
class Written:
    """What :func:`write_world` wrote.

    Attributes:
        rijen: Data rows per file stem.
        adreslinks: Records per address-bearing file stem in ``truth/adreslinks.csv``.
        afgeschermd: Of those, the records written without a usable address, per stem.
    """

    rijen: dict[str, int]
    adreslinks: dict[str, int]
    afgeschermd: dict[str, int]


def _series(name: str, values: Arr | list[object], kind: Kind) -> pl.Series:
    if kind == Kind.INT:
        v = np.asarray(values, dtype=object)
        return pl.Series(name, [None if x is None or x == "" else int(x) for x in v.tolist()], dtype=pl.Int64)
    if kind == Kind.FLOAT:
        return pl.Series(name, np.asarray(values, dtype=np.float64), dtype=pl.Float64)
    if kind == Kind.BOOL:
        v = np.asarray(values, dtype=object)
        return pl.Series(name, [None if x is None else bool(x) for x in v.tolist()], dtype=pl.Boolean)
    v = np.asarray(values, dtype=object)
    return pl.Series(name, [None if x is None or x == "" else str(x) for x in v.tolist()], dtype=pl.Utf8)


class _Sink:
    """Where the contract files go: ``<stem>.csv`` files, or a gemeente's Parquet parts.

    With a ``partition`` (a gemeentecode) each file is ``<folder>/<stem>/gemeente=<code>/part-0.parquet``.
    """

    def __init__(self, folder: Path, partition: str | None = None) -> None:
        self.folder = folder
        self.partition = partition

    def write(self, stem: str, df: pl.DataFrame) -> None:
        if self.partition is None:
            df.write_csv(self.folder / f"{stem}.csv")
            return
        part = self.folder / stem / f"gemeente={self.partition}"
        part.mkdir(parents=True, exist_ok=True)
        df.write_parquet(part / "part-0.parquet", compression=PARQUET_COMPRESSION, statistics=True)


def _write(sink: _Sink, stem: str, cols: dict[str, Arr]) -> int:
    spec = file_spec(stem)
    if list(cols) != spec.names:
        raise ValueError(f"{stem}: columns {list(cols)} differ from the contract {spec.names}")
    df = pl.DataFrame([_series(c.name, cols[c.name], c.kind) for c in spec.columns])
    sink.write(stem, df)
    return df.height


def _write_plain(path: Path, cols: dict[str, Arr]) -> None:
    pl.DataFrame([_series(k, v, Kind.STR) for k, v in cols.items()]).write_csv(path)


def _scaled(base: float, factor: float) -> float:
    """A noise rate of the demo world times this world's multiplier, at most 1."""
    return min(1.0, base * factor)


def _opt_days(days: Arr) -> Arr:
    d = np.asarray(days, dtype=np.int64)
    iso = days_to_iso(np.where((d >= OPEN) | (d < -(10**6)), -(10**7), d))
    return iso


class _Writer:
    """Formats one world into contract files, drawing noise from one random stream."""

    def __init__(self, world: World, rng: np.random.Generator) -> None:
        self.w = world
        self.rng = rng
        self.v = world.variation
        g = world.geo
        #: the gemeente of a region, or None for the default municipality
        self.gem: Gemeente | None = g.gemeente
        self.plaats = "Maastricht" if g.gemeente is None else g.gemeente.naam
        #: national investors: (own enterprise, kvk number, name) based here, and those from elsewhere
        #: that take over the rights of one of this gemeente's investor companies
        self.thuis: list[tuple[int, str, str]] = []
        self.elders: list[tuple[int, str, str]] = []
        #: per Kadaster row, the national investor's kvk number where one took over ('' elsewhere)
        self.kad_kvk: Arr | None = None
        if g.gemeente is not None:
            self._national_investors(g.gemeente)
        self.street = g.street_name[g.street]
        self.vv = np.array([s[0] for s in SURNAME_TABLE], dtype=object)
        self.gn = np.array([s[1] for s in SURNAME_TABLE], dtype=object)
        #: per address-bearing stem: the true object index and the unmatchable flag of every written row
        self.links: dict[str, tuple[Arr, Arr]] = {}

    def _national_investors(self, gem: Gemeente) -> None:
        """Give national investors the identity of (or the rights of) this gemeente's investor companies.

        Candidates are the ``belegger`` companies holding rights here, in an order drawn from the
        gemeente's own stream (not the noise stream). A national investor based here renames one of
        them (its KvK record, rights and permits); one based elsewhere takes over another's rights.
        """
        if not (gem.beleggers_thuis or gem.beleggers_elders):
            return
        ct, own = self.w.ct, self.w.own
        kinds = np.asarray(ct.ent["kind"], dtype=object)
        holding = np.unique(own.ent[(own.person < 0) & (own.ent >= 0)])
        cand = np.intersect1d(np.flatnonzero(kinds == "belegger"), holding)
        pick = np.random.default_rng([gem.seed, 12]).permutation(cand).tolist()
        k = len(gem.beleggers_thuis)
        for e, (number, naam) in zip(pick[:k], gem.beleggers_thuis, strict=False):
            ct.ent["name"][e] = naam
            self.thuis.append((e, number, naam))
        for e, (number, naam) in zip(pick[k:], gem.beleggers_elders, strict=False):
            self.elders.append((e, number, naam))

    def link(self, stem: str, vbo: Arr, addr: dict[str, Arr]) -> None:
        """Remember the true object of each written row of ``stem`` and whether its address is unusable.

        Unusable (``afgeschermd``) means: no huisnummer, or neither a postcode nor a street name.
        """
        nr = np.asarray(addr["huisnummer"], dtype=object)
        pc = np.asarray(addr["postcode"], dtype=object)
        st = np.asarray(addr["straat"], dtype=object)
        unusable = (nr == "") | ((pc == "") & (st == ""))
        self.links[stem] = (np.asarray(vbo, dtype=np.int64), np.asarray(unusable, dtype=bool))

    def address(self, vbo: Arr, street_rate: float, letter_rate: float, pc_rate: float) -> dict[str, Arr]:
        g = self.w.geo
        f = self.v.ruis_adressen
        letter, toev = huisletter_variants(
            self.rng, g.huisletter[vbo], g.toevoeging[vbo], _scaled(letter_rate, f)
        )
        return {
            "straat": street_variants(self.rng, self.street[vbo], _scaled(street_rate, f)),
            "huisnummer": g.huisnummer[vbo].astype(object),
            "huisletter": letter,
            "huisnummertoevoeging": toev,
            "postcode": postcode_variants(self.rng, g.postcode[vbo], _scaled(pc_rate, f)),
        }

    def initials(self, persons: Arr) -> Arr:
        vn = self.w.pt.data["voornamen"][persons]
        return np.array([".".join(p[0] for p in str(v).split()) + "." for v in vn.tolist()], dtype=object)

    def display_name(self, persons: Arr, typo_rate: float) -> Arr:
        """A name as a clerk writes it: ``Berg, J. van der``, ``J. van der Berg`` or ``Jan van der Berg``."""
        sur = self.w.pt.data["surname"][persons]
        gn = name_typos(self.rng, self.gn[sur], _scaled(typo_rate, self.v.ruis_namen))
        vv = self.vv[sur]
        ini = self.initials(persons)
        first = np.array(
            [str(v).split()[0] for v in self.w.pt.data["voornamen"][persons].tolist()], dtype=object
        )
        vv_sp = np.where(vv != "", " " + vv, "")
        vv_pre = np.where(vv != "", vv + " ", "")
        fmt = self.rng.choice(3, size=len(persons), p=[0.5, 0.25, 0.25])
        return np.where(
            fmt == 0,
            gn + ", " + ini + vv_sp,
            np.where(fmt == 1, ini + " " + vv_pre + gn, first + " " + vv_pre + gn),
        )

    # --- files -----------------------------------------------------------------------------------
    def bag(self, folder: _Sink) -> int:
        g = self.w.geo
        return _write(
            folder,
            "bag_verblijfsobjecten",
            {
                "verblijfsobject_id": g.vbo_id,
                "nummeraanduiding_id": g.num_id,
                "openbare_ruimte": self.street,
                "huisnummer": g.huisnummer,
                "huisletter": g.huisletter,
                "huisnummertoevoeging": g.toevoeging,
                "postcode": g.postcode,
                "woonplaats": np.full(g.n, self.plaats, dtype=object),
                "gebruiksdoel": g.doel,
                "oppervlakte": g.area,
                "status": g.status,
                "pand_id": g.pand_id,
                "bouwjaar": g.bouwjaar,
                "buurtcode": g.buurt_code[g.buurt],
                "x": g.x,
                "y": g.y,
            },
        )

    def brp(self, folder: _Sink) -> tuple[int, Arr, Arr]:
        pop, pt, rng = self.w.pop, self.w.pt, self.rng
        persons = np.unique(pop.brp_person)
        bsn_of = np.full(pt.n, "", dtype=object)
        if self.gem is None:
            bsn_of[persons] = bsns(rng, len(persons))
        else:
            bsn_of[persons] = bsns_in_classes(rng, len(persons), self.gem.bsn_classes, BSN_CLASSES)
        order = np.lexsort((pop.brp_start, bsn_of[pop.brp_person]))
        p = pop.brp_person[order]
        v = pop.brp_vbo[order]
        n = len(p)
        bsn = bsn_of[p].copy()
        short = np.flatnonzero(
            np.char.startswith(bsn.astype(str), "0")
            & (rng.random(n) < _scaled(0.4, self.v.ruis_identificaties))
        )
        bsn[short] = np.array([str(b)[1:] for b in bsn[short].tolist()], dtype=object)
        sur = pt.data["surname"][p]
        partial_person = rng.random(pt.n) < np.where(
            pt.data["herkomst"] == 0,
            _scaled(0.003, self.v.ruis_datums),
            _scaled(0.04, self.v.ruis_datums),
        )
        addr = self.address(v, 0.05, 0.2, 0.06)
        num = self.w.geo.num_id[v].copy()
        num[rng.random(n) < _scaled(0.1, self.v.ruis_identificaties)] = ""
        woonplaats = np.where(
            rng.random(n) < _scaled(0.03, self.v.ruis_adressen), self.plaats.upper(), self.plaats
        ).astype(object)
        self.link("brp_inschrijvingen", v, addr)
        rows = _write(
            folder,
            "brp_inschrijvingen",
            {
                "bsn": bsn,
                "geslachtsnaam": name_typos(rng, self.gn[sur], _scaled(0.02, self.v.ruis_namen)),
                "voorvoegsel": self.vv[sur],
                "voornamen": name_typos(rng, pt.data["voornamen"][p], _scaled(0.015, self.v.ruis_namen)),
                "geboortedatum": birth_date_strings(
                    rng,
                    pt.data["birth"][p],
                    partial_person[p],
                    _scaled(0.008, self.v.ruis_datums),
                    _scaled(0.01, self.v.ruis_datums),
                ),
                "functie_adres": pop.brp_functie[order],
                "nummeraanduiding_id": num,
                "openbare_ruimte": addr["straat"],
                "huisnummer": addr["huisnummer"],
                "huisletter": addr["huisletter"],
                "huisnummertoevoeging": addr["huisnummertoevoeging"],
                "postcode": addr["postcode"],
                "woonplaats": woonplaats,
                "datum_aanvang_adreshouding": days_to_iso(pop.brp_start[order]),
                "datum_einde_adreshouding": _opt_days(pop.brp_end[order]),
            },
        )
        self.bsn_of = bsn_of
        return rows, p, persons

    def kvk(self, folder: _Sink) -> tuple[int, int, Arr, Arr]:
        ct, rng = self.w.ct, self.rng
        ent = ct.arrays("ent")
        est = ct.arrays("est")
        off = ct.arrays("off")
        order = np.argsort(ent["founded"], kind="stable")
        kvk = np.empty(ct.n, dtype=object)
        if self.gem is None:
            kvk_nrs = sequential_numbers(rng, ct.n, 10_000_000, 4000)
        else:
            kvk_nrs = ranged_numbers(rng, ct.n, self.gem.kvk[0], self.gem.kvk[1] - 1, 4000)
        kvk[order] = np.array([f"{x:08d}" for x in kvk_nrs.tolist()], dtype=object)
        for own_ent, number, _ in self.thuis:
            kvk[own_ent] = number
        self.kvk_of = kvk
        keep = np.flatnonzero(est["vbo"] >= 0)
        keep = keep[np.lexsort((est["ent"][keep], est["start"][keep]))]
        nv = len(keep)
        if self.gem is None:
            vest_nrs = sequential_numbers(rng, nv, 10_000_000, 900)
        else:
            vest_nrs = ranged_numbers(rng, nv, self.gem.vestiging[0], self.gem.vestiging[1] - 1, 900)
        vest = np.array([f"{x:012d}" for x in vest_nrs.tolist()], dtype=object)
        e = est["ent"][keep]
        v = est["vbo"][keep]
        addr = self.address(v, 0.06, 0.25, 0.06)
        shielded = est["shielded"][keep]
        for k in addr:
            addr[k] = np.where(shielded, "", addr[k])
        plaats = np.where(shielded, "", self.plaats).astype(object)
        self.link("kvk_vestigingen", v, addr)
        rows_v = _write(
            folder,
            "kvk_vestigingen",
            {
                "vestigingsnummer": vest,
                "kvk_nummer": kvk[e],
                "handelsnaam": ent["name"][e],
                "rechtsvorm": ent["rechtsvorm"][e],
                "sbi_code": ent["sbi"][e],
                "straat": addr["straat"],
                "huisnummer": addr["huisnummer"],
                "huisletter": addr["huisletter"],
                "huisnummertoevoeging": addr["huisnummertoevoeging"],
                "postcode": addr["postcode"],
                "plaats": plaats,
                "datum_inschrijving": days_to_iso(est["start"][keep]),
                "datum_uitschrijving": _opt_days(est["end"][keep]),
            },
        )
        # officers
        oo = np.lexsort((off["start"], kvk[off["ent"]]))
        # an officer's term starts before it ends (a company that closed early ends its officers' terms)
        off_start = off["start"][oo].copy()
        off_end = off["end"][oo]
        early = (off_end > -(10**6)) & (off_end < OPEN) & (off_end <= off_start)
        off_start[early] = off_end[early] - 30
        p = off["person"][oo]
        pt = self.w.pt
        sur = pt.data["surname"][p]
        gn = name_typos(rng, self.gn[sur], _scaled(0.025, self.v.ruis_namen))
        vv = self.vv[sur].copy()
        merged = (vv != "") & (rng.random(len(p)) < 0.35)
        gn = np.where(merged, vv + " " + gn, gn)
        vv[merged] = ""
        vn = pt.data["voornamen"][p]
        first_only = rng.random(len(p)) < 0.1
        vn = np.where(first_only, np.array([str(x).split()[0] for x in vn.tolist()], dtype=object), vn)
        bd = birth_date_strings(
            rng, pt.data["birth"][p], np.zeros(len(p), dtype=bool), _scaled(0.01, self.v.ruis_datums)
        )
        bd[rng.random(len(p)) < _scaled(0.12, self.v.ruis_datums)] = ""
        rows_f = _write(
            folder,
            "kvk_functionarissen",
            {
                "kvk_nummer": kvk[off["ent"][oo]],
                "geslachtsnaam": gn,
                "voorvoegsel": vv,
                "voornamen": name_typos(rng, vn, 0.015),
                "geboortedatum": bd,
                "functie": off["functie"][oo],
                "datum_aanvang": days_to_iso(off_start),
                "datum_einde": _opt_days(off["end"][oo]),
            },
        )
        return rows_v, rows_f, e, p

    def kadaster(self, folder: _Sink) -> tuple[int, Arr, Arr]:
        own, g, rng = self.w.own, self.w.geo, self.rng
        order = np.lexsort((own.start, own.vbo))
        v = own.vbo[order]
        person = own.person[order]
        ent = own.ent[order]
        n = len(v)
        wijk = np.array([int(str(c)[6:8]) for c in g.buurt_code], dtype=np.int64)[g.buurt]
        kad = "MTT" if self.gem is None else self.gem.kadaster
        sectie = np.array(list("ABCDEFGHKLMN"), dtype=object)[g.pand % 12]
        apt = np.bincount(g.pand)[g.pand] > 1
        idx_in = np.arange(g.n) - np.searchsorted(g.pand, g.pand)
        obj = np.array(
            [
                f"{kad}{w:02d} {s} {p % 100000:05d} {'A' if a else 'G'}{(i + 1) if a else 0:04d}"
                for w, s, p, a, i in zip(
                    wijk.tolist(),
                    sectie.tolist(),
                    g.pand.tolist(),
                    apt.tolist(),
                    idx_in.tolist(),
                    strict=True,
                )
            ],
            dtype=object,
        )
        linked = rng.random(g.n) < 1.0 - _scaled(0.04, self.v.ruis_identificaties)
        is_p = person >= 0
        # The Kadaster registers a natural person once: the name as written, its errors and a missing
        # birth date belong to the person and repeat on every right that person holds.
        uniq, inv = np.unique(person[is_p], return_inverse=True)
        names_u = np.asarray(self.display_name(uniq, 0.02), dtype=object)
        bd_u = birth_date_strings(
            rng,
            self.w.pt.data["birth"][uniq],
            np.zeros(len(uniq), dtype=bool),
            _scaled(0.01, self.v.ruis_datums),
        )
        bd_u[rng.random(len(uniq)) < _scaled(0.1, self.v.ruis_datums)] = ""
        names = np.empty(n, dtype=object)
        names[is_p] = names_u[inv]
        names[~is_p] = np.asarray(self.w.ct.ent["name"], dtype=object)[ent[~is_p]]
        bd = np.full(n, "", dtype=object)
        bd[is_p] = bd_u[inv]
        kvk_col = np.where(is_p, "", self.kvk_of[np.maximum(ent, 0)])
        if self.w.geo.gemeente is not None:
            self.kad_kvk = np.full(n, "", dtype=object)
            for e, number, naam in self.elders:
                rows = ~is_p & (ent == e)
                names[rows] = naam
                kvk_col[rows] = number
                self.kad_kvk[rows] = number
        kvk_col[~is_p & (rng.random(n) < _scaled(0.03, self.v.ruis_identificaties))] = ""
        addr = self.address(v, 0.04, 0.2, 0.05)
        self.link("kadaster_eigendom", v, addr)
        koop = own.koopsom[order].astype(object)
        koop[own.koopsom[order] < 0] = ""
        rows = _write(
            folder,
            "kadaster_eigendom",
            {
                "kadastraal_object_id": obj[v],
                "verblijfsobject_id": np.where(linked[v], g.vbo_id[v], ""),
                "straat": addr["straat"],
                "huisnummer": addr["huisnummer"],
                "huisletter": addr["huisletter"],
                "huisnummertoevoeging": addr["huisnummertoevoeging"],
                "postcode": addr["postcode"],
                "eigenaar_type": np.where(is_p, "natuurlijk_persoon", "rechtspersoon").astype(object),
                "eigenaar_naam": names,
                "eigenaar_geboortedatum": bd,
                "eigenaar_kvk_nummer": kvk_col,
                "datum_verkrijging": days_to_iso(own.start[order]),
                "datum_einde": _opt_days(own.end[order]),
                "koopsom": koop,
                "hypotheek": own.hypotheek[order],
            },
        )
        return rows, person, ent

    def vergunningen(self, folder: _Sink) -> tuple[int, Arr, Arr]:
        pm, rng = self.w.permits, self.rng
        n = len(pm.vbo)
        is_p = pm.person >= 0
        names = np.empty(n, dtype=object)
        names[is_p] = self.display_name(pm.person[is_p], 0.02)
        names[~is_p] = np.asarray(self.w.ct.ent["name"], dtype=object)[pm.ent[~is_p]]
        kvk_col = np.where(
            is_p | (rng.random(n) < _scaled(0.15, self.v.ruis_identificaties)),
            "",
            self.kvk_of[np.maximum(pm.ent, 0)],
        )
        addr = self.address(pm.vbo, 0.08, 0.3, 0.1)
        self.link("vergunningen", pm.vbo, addr)
        years = (pm.datum.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 100
        zaak = "Z" if self.gem is None else f"Z{self.gem.code}"
        ids = np.array(
            [f"{zaak}/{y:02d}/{i + 100000:06d}" for i, y in enumerate(years.tolist())], dtype=object
        )
        rows = _write(
            folder,
            "vergunningen",
            {
                "vergunning_id": ids,
                "soort": pm.soort,
                "straat": addr["straat"],
                "huisnummer": addr["huisnummer"],
                "huisletter": addr["huisletter"],
                "huisnummertoevoeging": addr["huisnummertoevoeging"],
                "postcode": addr["postcode"],
                "aanvrager_naam": names,
                "aanvrager_kvk_nummer": kvk_col,
                "datum_aanvraag": days_to_iso(pm.datum),
                "besluit": pm.besluit,
                "bibob_toets": pm.bibob,
            },
        )
        return rows, pm.person, pm.ent

    def energie(self, folder: _Sink) -> int:
        u = self.w.util
        order = np.lexsort((u.jaar, u.ean))
        ean = u.ean[order]
        first = np.r_[True, ean[1:] != ean[:-1]]
        conn = np.cumsum(first) - 1
        cv = u.vbo[order][first]
        addr = self.address(cv, 0.05, 0.2, 0.05)
        sm = u.slimme_meter[order]
        smart = np.asarray(np.where(sm < 0, None, sm == 1), dtype=object)
        self.link(
            "energie_verbruik", cv[conn], {k: addr[k][conn] for k in ("straat", "huisnummer", "postcode")}
        )
        return _write(
            folder,
            "energie_verbruik",
            {
                "ean": ean,
                "product": u.product[order],
                "straat": addr["straat"][conn],
                "huisnummer": addr["huisnummer"][conn],
                "huisletter": addr["huisletter"][conn],
                "huisnummertoevoeging": addr["huisnummertoevoeging"][conn],
                "postcode": addr["postcode"][conn],
                "jaar": u.jaar[order],
                "verbruik": u.verbruik[order],
                "slimme_meter": smart,
            },
        )

    def meldingen(self, folder: _Sink) -> int:
        r, rng = self.w.reports, self.rng
        n = len(r.vbo)
        addr = self.address(r.vbo, 0.1, 0.3, 0.1)
        no_nr = rng.random(n) < _scaled(0.08, self.v.ruis_adressen)
        for k in ("huisnummer", "huisletter", "huisnummertoevoeging"):
            addr[k] = np.where(no_nr, "", addr[k])
        addr["postcode"] = np.where(rng.random(n) < _scaled(0.1, self.v.ruis_adressen), "", addr["postcode"])
        addr["straat"] = np.where(
            (rng.random(n) < _scaled(0.03, self.v.ruis_adressen)) & (addr["postcode"] != "") & ~no_nr,
            "",
            addr["straat"],
        )
        self.link("meldingen", r.vbo, addr)
        years = r.datum.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        pre = "M" if self.gem is None else f"M{self.gem.code}-"
        ids = np.array([f"{pre}{y}-{i + 1:06d}" for i, y in enumerate(years.tolist())], dtype=object)
        return _write(
            folder,
            "meldingen",
            {
                "melding_id": ids,
                "datum": days_to_iso(r.datum),
                "categorie": r.categorie,
                **addr,
            },
        )

    def onderzoek(self, folder: _Sink) -> int:
        inv, g = self.w.inv, self.w.geo
        return _write(
            folder,
            "onderzoeksuitkomsten",
            {
                "verblijfsobject_id": g.vbo_id[inv.vbo],
                "datum_onderzoek": days_to_iso(inv.datum),
                "fenomeen": inv.fenomeen,
                "uitkomst": np.where(inv.bevestigd, "bevestigd", "niet_bevestigd").astype(object),
            },
        )

    def audit(self, folder: _Sink, persons: Arr) -> int:
        bsn = self.bsn_of[persons]
        order = np.argsort(bsn.astype(str), kind="stable")
        persons = persons[order]
        leeftijd, geslacht, herkomst = audit_groups(self.w.pt, persons)
        return _write(
            folder,
            "audit_kenmerken",
            {
                "bsn": self.bsn_of[persons],
                "leeftijdsgroep": leeftijd,
                "geslacht": geslacht,
                "herkomst_groep": herkomst,
            },
        )


def _manifest(folder: Path) -> None:
    write_manifest(folder, "0935", None)


def write_manifest(folder: Path, gemeentecode: str, gemeenten: list[tuple[str, str]] | None) -> None:
    """Write ``manifest.toml``: one municipality, or a region whose gemeenten are listed.

    For a region, ``gemeentecode`` is the lead municipality (penvoerder) and ``gemeenten`` gives every
    gemeente's code and name, in the order of the Parquet parts.
    """
    head = "municipality" if gemeenten is None else "region"
    lines = [
        f"# Synthetic {head} generated by vastgoed.synthetic: no real person or property.",
        f'gemeentecode = "{gemeentecode}"',
        'peildatum = "2025-01-01"',
        "synthetisch = true",
    ]
    if gemeenten is not None:
        lines.insert(1, "# gemeentecode: the lead municipality (penvoerder); gemeenten: every partition.")
        lines.append("gemeenten = [" + ", ".join(f'"{c}"' for c, _ in gemeenten) + "]")
    lines += ["", "[bronnen]"]
    for stem, grond in _GRONDSLAG.items():
        lines.append(f'{stem} = {{ extractdatum = "{_EXTRACT[stem]}", grondslag = "{grond}" }}')
    if gemeenten is not None:
        lines += ["", "[gemeentenamen]"]
        lines += [f'"{c}" = "{n}"' for c, n in gemeenten]
    (folder / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pid(persons: Arr) -> Arr:
    return np.array([f"P{x:07d}" for x in np.asarray(persons).tolist()], dtype=object)


def _write_adreslinks(path: Path, geo: Geo, links: dict[str, tuple[Arr, Arr]]) -> None:
    """Write ``record, verblijfsobject_id, afgeschermd`` for every address-bearing record."""
    frames = [
        pl.DataFrame({"i": np.arange(len(links[stem][0]), dtype=np.int64)}).select(
            record=pl.lit(f"{stem}:") + pl.col("i").cast(pl.Utf8)
        )
        for stem in ADDRESS_STEMS
    ]
    vbo = np.concatenate([links[stem][0] for stem in ADDRESS_STEMS])
    afg = np.concatenate([links[stem][1] for stem in ADDRESS_STEMS])
    ids = pl.Series("verblijfsobject_id", np.asarray(geo.vbo_id, dtype=str), dtype=pl.Utf8)
    pl.concat(frames).with_columns(
        ids.gather(vbo), pl.Series("afgeschermd", afg, dtype=pl.Boolean)
    ).write_csv(path)


def write_world(world: World, out: Path, truth: Path, rng: np.random.Generator) -> Written:
    """Write every contract file into ``out`` and the ground truth into ``truth``.

    The truth folder holds:

    - ``adressen.csv``: ``verblijfsobject_id, fenomeen, lookalike`` for every BAG object, in BAG order.
    - ``personen.csv``: ``record, persoon_id`` for every person-bearing record.
    - ``bedrijven.csv``: ``record, kvk_nummer`` for every company-bearing record.
    - ``adreslinks.csv``: ``record, verblijfsobject_id, afgeschermd``: exactly one row for every data
      row of the address-bearing files (:data:`ADDRESS_STEMS`: ``brp_inschrijvingen``,
      ``kvk_vestigingen``, ``kadaster_eigendom``, ``vergunningen``, ``energie_verbruik``,
      ``meldingen``), grouped by file in that order and by row within a file.

    A ``record`` is ``stem:row`` with ``row`` the 0-based data row of the written CSV (after every
    sort the writer does). In ``adreslinks.csv``, ``verblijfsobject_id`` is the BAG object the record
    truly refers to, chosen before any noise was applied: the registered address (BRP rows, briefadres
    included), the establishment's address (also when its address is shielded), the object the right
    is on, the permit's object, the connection's object, the object a melding is about.

    ``afgeschermd`` is ``true`` exactly when the written record carries no usable address, so a
    matcher cannot be expected to link it:

    - the huisnummer is empty (a shielded KvK home address, where straat, huisnummer, huisletter,
      huisnummertoevoeging, postcode and plaats are all empty; or a melding written with a street
      and possibly a postcode but no number, which names a street or postcode range, not an object), or
    - both the postcode and the street name are empty (never produced at present).

    Every other record is ``false``: it carries a huisnummer and a postcode or a street, and with the
    generator's noise (postcode format, street abbreviations, case and single typos, huisletter and
    toevoeging notation, a missing postcode or a missing street but never both) it still identifies
    one object: postcode + huisnummer + huisletter/toevoeging and street + huisnummer +
    huisletter/toevoeging are each unique in the synthetic BAG (street names are unique, there is
    one woonplaats; but a few pairs such as ``Bakkerstraat`` and ``Bakker Straat`` differ only by a
    space). The huisnummer itself is never altered. In a region (:func:`write_gemeente`) postcodes
    are unique across gemeenten but street names recur (every town has its ``Kerkstraat``): street +
    huisnummer identifies an object only together with the woonplaats.

    Args:
        world: The generated world.
        out: Data folder (must exist and be empty).
        truth: Truth folder (must exist and be empty).
        rng: Random stream for the noise.

    Returns:
        Data rows per file stem, and the address-link counts.
    """
    w = _Writer(world, rng)
    counts, who = _write_data(w, _Sink(out))
    _manifest(out)
    write_kleinverbruik(out / "kleinverbruik", world.geo, world.util)

    g, plan = world.geo, world.plan
    _write_plain(
        truth / "adressen.csv",
        {"verblijfsobject_id": g.vbo_id, "fenomeen": plan.fenomeen, "lookalike": plan.lookalike},
    )
    rec: list[Arr] = []
    pid: list[Arr] = []
    for stem, persons in who.persons:
        rows = np.flatnonzero(persons >= 0)
        rec.append(np.array([f"{stem}:{r}" for r in rows.tolist()], dtype=object))
        pid.append(_pid(persons[rows]))
    _write_plain(truth / "personen.csv", {"record": np.concatenate(rec), "persoon_id": np.concatenate(pid)})
    rec, kv = [], []
    for stem, ents in who.companies:
        rows = np.flatnonzero(ents >= 0)
        rec.append(np.array([f"{stem}:{r}" for r in rows.tolist()], dtype=object))
        kv.append(w.kvk_of[ents[rows]])
    _write_plain(truth / "bedrijven.csv", {"record": np.concatenate(rec), "kvk_nummer": np.concatenate(kv)})
    _write_adreslinks(truth / "adreslinks.csv", g, w.links)
    return _written(counts, w)


@dataclass(frozen=True)
class _Who:
    """Per file, the true person or company of each written row (-1: none), in truth-file order."""

    persons: list[tuple[str, Arr]]
    companies: list[tuple[str, Arr]]


def _write_data(w: _Writer, sink: _Sink) -> tuple[dict[str, int], _Who]:
    counts: dict[str, int] = {}
    counts["bag_verblijfsobjecten"] = w.bag(sink)
    counts["brp_inschrijvingen"], brp_p, brp_persons = w.brp(sink)
    counts["kvk_vestigingen"], counts["kvk_functionarissen"], vest_ent, off_p = w.kvk(sink)
    counts["kadaster_eigendom"], kad_p, kad_e = w.kadaster(sink)
    counts["vergunningen"], verg_p, verg_e = w.vergunningen(sink)
    counts["energie_verbruik"] = w.energie(sink)
    counts["meldingen"] = w.meldingen(sink)
    counts["onderzoeksuitkomsten"] = w.onderzoek(sink)
    counts["audit_kenmerken"] = w.audit(sink, brp_persons)
    who = _Who(
        persons=[
            ("brp_inschrijvingen", brp_p),
            ("kvk_functionarissen", off_p),
            ("kadaster_eigendom", kad_p),
            ("vergunningen", verg_p),
        ],
        companies=[("kvk_vestigingen", vest_ent), ("kadaster_eigendom", kad_e), ("vergunningen", verg_e)],
    )
    return counts, who


def _written(counts: dict[str, int], w: _Writer) -> Written:
    return Written(
        rijen=counts,
        adreslinks={s: len(w.links[s][0]) for s in ADDRESS_STEMS},
        afgeschermd={s: int(w.links[s][1].sum()) for s in ADDRESS_STEMS},
    )


def _parquet(df: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path, compression=PARQUET_COMPRESSION, statistics=True)


def _rows_frame(parts: list[tuple[str, Arr]], values: list[Arr], name: str) -> pl.DataFrame:
    """``stem, rij, <name>`` for the rows of each file that have a value."""
    stems = [np.full(len(v), stem, dtype=object) for (stem, _), v in zip(parts, values, strict=True)]
    rows = [np.flatnonzero(np.asarray(ids) >= 0) for _, ids in parts]
    return pl.DataFrame(
        {
            "stem": pl.Series(np.concatenate(stems).astype(str), dtype=pl.String),
            "rij": pl.Series(np.concatenate(rows), dtype=pl.Int64),
            name: pl.Series(np.concatenate(values).astype(str), dtype=pl.String),
        }
    )


def write_gemeente(world: World, out: Path, truth: Path, staging: Path, rng: np.random.Generator) -> Written:
    """Write one gemeente of a region: its Parquet part of every contract file, and its truth.

    Data: ``out/<stem>/gemeente=<code>/part-0.parquet`` (columns and types as the CSV form), and the
    kleinverbruik rows in ``staging/kleinverbruik/`` (for the caller to merge per grid operator).
    Truth: ``truth/adressen/gemeente=<code>/part-0.parquet``; the record-keyed truth (``personen``,
    ``bedrijven``, ``adreslinks``) goes to ``staging/<name>.parquet`` with ``stem, rij`` (the row within
    this gemeente's part) instead of ``record``: the caller turns them into records once the rows of
    the gemeenten before it are known. Person ids are ``P<gemeentecode><7 digits>``.

    Args:
        world: A world built for a gemeente (``world.geo.gemeente`` set).
        out: The region's data folder.
        truth: The region's truth folder.
        staging: A folder of this gemeente's own.
        rng: Random stream for the noise.

    Returns:
        The rows written, as :func:`write_world`.
    """
    gem = world.geo.gemeente
    if gem is None:
        raise ValueError("write_gemeente needs a world built for a gemeente of a region")
    w = _Writer(world, rng)
    counts, who = _write_data(w, _Sink(out, gem.code))
    write_kleinverbruik(staging / "kleinverbruik", world.geo, world.util, gem.netbeheerder)
    g, plan = world.geo, world.plan
    adr = pl.DataFrame(
        [
            _series("verblijfsobject_id", g.vbo_id, Kind.STR),
            _series("fenomeen", plan.fenomeen, Kind.STR),
            _series("lookalike", plan.lookalike, Kind.STR),
        ]
    )
    _parquet(adr, truth / "adressen" / f"gemeente={gem.code}" / "part-0.parquet")
    pids = [
        np.char.add(f"P{gem.code}", np.char.zfill(np.asarray(p)[np.asarray(p) >= 0].astype(str), 7))
        for _, p in who.persons
    ]
    _parquet(_rows_frame(who.persons, pids, "persoon_id"), staging / "personen.parquet")
    kvks = []
    for stem, ents in who.companies:
        keep = np.asarray(ents) >= 0
        true_kvk = w.kvk_of[np.asarray(ents)[keep]]
        if stem == "kadaster_eigendom" and w.kad_kvk is not None:
            taken = w.kad_kvk[keep]
            true_kvk = np.where(taken != "", taken, true_kvk)
        kvks.append(true_kvk)
    _parquet(_rows_frame(who.companies, kvks, "kvk_nummer"), staging / "bedrijven.parquet")
    links = pl.DataFrame(
        {
            "stem": pl.Series(
                np.concatenate([np.full(len(w.links[s][0]), s, dtype=object) for s in ADDRESS_STEMS]).astype(
                    str
                ),
                dtype=pl.String,
            ),
            "rij": pl.Series(
                np.concatenate([np.arange(len(w.links[s][0])) for s in ADDRESS_STEMS]), dtype=pl.Int64
            ),
            "verblijfsobject_id": pl.Series(
                np.asarray(g.vbo_id, dtype=str)[np.concatenate([w.links[s][0] for s in ADDRESS_STEMS])],
                dtype=pl.String,
            ),
            "afgeschermd": pl.Series(
                np.concatenate([w.links[s][1] for s in ADDRESS_STEMS]), dtype=pl.Boolean
            ),
        }
    )
    _parquet(links, staging / "adreslinks.parquet")
    return _written(counts, w)
