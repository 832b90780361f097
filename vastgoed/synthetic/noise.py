"""Linkage noise: the valid but inconsistent ways registries write the same street, name, number or date.

Every variant stays valid (no broken BSN or postcode): it is variation that record linkage must handle.
"""

from __future__ import annotations

import numpy as np

from vastgoed.synthetic.world import Arr

__all__ = [
    "birth_date_strings",
    "huisletter_variants",
    "name_typos",
    "postcode_variants",
    "street_variants",
]

_ABBREV: tuple[tuple[str, str], ...] = (
    ("straat", "str."),
    ("plein", "pl."),
    ("Sint ", "St. "),
    ("Burgemeester ", "Burg. "),
    ("Onze Lieve Vrouwe", "O.L. Vrouwe"),
    ("singel", "sngl."),
    ("laan", "ln."),
)
_SPELLING: tuple[tuple[str, str], ...] = (
    ("ij", "y"),
    ("ks", "x"),
    ("x", "ks"),
    ("ss", "s"),
    ("ü", "ue"),
    ("ö", "o"),
    ("é", "e"),
    ("ç", "c"),
    ("ş", "s"),
    ("ı", "i"),
    ("ł", "l"),
    ("ń", "n"),
    ("ó", "o"),
    ("ś", "s"),
    ("dt", "t"),
    ("ck", "k"),
)


def _typo(s: str, r: float, r2: float) -> str:
    """One keyboard-style error: swap two letters, drop or double one."""
    if len(s) < 4:
        return s
    i = 1 + int(r * (len(s) - 2))
    if r2 < 0.4:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :] if s[i] != s[i + 1] else s[:i] + s[i + 1 :]
    if r2 < 0.75:
        return s[:i] + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


def _spelling(s: str, r: float) -> str:
    options = [(a, b) for a, b in _SPELLING if a in s]
    if not options:
        return s
    a, b = options[int(r * len(options))]
    return s.replace(a, b, 1)


def street_variants(rng: np.random.Generator, names: Arr, rate: float) -> Arr:
    """Street names with abbreviations (``str.``, ``pl.``, ``St.``), typos or case changes at ``rate``."""
    out = np.asarray(names, dtype=object).copy()
    idx = np.flatnonzero(rng.random(len(out)) < rate)
    rr = rng.random((len(idx), 3))
    for j, i in enumerate(idx.tolist()):
        s = str(out[i])
        if not s:
            continue
        abbrev = [(a, b) for a, b in _ABBREV if a in s]
        if abbrev and rr[j, 0] < 0.6:
            a, b = abbrev[int(rr[j, 1] * len(abbrev))]
            s = s.replace(a, b, 1)
        elif rr[j, 0] < 0.85:
            s = _typo(s, rr[j, 1], rr[j, 2])
        elif rr[j, 0] < 0.93:
            s = s.upper()
        else:
            s = s.lower()
        out[i] = s
    return out


def name_typos(rng: np.random.Generator, names: Arr, rate: float) -> Arr:
    """Person names with a typo or a spelling variant (``ij``/``y``, ``x``/``ks``, diacritics) at ``rate``."""
    out = np.asarray(names, dtype=object).copy()
    idx = np.flatnonzero(rng.random(len(out)) < rate)
    rr = rng.random((len(idx), 3))
    for j, i in enumerate(idx.tolist()):
        s = str(out[i])
        if not s:
            continue
        t = _spelling(s, rr[j, 1]) if rr[j, 0] < 0.45 else s
        out[i] = t if t != s else _typo(s, rr[j, 1], rr[j, 2])
    return out


def huisletter_variants(rng: np.random.Generator, letter: Arr, toev: Arr, rate: float) -> tuple[Arr, Arr]:
    """Write huisletter and toevoeging as other sources do: ``12A``, ``12 a``, ``12-A``, ``01`` as ``1``."""
    letter = np.asarray(letter, dtype=object).copy()
    toev = np.asarray(toev, dtype=object).copy()
    has = (letter != "") | (toev != "")
    idx = np.flatnonzero(has & (rng.random(len(letter)) < rate))
    rr = rng.random(len(idx))
    for j, i in enumerate(idx.tolist()):
        lt, tv = str(letter[i]), str(toev[i])
        r = rr[j]
        # Noise changes how an address is written, never which unit it names: a variant that would
        # not fit the 4-character toevoeging is not applied (truncating would name another unit).
        if lt:
            if r < 0.35 or len(lt + tv) > 4:
                letter[i] = lt.lower()
            elif r < 0.75:
                letter[i], toev[i] = "", lt + tv
            elif len(lt + tv) < 4:
                letter[i], toev[i] = "", "-" + lt + tv
        elif tv.isdigit() and tv.startswith("0") and len(tv) > 1:
            toev[i] = tv.lstrip("0") or "0"
        elif len(tv) == 1 and tv.isalpha():
            letter[i], toev[i] = tv.upper(), ""
        elif r < 0.5 and len(tv) < 4:
            toev[i] = "-" + tv
    return letter, toev


def postcode_variants(rng: np.random.Generator, postcodes: Arr, rate: float) -> Arr:
    """Postcodes written ``6211 AB``, ``6211ab`` or ``6211 ab`` at ``rate``."""
    out = np.asarray(postcodes, dtype=object).copy()
    idx = np.flatnonzero((rng.random(len(out)) < rate) & (out != ""))
    kind = rng.integers(0, 3, len(idx))
    for j, i in enumerate(idx.tolist()):
        p = str(out[i])
        out[i] = (p[:4] + " " + p[4:], p.lower(), p[:4] + " " + p[4:].lower())[int(kind[j])]
    return out


def birth_date_strings(
    rng: np.random.Generator, days: Arr, partial: Arr, swap_rate: float, compact_rate: float = 0.0
) -> Arr:
    """ISO birth dates; year-only (``1970-00-00``) where ``partial``; day and month swapped at ``swap_rate``.

    A swap is only made where the result is still a valid date (day <= 12), so it is variation, not error.
    """
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    iso = np.datetime_as_string(d, unit="D").astype(object)
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = (d.astype("datetime64[M]").astype(np.int64) % 12) + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    swap = (rng.random(len(iso)) < swap_rate) & (dd <= 12) & (dd != m)
    for i in np.flatnonzero(swap).tolist():
        iso[i] = f"{y[i]:04d}-{dd[i]:02d}-{m[i]:02d}"
    for i in np.flatnonzero(np.asarray(partial)).tolist():
        iso[i] = f"{y[i]:04d}-00-00"
    if compact_rate > 0:
        for i in np.flatnonzero(rng.random(len(iso)) < compact_rate).tolist():
            iso[i] = str(iso[i]).replace("-", "")
    return iso
