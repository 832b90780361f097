"""Worlds to test on besides the project's own synthetic municipality, and what running on them needs.

The independently written municipality lives beside the repository, not in it
(``shared/independent-municipality``: its own generator, truth and evaluator). Tests find it
through ``$VASTGOED_INDEPENDENT_WORLD`` (that folder), else by looking for
``shared/independent-municipality/gen.py`` in the folders above the repository (a clone in
``/work/main`` and a worktree in ``/work/wt/<name>`` both find ``/work/shared``). A fresh clone
without it skips the tests that need it, saying why.

Its manifest does not say ``synthetisch = true``: the engine treats it as real extracts, which
need a pseudonymisation key (:data:`TEST_PSEUDONYM_KEY`) and the municipality's own ethics
metadata (:func:`own_ethics`, the shipped file with ``voorbeeld = false``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = [
    "INDEPENDENT_WORLD_ENV",
    "TEST_PSEUDONYM_KEY",
    "generate_independent_world",
    "independent_world_dir",
    "own_ethics",
]

INDEPENDENT_WORLD_ENV = "VASTGOED_INDEPENDENT_WORLD"
#: A pseudonymisation key for data that is not marked synthetic (tests only).
TEST_PSEUDONYM_KEY = "abcdefabcdefabcdefabcdefabcdef0123456789"

_REPO = Path(__file__).resolve().parents[1]
_BESIDE = Path("shared") / "independent-municipality"


def independent_world_dir() -> Path | None:
    """The folder of the independent world's ``gen.py``; None when it is not on this machine."""
    env = os.environ.get(INDEPENDENT_WORLD_ENV)
    if env:
        folder = Path(env)
        return folder if (folder / "gen.py").is_file() else None
    for parent in _REPO.parents:
        if (parent / _BESIDE / "gen.py").is_file():
            return parent / _BESIDE
    return None


def generate_independent_world(
    out: Path, truth: Path, *, seed: int = 1, scale: float = 0.05, extra: tuple[str, ...] = ()
) -> None:
    """Write the independent world's data to ``out`` and its truth to ``truth`` (a few seconds).

    Skips the calling test when the world is not on this machine.
    """
    folder = independent_world_dir()
    if folder is None:
        pytest.skip(
            f"the independent municipality is not on this machine: set ${INDEPENDENT_WORLD_ENV} to the "
            f"folder of its gen.py, or put it in shared/independent-municipality above {_REPO}"
        )
    cmd = [sys.executable, str(folder / "gen.py"), "--out", str(out), "--truth", str(truth)]
    cmd += ["--seed", str(seed), "--scale", str(scale), *extra]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)


def own_ethics(folder: Path) -> Path:
    """The shipped ethics metadata as a municipality's own (``voorbeeld = false``), in ``folder``."""
    text = (_REPO / "configs" / "ethics.toml").read_text(encoding="utf-8")
    if "\nvoorbeeld = true\n" not in text:
        raise AssertionError("configs/ethics.toml no longer says `voorbeeld = true` on a line of its own")
    path = folder / "ethics.toml"
    path.write_text(text.replace("\nvoorbeeld = true\n", "\nvoorbeeld = false\n"), encoding="utf-8")
    return path
