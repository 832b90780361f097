from __future__ import annotations

import pytest

from linkage.benchmark import febrl_benchmark


@pytest.mark.parametrize(("name", "target"), [("febrl4", 0.999), ("febrl3", 0.998)])
def test_febrl_f1_above_target(name: str, target: float) -> None:
    result = febrl_benchmark(name)  # type: ignore[arg-type]
    assert result.f1 >= target, result
    assert result.n_candidate_pairs < 20_000
