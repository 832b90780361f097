"""``python -m vastgoed``."""

from __future__ import annotations

from vastgoed.cli import main

main()
