"""The synthetic municipality: a Maastricht-sized world written in the data contract, with ground truth.

``generate(out, truth, seed=..., scale=...)`` writes every registry extract of the data contract
into ``out`` (with realistic linkage noise) and the truth (planted phenomena, benign look-alikes,
true person and company identities, summary statistics) into ``truth``, which is never inside
``out``. ``summarise(out, truth)`` recomputes the key statistics from the written files.

Above scale 2 (or with ``preset="regio"`` / ``"national"``, or ``gemeenten=N``) the output is a
region of many gemeenten, each an ordinary world with its own codes and key ranges, built one at a
time and written as hive-partitioned Parquet (``out/<stem>/gemeente=<code>/part-0.parquet``).
"""

from __future__ import annotations

from vastgoed.synthetic.generator import GenerationError, generate
from vastgoed.synthetic.region import PRESETS
from vastgoed.synthetic.summary import GenerationSummary, summarise

__all__ = ["PRESETS", "GenerationError", "GenerationSummary", "generate", "summarise"]
