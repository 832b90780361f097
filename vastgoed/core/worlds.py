"""On which world a figure was measured, and what the engine measured across worlds.

Every figure the engine prints about its own quality names its world (:class:`MeasuredOn`): the
gemeente, synthetic data or real extracts, for synthetic data the generator and seed when the
manifest records them, and the peildatum. Figures on the project's own generator overstate what a
municipality will see; :func:`own_world_warning` says so, with the figures of the cross-world
benchmark (:class:`CrossWorld`).

The cross-world results are a committed copy (``werelden.json`` beside this module) of the latest
``make bench-worlds`` (``tests/bench/test_worlds.py`` writes it, with the date and commit it was
measured at); ``docs/model-card.md`` holds the same table, and a test keeps the two equal.

User-facing text is Dutch first: every text here is declared once as ``(Dutch, English)``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from vastgoed.core.config import Manifest
from vastgoed.core.numbers import format_number

__all__ = [
    "CROSS_WORLD_FILE",
    "GENERATOR",
    "CrossWorld",
    "Lang",
    "MeasuredOn",
    "Validated",
    "WorldRow",
    "cross_world_md",
    "docs_section",
    "load_cross_world",
    "own_world_warning",
    "validation_text",
    "with_docs_section",
]

Lang = Literal["nl", "en"]

#: The name the project's generator writes into ``[generator]`` of its manifest.
GENERATOR = "vastgoed.synthetic"
#: The committed copy of the latest cross-world benchmark.
CROSS_WORLD_FILE = Path(__file__).with_name("werelden.json")

#: The worlds of the benchmark, in the order the tables show them.
_WORLD_NAMES: dict[str, tuple[str, str]] = {
    "project": ("eigen generator van het project", "the project's own generator"),
    "getrokken": (
        "eigen generator, getrokken wereldparameters",
        "own generator, drawn world parameters",
    ),
    "independent": ("onafhankelijk geschreven gemeente", "independently written municipality"),
}

#: Every sentence of this module: key -> (Dutch, English).
_TEXTS: dict[str, tuple[str, str]] = {
    "own": (
        "synthetische gegevens van de eigen generator van het project ({generator}{origin})",
        "synthetic data of the project's own generator ({generator}{origin})",
    ),
    "other_generator": (
        "synthetische gegevens van generator {generator}{origin}",
        "synthetic data of generator {generator}{origin}",
    ),
    "synthetic_unknown": (
        "synthetische gegevens (manifest.toml noemt geen generator)",
        "synthetic data (manifest.toml names no generator)",
    ),
    "real": ("echte extracten", "real extracts"),
    "seed": (", seed {seed}", ", seed {seed}"),
    "scale": (", schaal {scale}", ", scale {scale}"),
    "drawn": (", eigen getrokken wereldparameters", ", its own drawn world parameters"),
    "gemeente": ("gemeente {code}", "gemeente {code}"),
    "peildatum": ("peildatum {date}", "peildatum {date}"),
    "no_validation_rules": (
        "Geen validatiecijfers: er is geen geleerd model gebruikt. Gegevens: {world}.",
        "No validation figures: no learned model was used. Data: {world}.",
    ),
    "no_validation_champion": (
        "Geen validatie in deze run: het model is eerder getraind op gegevens van dezelfde gemeente en "
        "soort; zijn validatiecijfers staan bij zijn training in MLflow. Gegevens van deze run: {world}.",
        "No validation in this run: the model was trained before on data of the same gemeente and "
        "kind; its validation figures are with its training in MLflow. This run's data: {world}.",
    ),
    "validation": (
        "Tijdsplitsing op de eigen onderzoeken van deze gegevens: {n} validatieonderzoeken van "
        "{cutoff} tot de peildatum. Gemeten op {world}.",
        "Time split on this data's own investigations: {n} validation investigations from {cutoff} "
        "to the peildatum. Measured on {world}.",
    ),
    "warning": (
        "Let op: dit is de eigen wereld van de generator van het project. Cijfers op die wereld "
        "overschatten wat een echte gemeente zal zien. Op de eigen wereld haalde het model "
        "precision@{k} {own_p} en AP {own_ap} (regels AP {own_rules}); op een onafhankelijk "
        "geschreven gemeente precision@{k} {ind_p} en AP {ind_ap} (regels van die wereld AP "
        "{ind_rules}). Gemeten op {date} bij commit {commit}; zie de tabel 'Over werelden heen' in "
        "de modelkaart (docs/model-card.md).",
        "Note: this is the project generator's own world. Figures on that world overstate what a "
        "real municipality will see. On its own world the model reached precision@{k} {own_p} and "
        "AP {own_ap} (rules AP {own_rules}); on an independently written municipality "
        "precision@{k} {ind_p} and AP {ind_ap} (that world's rules AP {ind_rules}). Measured on "
        "{date} at commit {commit}; see the table 'Across worlds' in the model card "
        "(docs/model-card.md).",
    ),
    "warning_no_table": (
        "Let op: dit is de eigen wereld van de generator van het project. Cijfers op die wereld "
        "overschatten wat een echte gemeente zal zien (docs/model-card.md, 'Over werelden heen').",
        "Note: this is the project generator's own world. Figures on that world overstate what a "
        "real municipality will see (docs/model-card.md, 'Across worlds').",
    ),
    "measured": (
        "Gemeten op {date} bij commit {commit} met `make bench-worlds`: de eigen generator van het "
        "project (`vastgoed.synthetic`, met de parameters van de demogemeente en, waar de tabel ze "
        "toont, met per seed getrokken parameters: docs/synthetic.md) en een onafhankelijk "
        "geschreven gemeente "
        "(`shared/independent-municipality`), per wereld {n_seeds} seeds ({seeds}) op schaal "
        "{scale}, elk in een verse MLflow-opslag, getraind op de eigen onderzoeken van die wereld en "
        "beoordeeld tegen haar waarheid; de regels zijn die van de wereld zelf.",
        "Measured on {date} at commit {commit} with `make bench-worlds`: the project's own generator "
        "(`vastgoed.synthetic`, with the demo municipality's parameters and, where the table shows "
        "them, with parameters drawn per seed: docs/synthetic.md) and an independently written municipality "
        "(`shared/independent-municipality`), per world {n_seeds} seeds ({seeds}) at scale {scale}, "
        "each in a fresh MLflow store, trained on that world's own investigations and judged against "
        "its truth; the rules are the world's own.",
    ),
}

#: The cross-world table's columns: (key of :class:`WorldRow`, Dutch header, English header).
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("model_p", "model P@{k}", "model P@{k}"),
    ("model_ap", "model AP", "model AP"),
    ("rules_p", "regels P@{k}", "rules P@{k}"),
    ("rules_ap", "regels AP", "rules AP"),
    ("unseen_model_ap", "model AP nooit onderzocht", "model AP never investigated"),
    ("unseen_rules_ap", "regels AP nooit onderzocht", "rules AP never investigated"),
)


def _t(key: str, lang: Lang, **values: object) -> str:
    return _TEXTS[key][0 if lang == "nl" else 1].format(**values)


def _num(value: float | None, lang: Lang, decimals: int = 2) -> str:
    if lang == "nl":
        return format_number(value, decimals)
    return "unknown" if value is None else f"{value:.{decimals}f}"


def _date(day: dt.date, lang: Lang) -> str:
    return f"{day:%d-%m-%Y}" if lang == "nl" else day.isoformat()


@dataclass(frozen=True, kw_only=True)
class MeasuredOn:
    """The data a figure was measured on (from the data folder's ``manifest.toml``).

    Attributes:
        gemeentecode: The manifest's CBS municipality code.
        gemeentenaam: The manifest's ``gemeentenaam``, when it gives one.
        synthetisch: Generated data (true) or real extracts.
        peildatum: The manifest's peildatum.
        generator: For synthetic data, the generator named in ``[generator]`` (None when absent).
        seed: The generator's seed, when recorded.
        schaal: The generator's scale, when recorded.
        variatie: The generator's parameters: ``demo`` (the demo municipality's) or ``getrokken``
            (drawn for this seed; :mod:`vastgoed.synthetic.variation`), when recorded.
    """

    gemeentecode: str
    gemeentenaam: str | None = None
    synthetisch: bool
    peildatum: dt.date
    generator: str | None = None
    seed: int | None = None
    schaal: float | None = None
    variatie: str | None = None

    @classmethod
    def of_manifest(cls, manifest: Manifest) -> MeasuredOn:
        """What a manifest says about its data's world."""
        gen = manifest.generator if manifest.synthetisch else None
        return cls(
            gemeentecode=manifest.gemeentecode,
            gemeentenaam=manifest.gemeentenaam,
            synthetisch=manifest.synthetisch,
            peildatum=manifest.peildatum,
            generator=None if gen is None else gen.naam,
            seed=None if gen is None else gen.seed,
            schaal=None if gen is None else gen.schaal,
            variatie=None if gen is None else gen.variatie,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MeasuredOn:
        """Back from :meth:`to_json` (``run.json``'s ``data.gemeten_op``)."""
        seed, schaal, naam, gen = (data.get(k) for k in ("seed", "schaal", "gemeentenaam", "generator"))
        return cls(
            gemeentecode=str(data["gemeentecode"]),
            gemeentenaam=None if naam is None else str(naam),
            synthetisch=bool(data["synthetisch"]),
            peildatum=dt.date.fromisoformat(str(data["peildatum"])),
            generator=None if gen is None else str(gen),
            seed=None if seed is None else int(seed),
            schaal=None if schaal is None else float(schaal),
            variatie=None if data.get("variatie") is None else str(data["variatie"]),
        )

    @property
    def own_generator(self) -> bool:
        """Whether this is the project's own generator's world (whose figures flatter the engine)."""
        return self.synthetisch and self.generator == GENERATOR

    def describe(self, lang: Lang = "nl") -> str:
        """The world in a phrase, e.g. ``echte extracten, gemeente 0363 Amsterdam, peildatum ...``.

        Synthetic data of the project's generator: ``synthetische gegevens van de eigen generator van
        het project (vastgoed.synthetic, seed 0, schaal 1,0), gemeente 0935, peildatum 01-01-2025``.
        """
        origin = ""
        if self.seed is not None:
            origin += _t("seed", lang, seed=self.seed)
        if self.schaal is not None:
            scale = f"{self.schaal:g}" if self.schaal % 1 else f"{self.schaal:.1f}"
            origin += _t("scale", lang, scale=scale.replace(".", ",") if lang == "nl" else scale)
        if self.variatie == "getrokken":
            origin += _t("drawn", lang)
        if not self.synthetisch:
            kind = _t("real", lang)
        elif self.generator is None:
            kind = _t("synthetic_unknown", lang)
        else:
            key = "own" if self.own_generator else "other_generator"
            kind = _t(key, lang, generator=self.generator, origin=origin)
        gemeente = _t("gemeente", lang, code=self.gemeentecode)
        if self.gemeentenaam:
            gemeente += f" {self.gemeentenaam}"
        return f"{kind}, {gemeente}, {_t('peildatum', lang, date=_date(self.peildatum, lang))}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, with the description in Dutch (``run.json``, ``evaluatie.json``)."""
        out = asdict(self) | {"peildatum": self.peildatum.isoformat()}
        return out | {"beschrijving": self.describe("nl"), "eigen_generator": self.own_generator}


def validation_text(world: MeasuredOn, cutoff: dt.date, n_validation: int, lang: Lang = "nl") -> str:
    """The sentence that goes with a run's own time-split validation figures."""
    n = format_number(n_validation) if lang == "nl" else f"{n_validation:,}"
    return _t("validation", lang, n=n, cutoff=_date(cutoff, lang), world=world.describe(lang))


@dataclass(frozen=True, kw_only=True)
class Validated:
    """Where a run's own validation figures were measured (``run.json``: ``model.validatie``).

    Attributes:
        world: The run's data.
        cutoff: The start of the validation window (investigations from it to the peildatum);
            None when the run did not validate (it scored with a stored model, or with the rules).
        n_validation: Validation investigations.
        learned: Whether a learned model ranked the list.
    """

    world: MeasuredOn
    cutoff: dt.date | None = None
    n_validation: int = 0
    learned: bool = True

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Validated:
        """Back from :meth:`to_json` (``run.json``'s ``model.validatie``)."""
        cutoff = data.get("validatievenster_vanaf")
        return cls(
            world=MeasuredOn.from_json(data["gemeten_op"]),
            cutoff=None if cutoff is None else dt.date.fromisoformat(str(cutoff)),
            n_validation=int(data.get("validatieonderzoeken") or 0),
            learned=bool(data.get("geleerd_model", True)),
        )

    def text(self, lang: Lang = "nl") -> str:
        """The sentence that goes with the figures (or says why there are none)."""
        if self.cutoff is not None:
            return validation_text(self.world, self.cutoff, self.n_validation, lang)
        key = "no_validation_champion" if self.learned else "no_validation_rules"
        return _t(key, lang, world=self.world.describe(lang))

    def warning(self, lang: Lang = "nl", cross: CrossWorld | None = None) -> str | None:
        """The own-world warning, when a learned model was measured on the project generator's world."""
        if not (self.learned and self.world.own_generator):
            return None
        return own_world_warning(lang, cross)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with the Dutch sentence and warning."""
        return {
            "gemeten_op": self.world.to_json(),
            "validatievenster_vanaf": None if self.cutoff is None else self.cutoff.isoformat(),
            "validatievenster_tot": self.world.peildatum.isoformat(),
            "validatieonderzoeken": self.n_validation,
            "geleerd_model": self.learned,
            "tekst": self.text("nl"),
            "waarschuwing": self.warning("nl"),
        }


@dataclass(frozen=True, kw_only=True)
class WorldRow:
    """One world and seed of the cross-world benchmark (the model against that world's own rules).

    Attributes:
        world: ``project`` (the project's generator, demo parameters), ``getrokken`` (the project's
            generator, parameters drawn per seed) or ``independent``.
        seed: The world's seed.
        positives: Objects with a true phenomenon.
        model_p: The model's precision at the capacity over the whole list.
        model_ap: The model's average precision over the whole list.
        rules_p: The world's own rules: precision at the capacity.
        rules_ap: The world's own rules: average precision.
        unseen_model_ap: The model's AP on addresses never investigated.
        unseen_rules_ap: The rules' AP on addresses never investigated.
        per_fenomeen: Per phenomenon ``[model AP, rules AP]``.
    """

    world: str
    seed: int
    positives: int
    model_p: float | None
    model_ap: float | None
    rules_p: float | None
    rules_ap: float | None
    unseen_model_ap: float | None
    unseen_rules_ap: float | None
    per_fenomeen: dict[str, list[float | None]]


@dataclass(frozen=True, kw_only=True)
class CrossWorld:
    """The latest cross-world benchmark: when and at which commit, and one row per world and seed."""

    measured: str
    commit: str
    scale: float
    capacity: int
    rows: tuple[WorldRow, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CrossWorld:
        """From ``werelden.json``."""
        return cls(
            measured=str(data["measured"]),
            commit=str(data["commit"]),
            scale=float(data["scale"]),
            capacity=int(data["capacity"]),
            rows=tuple(WorldRow(**r) for r in data["rows"]),
        )

    def to_json(self) -> dict[str, Any]:
        """What ``werelden.json`` holds."""
        return asdict(self) | {"rows": [asdict(r) for r in self.rows]}

    @property
    def day(self) -> dt.date:
        """The day it was measured."""
        return dt.date.fromisoformat(self.measured[:10])

    @property
    def seeds(self) -> list[int]:
        """The seeds measured (the same per world)."""
        return sorted({r.seed for r in self.rows})

    def worlds(self) -> list[str]:
        """The worlds measured, in table order."""
        present = {r.world for r in self.rows}
        return [w for w in _WORLD_NAMES if w in present] + sorted(present - set(_WORLD_NAMES))

    def span(self, world: str, column: str, lang: Lang = "nl") -> str:
        """A column's range over a world's seeds: ``0,73–0,75`` (one value when they agree)."""
        return _range([getattr(r, column) for r in self.rows if r.world == world], lang)


def load_cross_world(path: Path = CROSS_WORLD_FILE) -> CrossWorld | None:
    """The committed cross-world results; None when the file is missing or unreadable."""
    try:
        return CrossWorld.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def own_world_warning(lang: Lang = "nl", cross: CrossWorld | None = None) -> str:
    """The plain warning that goes with every figure on the project generator's own world."""
    cw = cross if cross is not None else load_cross_world()
    if cw is None or not {"project", "independent"} <= set(cw.worlds()):
        return _t("warning_no_table", lang)
    return _t(
        "warning",
        lang,
        k=cw.capacity,
        own_p=cw.span("project", "model_p", lang),
        own_ap=cw.span("project", "model_ap", lang),
        own_rules=cw.span("project", "rules_ap", lang),
        ind_p=cw.span("independent", "model_p", lang),
        ind_ap=cw.span("independent", "model_ap", lang),
        ind_rules=cw.span("independent", "rules_ap", lang),
        date=_date(cw.day, lang),
        commit=cw.commit,
    )


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def cross_world_md(cw: CrossWorld, lang: Lang = "nl") -> str:
    """The cross-world table as Markdown.

    A line on when and how it was measured, one row per world and seed, and per phenomenon the range
    of AP (model / rules) over the seeds.
    """
    i = 0 if lang == "nl" else 1
    head = ["wereld" if lang == "nl" else "world", "seed"]
    head += [c[1 + i].format(k=cw.capacity) for c in _COLUMNS]
    lines = [_md_row(head), _md_row(["---"] * len(head))]
    for world in cw.worlds():
        name = _WORLD_NAMES.get(world, (world, world))[i]
        for r in sorted((r for r in cw.rows if r.world == world), key=lambda r: r.seed):
            lines.append(_md_row([name, str(r.seed), *(_num(getattr(r, c[0]), lang) for c in _COLUMNS)]))
    seeds = ", ".join(str(s) for s in cw.seeds)
    measured = _t(
        "measured",
        lang,
        date=_date(cw.day, lang),
        commit=cw.commit,
        n_seeds=len(cw.seeds),
        seeds=seeds,
        scale=_num(cw.scale, lang, 1),
    )
    return "\n\n".join([measured, "\n".join(lines), _per_fenomeen_md(cw, lang)])


def _per_fenomeen_md(cw: CrossWorld, lang: Lang) -> str:
    """Per phenomenon and world: AP of the model / of the world's rules, as ranges over the seeds."""
    worlds = cw.worlds()
    fenomenen = list(dict.fromkeys(f for r in cw.rows for f in r.per_fenomeen))
    i = 0 if lang == "nl" else 1
    head = ["fenomeen (AP model / regels)" if lang == "nl" else "phenomenon (AP model / rules)"]
    head += [_WORLD_NAMES.get(w, (w, w))[i] for w in worlds]
    lines = [_md_row(head), _md_row(["---"] * len(head))]
    for f in fenomenen:
        cells = [f.replace("_", " ")]
        for w in worlds:
            rows = [r.per_fenomeen.get(f, [None, None]) for r in cw.rows if r.world == w]
            cells.append(" / ".join(_range([row[j] for row in rows], lang) for j in (0, 1)))
        lines.append(_md_row(cells))
    return "\n".join(lines)


def _range(values: list[float | None], lang: Lang) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return _num(None, lang)
    lo, hi = _num(min(known), lang), _num(max(known), lang)
    return lo if lo == hi else f"{lo}–{hi}"


_DOC_BEGIN = "<!-- werelden:begin: make bench-worlds writes this from vastgoed/core/werelden.json -->"
_DOC_END = "<!-- werelden:end -->"


def docs_section(cw: CrossWorld) -> str:
    """The table as ``docs/model-card.md`` carries it (in English, as the document), with its markers."""
    return f"{_DOC_BEGIN}\n{cross_world_md(cw, 'en')}\n{_DOC_END}"


def with_docs_section(text: str, cw: CrossWorld) -> str:
    """``text`` (``docs/model-card.md``) with the table between its markers replaced by ``cw``'s.

    Raises:
        ValueError: The markers are missing.
    """
    start, end = text.find(_DOC_BEGIN), text.find(_DOC_END)
    if start < 0 or end < start:
        raise ValueError(f"the cross-world markers ({_DOC_BEGIN} ... {_DOC_END}) are missing")
    return text[:start] + docs_section(cw) + text[end + len(_DOC_END) :]
