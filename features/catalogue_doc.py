"""The feature catalogue as a document: ``docs/features.md`` is generated from the specs, never edited."""

from __future__ import annotations

from collections.abc import Sequence

from features.base import LEGAL_BASIS, FeatureSpec

__all__ = ["catalogue_markdown"]

_DIRECTION = {
    "hoger_risico": "higher = more risk",
    "lager_risico": "lower = more risk",
    "beide": "either way (context)",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def catalogue_markdown(specs: Sequence[FeatureSpec]) -> str:
    """Markdown: one section per family, one table row per feature, and the legal bases used."""
    lines = [
        "# Feature catalogue",
        "",
        "Generated from the feature specifications (`features/`) by `vastgoed features catalogue`;",
        "do not edit by hand (a test checks that this file matches the code). Every feature is",
        "computed per verblijfsobject as of the peildatum. The model's reasons use the Dutch labels.",
        "Proxy risk is the known risk that a feature stands in for a protected or group attribute; the",
        "proxy screen (`vastgoed.ethics.proxy`) measures it, and a feature above its threshold needs",
        "the written justification shown here.",
        "",
    ]
    families: dict[str, list[FeatureSpec]] = {}
    for s in specs:
        families.setdefault(s.family, []).append(s)
    for family, members in families.items():
        lines += [
            f"## {family}",
            "",
            "| feature | label (nl) | description | beschrijving | unit | direction | sources | proxy risk |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in members:
            proxy = s.proxy_risk
            if s.proxy_justification:
                proxy += f" — justification: {s.proxy_justification}"
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        f"`{s.name}`",
                        s.label_nl,
                        s.description_en,
                        s.description_nl,
                        s.unit,
                        _DIRECTION[s.direction],
                        ", ".join(s.sources),
                        proxy,
                    )
                )
                + " |"
            )
        lines.append("")
    sources = sorted({src for s in specs for src in s.sources})
    lines += ["## Legal basis per source", "", "| source | legal basis (reference) |", "|---|---|"]
    lines += [f"| {src} | {_cell(LEGAL_BASIS[src])} |" for src in sources]
    lines += [
        "",
        "The references are the engine's defaults; the municipality's legal counsel confirms them per",
        "deployment, and the data folder's `manifest.toml` records the agreed `grondslag` per source.",
        "",
    ]
    return "\n".join(lines)
