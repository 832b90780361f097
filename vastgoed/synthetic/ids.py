"""Vectorised constructors of valid, unique registry identifiers (BSN, BAG, KvK, EAN)."""

from __future__ import annotations

import numpy as np

from vastgoed.core.identifiers import BAG_TYPES
from vastgoed.synthetic.world import Arr

__all__ = ["bag_ids", "bsns", "eans", "sequential_numbers"]

_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def sequential_numbers(rng: np.random.Generator, n: int, low: int, max_step: int) -> Arr:
    """Strictly increasing unique integers starting near ``low`` with random gaps."""
    return low + np.cumsum(rng.integers(1, max_step + 1, size=n, dtype=np.int64))


def bag_ids(rng: np.random.Generator, n: int, object_type: str, gemeentecode: str = "0935") -> Arr:
    """``n`` unique 16-digit BAG ids of ``object_type`` (object array of str, increasing)."""
    code = BAG_TYPES[object_type]
    nums = sequential_numbers(rng, n, 100_000_000 + int(rng.integers(0, 50_000_000)), 30)
    return np.array([f"{gemeentecode}{code}{v:010d}" for v in nums.tolist()], dtype=object)


def bsns(rng: np.random.Generator, n: int, leading_zero_share: float = 0.06) -> Arr:
    """``n`` unique BSNs passing the 11-proef, in random order (object array of 9-digit str)."""
    out: list[int] = []
    seen: set[int] = set()
    while len(out) < n:
        m = int((n - len(out)) * 1.4) + 64
        digits = rng.integers(0, 10, size=(m, 8), dtype=np.int64)
        first = rng.integers(1, 10, size=m)
        first[rng.random(m) < leading_zero_share] = 0
        digits[:, 0] = first
        digits[first == 0, 1] = rng.integers(1, 10, size=int((first == 0).sum()))
        s = digits @ _BSN_WEIGHTS
        check = s % 11
        ok = (check != 10) & (s >= 11)
        values = (digits[ok] @ (10 ** np.arange(8, 0, -1, dtype=np.int64))) + check[ok]
        for v in values.tolist():
            if v not in seen:
                seen.add(v)
                out.append(v)
                if len(out) == n:
                    break
    return np.array([f"{v:09d}" for v in out], dtype=object)


def eans(rng: np.random.Generator, n: int, prefix: str) -> Arr:
    """``n`` unique 18-digit EAN connection codes starting with ``prefix``, GS1 check digit included."""
    body_len = 17 - len(prefix)
    nums = sequential_numbers(rng, n, int(rng.integers(0, 10 ** (body_len - 2))), 97)
    digits = (nums[:, None] // (10 ** np.arange(body_len - 1, -1, -1, dtype=np.int64))[None, :]) % 10
    pre = np.array([int(c) for c in prefix], dtype=np.int64)
    mat = np.hstack([np.broadcast_to(pre, (n, len(prefix))), digits])
    weights = np.array([3 if (16 - i) % 2 == 0 else 1 for i in range(17)], dtype=np.int64)
    check = (10 - (mat @ weights) % 10) % 10
    full = nums * 10 + check
    return np.char.add(prefix, np.char.zfill(full.astype(str), body_len + 1)).astype(object)
