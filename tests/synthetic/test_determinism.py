"""Same seed, same bytes; another seed, other data; regenerating replaces the folder atomically."""

from __future__ import annotations

import hashlib
from pathlib import Path

from vastgoed.synthetic import generate


def _hashes(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_same_seed_same_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", tmp_path / "ta", seed=3, scale=0.01)
    b = generate(tmp_path / "b", tmp_path / "tb", seed=3, scale=0.01)
    assert a == b
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    assert _hashes(tmp_path / "ta") == _hashes(tmp_path / "tb")


def test_other_seed_other_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", tmp_path / "ta", seed=3, scale=0.01)
    generate(tmp_path / "b", tmp_path / "tb", seed=4, scale=0.01)
    ha, hb = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert ha.keys() == hb.keys()
    assert all(ha[k] != hb[k] for k in ha if k != "manifest.toml")


def test_regenerate_replaces_previous_output(tmp_path: Path) -> None:
    generate(tmp_path / "a", tmp_path / "ta", seed=1, scale=0.01)
    first = _hashes(tmp_path / "a")
    generate(tmp_path / "a", tmp_path / "ta", seed=2, scale=0.01)
    assert _hashes(tmp_path / "a") != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "ta"]
