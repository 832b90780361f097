"""Shared types of the generator: array aliases, codes, dates and the growing person/company tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "PEILDATUM",
    "YEARS",
    "Arr",
    "CompanyTable",
    "HType",
    "PersonTable",
    "State",
    "Tenure",
    "child_rng",
    "day",
    "days_to_iso",
    "years_to_days",
]

Arr = npt.NDArray[Any]

#: The reference date of the synthetic world.
PEILDATUM = dt.date(2025, 1, 1)
#: The years with utility readings, all before the peildatum.
YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024)

_EPOCH = dt.date(1970, 1, 1)


def day(y: int, m: int = 1, d: int = 1) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return (dt.date(y, m, d) - _EPOCH).days


def years_to_days(years: Arr | float) -> Any:
    """Convert years (float) to whole days."""
    return np.round(np.asarray(years) * 365.25).astype(np.int64)


def days_to_iso(days: Arr) -> Arr:
    """Format day numbers as ``YYYY-MM-DD`` strings (object array; negative sentinels become '')."""
    d = np.asarray(days, dtype=np.int64)
    out = np.datetime_as_string(d.astype("datetime64[D]"), unit="D").astype(object)
    out[d < -100000] = ""
    return out


def child_rng(seed: int, stream: int) -> np.random.Generator:
    """An independent random stream per generator stage, so stages do not shift each other's draws."""
    return np.random.default_rng([seed, stream])


class HType(IntEnum):
    """Kind of verblijfsobject, which sets floor area, utility norms and household mix."""

    APT = 0
    TERR = 1
    CORNER = 2
    SEMI = 3
    DET = 4
    STUDIO = 5
    UPPER = 6
    NONRES = 7


class State(IntEnum):
    """What truly happens in a verblijfsobject at the peildatum."""

    REGULAR = 0
    STUDENT_HOUSE = 1
    STUDIO = 2
    LEEGSTAND = 3
    SPOOK = 4
    SCHIJN = 5
    OVERBEWONING = 6
    HENNEP = 7
    BRIEVENBUS = 8
    RENOVATION = 9
    RECENT_SALE = 10
    NEW_BUILD = 11
    DEATH = 12
    SECOND_HOME = 13
    FRICTION = 14
    LABOUR = 15
    NONRES = 16


class Tenure(IntEnum):
    """Who owns a verblijfsobject."""

    CORP = 0
    OO = 1
    LL_PERSON = 2
    LL_BV = 3
    NETWORK = 4
    SECOND_OWNER = 5
    DEVELOPER = 6
    BUSINESS = 7
    STUDENT_CORP = 8
    INVESTOR = 9


@dataclass
class PersonTable:
    """Every natural person of the synthetic world, appended in batches.

    Attributes hold one value per person: surname index into ``surnames.SURNAME_TABLE``, voornamen, birth day,
    sex (0 man, 1 vrouw), herkomst (0 Nederland, 1 Europa, 2 buiten Europa), whether BRP knows only the
    birth year, and the death day (a large sentinel when alive).
    """

    _chunks: list[dict[str, Arr]] = field(default_factory=list)
    _deaths: list[tuple[Arr, Arr]] = field(default_factory=list)
    n: int = 0
    data: dict[str, Arr] = field(default_factory=dict)

    def add(self, surname: Arr, voornamen: Arr, birth: Arr, sex: Arr, herkomst: Arr) -> Arr:
        """Append persons and return their indices."""
        k = len(surname)
        self._chunks.append(
            {
                "surname": np.asarray(surname, dtype=np.int64),
                "voornamen": np.asarray(voornamen, dtype=object),
                "birth": np.asarray(birth, dtype=np.int64),
                "sex": np.asarray(sex, dtype=np.int64),
                "herkomst": np.asarray(herkomst, dtype=np.int64),
            }
        )
        idx = np.arange(self.n, self.n + k, dtype=np.int64)
        self.n += k
        return idx

    def field_of(self, name: str, idx: Arr) -> Arr:
        """Values of field ``name`` for persons ``idx`` (usable before :meth:`finalise`)."""
        values = self.data[name] if self.data else np.concatenate([c[name] for c in self._chunks])
        return values[np.asarray(idx, dtype=np.int64)]

    def birth_of(self, idx: Arr) -> Arr:
        """Birth days of persons ``idx``."""
        return self.field_of("birth", idx)

    def set_death(self, idx: Arr, days: Arr) -> None:
        """Record that persons ``idx`` died on ``days``."""
        self._deaths.append((np.asarray(idx, dtype=np.int64), np.asarray(days, dtype=np.int64)))

    def finalise(self) -> None:
        """Concatenate the batches into ``data``."""
        keys = ("surname", "voornamen", "birth", "sex", "herkomst")
        self.data = {k: np.concatenate([c[k] for c in self._chunks]) for k in keys}
        death = np.full(self.n, 10**7, dtype=np.int64)
        for idx, days in self._deaths:
            death[idx] = days
        self.data["death"] = death


@dataclass
class CompanyTable:
    """Enterprises (KvK numbers) with their establishments and officers, appended by any stage.

    Enterprise columns: name, rechtsvorm, sbi, founded, closed (-10**7 when open), kind.
    Establishment rows: enterprise, vbo (-1 when outside the municipality: not in the extract),
    shielded address flag, start, end.
    Officer rows: enterprise, person, functie, start, end.
    """

    ent: dict[str, list[Any]] = field(
        default_factory=lambda: {k: [] for k in ("name", "rechtsvorm", "sbi", "founded", "closed", "kind")}
    )
    est: dict[str, list[Any]] = field(
        default_factory=lambda: {k: [] for k in ("ent", "vbo", "shielded", "start", "end")}
    )
    off: dict[str, list[Any]] = field(
        default_factory=lambda: {k: [] for k in ("ent", "person", "functie", "start", "end")}
    )

    @property
    def n(self) -> int:
        """Number of enterprises so far."""
        return len(self.ent["name"])

    def add_enterprises(
        self, name: Arr, rechtsvorm: Arr, sbi: Arr, founded: Arr, closed: Arr, kind: str
    ) -> Arr:
        """Append enterprises and return their indices."""
        start = self.n
        k = len(name)
        self.ent["name"].extend(np.asarray(name, dtype=object).tolist())
        self.ent["rechtsvorm"].extend(np.asarray(rechtsvorm, dtype=object).tolist())
        self.ent["sbi"].extend(np.asarray(sbi, dtype=object).tolist())
        self.ent["founded"].extend(np.asarray(founded, dtype=np.int64).tolist())
        self.ent["closed"].extend(np.asarray(closed, dtype=np.int64).tolist())
        self.ent["kind"].extend([kind] * k)
        return np.arange(start, start + k, dtype=np.int64)

    def add_establishments(self, ent: Arr, vbo: Arr, shielded: Arr, start: Arr, end: Arr) -> None:
        """Append establishments (one row each)."""
        self.est["ent"].extend(np.asarray(ent, dtype=np.int64).tolist())
        self.est["vbo"].extend(np.asarray(vbo, dtype=np.int64).tolist())
        self.est["shielded"].extend(np.asarray(shielded, dtype=bool).tolist())
        self.est["start"].extend(np.asarray(start, dtype=np.int64).tolist())
        self.est["end"].extend(np.asarray(end, dtype=np.int64).tolist())

    def add_officers(self, ent: Arr, person: Arr, functie: Arr, start: Arr, end: Arr) -> None:
        """Append officer rows."""
        self.off["ent"].extend(np.asarray(ent, dtype=np.int64).tolist())
        self.off["person"].extend(np.asarray(person, dtype=np.int64).tolist())
        self.off["functie"].extend(np.asarray(functie, dtype=object).tolist())
        self.off["start"].extend(np.asarray(start, dtype=np.int64).tolist())
        self.off["end"].extend(np.asarray(end, dtype=np.int64).tolist())

    def arrays(self, part: str) -> dict[str, Arr]:
        """One part (``ent``, ``est`` or ``off``) as numpy arrays."""
        src = {"ent": self.ent, "est": self.est, "off": self.off}[part]
        out: dict[str, Arr] = {}
        for k, v in src.items():
            if k in ("name", "rechtsvorm", "sbi", "functie", "kind"):
                out[k] = np.asarray(v, dtype=object)
            elif k == "shielded":
                out[k] = np.asarray(v, dtype=bool)
            else:
                out[k] = np.asarray(v, dtype=np.int64)
        return out
