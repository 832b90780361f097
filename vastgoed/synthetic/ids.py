"""Vectorised constructors of valid, unique registry identifiers (BSN, BAG, KvK, EAN)."""

from __future__ import annotations

import numpy as np

from vastgoed.core.identifiers import BAG_TYPES
from vastgoed.synthetic.world import Arr

__all__ = ["bag_ids", "bsns", "bsns_in_classes", "eans", "ranged_numbers", "sequential_numbers"]

_BSN_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def sequential_numbers(rng: np.random.Generator, n: int, low: int, max_step: int) -> Arr:
    """Strictly increasing unique integers starting near ``low`` with random gaps."""
    return low + np.cumsum(rng.integers(1, max_step + 1, size=n, dtype=np.int64))


def ranged_numbers(rng: np.random.Generator, n: int, low: int, high: int, max_step: int) -> Arr:
    """``n`` strictly increasing unique integers in ``(low, high]`` with random gaps of at most ``max_step``.

    The gaps shrink when the range is narrow, so the numbers never leave it.

    Raises:
        ValueError: When the range holds fewer than ``n`` numbers.
    """
    if n > high - low:
        raise ValueError(f"{n} numbers do not fit in the range ({low}, {high}]")
    step = max(1, min(max_step, (high - low) // max(n, 1)))
    return sequential_numbers(rng, n, low, step)


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


def bsns_in_classes(
    rng: np.random.Generator, n: int, classes: tuple[int, int], modulus: int, leading_zero_share: float = 0.06
) -> Arr:
    """``n`` unique BSNs whose 8-digit body lies in the residue classes ``[low, high)`` modulo ``modulus``.

    Gemeenten of a region own disjoint classes, so their BSNs never collide, whichever process builds
    them and in whatever order. ``modulus`` must divide 10**7. As :func:`bsns`, about
    ``leading_zero_share`` of the numbers start with a 0 (the body is then below 10**7, at least 10**6).

    Raises:
        ValueError: When the classes cannot hold ``n`` numbers.
    """
    low, high = classes
    q_zero = (10**6 // modulus, 10**7 // modulus)
    q_rest = (10**7 // modulus, 10**8 // modulus)
    if n > 0.6 * (high - low) * (q_rest[1] - q_zero[0]):
        raise ValueError(f"{n} BSNs do not fit in {high - low} residue classes")
    found = np.zeros(0, dtype=np.int64)
    while len(found) < n:
        m = int((n - len(found)) * 1.3) + 64
        zero = rng.random(m) < leading_zero_share
        q = np.where(zero, rng.integers(*q_zero, size=m), rng.integers(*q_rest, size=m))
        body = q * modulus + rng.integers(low, high, size=m)
        digits = (body[:, None] // (10 ** np.arange(7, -1, -1, dtype=np.int64))[None, :]) % 10
        s = digits @ _BSN_WEIGHTS
        check = s % 11
        ok = (check != 10) & (s >= 11)
        values = np.concatenate([found, body[ok] * 10 + check[ok]])
        _, first = np.unique(values, return_index=True)
        found = values[np.sort(first)]
    return np.char.zfill(found[:n].astype(str), 9).astype(object)


def eans(rng: np.random.Generator, n: int, prefix: str, block: tuple[int, int] | None = None) -> Arr:
    """``n`` unique 18-digit EAN connection codes starting with ``prefix``, GS1 check digit included.

    ``block``: draw the body (the digits between prefix and check digit) from ``[low, high)`` only, so
    that gemeenten with disjoint blocks never share a code.
    """
    body_len = 17 - len(prefix)
    if block is None:
        nums = sequential_numbers(rng, n, int(rng.integers(0, 10 ** (body_len - 2))), 97)
    else:
        width = block[1] - block[0] - 1
        step = max(1, min(97, width // max(n, 1)))
        start = block[0] + int(rng.integers(0, max(1, width - n * step)))
        nums = ranged_numbers(rng, n, start, block[1] - 1, step)
    digits = (nums[:, None] // (10 ** np.arange(body_len - 1, -1, -1, dtype=np.int64))[None, :]) % 10
    pre = np.array([int(c) for c in prefix], dtype=np.int64)
    mat = np.hstack([np.broadcast_to(pre, (n, len(prefix))), digits])
    weights = np.array([3 if (16 - i) % 2 == 0 else 1 for i in range(17)], dtype=np.int64)
    check = (10 - (mat @ weights) % 10) % 10
    full = nums * 10 + check
    return np.char.add(prefix, np.char.zfill(full.astype(str), body_len + 1)).astype(object)
