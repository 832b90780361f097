"""Checks that input which parses is also plausible: dates, empty files, the gemeentecode.

Each check either raises a :class:`DataError` that names the file and what to do, or returns
warnings (Dutch first: users read them). Issue 22: a peildatum in 2031, a 0-byte extract, a
header-only BAG and a manifest naming another gemeente than its data all passed or failed late with
an unrelated message.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from vastgoed.core.config import Manifest
from vastgoed.core.errors import DataError

__all__ = [
    "MAX_EXTRACT_AGE",
    "GemeenteRule",
    "check_dates",
    "check_gemeenten",
    "is_blank_file",
    "listed_gemeenten",
]

#: An extract older than this before the peildatum cannot show the state at the peildatum.
MAX_EXTRACT_AGE = dt.timedelta(days=365)

#: Files no larger than this are read to see whether they hold only whitespace or a BOM.
_BLANK_PROBE = 4096
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_BAG = "bag_verblijfsobjecten"


def is_blank_file(path: Path) -> bool:
    """Whether a file is empty: 0 bytes, or only whitespace and a byte-order mark."""
    if not path.is_file():
        return False
    size = path.stat().st_size
    if size == 0:
        return True
    if size > _BLANK_PROBE:
        return False
    data = path.read_bytes()
    for bom in _BOMS:
        data = data.removeprefix(bom)
    return not data.replace(b"\x00", b"").strip()


def check_dates(manifest: Manifest, today: dt.date) -> list[str]:
    """Check the peildatum and every extractdatum against today and each other.

    Rules: a peildatum or extractdatum after ``today`` is refused (no extract can show a state that
    has not happened yet); an extractdatum more than :data:`MAX_EXTRACT_AGE` before the peildatum is
    refused (it cannot show the state at the peildatum); one before the peildatum within that year
    is a warning (the extract misses what changed between the two dates). An extractdatum after the
    peildatum is the usual case and passes.

    Returns:
        The warnings.

    Raises:
        DataError: On ``manifest.toml``, naming the key and what to do.
    """
    if manifest.peildatum > today:
        raise DataError(
            "manifest.toml",
            f"peildatum {manifest.peildatum} ligt na vandaag ({today}): extracten kunnen geen stand in de "
            "toekomst tonen. Zet de peildatum op de datum waarop de extracten de stand weergeven "
            "(uiterlijk vandaag).",
            kolom="peildatum",
        )
    warnings = []
    for stem, bron in sorted(manifest.bronnen.items()):
        datum = bron.extractdatum
        if datum is None:
            continue
        kolom = f"bronnen.{stem}.extractdatum"
        if datum > today:
            raise DataError(
                "manifest.toml",
                f"extractdatum {datum} van {stem} ligt na vandaag ({today}). Vul de datum in waarop "
                "het extract werkelijk is gemaakt.",
                kolom=kolom,
            )
        if datum < manifest.peildatum - MAX_EXTRACT_AGE:
            raise DataError(
                "manifest.toml",
                f"extractdatum {datum} van {stem} ligt meer dan een jaar vóór de peildatum "
                f"{manifest.peildatum}: het extract kan de stand op de peildatum niet tonen. Lever een "
                "recenter extract of zet de peildatum (of de extractdatum, als die verkeerd is ingevuld) "
                "goed.",
                kolom=kolom,
            )
        if datum < manifest.peildatum:
            days = (manifest.peildatum - datum).days
            warnings.append(
                f"manifest.toml, {kolom}: extract van {datum} is {days} dagen ouder dan de peildatum "
                f"{manifest.peildatum}; wijzigingen daartussen ontbreken in {stem}"
            )
    return warnings


@dataclass(frozen=True)
class GemeenteRule:
    """When the BAG's codes disagree with the manifest's gemeenten (see docs/data-contract.md).

    Attributes:
        refuse_share: Refused when more than this share of the buurtcodes carries a code the manifest
            does not list (CBS buurtcodes follow the current gemeentelijke indeling, so after a
            herindeling they carry the new code).
        warn_share: Warned when more than this share of the verblijfsobject_ids carries an unlisted
            code (BAG ids keep the code of the gemeente that issued them: after a herindeling that
            is normal, otherwise a sign of a wrong extract).
    """

    refuse_share: float = 0.5
    warn_share: float = 0.0


def listed_gemeenten(manifest: Manifest) -> frozenset[str]:
    """The manifest's gemeentecode and, for a region, every code in its ``gemeenten`` list."""
    extra = (manifest.model_extra or {}).get("gemeenten", [])
    codes = {manifest.gemeentecode}
    if not isinstance(extra, list) or not all(isinstance(c, str) for c in extra):
        raise DataError(
            "manifest.toml",
            'gemeenten moet een lijst van gemeentecodes zijn, zoals gemeenten = ["0003", "0010"]',
            kolom="gemeenten",
        )
    return frozenset(codes | set(extra))


def check_gemeenten(manifest: Manifest, bag: pl.DataFrame, rule: GemeenteRule = GemeenteRule()) -> list[str]:
    """Check the manifest's gemeentecode(s) against the BAG's buurtcodes and verblijfsobject_id prefixes.

    Refused: no buurtcode and no verblijfsobject_id carries a listed code, or more than
    ``rule.refuse_share`` of the buurtcodes carries another one. Warned: some buurtcodes carry
    another code; verblijfsobject_ids carry another code (normal after a herindeling).

    Args:
        manifest: The manifest.
        bag: The validated ``bag_verblijfsobjecten`` (``verblijfsobject_id``, ``buurtcode``).
        rule: The shares that refuse and warn.

    Returns:
        The warnings.

    Raises:
        DataError: On ``manifest.toml``, column ``gemeentecode``, naming the codes found.
    """
    listed = listed_gemeenten(manifest)
    buurt = Counter(bag.get_column("buurtcode").drop_nulls().str.slice(2, 4).to_list())
    ids = Counter(bag.get_column("verblijfsobject_id").drop_nulls().str.slice(0, 4).to_list())
    if not buurt and not ids:
        return []
    buurt_other = sum(n for c, n in buurt.items() if c not in listed)
    ids_other = sum(n for c, n in ids.items() if c not in listed)
    names = ", ".join(sorted(listed))
    none_listed = buurt_other == sum(buurt.values()) and ids_other == sum(ids.values())
    if none_listed or (buurt and buurt_other / sum(buurt.values()) > rule.refuse_share):
        raise DataError(
            "manifest.toml",
            f"het manifest noemt gemeente {names}, maar in {_BAG} dragen {_share(buurt_other, buurt)} "
            f"buurtcodes ({_top(buurt, listed)}) en {_share(ids_other, ids)} verblijfsobject_ids "
            f"({_top(ids, listed)}) een andere gemeentecode. Zet de juiste gemeentecode in het manifest "
            "(voor een regio: elke gemeente in gemeenten = [...]) of lever het extract van deze gemeente.",
            kolom="gemeentecode",
        )
    warnings = []
    if buurt_other:
        warnings.append(
            f"{_BAG}: {_share(buurt_other, buurt)} buurtcodes dragen een gemeentecode die het "
            f"manifest niet noemt ({_top(buurt, listed)}); controleer het extract of vul "
            "gemeenten = [...] in manifest.toml aan"
        )
    if ids and ids_other / sum(ids.values()) > rule.warn_share:
        warnings.append(
            f"{_BAG}: {_share(ids_other, ids)} verblijfsobject_ids dragen een andere gemeentecode "
            f"dan het manifest ({_top(ids, listed)}); na een herindeling is dat normaal "
            "(BAG-ids houden de code van de gemeente die ze uitgaf), anders: controleer het extract"
        )
    return warnings


def _share(n: int, counts: Counter[str]) -> str:
    total = sum(counts.values())
    return f"{n} van de {total}"


def _top(counts: Counter[str], listed: frozenset[str]) -> str:
    """The unlisted codes that occur most, with their counts: ``0935: 3478×``."""
    other = Counter({c: n for c, n in counts.items() if c not in listed})
    return ", ".join(f"{c}: {n}×" for c, n in other.most_common(3)) or "geen"
