from __future__ import annotations

from pathlib import Path

from features import catalogue
from features.base import LEGAL_BASIS
from features.catalogue_doc import catalogue_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_docs_features_md_is_generated_from_the_catalogue() -> None:
    assert DOC.read_text(encoding="utf-8") == catalogue_markdown(catalogue()), (
        "docs/features.md is out of date: run `vastgoed features catalogue`"
    )


def test_every_feature_declares_meaning_sources_unit_and_legal_basis() -> None:
    names = [s.name for s in catalogue()]
    assert len(names) == len(set(names))
    for s in catalogue():
        assert s.description_en and s.description_nl and s.label_nl and s.unit, s.name
        assert s.sources and all(src in LEGAL_BASIS for src in s.sources), s.name
        assert all(f"{src}: {LEGAL_BASIS[src]}" in s.legal_basis for src in s.sources), s.name
        assert s.direction in ("hoger_risico", "lager_risico", "beide"), s.name
