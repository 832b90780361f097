"""Small self-contained SVG charts (no script, no external reference, no inline style)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

__all__ = ["registrations_svg", "use_against_norm_svg"]

_W, _H, _PAD_L, _PAD_B, _PAD_T = 560, 200, 56, 28, 20


def _fmt(v: float) -> str:
    return f"{v:,.0f}".replace(",", ".")


def use_against_norm_svg(
    title: str,
    years: Sequence[int],
    use: Sequence[float],
    norm: Sequence[float | None],
    unit: str,
    norm_label: str,
) -> str:
    """Bars of the use per year, with the norm of each year as a dark tick across its bar."""
    top = max([*use, *[n for n in norm if n is not None], 1.0]) * 1.1
    plot_w, plot_h = _W - _PAD_L - 10, _H - _PAD_B - _PAD_T
    step = plot_w / max(len(years), 1)
    bar = step * 0.6

    def y(v: float) -> float:
        return _PAD_T + plot_h * (1 - v / top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {_W} {_H}" '
        f'width="{_W}" height="{_H}"><title>{escape(title)}</title>',
        f'<text x="{_PAD_L}" y="13" font-size="12" font-weight="bold">'
        f"{escape(title)} ({escape(unit)})</text>",
        f'<line x1="{_PAD_L}" y1="{_PAD_T + plot_h}" x2="{_W - 10}" y2="{_PAD_T + plot_h}" stroke="#444"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        v = top / 1.1 * frac
        parts.append(
            f'<text x="{_PAD_L - 4}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{_fmt(v)}</text>'
        )
    for i, (yr, u, n) in enumerate(zip(years, use, norm, strict=True)):
        x = _PAD_L + i * step + (step - bar) / 2
        over = n is not None and u > n
        colour = "#c0392b" if over else "#2e86c1"
        parts.append(
            f'<rect x="{x:.1f}" y="{y(u):.1f}" width="{bar:.1f}" height="{_PAD_T + plot_h - y(u):.1f}" '
            f'fill="{colour}"><title>{yr}: {_fmt(u)} {escape(unit)}</title></rect>'
        )
        if n is not None:
            parts.append(
                f'<line x1="{x - 4:.1f}" x2="{x + bar + 4:.1f}" y1="{y(n):.1f}" y2="{y(n):.1f}" '
                f'stroke="#111" stroke-width="3"><title>{escape(norm_label)} {yr}: {_fmt(n)}</title></line>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{_H - 10}" font-size="11" text-anchor="middle">{yr}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def registrations_svg(title: str, series: Sequence[tuple[dt.date, int]]) -> str:
    """A step line of the number of residents registered (woonadres) at the start of each month."""
    if not series:
        return ""
    top = max(max(n for _, n in series), 1)
    plot_w, plot_h = _W - _PAD_L - 10, _H - _PAD_B - _PAD_T
    step = plot_w / max(len(series) - 1, 1)

    def y(v: int) -> float:
        return _PAD_T + plot_h * (1 - v / top)

    points: list[str] = []
    for i, (_, n) in enumerate(series):
        x = _PAD_L + i * step
        if points:
            points.append(f"{x:.1f},{float(points[-1].split(',')[1]):.1f}")
        points.append(f"{x:.1f},{y(n):.1f}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {_W} {_H}" '
        f'width="{_W}" height="{_H}"><title>{escape(title)}</title>',
        f'<text x="{_PAD_L}" y="13" font-size="12" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{_PAD_L}" y1="{_PAD_T + plot_h}" x2="{_W - 10}" y2="{_PAD_T + plot_h}" stroke="#444"/>',
        f'<text x="{_PAD_L - 4}" y="{y(top) + 4:.1f}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{_PAD_L - 4}" y="{y(0) + 4:.1f}" font-size="10" text-anchor="end">0</text>',
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#2e86c1" stroke-width="2"/>',
    ]
    for i, (day, _) in enumerate(series):
        if day.month == 1:
            x = _PAD_L + i * step
            parts.append(
                f'<text x="{x:.1f}" y="{_H - 10}" font-size="10" text-anchor="middle">{day.year}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
