"""Keyed pseudonymisation of direct identifiers (BSN) at ingest.

HMAC-SHA256 with a secret key from ``VASTGOED_PSEUDONYM_KEY``: the same BSN always gives the same
pseudonym under one key, and without the key the pseudonym cannot be reversed by trying all BSNs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import warnings

import polars as pl

from vastgoed.core.errors import ConfigError

__all__ = ["BUILTIN_TEST_KEY", "ENV_KEY", "Pseudonymiser", "resolve_key"]

ENV_KEY = "VASTGOED_PSEUDONYM_KEY"
#: Only for data whose manifest says ``synthetisch = true``.
BUILTIN_TEST_KEY = b"vastgoed-synthetic-test-key-not-for-real-data"


def resolve_key(*, synthetisch: bool) -> bytes:
    """The pseudonymisation key: from the environment, or the built-in key for synthetic data only."""
    env = os.environ.get(ENV_KEY, "")
    if env:
        if len(env) < 16:
            raise ConfigError(f"{ENV_KEY} must be at least 16 characters")
        return env.encode()
    if not synthetisch:
        raise ConfigError(
            f"{ENV_KEY} is not set; a key is required for data whose manifest does not say synthetisch = true"
        )
    warnings.warn(
        f"{ENV_KEY} not set: using the built-in key, which is acceptable only for synthetic data",
        stacklevel=2,
    )
    return BUILTIN_TEST_KEY


class Pseudonymiser:
    """Turns BSNs into stable pseudonyms (``p`` and 20 hex digits)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        # the key is processed once; each BSN continues from a copy (a quarter faster than hmac.new)
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def one(self, bsn: str) -> str:
        """The pseudonym of one normalised 9-digit BSN."""
        h = self._keyed.copy()
        h.update(bsn.encode())
        return "p" + h.hexdigest()[:20]

    def expr(self, col: pl.Expr) -> pl.Expr:
        """The pseudonyms of a column of normalised BSNs (null stays null)."""
        return col.map_elements(self.one, return_dtype=pl.String, skip_nulls=True)
