"""Record linkage: addresses to BAG verblijfsobjecten, persons and companies across registries."""

from __future__ import annotations

from linkage.addresses import (
    ADDRESS_SOURCES,
    AddressMatch,
    match_addresses,
    normalise_street,
    normalise_suffix,
)
from linkage.certainty import object_link_certainty
from linkage.companies import CompanyMatch, company_name_key_expr, link_companies
from linkage.quality import address_quality, company_quality, pairwise_quality
from linkage.suffixes import SuffixReading, read_suffix

__all__ = [
    "ADDRESS_SOURCES",
    "AddressMatch",
    "CompanyMatch",
    "SuffixReading",
    "address_quality",
    "company_name_key_expr",
    "company_quality",
    "link_companies",
    "match_addresses",
    "normalise_street",
    "normalise_suffix",
    "object_link_certainty",
    "pairwise_quality",
    "read_suffix",
]
