from __future__ import annotations

import numpy as np

from vastgoed.synthetic.names import SURNAMES
from vastgoed.synthetic.surnames import SURNAME_TABLE, surname_pool


def test_common_names_keep_their_indices_and_the_tail_has_no_repeats() -> None:
    assert SURNAME_TABLE[: len(SURNAMES)] == SURNAMES
    full = [f"{v} {g}".strip().lower() for v, g, _ in SURNAME_TABLE]
    assert len(full) == len(set(full))
    assert all(g and not any(c.isdigit() for c in g) for _, g, _ in SURNAME_TABLE)


def test_a_city_has_a_steep_head_and_a_long_tail() -> None:
    """Janssen about one in fifty, thousands of surnames, most people sharing theirs with few."""
    idx, p = surname_pool(0)
    assert np.isclose(p.sum(), 1.0)
    assert SURNAME_TABLE[idx[0]][1] == "Janssen"
    assert 0.01 < p[0] < 0.03
    draws = np.random.default_rng(0).choice(len(idx), size=100_000, p=p)
    counts = np.bincount(draws)
    assert (counts > 0).sum() > 8_000
    # the median person's surname is carried by few others in a city of this size
    assert np.median(counts[draws]) < 100
    for origin in (1, 2):
        idx, p = surname_pool(origin)
        assert len(idx) > 400 and p[0] < 0.08
