"""Charts as pictures: Vega-Lite specifications rendered to PNG, offline."""

from __future__ import annotations

import vl_convert

__all__ = ["chart_png"]


def chart_png(spec: str, scale: float = 2.0) -> bytes:
    """Render a Vega-Lite specification (JSON text) to PNG bytes without network access."""
    return bytes(vl_convert.vegalite_to_png(spec, scale=scale))
