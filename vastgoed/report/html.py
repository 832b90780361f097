r"""The analysts' report: one self-contained HTML page per run (``OUT/<run_id>/report.html``).

The page is meant for the local working group that reviews the ranked list. It opens from the
file system with no network: every style, script and picture is inline, and the data the page
needs is embedded once as JSON in a ``<script type="application/json">`` block. Static parts
(header, score distribution, map, recently investigated addresses, importance, validation and
quality figures) are rendered here as HTML and SVG; the ranked table and each signal's
explanation are built by a small plain script from the JSON, which keeps the file small.

Safety of the text: every value is HTML-escaped where it is written as HTML; in the JSON block
``</`` is written as ``<\/`` (and ``<!--`` as ``\u003c!--``) so no value can end the block; the
script inserts data with ``textContent`` only. A Content-Security-Policy allows the page's own
script (by hash) and inline styles, and nothing else: no request can leave the page.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from vastgoed.core.files import write_text_atomic
from vastgoed.core.schema import FENOMENEN

__all__ = ["RECENT_COLUMNS", "RECENT_MAX_ROWS", "ReportInput", "render_report", "write_report"]

Sections = list[tuple[str, list[tuple[str, str]]]]

_NL_DIGITS = str.maketrans(",.", ".,")

#: At most this many recently investigated addresses are listed (the page says so when it cuts).
RECENT_MAX_ROWS = 500
#: Bars of the score histogram over [0, 1].
HISTOGRAM_BINS = 50
#: Bars of the global importance chart.
IMPORTANCE_TOP = 15
#: Rows of the table of buurten with most signals.
BUURT_TOP = 10

_SIGNAL_COLUMNS = (
    "rank",
    "verblijfsobject_id",
    "adres",
    "buurtcode",
    "score",
    "fenomeen",
    *(f"score_{f}" for f in FENOMENEN),
    "redenen",
    "tegen",
    "laatste_onderzoek",
    "laatste_uitkomst",
)
RECENT_COLUMNS = (
    "verblijfsobject_id",
    "adres",
    "buurtcode",
    "score",
    "fenomeen",
    "laatste_onderzoek",
    "laatste_uitkomst",
)
_BUURT_COLUMNS = ("buurtcode", "x", "y", "n_objecten", "n_signalen")
_IMPORTANCE_COLUMNS = ("kenmerk", "label", "belang")


@dataclass(frozen=True)
class ReportInput:
    """Everything the report shows; the pipeline builds it, :func:`write_report` writes it.

    Attributes:
        run_id: The run's id (``OUT/<run_id>``).
        gemeentecode: The CBS code of the municipality (``0935``).
        peildatum: The date the features were computed as of.
        model_version: The scoring model's version string.
        signals: The ranked top, best first: ``rank, verblijfsobject_id, adres, buurtcode, score,
            fenomeen, score_<fenomeen>`` (one per phenomenon), ``redenen`` and ``tegen`` (lists of
            ``{kenmerk, label, feit, bijdrage}``, contributions in log-odds, largest first),
            ``laatste_onderzoek`` (date or null) and ``laatste_uitkomst`` (text or null).
        recent: Addresses investigated recently, ranked apart: ``verblijfsobject_id, adres,
            buurtcode, score, fenomeen, laatste_onderzoek, laatste_uitkomst``.
        scores: The score of every scored object, for the distribution (not embedded: binned).
        buurten: One row per buurt: ``buurtcode, x, y`` (centroid in RD New metres, nullable),
            ``n_objecten, n_signalen``.
        importance: Global importance, ``kenmerk, label, belang`` (mean absolute contribution),
            sorted descending.
        quality: Ordered sections of (label, value) on data and linkage quality.
        metrics: Ordered sections of (label, value): model validation figures vs. the baseline.
        notices: Sentences the reader must see first (a stored model that did not fit this data
            and was replaced by one trained in this run).
        measured_on: The sentence that says on which data the validation figures were measured
            (gemeente, synthetic or real, generator and seed, peildatum, validation window and size).
        world_warning: On the project generator's own world: that its figures overstate what a
            municipality will see, with the cross-world figures; None elsewhere.
    """

    run_id: str
    gemeentecode: str
    peildatum: dt.date
    model_version: str
    signals: pl.DataFrame
    recent: pl.DataFrame
    scores: np.ndarray
    buurten: pl.DataFrame
    importance: pl.DataFrame
    quality: Sections
    metrics: Sections
    notices: tuple[str, ...] = ()
    measured_on: str = ""
    world_warning: str | None = None


def write_report(path: Path, data: ReportInput) -> None:
    """Write the report as one self-contained HTML file, atomically (temporary file + rename).

    Frames with no rows may lack columns; a frame with rows must have the columns listed in
    :class:`ReportInput`.

    Args:
        path: Where to write, normally ``OUT/<run_id>/report.html``; the folder is created.
        data: What to show.

    Raises:
        ValueError: A non-empty frame lacks a required column.
    """
    page = render_report(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, page)


def render_report(data: ReportInput) -> str:
    """The report page as HTML text (what :func:`write_report` writes)."""
    _require(data.signals, _SIGNAL_COLUMNS, "signals")
    _require(data.recent, RECENT_COLUMNS, "recent")
    _require(data.buurten, _BUURT_COLUMNS, "buurten")
    _require(data.importance, _IMPORTANCE_COLUMNS, "importance")

    scores = np.asarray(data.scores, dtype=np.float64).ravel()
    scores = scores[np.isfinite(scores)]
    signals = _signal_records(data.signals)
    threshold = min((s["s"] for s in signals), default=None)
    payload = {
        "fenomenen": [[f, _fenomeen_label(f)] for f in FENOMENEN],
        "signalen": signals,
    }
    script = _JS
    script_hash = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{script_hash}'; img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    e = _esc
    title = f"Risicosignalen vastgoed — gemeente {data.gemeentecode} — {data.run_id}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        _header_html(data, n_signals=len(signals), n_scored=int(scores.size)),
        "<main>",
        _signals_html(len(signals)),
        _distribution_html(scores, threshold, len(signals)),
        _map_html(data.buurten),
        _recent_html(data.recent),
        _model_html(data),
        _quality_html(data.quality),
        "</main>",
        '<footer><p>Gemaakt door vastgoed, run <span class="mono">'
        f'{e(data.run_id)}</span>, model <span class="mono">{e(data.model_version)}</span>. '
        "Dit bestand is zelfstandig: het haalt niets van internet en kan offline worden geopend. "
        "Het bevat adressen: bewaar en deel het alleen binnen de werkgroep.</p></footer>",
        f'<script type="application/json" id="rapport-data">{_json_for_script(payload)}</script>',
        f"<script>{script}</script>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


# --- helpers: escaping, numbers, dates -------------------------------------------------------


def _esc(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def _json_for_script(payload: Any) -> str:
    """JSON that cannot end its ``<script>`` block nor open a comment in it."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def _nl(x: float, digits: int = 0) -> str:
    """A number the Dutch way: ``12.345,67``."""
    text = f"{abs(x):,.{digits}f}".translate(_NL_DIGITS)
    negative = x < 0 and float(f"{abs(x):.{digits}f}") != 0.0
    return ("−" if negative else "") + text


def _date(value: dt.date | None) -> str:
    """A date the Dutch way (``15-03-2024``); an em dash for none."""
    return "—" if value is None else value.strftime("%d-%m-%Y")


def _finite(value: Any) -> float | None:
    """A finite float, or None for null, NaN and infinities."""
    if value is None:
        return None
    x = float(value)
    return x if math.isfinite(x) else None


def _fenomeen_label(code: str | None) -> str:
    """The reader's name of a phenomenon (``onverklaarbare_leegstand`` → ``onverklaarbare leegstand``)."""
    return "—" if not code else code.replace("_", " ")


def _truncate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _require(frame: pl.DataFrame, columns: Sequence[str], name: str) -> None:
    if frame.height == 0:
        return
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"report input {name!r} lacks column(s): {', '.join(missing)}")


def _sections_html(sections: Sections, empty: str) -> str:
    """Sections of (label, value) as a heading and a two-column table each."""
    if not sections:
        return f'<p class="leeg">{_esc(empty)}</p>'
    out = ['<div class="kv-grid">']
    for heading, rows in sections:
        out.append(f'<div class="kv-blok"><h3>{_esc(heading)}</h3>')
        if rows:
            out.append('<table class="kv"><tbody>')
            out.extend(f'<tr><th scope="row">{_esc(k)}</th><td>{_esc(v)}</td></tr>' for k, v in rows)
            out.append("</tbody></table>")
        else:
            out.append('<p class="leeg">Geen gegevens.</p>')
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


# --- data for the script ----------------------------------------------------------------------


def _reason_list(value: Any) -> list[list[Any]]:
    """``[kenmerk, label, feit, bijdrage]`` per reason, nulls made empty (and NaN contributions 0)."""
    out: list[list[Any]] = []
    for item in value or []:
        if item is None:
            continue
        kenmerk = item.get("kenmerk") or ""
        bijdrage = _finite(item.get("bijdrage"))
        out.append(
            [
                kenmerk,
                item.get("label") or kenmerk,
                item.get("feit") or "",
                0.0 if bijdrage is None else round(bijdrage, 3),
            ]
        )
    return out


def _signal_records(signals: pl.DataFrame) -> list[dict[str, Any]]:
    """One compact record per signal, in the frame's (ranked) order."""
    out: list[dict[str, Any]] = []
    if signals.height == 0:
        return out
    for i, row in enumerate(signals.iter_rows(named=True)):
        score = _finite(row["score"])
        rank = row["rank"]
        laatste: dt.date | None = row["laatste_onderzoek"]
        per_fenomeen = [_finite(row[f"score_{f}"]) for f in FENOMENEN]
        out.append(
            {
                "r": i + 1 if rank is None else int(rank),
                "id": row["verblijfsobject_id"] or "",
                "a": row["adres"] or "",
                "b": row["buurtcode"] or "",
                "s": 0.0 if score is None else round(score, 5),
                "f": row["fenomeen"] or "",
                "fs": [None if x is None else round(x, 4) for x in per_fenomeen],
                "re": _reason_list(row["redenen"]),
                "te": _reason_list(row["tegen"]),
                "lo": None if laatste is None else laatste.isoformat(),
                "lu": row["laatste_uitkomst"],
            }
        )
    return out


# --- sections ---------------------------------------------------------------------------------


def _header_html(data: ReportInput, n_signals: int, n_scored: int) -> str:
    e = _esc
    meta = [
        ("Run", f'<span class="mono">{e(data.run_id)}</span>'),
        ("Gemeente", e(data.gemeentecode)),
        ("Peildatum", e(_date(data.peildatum))),
        ("Modelversie", f'<span class="mono">{e(data.model_version)}</span>'),
        ("Signalen in de lijst", e(_nl(n_signals))),
        ("Gescoorde objecten", e(_nl(n_scored))),
    ]
    nav = [
        ("signalen", "Signalen"),
        ("verdeling", "Scoreverdeling"),
        ("kaart", "Kaart"),
        ("recent", "Recent onderzocht"),
        ("model", "Model"),
        ("kwaliteit", "Datakwaliteit"),
    ]
    return (
        "<header>"
        "<h1>Risicosignalen vastgoed</h1>"
        '<dl class="meta">' + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in meta) + "</dl>"
        '<p class="let-op"><strong>Dit is een gerangschikte lijst voor menselijke beoordeling.</strong> '
        "Een signaal is geen bevinding: het is een reden om te kijken. Het model wijst adressen aan "
        "waar registraties afwijken; een mens controleert de feiten in de registraties en beslist "
        "of er iets gebeurt.</p>"
        + "".join(f'<p class="let-op model-melding">{e(n)}</p>' for n in data.notices)
        + '<nav aria-label="Onderdelen">'
        + "".join(f'<a href="#{a}">{t}</a>' for a, t in nav)
        + "</nav>"
        "</header>"
    )


def _signals_html(n_signals: int) -> str:
    return (
        '<section id="signalen"><h2>Gerangschikte signalen</h2>'
        '<p class="uitleg-tekst">Klik op een rij (of kies hem en druk op Enter) voor de uitleg: de '
        "redenen met hun feiten, het tegenbewijs, eerder onderzoek en de score per fenomeen.</p>"
        '<form class="filters" id="filters" autocomplete="off">'
        '<label>Fenomeen <select id="filter-fenomeen">'
        '<option value="">alle fenomenen</option></select></label>'
        '<label>Buurt <select id="filter-buurt">'
        '<option value="">alle buurten</option></select></label>'
        '<label>Minimale score <input type="range" id="filter-score-bereik" min="0" max="1" '
        'step="0.001" value="0"></label>'
        '<input type="number" id="filter-score" min="0" max="1" step="0.001" value="0" '
        'aria-label="Minimale score (getal)">'
        '<button type="reset" id="filter-wis">Filters wissen</button>'
        f'<output id="teller" aria-live="polite">{n_signals} van {n_signals} signalen</output>'
        "</form>"
        '<div class="tabel-houder"><table class="signalen" id="signalen-tabel">'
        '<thead><tr><th scope="col">#</th><th scope="col">Adres</th><th scope="col">Buurt</th>'
        '<th scope="col">Fenomeen</th><th scope="col" class="getal">Score</th>'
        '<th scope="col">Eerder onderzoek</th></tr></thead>'
        '<tbody id="signalen-body"></tbody>'
        '<tbody><tr id="geen-signalen" hidden><td colspan="6" class="leeg"></td></tr></tbody>'
        "</table></div>"
        '<noscript><p class="leeg">Zet JavaScript aan om de signalenlijst te zien.</p></noscript>'
        "</section>"
    )


def _distribution_html(scores: np.ndarray, threshold: float | None, n_signals: int) -> str:
    head = '<section id="verdeling"><h2>Verdeling van de scores</h2>'
    if scores.size == 0:
        return head + '<p class="leeg">Geen gescoorde objecten.</p></section>'
    counts, edges = np.histogram(np.clip(scores, 0.0, 1.0), bins=HISTOGRAM_BINS, range=(0.0, 1.0))
    width, height = 720, 280
    left, right, top, bottom = 56, 16, 16, 44
    pw, ph = width - left - right, height - top - bottom
    cmax = int(counts.max())
    lo = math.log10(0.5)
    hi = math.log10(max(cmax, 1)) + 0.05
    bar_w = pw / HISTOGRAM_BINS

    def y_of(c: float) -> float:
        return top + ph - (math.log10(c) - lo) / (hi - lo) * ph

    out = [
        f'<svg class="grafiek" width="{width}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Histogram van {_nl(scores.size)} scores, aantallen logaritmisch">'
    ]
    power = 1
    while power <= cmax:
        y = y_of(power)
        out.append(
            f'<line class="raster" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="as" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_nl(power)}</text>'
        )
        power *= 10
    for i, c in enumerate(counts.tolist()):
        lo_edge, hi_edge = float(edges[i]), float(edges[i + 1])
        x = left + i * bar_w
        in_top = threshold is not None and hi_edge > threshold
        tip = f"{_nl(lo_edge, 2)}–{_nl(hi_edge, 2)}: {_nl(c)} objecten"
        if c > 0:
            y = y_of(c)
            out.append(
                f'<rect class="{"balk top" if in_top else "balk"}" x="{x + 0.5:.1f}" y="{y:.1f}" '
                f'width="{max(bar_w - 1, 1):.1f}" height="{top + ph - y:.1f}">'
                f"<title>{_esc(tip)}</title></rect>"
            )
    for t in range(0, 11, 2):
        x = left + t / 10 * pw
        out.append(
            f'<line class="as-lijn" x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 5}"/>'
            f'<text class="as" x="{x:.1f}" y="{top + ph + 18}" text-anchor="middle">{_nl(t / 10, 1)}</text>'
        )
    out.append(
        f'<line class="as-lijn" x1="{left}" x2="{width - right}" y1="{top + ph}" y2="{top + ph}"/>'
        f'<text class="as" x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">score</text>'
    )
    if threshold is not None:
        x = left + min(max(threshold, 0.0), 1.0) * pw
        out.append(
            f'<line class="drempel" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}"/>'
            f'<text class="as" x="{x - 4:.1f}" y="{top + 12}" text-anchor="end">'
            f"laagste score in de lijst: {_nl(threshold, 3)}</text>"
        )
    out.append("</svg>")
    median = float(np.median(scores))
    above = int((scores >= 0.5).sum())
    caption = (
        f"{_nl(scores.size)} objecten gescoord; mediaan {_nl(median, 3)}; {_nl(above)} met score "
        "0,5 of hoger. De verticale as is logaritmisch (1, 10, 100, …). "
    )
    if threshold is not None:
        caption += f"Gekleurd: de scoreklassen waar de {_nl(n_signals)} signalen van de lijst in vallen."
    return head + "".join(out) + f'<p class="bijschrift">{_esc(caption)}</p></section>'


def _scale_bar_metres(pixels_per_metre: float) -> int:
    """A round length whose bar is at most 150 pixels (at least the smallest candidate)."""
    best = 100
    for length in (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if length * pixels_per_metre <= 150:
            best = length
    return best


@dataclass(frozen=True)
class _Buurt:
    code: str
    x: float | None
    y: float | None
    n: int
    objecten: int | None

    @property
    def tip(self) -> str:
        signalen = "geen signalen" if self.n == 0 else f"{_nl(self.n)} signa{'al' if self.n == 1 else 'len'}"
        objecten = "" if self.objecten is None else f", {_nl(self.objecten)} objecten"
        return f"{self.code}: {signalen}{objecten}"


def _map_html(buurten: pl.DataFrame) -> str:
    head = (
        '<section id="kaart"><h2>Signalen per buurt</h2>'
        '<p class="uitleg-tekst">Cirkels op het middelpunt van elke buurt (RD-coördinaten), oppervlak naar '
        "het aantal signalen in de lijst; een grijze stip is een buurt zonder signaal. Klik op een cirkel "
        "om de lijst op die buurt te filteren. Buurten zijn geen kenmerk van het model: de kaart laat "
        "alleen zien waar de signalen liggen.</p>"
    )
    if buurten.height == 0:
        return head + '<p class="leeg">Geen buurten.</p></section>'
    rows = [
        _Buurt(
            code=r["buurtcode"] or "",
            x=_finite(r["x"]),
            y=_finite(r["y"]),
            n=int(r["n_signalen"] or 0),
            objecten=None if r["n_objecten"] is None else int(r["n_objecten"]),
        )
        for r in buurten.iter_rows(named=True)
    ]
    placed = [r for r in rows if r.x is not None and r.y is not None]
    unplaced = sorted((r for r in rows if r.x is None or r.y is None), key=lambda r: (-r.n, r.code))
    out = ['<div class="kaart-grid"><div>']
    if placed:
        out.append(_map_svg(placed))
    else:
        out.append(
            '<p class="leeg">Geen buurtcoördinaten beschikbaar; de kaart kan niet worden getekend.</p>'
        )
    if unplaced:
        listed = ", ".join(f"{r.code} ({r.n})" for r in unplaced)
        out.append(
            '<p class="bijschrift">Niet op de kaart (geen coördinaten), met aantal signalen: '
            f"{_esc(listed)}.</p>"
        )
    out.append("</div><div>")
    top = sorted((r for r in rows if r.n > 0), key=lambda r: (-r.n, r.code))[:BUURT_TOP]
    out.append(f"<h3>Buurten met de meeste signalen (top {BUURT_TOP})</h3>")
    if not top:
        out.append('<p class="leeg">Geen signalen in de lijst.</p>')
    else:
        out.append(
            '<table class="compact"><thead><tr><th scope="col">Buurt</th><th scope="col">Signalen</th>'
            '<th scope="col">Objecten</th><th scope="col">Per 1.000 objecten</th></tr></thead><tbody>'
        )
        for r in top:
            rate = _nl(1000 * r.n / r.objecten, 1) if r.objecten else "—"
            objecten = "—" if r.objecten is None else _nl(r.objecten)
            out.append(
                f'<tr><td class="mono">{_esc(r.code)}</td><td class="getal">{_nl(r.n)}</td>'
                f'<td class="getal">{objecten}</td><td class="getal">{rate}</td></tr>'
            )
        out.append("</tbody></table>")
    out.append("</div></div></section>")
    return head + "".join(out)


def _map_svg(placed: list[_Buurt]) -> str:
    """The buurt circles in RD New: x east, y north (flipped for SVG), one scale for both axes."""
    xs = [r.x for r in placed if r.x is not None]
    ys = [r.y for r in placed if r.y is not None]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1000.0)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    dx = max(max(xs) - min(xs), span * 0.25)
    dy = max(max(ys) - min(ys), span * 0.25)
    x0, y1 = cx - dx / 2, cy + dy / 2
    # The plot keeps room for the largest circle and a label on each side; the scale bar and the
    # north arrow sit in a strip below it, so nothing covers a circle.
    size, pad, strip = 520.0, 30.0, 34.0
    s = size / max(dx, dy)
    width, height = dx * s + 2 * pad, dy * s + 2 * pad + strip
    n_max = max(r.n for r in placed) or 1

    def px(r: _Buurt) -> tuple[float, float]:
        return pad + ((r.x or 0.0) - x0) * s, pad + (y1 - (r.y or 0.0)) * s

    def radius(r: _Buurt) -> float:
        return 3.0 + 19.0 * math.sqrt(r.n / n_max)

    out = [
        f'<svg class="kaart" width="{width:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        'aria-label="Kaart: signalen per buurt" preserveAspectRatio="xMidYMid meet">',
        f'<rect class="kaart-vlak" x="0" y="0" width="{width:.0f}" height="{height - strip:.0f}"/>',
    ]
    for r in sorted(placed, key=lambda r: r.code):
        if r.n == 0:
            x, y = px(r)
            out.append(
                f'<circle class="buurt-leeg" cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
                f"<title>{_esc(r.tip)}</title></circle>"
            )
    with_signals = sorted((r for r in placed if r.n > 0), key=lambda r: (-r.n, r.code))
    for r in with_signals:
        x, y = px(r)
        out.append(
            f'<circle class="buurt" data-buurt="{_esc(r.code)}" cx="{x:.1f}" cy="{y:.1f}" '
            f'r="{radius(r):.1f}" '
            f'tabindex="0" role="button" aria-label="{_esc(r.tip)}"><title>{_esc(r.tip)}</title></circle>'
        )
    for r in with_signals[:5]:
        x, y = px(r)
        right = x + radius(r) + 3 + 6.2 * len(r.code) <= width - 2  # else the label goes left
        lx = x + radius(r) + 3 if right else x - radius(r) - 3
        out.append(
            f'<text class="kaart-label" x="{lx:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="{"start" if right else "end"}">{_esc(r.code)}</text>'
        )
    metres = _scale_bar_metres(s)
    bar, base = metres * s, height - strip / 2
    label = f"{_nl(metres / 1000, 1 if metres % 1000 else 0)} km"
    out.append(
        f'<g class="schaal"><line x1="{pad}" x2="{pad + bar:.1f}" y1="{base:.1f}" y2="{base:.1f}"/>'
        f'<line x1="{pad}" x2="{pad}" y1="{base - 4:.1f}" y2="{base + 4:.1f}"/>'
        f'<line x1="{pad + bar:.1f}" x2="{pad + bar:.1f}" y1="{base - 4:.1f}" y2="{base + 4:.1f}"/>'
        f'<text x="{pad + bar + 6:.1f}" y="{base + 4:.1f}">{label}</text></g>'
        f'<g class="noord"><path d="M{width - 40:.1f} {base - 8:.1f} l-5 12 h10 z"/>'
        f'<text x="{width - 30:.1f}" y="{base + 4:.1f}">N</text></g>'
        "</svg>"
    )
    return "".join(out)


def _recent_html(recent: pl.DataFrame) -> str:
    head = (
        '<section id="recent"><h2>Recent onderzochte adressen</h2>'
        '<p class="uitleg-tekst">Deze adressen zijn kort geleden onderzocht. Ze worden apart '
        "gerangschikt en staan niet in de lijst hierboven: het zijn <strong>geen nieuwe signalen</strong>. "
        "Een hoge score hier zegt niet dat het onderzoek onjuist was; bekijk een adres alleen opnieuw als "
        "er sinds dat onderzoek nieuwe feiten zijn.</p>"
    )
    if recent.height == 0:
        return head + '<p class="leeg">Geen recent onderzochte adressen.</p></section>'
    ordered = recent.sort("score", descending=True, nulls_last=True, maintain_order=True)
    shown = ordered.head(RECENT_MAX_ROWS)
    out = [
        '<div class="tabel-houder"><table class="compact" id="recent-tabel"><thead><tr>'
        '<th scope="col">#</th><th scope="col">Adres</th><th scope="col">Buurt</th>'
        '<th scope="col">Fenomeen</th><th scope="col">Score</th><th scope="col">Laatste onderzoek</th>'
        '<th scope="col">Uitkomst</th></tr></thead><tbody>'
    ]
    for i, r in enumerate(shown.iter_rows(named=True), start=1):
        score = _finite(r["score"])
        out.append(
            f'<tr><td class="getal">{i}</td>'
            f'<td title="{_esc(r["verblijfsobject_id"])}">{_esc(r["adres"])}</td>'
            f'<td class="mono">{_esc(r["buurtcode"])}</td><td>{_esc(_fenomeen_label(r["fenomeen"]))}</td>'
            f'<td class="getal">{"—" if score is None else _nl(score, 3)}</td>'
            f"<td>{_esc(_date(r['laatste_onderzoek']))}</td>"
            f"<td>{_esc(r['laatste_uitkomst'] or '—')}</td></tr>"
        )
    out.append("</tbody></table></div>")
    if ordered.height > shown.height:
        out.append(
            f'<p class="bijschrift">De eerste {_nl(shown.height)} van {_nl(ordered.height)} '
            "recent onderzochte adressen getoond.</p>"
        )
    return head + "".join(out) + "</section>"


def _importance_svg(importance: pl.DataFrame) -> str:
    top = importance.sort("belang", descending=True, nulls_last=True).head(IMPORTANCE_TOP)
    rows = [
        (r["kenmerk"] or "", r["label"] or r["kenmerk"] or "", _finite(r["belang"]) or 0.0)
        for r in top.iter_rows(named=True)
    ]
    vmax = max((v for _, _, v in rows), default=0.0) or 1.0
    width, label_w, value_w, row_h, top_pad = 720, 300, 56, 22, 6
    plot_w = width - label_w - value_w - 16
    height = top_pad * 2 + row_h * len(rows)
    out = [
        f'<svg class="grafiek" width="{width}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="Globaal belang van de kenmerken">'
    ]
    for i, (kenmerk, label, v) in enumerate(rows):
        y = top_pad + i * row_h
        w = max(v / vmax * plot_w, 1.0)
        tip = f"{label} ({kenmerk}): gemiddelde |bijdrage| {_nl(v, 3)}"
        out.append(
            f"<g><title>{_esc(tip)}</title>"
            f'<text class="label" x="{label_w}" y="{y + 15}" text-anchor="end">'
            f"{_esc(_truncate(label, 44))}</text>"
            f'<rect class="balk" x="{label_w + 8}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}"/>'
            f'<text class="as" x="{label_w + 12 + w:.1f}" y="{y + 15}">{_nl(v, 3)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _model_html(data: ReportInput) -> str:
    importance = data.importance
    out = [
        '<section id="model"><h2>Het model</h2>',
        f"<h3>Globaal belang van de kenmerken (top {IMPORTANCE_TOP})</h3>",
        '<p class="uitleg-tekst">Gemiddelde absolute bijdrage (log-odds) over de gescoorde objecten: hoe '
        "zwaar een kenmerk gemiddeld weegt, niet in welke richting.</p>",
    ]
    if importance.height == 0:
        out.append('<p class="leeg">Geen belangcijfers beschikbaar.</p>')
    else:
        out.append(_importance_svg(importance))
    out.append(
        "<h3>Validatie tegen de regelbasislijn</h3>"
        '<p class="uitleg-tekst">Hoe goed het model op eerdere onderzoeken scoort, naast een eenvoudige '
        "regelbasislijn. Uitkomsten zijn alleen bekend voor onderzochte adressen; de cijfers zeggen dus "
        "iets over de rangschikking, niet over een afzonderlijk adres.</p>"
    )
    if data.measured_on:
        out.append(f'<p class="gemeten-op"><strong>Gemeten op:</strong> {_esc(data.measured_on)}</p>')
    if data.world_warning:
        out.append(f'<p class="let-op wereld-waarschuwing">{_esc(data.world_warning)}</p>')
    out.append(_sections_html(data.metrics, "Geen validatiecijfers beschikbaar."))
    out.append("</section>")
    return "".join(out)


def _quality_html(quality: Sections) -> str:
    return (
        '<section id="kwaliteit"><h2>Kwaliteit van de gegevens en de koppelingen</h2>'
        '<p class="uitleg-tekst">Hoeveel invoer is afgekeurd en hoe zeker de koppelingen van adressen, '
        "personen en bedrijven zijn. Een signaal steunt op gekoppelde gegevens: controleer bij twijfel "
        "de koppeling.</p>" + _sections_html(quality, "Geen kwaliteitscijfers beschikbaar.") + "</section>"
    )


# --- style and script -------------------------------------------------------------------------

_CSS = """
:root{--tekst:#1d232b;--zacht:#5b6673;--lijn:#d8dde3;--vlak:#f5f7f9;--accent:#8a3b12;
--voor:#b8461b;--tegen:#2b6c9a;--kaart:#eef2f0;--focus:#1a5fb4;color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;
color:var(--tekst);background:#fff}
header,main,footer{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:18px;border-bottom:1px solid var(--lijn)}
h1{font-size:1.6rem;margin:0 0 8px}
h2{font-size:1.25rem;margin:34px 0 8px;padding-top:6px;border-top:2px solid var(--tekst)}
h3{font-size:1.02rem;margin:18px 0 6px}
h4{font-size:.95rem;margin:10px 0 4px}
.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0 0 10px}
.meta div{display:flex;flex-direction:column}
.meta dt{font-size:.78rem;color:var(--zacht);text-transform:uppercase;letter-spacing:.04em}
.meta dd{margin:0;font-weight:600}
.let-op{background:#fff6e5;border-left:4px solid #d08a00;padding:10px 14px;margin:10px 0}
nav{display:flex;flex-wrap:wrap;gap:4px 16px;padding:8px 0 12px}
nav a{color:var(--focus)}
.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.92em}
.uitleg-tekst,.bijschrift{color:var(--zacht);max-width:80ch}
.bijschrift{font-size:.88rem}
.leeg{color:var(--zacht);font-style:italic}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:8px 16px;background:var(--vlak);
padding:10px 12px;border:1px solid var(--lijn);border-radius:6px;margin:8px 0}
.filters label{display:flex;align-items:center;gap:6px}
.filters select,.filters input,.filters button{font:inherit}
.filters input[type=number]{width:6.5em}
#teller{margin-left:auto;font-weight:600}
.tabel-houder{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--lijn);vertical-align:top}
thead th{background:var(--vlak);font-size:.85rem;position:sticky;top:0}
td.getal,th.getal{text-align:right;font-variant-numeric:tabular-nums}
td.score{white-space:nowrap}
table.signalen tr.signaal{cursor:pointer}
table.signalen tr.signaal:hover{background:#f0f4f8}
table.signalen tr.signaal[aria-expanded=true]{background:#e8eef5}
table.signalen tr.signaal:focus{outline:2px solid var(--focus);outline-offset:-2px}
table.signalen td.pijl::before{content:"▸ ";color:var(--zacht)}
table.signalen tr[aria-expanded=true] td.pijl::before{content:"▾ "}
.scorebalk{display:inline-block;width:60px;height:8px;background:var(--lijn);margin-left:8px;
vertical-align:middle;border-radius:2px;overflow:hidden}
.scorebalk span{display:block;height:100%;background:var(--accent)}
tr.uitleg>td{background:#fbfcfd;padding:10px 14px 16px}
.uitleg-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:8px 28px}
.uitleg-grid>div{min-width:0}
.uitleg-grid table td,.uitleg-grid table th{font-size:.88rem;padding:3px 6px}
.bijdrage-voor{color:var(--voor);font-weight:600}
.bijdrage-tegen{color:var(--tegen);font-weight:600}
.fenomeen-eigen{font-weight:700}
.minibalk{display:inline-block;height:8px;background:var(--accent);vertical-align:middle;border-radius:2px}
svg{display:block;max-width:100%;height:auto}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--tekst)}
svg .as{fill:var(--zacht);font-size:11px}
svg .as-lijn{stroke:var(--zacht)}
svg .raster{stroke:var(--lijn);stroke-dasharray:2 3}
svg .balk{fill:#9aa7b4}
svg .balk.top{fill:var(--accent)}
svg .drempel{stroke:var(--accent);stroke-dasharray:4 3}
svg .voor{fill:var(--voor)}
svg .tegen{fill:var(--tegen)}
svg .nul{stroke:var(--tekst)}
svg.grafiek{margin:4px 0}
.kaart-grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px 28px}
svg.kaart{border:1px solid var(--lijn);border-radius:6px;max-height:620px}
svg .kaart-vlak{fill:var(--kaart)}
svg .buurt{fill:var(--accent);fill-opacity:.55;stroke:var(--accent);stroke-width:1;cursor:pointer}
svg .buurt:hover,svg .buurt:focus{fill-opacity:.85;outline:none}
svg .buurt-leeg{fill:#9aa7b4}
svg .kaart-label{font-size:10px;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .schaal line{stroke:var(--tekst);stroke-width:1.5}
svg .noord path{fill:var(--tekst)}
.kv-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:4px 28px}
table.kv th{font-weight:normal;color:var(--zacht);width:60%}
table.kv td{font-variant-numeric:tabular-nums}
table.compact td,table.compact th{font-size:.9rem;padding:4px 6px}
footer{border-top:1px solid var(--lijn);margin-top:40px;padding-bottom:30px;color:var(--zacht);
font-size:.85rem}
@media (max-width:800px){.uitleg-grid,.kaart-grid{grid-template-columns:1fr}#teller{margin-left:0}}
@media print{.filters,nav{display:none}thead th{position:static}}
"""

_JS = r"""
(function () {
  "use strict";

  // The SVG namespace as the HTML parser knows it, so that the file holds no URL.
  const SVG_NS = (function () {
    const t = document.createElement("template");
    t.innerHTML = "<svg></svg>";
    return t.content.firstChild.namespaceURI;
  })();

  const DATA = JSON.parse(document.getElementById("rapport-data").textContent);
  const SIGNALEN = DATA.signalen;
  const FENOMENEN = DATA.fenomenen;
  const LABEL = {};
  FENOMENEN.forEach(function (f) { LABEL[f[0]] = f[1]; });

  function nl(x, d) {
    const s = Math.abs(x).toFixed(d);
    const parts = s.split(".");
    const whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    const neg = x < 0 && Number(s) !== 0;
    return (neg ? "\u2212" : "") + whole + (parts.length > 1 ? "," + parts[1] : "");
  }
  function signed(x, d) {
    return (x > 0 ? "+" : x < 0 ? "\u2212" : "") + nl(Math.abs(x), d);
  }
  function datum(iso) {
    if (!iso) { return "\u2014"; }
    const p = iso.split("-");
    return p.length === 3 ? p[2] + "-" + p[1] + "-" + p[0] : iso;
  }
  function fenomeen(code) { return LABEL[code] || (code ? code.replace(/_/g, " ") : "\u2014"); }
  function kort(s, n) { return s.length <= n ? s : s.slice(0, n - 1).trimEnd() + "\u2026"; }

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function sv(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // --- the contribution chart of one signal: reasons to the right, counter-evidence to the left
  function chart(sig) {
    const rows = sig.re.map(function (r) { return { r: r, kant: "voor" }; })
      .concat(sig.te.map(function (r) { return { r: r, kant: "tegen" }; }));
    const W = 640, LW = 250, VW = 52, RH = 20, TOP = 24;
    const H = TOP + Math.max(rows.length, 1) * RH + 8;
    const svg = sv("svg", { width: W, viewBox: "0 0 " + W + " " + H, role: "img", class: "bijdragen",
      "aria-label": "Bijdragen aan de score van " + sig.a });
    if (rows.length === 0) {
      svg.appendChild(sv("text", { x: 10, y: TOP + 14 }, "Geen uitleg beschikbaar."));
      return svg;
    }
    const half = (W - LW - 12 - 2 * VW) / 2;
    const zero = LW + 12 + VW + half;
    let max = 0;
    rows.forEach(function (o) { max = Math.max(max, Math.abs(o.r[3])); });
    if (max === 0) { max = 1; }
    svg.appendChild(sv("text", { x: zero - 6, y: 14, "text-anchor": "end", class: "as" }, "\u2190 tegen"));
    svg.appendChild(sv("text", { x: zero + 6, y: 14, class: "as" }, "voor het signaal \u2192"));
    rows.forEach(function (o, i) {
      const r = o.r, y = TOP + i * RH, w = Math.max(Math.abs(r[3]) / max * half, 1);
      const g = sv("g");
      g.appendChild(sv("title", {}, r[1] + (r[2] ? " = " + r[2] : "") + " (" + signed(r[3], 2) + ")"));
      g.appendChild(sv("text", { x: LW, y: y + 14, "text-anchor": "end" }, kort(r[1], 38)));
      const x = o.kant === "voor" ? zero : zero - w;
      g.appendChild(sv("rect", { x: x.toFixed(1), y: y + 4, width: w.toFixed(1), height: RH - 8,
        class: o.kant }));
      const tx = o.kant === "voor" ? zero + w + 4 : zero - w - 4;
      g.appendChild(sv("text", { x: tx.toFixed(1), y: y + 14, class: "as",
        "text-anchor": o.kant === "voor" ? "start" : "end" }, signed(r[3], 2)));
      svg.appendChild(g);
    });
    svg.appendChild(sv("line", { x1: zero, x2: zero, y1: TOP - 2, y2: H - 6, class: "nul" }));
    return svg;
  }

  function reasonTable(list, kant, leeg) {
    if (list.length === 0) { return el("p", { class: "leeg" }, [leeg]); }
    const body = el("tbody", {}, list.map(function (r) {
      return el("tr", {}, [
        el("td", { title: r[0] }, [r[1]]),
        el("td", { class: "feit" }, [r[2] || "\u2014"]),
        el("td", { class: "getal bijdrage-" + kant }, [signed(r[3], 2)])
      ]);
    }));
    const head = el("thead", {}, [el("tr", {}, [
      el("th", { scope: "col" }, ["Kenmerk"]), el("th", { scope: "col" }, ["Feit"]),
      el("th", { scope: "col", class: "getal" }, ["Bijdrage"])
    ])]);
    return el("table", { class: "compact" }, [head, body]);
  }

  function detail(sig) {
    const links = el("div", {}, [
      el("h4", {}, ["Bijdragen aan de score (" + fenomeen(sig.f) + ")"]),
      chart(sig),
      el("p", { class: "bijschrift" }, ["Bijdragen in log-odds van het model: rechts redenen "
        + "v\u00f3\u00f3r het signaal, links tegenbewijs. Een bijdrage is geen bewijs; controleer elk "
        + "feit in de registratie."]),
      el("h4", {}, ["Redenen"]),
      reasonTable(sig.re, "voor", "Geen redenen in de uitleg."),
      el("h4", {}, ["Tegenbewijs"]),
      reasonTable(sig.te, "tegen", "Geen tegenbewijs in de uitleg.")
    ]);
    const onderzoek = sig.lo || sig.lu
      ? el("p", {}, ["Laatste onderzoek: " + datum(sig.lo) + (sig.lu ? "; uitkomst: " + sig.lu : "")])
      : el("p", { class: "leeg" }, ["Geen eerder onderzoek bekend."]);
    const order = FENOMENEN.map(function (f, i) { return [f[0], sig.fs[i]]; })
      .sort(function (a, b) { return (b[1] || 0) - (a[1] || 0); });
    const fsBody = el("tbody", {}, order.map(function (p) {
      const v = p[1];
      const bar = el("span", { class: "minibalk" });
      bar.style.width = (v === null ? 0 : Math.max(v * 80, 1)).toFixed(1) + "px";
      return el("tr", p[0] === sig.f ? { class: "fenomeen-eigen" } : {}, [
        el("td", {}, [fenomeen(p[0])]),
        el("td", { class: "getal" }, [v === null ? "\u2014" : nl(v, 3)]),
        el("td", {}, [bar])
      ]);
    }));
    const rechts = el("div", {}, [
      el("h4", {}, ["Eerder onderzoek"]), onderzoek,
      el("h4", {}, ["Score per fenomeen"]),
      el("table", { class: "compact" }, [fsBody]),
      el("p", { class: "bijschrift" }, ["De totale score is de kans op enig fenomeen; het signaal noemt "
        + "het waarschijnlijkste."]),
      el("p", { class: "bijschrift" }, ["BAG-verblijfsobject: ", el("span", { class: "mono" }, [sig.id])])
    ]);
    return el("div", { class: "uitleg-grid" }, [links, rechts]);
  }

  // --- the ranked table
  const tbody = document.getElementById("signalen-body");
  const geen = document.getElementById("geen-signalen");
  const teller = document.getElementById("teller");
  const selF = document.getElementById("filter-fenomeen");
  const selB = document.getElementById("filter-buurt");
  const bereik = document.getElementById("filter-score-bereik");
  const getal = document.getElementById("filter-score");
  const form = document.getElementById("filters");
  const rows = [];

  SIGNALEN.forEach(function (sig, i) {
    const bar = el("span", { class: "scorebalk" }, [el("span")]);
    bar.firstChild.style.width = (Math.min(Math.max(sig.s, 0), 1) * 100).toFixed(1) + "%";
    const tr = el("tr", { class: "signaal", tabindex: "0", "aria-expanded": "false", "data-i": String(i) }, [
      el("td", { class: "getal pijl" }, [String(sig.r)]),
      el("td", {}, [sig.a]),
      el("td", { class: "mono" }, [sig.b]),
      el("td", {}, [fenomeen(sig.f)]),
      el("td", { class: "getal score" }, [nl(sig.s, 3), bar]),
      el("td", {}, [sig.lo ? datum(sig.lo) + (sig.lu ? " (" + sig.lu + ")" : "") : "\u2014"])
    ]);
    tbody.appendChild(tr);
    rows.push({ sig: sig, tr: tr, detail: null, open: false });
  });

  function toggle(i) {
    const row = rows[i];
    row.open = !row.open;
    if (row.open && row.detail === null) {
      row.detail = el("tr", { class: "uitleg" }, [el("td", { colspan: "6" }, [detail(row.sig)])]);
      row.tr.after(row.detail);
    }
    row.tr.setAttribute("aria-expanded", row.open ? "true" : "false");
    if (row.detail !== null) { row.detail.hidden = !row.open || row.tr.hidden; }
  }
  tbody.addEventListener("click", function (ev) {
    const tr = ev.target.closest("tr.signaal");
    if (tr) { toggle(Number(tr.dataset.i)); }
  });
  tbody.addEventListener("keydown", function (ev) {
    const tr = ev.target.closest("tr.signaal");
    if (tr && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); toggle(Number(tr.dataset.i)); }
  });

  function count(key) {
    const n = {};
    SIGNALEN.forEach(function (s) { n[s[key]] = (n[s[key]] || 0) + 1; });
    return n;
  }
  const perF = count("f"), perB = count("b");
  FENOMENEN.forEach(function (f) {
    selF.appendChild(el("option", { value: f[0] }, [f[1] + " (" + (perF[f[0]] || 0) + ")"]));
  });
  Object.keys(perB).sort().forEach(function (b) {
    selB.appendChild(el("option", { value: b }, [b + " (" + perB[b] + ")"]));
  });

  function minimum() {
    const v = Number(getal.value);
    return isFinite(v) ? v : 0;
  }
  function apply() {
    const f = selF.value, b = selB.value, min = minimum();
    let n = 0;
    rows.forEach(function (row) {
      const s = row.sig;
      const show = (!f || s.f === f) && (!b || s.b === b) && s.s >= min;
      row.tr.hidden = !show;
      if (row.detail !== null) { row.detail.hidden = !show || !row.open; }
      if (show) { n += 1; }
    });
    teller.textContent = n + " van " + rows.length + " signalen";
    geen.hidden = n > 0;
    geen.firstChild.textContent = rows.length === 0
      ? "Geen signalen in deze run." : "Geen signalen voldoen aan de filters.";
  }
  selF.addEventListener("change", apply);
  selB.addEventListener("change", apply);
  bereik.addEventListener("input", function () { getal.value = bereik.value; apply(); });
  getal.addEventListener("input", function () { bereik.value = String(minimum()); apply(); });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  if (rows.length === 0) {
    [selF, selB, bereik, getal].forEach(function (c) { c.disabled = true; });
  }

  // --- the map: a circle filters the table on its buurt
  document.querySelectorAll("svg.kaart .buurt").forEach(function (c) {
    function kies() {
      const b = c.getAttribute("data-buurt");
      if (!perB[b]) { return; }
      selB.value = b;
      apply();
      document.getElementById("signalen").scrollIntoView({ behavior: "smooth" });
    }
    c.addEventListener("click", kies);
    c.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); kies(); }
    });
  });

  apply();
})();
"""
