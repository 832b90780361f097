"""Record linkage: addresses to BAG verblijfsobjecten (persons and companies follow in issue 3)."""

from __future__ import annotations

from linkage.addresses import (
    ADDRESS_SOURCES,
    AddressMatch,
    match_addresses,
    normalise_street,
    normalise_suffix,
)

__all__ = ["ADDRESS_SOURCES", "AddressMatch", "match_addresses", "normalise_street", "normalise_suffix"]
