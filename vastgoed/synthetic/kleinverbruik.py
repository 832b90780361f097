"""The grid operator's open small-consumption data (kleinverbruik), as published per street range."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vastgoed.synthetic.geography import Geo
from vastgoed.synthetic.utility import Utility
from vastgoed.synthetic.world import YEARS, Arr

__all__ = ["write_kleinverbruik"]

_COLUMNS = (
    "NETBEHEERDER", "NETGEBIED", "STRAATNAAM", "POSTCODE_VAN", "POSTCODE_TOT", "WOONPLAATS",
    "LANDCODE", "PRODUCTSOORT", "VERBRUIKSSEGMENT", "AANSLUITINGEN_AANTAL", "LEVERINGSRICHTING_PERC",
    "FYSIEKE_STATUS_PERC", "SOORT_AANSLUITING_PERC", "SOORT_AANSLUITING", "SJV_GEMIDDELD",
    "SJV_LAAG_TARIEF_PERC", "SLIMME_METER_PERC",
)  # fmt: skip
_MIN_CONNECTIONS = 10


def _pct(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def _groups(street: Arr, min_size: int) -> Arr:
    """Consecutive chunks of at least ``min_size`` connections within one street (-1: too few to publish)."""
    n = len(street)
    out = np.full(n, -1, dtype=np.int64)
    _, first, counts = np.unique(street, return_index=True, return_counts=True)
    gid = 0
    for f, c in zip(first.tolist(), counts.tolist(), strict=True):
        if c < min_size:
            continue
        k = c // 12 if c >= 24 else 1
        sizes = np.full(k, c // k)
        sizes[: c - int(sizes.sum())] += 1
        out[f : f + c] = gid + np.repeat(np.arange(k), sizes)
        gid += k
    return out


def write_kleinverbruik(
    folder: Path, geo: Geo, util: Utility, netbeheerder: tuple[str, str, str] | None = None
) -> list[str]:
    """Write one file per reference date (1 January after each year of use) into ``folder``.

    Args:
        folder: The ``kleinverbruik`` folder (created).
        geo: The built environment (street and postcode of each connection).
        util: Metered use per connection and year.
        netbeheerder: The grid operator's name, short name and file prefix (default Enexis).

    Returns:
        The file names written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name_full, gebied, prefix = netbeheerder or ("Enexis Netbeheer B.V.", "ENEXIS", "Enexis")
    plaats = "MAASTRICHT" if geo.gemeente is None else geo.gemeente.naam.upper()
    names: list[str] = []
    for year in YEARS[1:]:
        lines = ["\t".join(_COLUMNS)]
        for product, code, kind in (("elektriciteit", "ELK", "3x25"), ("gas", "GAS", "G4")):
            m = (util.product == product) & (util.jaar == year)
            v = util.vbo[m]
            use = util.verbruik[m]
            smart = util.slimme_meter[m] == 1
            order = np.lexsort((geo.huisnummer[v], geo.postcode[v], geo.street[v]))
            v, use, smart = v[order], use[order], smart[order]
            grp = _groups(geo.street[v], _MIN_CONNECTIONS)
            ok = grp >= 0
            v, use, smart, grp = v[ok], use[ok], smart[ok], grp[ok]
            if len(grp) == 0:
                continue
            starts = np.r_[0, np.flatnonzero(np.diff(grp)) + 1]
            ends = np.r_[starts[1:], len(grp)]
            for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
                pcs = geo.postcode[v[a:b]]
                u = use[a:b]
                row = (
                    name_full, gebied, str(geo.street_name[geo.street[v[a]]]).upper(),
                    str(pcs.min()), str(pcs.max()), plaats, "NL", code, "KVB", str(b - a),
                    _pct(100.0 * float((u > 0).mean())), _pct(100.0), _pct(100.0), kind,
                    str(round(float(np.clip(u, 0, None).mean()))), _pct(50.0 if code == "ELK" else 0.0),
                    _pct(100.0 * float(smart[a:b].mean())),
                )  # fmt: skip
                lines.append("\t".join(row))
        name = f"{prefix}_kleinverbruiksgegevens_0101{year + 1}.csv"
        (folder / name).write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
        names.append(name)
    return names
