"""The documents of a run's ethics bundle: the register entry, the model card and the datasheet.

Each is generated from the ethics metadata (:mod:`vastgoed.ethics.metadata`) and what the run
itself knows (:class:`RunFacts`), and written into ``RUN/ethics/`` by :func:`write_documents`:

- ``algoritmeregister.json``: the entry for the Dutch algorithm register, publication standard 1.0,
  under the standard's own field names (``name``, ``description_short``, ``goal``,
  ``proportionality``, ``risks``, ``lawful_basis_grouping``, ``impacttoetsen_grouping``,
  ``methods_and_models``, ``publiccode``, ...), with a ``run`` block naming the run it was made for;
- ``model_card.md`` / ``.html``: Mitchell et al. (2019), with the run's validation figures;
- ``datasheet.md`` / ``.html``: Gebru et al. (2021), for the run's input extracts.

Every text that comes from the run or the metadata is escaped before it enters the Markdown, and
the Markdown is rendered with raw HTML disabled, so no input can add markup, a link or a script to
the pages. The pages are self-contained: inline CSS only, and a Content-Security-Policy that allows
nothing else.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from markdown_it import MarkdownIt

from vastgoed.core.files import write_text_atomic
from vastgoed.core.schema import FENOMENEN
from vastgoed.core.worlds import CrossWorld, Validated, cross_world_md, load_cross_world
from vastgoed.ethics.metadata import REGISTER_LIMITS, EthicsMetadata, Toets, is_placeholder

__all__ = [
    "REQUIRED_REGISTER_FIELDS",
    "STANDARD_VERSION",
    "RunFacts",
    "algorithm_register",
    "datasheet_md",
    "markdown_page",
    "missing_register_fields",
    "model_card_md",
    "register_length_violations",
    "write_documents",
]

#: The publication standard the register entry follows.
STANDARD_VERSION = "1.0"

#: Register fields that must be filled (``end_date`` and ``url`` are optional in the standard).
REQUIRED_REGISTER_FIELDS: tuple[str, ...] = (
    "name",
    "description_short",
    "organization",
    "category",
    "status",
    "begin_date",
    "contact_email",
    "website",
    "publication_category",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen",
    "impacttoetsen_grouping",
    "source_data",
    "source_data_grouping",
    "methods_and_models",
    "provider",
    "publiccode",
    "lang",
    "standard_version",
    "source_id",
    "tags",
)
_GROUPINGS = ("lawful_basis_grouping", "impacttoetsen_grouping", "source_data_grouping")
_RUN_FIELDS = ("run_id", "model_version", "peildatum", "generated_at")

_MAX_TABLE_ROWS = 30


@dataclass(frozen=True)
class RunFacts:
    """What a run knows that its documents report; plain Python values only.

    Attributes:
        run_id: The run's id.
        started: When the run started.
        gemeentecode: CBS municipality code from the manifest.
        peildatum: The reference date.
        synthetisch: Whether the data is generated.
        model_version: The scoring model's version label.
        code_version: The code's version (git revision).
        config: The run configuration (``Config.model_dump()``).
        sources: One dict per input file: ``stem, extractdatum, rijen, gequarantaineerd, sha256,
            grondslag`` (the last from the manifest; may be None).
        features: One dict per catalogued feature: ``naam, familie, label, bronnen, grondslag,
            proxy_risico`` (``bronnen`` a list or a ``;``-separated string).
        n_objects: Verblijfsobjecten scored.
        n_ranked: Objects given a rank.
        n_recent: Recently investigated objects ranked apart.
        capacity: The working group's capacity (k of precision@k).
        training: ``TrainingReport.summary()`` when the run trained (``validation`` per ranking
            ``model``/``logistic``/``regels``, ``cutoff``, ``class_counts``, row counts), else None.
        rules_because: Why the list was ranked by the rules and not a learned model (in Dutch);
            None when a learned model ranked it.
        fairness_summary: The fairness audit's summary (flags and headline figures), if any.
        proxy_summary: The proxy screen's summary, if any.
        generated_at: When the documents are made; now when None.
        model_binding: run.json's ``model_binding``: per stored model (``signal_model``,
            ``linkage_model``) what the run looked for, found and used, and whether it trained its
            own because the stored one did not fit this data; None when unknown.
        validated: On which world the run's validation figures were measured (or why it has none);
            None when unknown.
        cross_world: The cross-world benchmark the card carries; the committed copy when None.
    """

    run_id: str
    started: dt.datetime
    gemeentecode: str
    peildatum: dt.date
    synthetisch: bool
    model_version: str
    code_version: str
    config: dict[str, Any]
    sources: list[dict[str, Any]]
    features: list[dict[str, Any]]
    n_objects: int
    n_ranked: int
    n_recent: int
    capacity: int
    training: dict[str, Any] | None = None
    fairness_summary: dict[str, Any] | None = None
    proxy_summary: dict[str, Any] | None = None
    generated_at: dt.datetime | None = None
    model_binding: dict[str, Any] | None = None
    rules_because: str | None = None
    validated: Validated | None = None
    cross_world: CrossWorld | None = None

    @property
    def model_type(self) -> str:
        """Which kind of model ranked the list, in the register's words (Dutch)."""
        if self.rules_because is not None:
            return f"regelgebaseerd, geen geleerd model, omdat {self.rules_because}"
        return "geleerd model (LightGBM per verschijnsel)"

    def when(self) -> dt.datetime:
        """The documents' timestamp."""
        return self.generated_at or dt.datetime.now(dt.UTC)


# --- Markdown helpers: every outside text goes through _e, _code or _link ------------------------

# Markdown's ASCII punctuation that can start markup anywhere in a line; "_" only where it is not
# between two letters or digits (intraword "_" never makes emphasis, and stems such as
# bag_verblijfsobjecten stay readable in the .md files).
_MD_SPECIAL = re.compile(r"([\\`*{}\[\]<>#|~!&]|(?<![^\W_])_|_(?![^\W_]))")
# Block markers at the start of a line: bullets, setext underlines and ordered-list numbers ("1.").
_BULLET = re.compile(r"^([-+=])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_PIPE = re.compile(r"(?<!\\)\|")
_SAFE_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+$")


def _e(value: object) -> str:
    """Escape a value as Markdown text: no markup, link, HTML or block structure can come from it."""
    text = _plain(value)
    lines = []
    for line in text.splitlines() or [""]:
        line = _MD_SPECIAL.sub(r"\\\1", line.strip())
        line = _BULLET.sub(r"\\\1", line)
        lines.append(_ORDERED.sub(r"\1\\\2", line))
    return "\n".join(lines)


def _inline(value: object) -> str:
    """Escaped text on one line (table cells, list items)."""
    return " ".join(_e(value).split("\n")).strip()


def _para(value: object) -> str:
    """Escaped text keeping its paragraphs (blank lines) and joining wrapped lines."""
    paragraphs = re.split(r"\n\s*\n", _plain(value).strip())
    return "\n\n".join(" ".join(_e(p).split("\n")) for p in paragraphs if p.strip())


def _code(value: object) -> str:
    """A code span holding the value literally."""
    text = " ".join(_plain(value).split())
    if not text:
        return "—"
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _link(url: str) -> str:
    """An autolink for a plain http(s) URL, else the URL as escaped text."""
    return f"<{url}>" if _SAFE_URL.match(url) else _inline(url)


def _plain(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return "—"
        if value.is_integer() and abs(value) >= 2:
            return f"{int(value):,}"
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class _Raw:
    """A cell already in Markdown (a code span or a link built by these helpers)."""

    md: str


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = ["| " + " | ".join(_inline(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        # a "|" inside a code span would still end the cell: escape it (the table rule unescapes it)
        cells = [_PIPE.sub(r"\\|", v.md) if isinstance(v, _Raw) else _inline(v) for v in row]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _dict_rows_table(rows: Sequence[Mapping[str, Any]], limit: int = _MAX_TABLE_ROWS) -> str:
    headers: list[str] = []
    for row in rows:
        for key in row:
            if key not in headers:
                headers.append(str(key))
    body = [[row.get(h) for h in headers] for row in rows[:limit]]
    text = _table(headers, body)
    if len(rows) > limit:
        text += f"\n\n{limit} of {len(rows)} rows shown."
    return text


def _summary_md(summary: Mapping[str, Any]) -> str:
    """Any summary dict as Markdown: scalars as a list, lists of records as tables."""
    bullets: list[str] = []
    blocks: list[str] = []
    for key, value in summary.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            blocks.append(f"**{_inline(key)}** ({len(value)})\n\n{_dict_rows_table(value)}")
        elif isinstance(value, Mapping) and value:
            inner = "\n".join(f"  - {_inline(k)}: {_inline(v)}" for k, v in value.items())
            bullets.append(f"- {_inline(key)}:\n{inner}")
        elif isinstance(value, list) and not value:
            bullets.append(f"- {_inline(key)}: none")
        else:
            bullets.append(f"- {_inline(key)}: {_inline(value)}")
    return "\n\n".join(part for part in ("\n".join(bullets), *blocks) if part)


def _sources_of(feature: Mapping[str, Any]) -> list[str]:
    bronnen = feature.get("bronnen")
    if isinstance(bronnen, str):
        return [b for b in bronnen.split(";") if b]
    if isinstance(bronnen, Sequence):
        return [str(b) for b in bronnen]
    return []


def _families(facts: RunFacts) -> dict[str, tuple[int, list[str]]]:
    """Feature count and sources per family, in catalogue order."""
    out: dict[str, tuple[int, list[str]]] = {}
    for f in facts.features:
        fam = str(f.get("familie") or "?")
        n, srcs = out.get(fam, (0, []))
        out[fam] = (n + 1, srcs + [s for s in _sources_of(f) if s not in srcs])
    return out


def _banners(meta: EthicsMetadata, facts: RunFacts) -> str:
    lines = []
    if facts.synthetisch:
        lines.append(
            "> **Synthetic data.** This run scored a generated municipality: no real person or "
            "property is described, and its figures say nothing about real extracts."
        )
    if meta.voorbeeld:
        if lines:
            lines.append(">")
        lines.append(
            "> **Example metadata.** The references in `configs/ethics.toml` (DPIA, IAMA, links, "
            "contacts) are the shipped examples (`voorbeeld = true`), not the municipality's own "
            "documents."
        )
    return "\n".join(lines)


def _run_table(facts: RunFacts) -> str:
    return _table(
        ["run", "value"],
        [
            ("Run", _Raw(_code(facts.run_id))),
            ("Municipality (gemeentecode)", _Raw(_code(facts.gemeentecode))),
            ("Peildatum", facts.peildatum),
            ("Model version", _Raw(_code(facts.model_version))),
            ("Code version", _Raw(_code(facts.code_version))),
            ("Run started", facts.started),
            ("Generated", facts.when()),
        ],
    )


def _toets_md(name: str, t: Toets) -> str:
    when = t.datum.isoformat()
    return f"- **{name}** {_inline(t.kenmerk)} ({when}), {_link(t.link)}: {_inline(t.conclusie)}"


def _wilson(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return None if math.isnan(v) or math.isinf(v) else v


# --- the register entry ---------------------------------------------------------------------------


def _methods_text(meta: EthicsMetadata, facts: RunFacts) -> str:
    """The register's technical working: the metadata's text plus this run's model and feature families."""
    base = meta.algoritmeregister.methods_and_models.strip()
    limit = REGISTER_LIMITS["methods_and_models"]
    families = _families(facts)
    head = (
        f"Deze registratie hoort bij run {facts.run_id} (peildatum {facts.peildatum.isoformat()}): "
        f"modelversie {facts.model_version}, codeversie {facts.code_version}."
    )
    signal = (facts.model_binding or {}).get("signal_model")
    if facts.rules_because is not None:
        head += (
            f" Modeltype van deze run: {facts.model_type}. De lijst is gerangschikt met de regels "
            "van de werkgroep (publieke normen); elke reden is een regel die aanslaat, met norm en bron."
        )
    elif isinstance(signal, Mapping) and signal.get("found") and not signal.get("fits"):
        head += (
            " Het model is in deze run getraind: het geregistreerde model was op andere gegevens "
            "getraind dan deze."
        )
    fam = ", ".join(f"{name} ({n})" for name, (n, _) in families.items())
    candidates = [
        f"{base}\n\n{head} Kenmerkfamilies (aantal kenmerken): {fam}." if fam else f"{base}\n\n{head}",
        f"{base}\n\n{head} Kenmerkfamilies: {', '.join(families)}." if families else f"{base}\n\n{head}",
        f"{base}\n\n{head}",
        base,
    ]
    return next(c for c in candidates if len(c) < limit)


def _register_binding(binding: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Per stored model: which one the run used, whether it was trained in this run and why."""
    if not binding:
        return None
    out: dict[str, Any] = {}
    for key, _ in _BOUND_MODELS:
        choice = binding.get(key)
        if isinstance(choice, Mapping):
            out[key] = {k: choice.get(k) for k in ("used", "trained_here", "fits", "reason")}
    return out


def algorithm_register(meta: EthicsMetadata, facts: RunFacts) -> dict[str, Any]:
    """The algorithm-register entry (publication standard 1.0) as a JSON-ready dict.

    The fields are the standard's; ``lawful_basis_grouping`` adds each source's legal basis to the
    general ones, ``impacttoetsen_grouping`` lists the DPIA and IAMA, ``source_data_grouping`` the
    sources, and ``methods_and_models`` ends with the run's model version and feature families.

    Raises:
        ValueError: A field would exceed its length limit (cannot happen for loaded metadata).
    """
    r = meta.algoritmeregister
    bronnen = meta.bronnen.per_stem()
    lawful: list[dict[str, str]] = [{"title": v.title, "link": v.link} for v in r.lawful_basis_grouping]
    for bron in bronnen.values():
        item = {"title": f"{bron.naam}: {bron.grondslag}", "link": bron.grondslag_link}
        if item not in lawful:
            lawful.append(item)
    impact = [
        {"title": f"Data Protection Impact Assessment (DPIA), {meta.dpia.kenmerk}", "link": meta.dpia.link},
        {
            "title": f"Impact Assessment Mensenrechten en Algoritmes (IAMA), {meta.iama.kenmerk}",
            "link": meta.iama.link,
        },
    ]
    impact_text = (
        f"{r.impacttoetsen.strip()}\n\n"
        f"DPIA {meta.dpia.kenmerk} ({meta.dpia.datum.isoformat()}): {meta.dpia.conclusie.strip()}\n\n"
        f"IAMA {meta.iama.kenmerk} ({meta.iama.datum.isoformat()}): {meta.iama.conclusie.strip()}"
    )
    entry: dict[str, Any] = {
        "name": r.name.strip(),
        "description_short": r.description_short.strip(),
        "organization": r.organization,
        "category": list(r.category),
        "status": r.status,
        "begin_date": r.begin_date,
        "end_date": r.end_date,
        "contact_email": r.contact_email,
        "website": r.website,
        "url": r.url,
        "publication_category": r.publication_category,
        "goal": r.goal.strip(),
        "proportionality": r.proportionality.strip(),
        "human_intervention": r.human_intervention.strip(),
        "risks": r.risks.strip(),
        "lawful_basis": r.lawful_basis.strip(),
        "lawful_basis_grouping": lawful,
        "process_index_url": r.process_index_url,
        "impacttoetsen": impact_text,
        "impacttoetsen_grouping": impact,
        "source_data": r.source_data.strip(),
        "source_data_grouping": [{"title": b.naam, "link": b.link} for b in bronnen.values()],
        "methods_and_models": _methods_text(meta, facts),
        "provider": r.provider,
        "publiccode": r.publiccode,
        "lang": r.lang,
        "standard_version": STANDARD_VERSION,
        "source_id": r.source_id,
        "tags": ", ".join(t.strip() for t in r.tags),
        "run": {
            "run_id": facts.run_id,
            "model_version": facts.model_version,
            "modeltype": facts.model_type,
            "code_version": facts.code_version,
            "peildatum": facts.peildatum.isoformat(),
            "gemeentecode": facts.gemeentecode,
            "synthetisch": facts.synthetisch,
            "voorbeeld_metadata": meta.voorbeeld,
            "model_binding": _register_binding(facts.model_binding),
            "validatie": None
            if facts.validated is None
            else {"tekst": facts.validated.text("nl"), "waarschuwing": facts.validated.warning("nl")},
            "generated_at": facts.when().isoformat(timespec="seconds"),
            "bronnen": [
                {"stem": s.get("stem"), "extractdatum": _plain(s.get("extractdatum"))} for s in facts.sources
            ],
        },
    }
    too_long = register_length_violations(entry)
    if too_long:
        raise ValueError("register entry: " + "; ".join(too_long))
    return entry


def _empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return is_placeholder(value)
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def missing_register_fields(entry: Mapping[str, Any]) -> list[str]:
    """Required register fields that are missing or empty (a grouping item as ``field[i].key``).

    Also checks the ``run`` block's ``run_id``, ``model_version``, ``peildatum`` and ``generated_at``.
    """
    missing: list[str] = []
    for name in REQUIRED_REGISTER_FIELDS:
        value = entry.get(name)
        if _empty(value):
            missing.append(name)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if name in _GROUPINGS:
                    item_map = item if isinstance(item, Mapping) else {}
                    missing.extend(f"{name}[{i}].{k}" for k in ("title", "link") if _empty(item_map.get(k)))
                elif _empty(item):
                    missing.append(f"{name}[{i}]")
    run = entry.get("run")
    run_map = run if isinstance(run, Mapping) else {}
    missing.extend(f"run.{k}" for k in _RUN_FIELDS if _empty(run_map.get(k)))
    return missing


def register_length_violations(entry: Mapping[str, Any]) -> list[str]:
    """Register texts at or over their limit, as ``field: N characters, must be shorter than L``."""
    out = []
    for name, limit in REGISTER_LIMITS.items():
        value = entry.get(name)
        if isinstance(value, str) and len(value) >= limit:
            out.append(f"{name}: {len(value)} characters, must be shorter than {limit}")
    return out


# --- the model card -------------------------------------------------------------------------------


def _validation_md(training: Mapping[str, Any], capacity: int) -> str:
    validation = training.get("validation")
    if not isinstance(validation, Mapping) or not validation:
        return "No validation figures were recorded for this training."
    metrics: list[str] = []
    for m in validation.values():
        if isinstance(m, Mapping):
            metrics.extend(k for k in m if k not in metrics)
    order = ("model", "logistic", "regels")
    rankings = [k for k in order if k in validation] + [k for k in validation if k not in order]
    names = {"model": "model (LightGBM)", "logistic": "logistic regression", "regels": "rule baseline"}
    rows = []
    for rk in rankings:
        m = validation[rk] if isinstance(validation[rk], Mapping) else {}
        rows.append([names.get(rk, rk), *(m.get(k) for k in metrics)])
    parts = [_table(["ranking", *metrics], rows)]
    model = validation.get("model")
    if isinstance(model, Mapping):
        n_val = _number(model.get("n")) or _number(training.get("validation_rows"))
        lines = []
        for k in sorted(
            (int(key.split("@", 1)[1]) for key in model if key.startswith("precision@")),
        ):
            p = _number(model.get(f"precision@{k}"))
            n = int(min(k, n_val)) if n_val else k
            if p is not None and n > 0:
                lo, hi = _wilson(p, n)
                lines.append(f"- precision@{k}: {p:.3f}, 95% interval {lo:.3f}–{hi:.3f} ({n} addresses)")
        if lines:
            parts.append(
                "**Uncertainty.** Precision@k on the validation investigations is a proportion of k "
                "addresses; its 95% Wilson interval:\n\n" + "\n".join(lines) + "\n\n"
                "Average precision and the Brier score rest on the same few hundred rows and carry "
                "comparable uncertainty; differences between rankings within a few hundredths are noise. "
                f"At the working group's capacity (k = {capacity:,}) the population precision can only "
                "be measured against a truth, which real data lacks (`vastgoed evaluate` on synthetic data)."
            )
    return "\n\n".join(parts)


def _per_buurt_md(training: Mapping[str, Any] | None) -> str:
    rows = training.get("validation_per_buurt") if training else None
    if not isinstance(rows, list) or not rows or not all(isinstance(r, Mapping) for r in rows):
        return ""
    return (
        "**Validation per buurt.** A buurt has only a handful of validation investigations: read this "
        "as a check for a buurt where the model is badly off, not as estimates.\n\n" + _dict_rows_table(rows)
    )


_BOUND_MODELS = (("signal_model", "Signal model"), ("linkage_model", "Person linkage (Splink)"))


def _binding_md(binding: Mapping[str, Any] | None) -> list[str]:
    """The model card's lines on which stored models the run used, and what they were trained on."""
    if not binding:
        return []
    out = []
    for key, label in _BOUND_MODELS:
        choice = binding.get(key)
        if not isinstance(choice, Mapping):
            continue
        if not choice.get("trained_here"):
            text = f"the stored model {_inline(choice.get('found'))}, trained on " + _data_md(
                choice.get("found_trained_on")
            )
        elif choice.get("found") and not choice.get("fits"):
            text = (
                f"trained in this run on {_data_md(choice.get('looked_for'))[:-1]}, because the stored "
                f"model did not fit this data: {_inline(choice.get('reason'))}."
            )
        else:
            text = (
                f"trained in this run on {_data_md(choice.get('looked_for'))[:-1]} "
                f"({_inline(choice.get('reason'))})."
            )
        out.append(f"- **{label}:** {text}")
    return out


def _data_md(binding: object) -> str:
    """The data of a binding, as a sentence's end: ``real extracts of gemeente 0935 (...).``."""
    if not isinstance(binding, Mapping):
        return "data it does not record."
    kind = "synthetic data" if binding.get("synthetisch") else "real extracts"
    return (
        f"{kind} of gemeente {_inline(binding.get('gemeentecode'))} (peildatum "
        f"{_inline(binding.get('peildatum'))}, feature set {_code(binding.get('feature_hash'))})."
    )


def _what_md(facts: RunFacts) -> list[str]:
    """The model card's lines on what ranked the list: a learned model, or the rules and why."""
    if facts.rules_because is not None:
        return [
            f"- **Model type: {_inline(facts.model_type)}.** No learned model was used in this run: "
            "the list is ranked by the rule baseline (`models/baseline.py`, `models/rules.py`), one "
            "public-norm rule per phenomenon (" + ", ".join(_code(p) for p in FENOMENEN) + "). A "
            "phenomenon whose rule fires scores 0.5–1 (more extreme cases higher); the **priority** is "
            "the highest phenomenon score. It is a rule score, not a probability.",
            "- **Explanations:** the reasons are the rule's checks that hold for the object, each with "
            "its norm and public source; the counter-evidence is what speaks against the phenomenon in "
            "the same registers.",
            "- **Next runs:** once the registry's outcomes and the analysts' verdicts on released lists "
            "hold enough confirmed investigations (`[model] min_confirmed`), a run trains a model, "
            "measures it against these rules and registers it as the champion of this gemeente.",
        ]
    return [
        "- **What:** one binary LightGBM model per phenomenon ("
        + ", ".join(_code(p) for p in FENOMENEN)
        + "), each seeing the catalogued features plus its own rule flag, under monotone "
        "constraints where the direction is known. Raw scores are Platt-scaled on out-of-fold "
        "predictions of the investigated rows. The **priority** is 1 − Π(1 − p_fenomeen); a "
        "signal's phenomenon is the most likely one.",
        "- **Explanations:** TreeSHAP contributions of the signal's phenomenon model; the largest "
        "positive ones are the reasons, the largest negative ones the counter-evidence, each "
        "written as a fact from the object's own registry data.",
    ]


#: The card's cross-world table, Dutch first: (language, its heading).
_WORLD_LANGS: tuple[tuple[Literal["nl", "en"], str], ...] = (
    ("nl", "Nederlands"),
    ("en", "English"),
)


def _measured_on_md(facts: RunFacts) -> list[str]:
    """On which world this run's validation figures were measured, Dutch first, with the warning."""
    if facts.validated is None:
        return []
    cross = facts.cross_world or load_cross_world()
    out = []
    for lang, _ in _WORLD_LANGS:
        label = "Gemeten op welke wereld" if lang == "nl" else "Measured on which world"
        out.append(f"**{label}.** " + _para(facts.validated.text(lang)))
        warning = facts.validated.warning(lang, cross)
        if warning:
            out.append("> " + _para(warning))
    return out


def _worlds_md(facts: RunFacts) -> list[str]:
    """The cross-world table (Dutch, then English), with when and at which commit it was measured."""
    out = ["### Over werelden heen · Across worlds"]
    cross = facts.cross_world or load_cross_world()
    if cross is None:
        return [*out, "The cross-world table (`vastgoed/core/werelden.json`) is missing."]
    for lang, heading in _WORLD_LANGS:
        out += [f"**{heading}.**", cross_world_md(cross, lang)]
    return out


def model_card_md(meta: EthicsMetadata, facts: RunFacts) -> str:
    """The run's model card (Mitchell et al. 2019) as Markdown."""
    r = meta.algoritmeregister
    rollen = meta.rollen
    raw_cfg = facts.config.get("model")
    model_cfg: Mapping[str, Any] = raw_cfg if isinstance(raw_cfg, Mapping) else {}
    families = _families(facts)
    training = facts.training
    fair = meta.fairness
    out: list[str] = [f"# Model card: vastgoed-signal, run {_code(facts.run_id)}"]
    banner = _banners(meta, facts)
    if banner:
        out.append(banner)
    out.append(
        "After Mitchell et al. (2019), generated for this run from `configs/ethics.toml` and the run's "
        "own figures. The model choices and their measurements are in `docs/model-card.md`."
    )
    out.append(_run_table(facts))

    out.append("## Model details")
    out.append(
        "\n".join(
            [
                f"- **Organisation:** {_inline(r.organization)}; responsible: "
                f"{_inline(rollen.verantwoordelijke.naam)}; administrator: {_inline(rollen.beheerder.naam)} "
                f"({_inline(rollen.beheerder.contact)}); provider: {_inline(r.provider)}.",
                f"- **Version:** model {_code(facts.model_version)}, code {_code(facts.code_version)}; "
                f"source code {_link(r.publiccode)} (EUPL-1.2).",
                *_what_md(facts),
                "- **Unit:** the verblijfsobject. No score is ever given to a person or a household.",
                "- **Champion:** each gemeente and kind of data (synthetic or real extracts) has its own "
                "champion (alias `champion-<gemeentecode>-<synthetisch|echt>`); a newly trained model "
                "replaces it only when its average precision on the validation investigations beats the "
                "champion's on the same rows. A run scores only with a model trained on the same gemeente, "
                "the same kind of data and the same feature set.",
                *_binding_md(facts.model_binding),
                f"- **Register:** {_inline(r.publication_category)}, status {_inline(r.status)}; entry in "
                "`algoritmeregister.json` next to this card.",
            ]
        )
    )
    scalars = [(k, v) for k, v in model_cfg.items() if isinstance(v, str | int | float | bool)]
    if scalars:
        out.append("**Model settings of this run** (`[model]` of the run configuration):")
        out.append(_table(["setting", "value"], [(_Raw(_code(k)), v) for k, v in scalars]))
    if families:
        out.append(f"**Features:** {len(facts.features)} in {len(families)} families (`docs/features.md`).")
        out.append(
            _table(
                ["family", "features", "sources"],
                [(name, n, _Raw(", ".join(_code(s) for s in srcs))) for name, (n, srcs) in families.items()],
            )
        )

    out.append("## Intended use")
    out.append(_para(meta.doel.omschrijving))
    out.append(_para(meta.doel.probleem))
    out.append(
        f"In this run {facts.n_objects:,} verblijfsobjecten were scored, {facts.n_ranked:,} ranked and "
        f"{facts.n_recent:,} recently investigated ones ranked apart (they keep their scores and reasons "
        f"but get no rank). The working group's capacity is {facts.capacity:,} addresses."
    )
    out.append("**Human intervention** (register):\n\n" + _para(r.human_intervention))

    out.append("## Out-of-scope use")
    out.append("\n".join(f"- {_inline(g)}" for g in meta.doel.grenzen))

    out.append("## Factors")
    out.append(
        "Groups for which the model may perform differently: the **buurt** (past investigations "
        "over-represented some), **dwelling type and size**, **household composition** (household "
        "size goes with age), and the audit groups of `audit_kenmerken` (age group, sex, origin "
        "group; read only by the fairness audit and the proxy screen, and only in aggregate). "
        "No feature is a group attribute."
    )
    risky = [f for f in facts.features if str(f.get("proxy_risico") or "laag").strip().lower() != "laag"]
    if risky:
        out.append("Features with a known proxy risk (catalogue):")
        out.append(
            _table(
                ["feature", "family", "proxy risk"],
                [(_Raw(_code(f.get("naam"))), f.get("familie"), f.get("proxy_risico")) for f in risky],
            )
        )
    if facts.proxy_summary:
        out.append("**Proxy screen of this run:**\n\n" + _summary_md(facts.proxy_summary))
    else:
        out.append("The proxy screen of this run is in `proxy_screen.csv`.")

    out.append("## Metrics")
    out.append(
        "Ranking quality on the **validation investigations** (a time-based split: investigations in "
        "the last months before the peildatum validate, earlier ones train): average precision of the "
        'priority for "any phenomenon confirmed", precision@k and recall@k, and the Brier score; the '
        "same for a logistic regression and the rule baseline on the same rows."
    )
    out.extend(_measured_on_md(facts))
    if training:
        out.append(
            f"Cutoff {_inline(training.get('cutoff'))}; {_inline(training.get('validation_rows'))} "
            "validation investigations."
        )
        out.append(_validation_md(training, facts.capacity))
    elif facts.rules_because is not None:
        out.append(
            "No learned model was used, so there are no validation figures: the rules ranked the list "
            f"because {_inline(facts.rules_because)} (in Dutch, as the register says it)."
        )
    else:
        out.append(
            "This run scored with the registered champion and did not train; the champion's validation "
            f"figures are in the MLflow training run of model version {_code(facts.model_version)}."
        )
    out.append(
        "\n".join(
            [
                "**Thresholds and bounds used with this model:**",
                "",
                f"- the list is the top {facts.capacity:,} (the working group's capacity);",
                "- fairness audit: selection-rate ratio above "
                f"{fair.selectie_ratio_grenzen[1]:g} (the direction that burdens a group; a ratio below "
                f"{fair.selectie_ratio_grenzen[0]:g} is reported in the tables, not flagged), "
                f"calibration difference beyond {fair.kalibratie_verschil_grens}, over-representation in "
                f"the labels above {fair.oververtegenwoordiging_grens}, flagged only when the whole "
                f"bootstrap interval ({fair.bootstrap} resamples) lies beyond the bound and the group has "
                f"at least {fair.min_groepsgrootte} members;",
                f"- a signal resting on a link less certain than {meta.controle.koppeling_zekerheid_min} is "
                "marked `koppeling_onzeker`.",
            ]
        )
    )
    out.append(
        '**Calibration** means "of investigated addresses like this one, this share was confirmed". '
        "It is not a population rate: investigated addresses were chosen because they looked "
        f"suspicious, while the phenomena's population rate is estimated at about "
        f"{fair.populatie_aandeel_schatting:.1%}."
    )
    out.extend(_worlds_md(facts))

    out.append("## Evaluation data")
    out.append(
        "The validation investigations: outcomes (`bevestigd`, `niet_bevestigd`) of addresses the "
        "working group investigated after the cutoff, with their features as of the peildatum. They "
        "were chosen by the past's selection (reports and simple rules), so they are easier to order "
        "than the population, and they say nothing about addresses nobody looked at."
    )
    if facts.synthetisch:
        out.append(
            "On synthetic data the whole ranked list is also measured against the generated truth "
            "(`vastgoed evaluate`: precision@k and recall@k at the capacity, per phenomenon and per buurt). "
            "On the project's own generator those figures overstate what a municipality will see: "
            "see *Measured on which world* and *Across worlds* under Metrics."
        )

    out.append("## Training data")
    out.append(
        "`onderzoeksuitkomsten`: the working group's past investigations before the cutoff, plus a "
        "random sample of never-investigated addresses as weak negatives and, for phenomena with very "
        "few confirmed labels, weak positives from their rule."
    )
    if training:
        counts = training.get("class_counts")
        lines = [
            f"- labelled rows: {_inline(training.get('training_rows_labelled'))}",
            f"- unlabelled rows (weak negatives): {_inline(training.get('training_rows_unlabelled'))}",
        ]
        weak = training.get("weak_labels")
        if isinstance(weak, Mapping) and weak:
            lines.append(
                "- weak labels per phenomenon: " + _inline(", ".join(f"{k} {v}" for k, v in weak.items()))
            )
        out.append("\n".join(lines))
        if isinstance(counts, Mapping) and counts:
            out.append(_table(["class", "training rows"], list(counts.items())))
    out.append(
        "Labels are partial and biased: only investigated addresses have outcomes, and addresses were "
        "chosen for investigation by reports and rules that over-weighted some buurten. Buurt weighting "
        "corrects the buurt part; the fairness audit measures what is left."
    )

    out.append("## Quantitative analyses")
    if facts.fairness_summary:
        out.append(
            "Disaggregated figures of this run's fairness audit (the full tables, per buurt and per "
            "audit group with bootstrap intervals, are in `fairness.html` and `fairness.json`):"
        )
        out.append(_summary_md(facts.fairness_summary))
    else:
        out.append(
            "The disaggregated analysis of this run, per buurt and per audit group (selection rate, "
            "false-positive and false-discovery rates, calibration, each with a bootstrap interval, and "
            "where the labels came from), is the fairness audit in `fairness.html` and `fairness.json`."
        )
    per_buurt = _per_buurt_md(training)
    if per_buurt:
        out.append(per_buurt)

    out.append("## Ethical considerations")
    out.append(
        "\n".join(
            [
                f"- **EU AI Act:** {_inline(meta.ai_verordening.risicoprofiel)}. "
                f"{_inline(meta.ai_verordening.toelichting)}",
                f"- **Necessity:** {_inline(meta.afweging.noodzaak)}",
                f"- **Proportionality:** {_inline(meta.afweging.proportionaliteit)}",
                f"- **Subsidiarity:** {_inline(meta.afweging.subsidiariteit)}",
                _toets_md("DPIA", meta.dpia),
                _toets_md("IAMA", meta.iama),
                "- **Data:** features never include special-category or group attributes (import rules, "
                "the feature guard and the proxy screen); BSNs are pseudonymised at ingest; "
                "`audit_kenmerken` is read only by the fairness audit and the proxy screen, in aggregate.",
                "- **Labels** inherit the past's selection; the model cannot see origin and so cannot "
                "correct for it: the fairness audit measures it in every run.",
                "- **Review:** the review board decides whether this run's list may be used; nothing is "
                f"released without a recorded decision ({_inline(rollen.moreel_beraad.naam)}). "
                "Data protection officer: "
                f"{_inline(rollen.functionaris_gegevensbescherming.naam)} "
                f"({_inline(rollen.functionaris_gegevensbescherming.contact)}).",
            ]
        )
    )

    out.append("## Caveats and recommendations")
    caveats = [
        "- A signal is a reason to look, never a finding: review the reasons and the counter-evidence "
        "against the registries before any visit.",
        "- Scores are comparable within a run; a new champion changes them.",
        "- Validate on the municipality's own recent investigations; the synthetic municipality is "
        "easier than reality (its planted patterns are clean), and on an independently written "
        "municipality the model ranked well below its figures on the project's generator (the "
        "cross-world table above).",
        "- `brievenbusfirma` has almost no labels: its model rests on weak labels from its rule; the "
        "rule baseline is the better guide there.",
        "- Features as of the peildatum can carry what happened after an investigation (a dismantled "
        "plantation); the last months' labels are kept out of training and judge the model instead.",
        f"- Run folders are removed after {meta.bewaren.bewaartermijn_dagen} days (`vastgoed purge`).",
    ]
    if facts.synthetisch:
        caveats.append(
            "- This run is on synthetic data: do not read its figures as expectations for real data."
        )
    if meta.voorbeeld:
        caveats.append(
            "- The ethics metadata is the shipped example: replace the DPIA, IAMA, links and contacts "
            "with the municipality's own before using a list."
        )
    out.append("\n".join(caveats))
    return "\n\n".join(out) + "\n"


# --- the datasheet --------------------------------------------------------------------------------


def datasheet_md(meta: EthicsMetadata, facts: RunFacts) -> str:
    """The datasheet (Gebru et al.) of the run's input extracts as Markdown."""
    bronnen = meta.bronnen.per_stem()
    delivered = {str(s.get("stem")): s for s in facts.sources}
    rollen = meta.rollen
    out: list[str] = [f"# Datasheet: input data of run {_code(facts.run_id)}"]
    banner = _banners(meta, facts)
    if banner:
        out.append(banner)
    out.append(
        "After Gebru et al. (*Datasheets for Datasets*), generated for this run from "
        "`configs/ethics.toml`, the data folder's `manifest.toml` and what ingest measured."
    )
    out.append(_run_table(facts))

    out.append("## Motivation")
    out.append(
        "\n".join(
            [
                f"- **Purpose:** {_inline(meta.doel.omschrijving)}",
                f"- **Problem:** {_inline(meta.doel.probleem)}",
                f"- **For whom:** {_inline(meta.algoritmeregister.organization)}, project "
                f"{_inline(meta.algoritmeregister.name)}; controller "
                f"{_inline(rollen.verantwoordelijke.naam)}.",
                "- **Not created for** anything outside the purpose; see *Uses*.",
            ]
        )
    )

    out.append("## Composition")
    out.append(
        f"Registry extracts of municipality {_code(facts.gemeentecode)} as of peildatum "
        f"{facts.peildatum.isoformat()}, in the engine's data contract; "
        f"{'generated (synthetic), no real persons' if facts.synthetisch else 'real extracts'}. "
        f"The instances scored are {facts.n_objects:,} verblijfsobjecten."
    )
    rows = []
    for s in facts.sources:
        stem = str(s.get("stem"))
        bron = bronnen.get(stem)
        rows.append(
            (
                _Raw(_code(stem)),
                bron.naam if bron else "not in ethics.toml",
                s.get("extractdatum"),
                s.get("rijen"),
                s.get("gequarantaineerd"),
                ("yes" if bron.persoonsgegevens else "no") if bron else "—",
                _Raw(_code(s.get("sha256"))),
            )
        )
    out.append(
        _table(["source", "name", "extract date", "rows", "quarantined", "personal data", "sha256"], rows)
    )
    absent = [stem for stem in bronnen if stem not in delivered]
    if absent:
        out.append("Configured but not delivered in this run: " + ", ".join(_code(a) for a in absent) + ".")
    unknown = [stem for stem in delivered if stem not in bronnen]
    if unknown:
        out.append(
            "**Delivered without a legal basis in `configs/ethics.toml`:** "
            + ", ".join(_code(u) for u in unknown)
            + "."
        )
    out.append(
        "The labels are `onderzoeksuitkomsten`: outcomes of addresses the working group investigated, "
        "partial and shaped by how addresses were chosen. `audit_kenmerken` (age group, sex, origin "
        "group per person) is kept apart from everything else and read only in aggregate by the "
        "fairness audit. The data holds personal data (BRP registrations, company officers, owners, "
        "permit applicants, utility connections); no special-category data is used as a feature."
    )

    out.append("## Collection process")
    out.append(
        "Extracts delivered by the registry holders and the municipality's own registrations, per "
        "source under the legal basis below (from `configs/ethics.toml`; the manifest's own reference "
        "where it gives one). Extract dates are in *Composition*; a missing extract date is taken as "
        "the peildatum."
    )
    legal_rows = []
    for stem, bron in bronnen.items():
        manifest = delivered.get(stem, {}).get("grondslag")
        legal_rows.append(
            (
                _Raw(_code(stem)),
                bron.houder,
                _Raw(f"{_inline(bron.grondslag)} ({_link(bron.grondslag_link)})"),
                manifest if manifest else "—",
            )
        )
    out.append(_table(["source", "holder", "legal basis", "manifest"], legal_rows))
    out.append("**Why each source is needed:**")
    out.append("\n".join(f"- {_code(stem)}: {_inline(bron.noodzaak)}" for stem, bron in bronnen.items()))

    out.append("## Preprocessing, cleaning and labelling")
    total = sum(int(_number(s.get("rijen")) or 0) for s in facts.sources)
    rejected = sum(int(_number(s.get("gequarantaineerd")) or 0) for s in facts.sources)
    nulled = sum(int(_number(s.get("genuld")) or 0) for s in facts.sources)
    share = (
        "" if not total else " (< 0.01%)" if 0 < rejected / total < 0.0001 else f" ({rejected / total:.2%})"
    )
    families = _families(facts)
    out.append(
        "\n".join(
            [
                f"- **Validation:** every row is checked against the data contract; {rejected:,} of "
                f"{total:,} rows{share} were rejected and listed in `quarantine.csv` (file, row, column, "
                f"reason; identifiers masked); {nulled:,} invalid values in optional columns or partial "
                "addresses were emptied, their rows kept, and listed in `genulde_waarden.csv`.",
                "- **Pseudonymisation:** BSNs are replaced at ingest by a keyed hash; no raw BSN or other "
                "direct identifier is written to any output, log or MLflow run.",
                "- **Linkage:** addresses are linked to BAG verblijfsobjecten, persons across registries "
                "with probabilistic linkage (Splink), companies by KvK number; every link carries its "
                "method and certainty (`links/`). A signal resting on a link less certain than "
                f"{meta.controle.koppeling_zekerheid_min} is marked `koppeling_onzeker`.",
                f"- **Features:** {len(facts.features)} features in {len(families)} families, each object "
                "described as of the peildatum (events after it are removed).",
                "- **Labels:** the latest outcome per investigated address (`bevestigd`, `niet_bevestigd`); "
                "investigations of the last months validate, earlier ones train; recently investigated "
                "addresses are ranked apart.",
            ]
        )
    )
    if facts.features:
        names: dict[str, list[str]] = {}
        for f in facts.features:
            names.setdefault(str(f.get("familie") or "?"), []).append(_code(f.get("naam")))
        out.append(
            "Features per family and the sources they read (each source's legal basis is under "
            "*Collection process*; each feature's meaning in `docs/features.md`):"
        )
        out.append(
            _table(
                ["family", "features", "sources"],
                [
                    (name, _Raw(", ".join(names[name])), _Raw(", ".join(_code(s) for s in srcs)))
                    for name, (_, srcs) in families.items()
                ],
            )
        )

    out.append("## Uses")
    out.append(
        "Ranking verblijfsobjecten for the working group, explaining each signal, and auditing the "
        "ranking (fairness audit, proxy screen). Not to be used for:"
    )
    out.append("\n".join(f"- {_inline(g)}" for g in meta.doel.grenzen))

    out.append("## Distribution")
    out.append(
        "\n".join(
            [
                "- The extracts and every run output stay within the municipality, in the run folder, "
                "accessible to the working group, the administrator and the review board.",
                "- The ranked list is used only after the review board's recorded decision.",
                "- Public: the register entry (`algoritmeregister.json`), this datasheet and the model "
                "card contain no personal data and may be published.",
                "- No extract is passed to third parties; output for police or prosecution requires a new "
                "assessment (see the AI Act note in the model card).",
            ]
        )
    )

    out.append("## Maintenance")
    purge = facts.started.date() + dt.timedelta(days=meta.bewaren.bewaartermijn_dagen)
    out.append(
        "\n".join(
            [
                f"- **Administrator:** {_inline(rollen.beheerder.naam)} "
                f"({_inline(rollen.beheerder.contact)}).",
                f"- **Retention:** run folders are kept {meta.bewaren.bewaartermijn_dagen} days; this run "
                f"is due for removal (`vastgoed purge`) from {purge.isoformat()}. Review decisions and "
                f"the audit log are kept {meta.bewaren.bewaartermijn_logboek_dagen} days.",
                f"- {_inline(meta.bewaren.toelichting)}",
                "- New extracts give a new run with its own datasheet; the DPIA and IAMA are revisited "
                "when a source is added or changes.",
                f"- **Questions and corrections:** {_inline(rollen.functionaris_gegevensbescherming.naam)} "
                f"({_inline(rollen.functionaris_gegevensbescherming.contact)}).",
            ]
        )
    )
    return "\n\n".join(out) + "\n"


# --- pages and files ------------------------------------------------------------------------------

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
  background: #fff; margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem; display: block;
  overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
code { font: 0.85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f5f7;
  padding: 0.05rem 0.25rem; border-radius: 3px; overflow-wrap: anywhere; }
blockquote { margin: 1rem 0; padding: 0.6rem 1rem; background: #fff8e1; border-left: 4px solid #c98a00; }
blockquote p { margin: 0.3rem 0; }
a { color: #0a58ca; }
"""
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_page(title: str, md: str) -> str:
    """A self-contained HTML page of Markdown: no raw HTML from the input, no network, inline CSS only."""
    body = _MD.render(md)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_CSP)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def write_documents(out_dir: Path, meta: EthicsMetadata, facts: RunFacts) -> dict[str, Path]:
    """Write the register entry, model card and datasheet (Markdown and HTML) into ``out_dir``.

    Each file is written atomically. Returns the paths by file name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    card = model_card_md(meta, facts)
    sheet = datasheet_md(meta, facts)
    texts = {
        "algoritmeregister.json": json.dumps(algorithm_register(meta, facts), indent=2, ensure_ascii=False)
        + "\n",
        "model_card.md": card,
        "model_card.html": markdown_page(f"Model card: vastgoed-signal, run {facts.run_id}", card),
        "datasheet.md": sheet,
        "datasheet.html": markdown_page(f"Datasheet: input data of run {facts.run_id}", sheet),
    }
    paths: dict[str, Path] = {}
    for name, text in texts.items():
        path = out_dir / name
        write_text_atomic(path, text)
        paths[name] = path
    return paths
