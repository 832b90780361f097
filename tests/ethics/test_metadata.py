"""The ethics metadata (configs/ethics.toml) and the documents generated from it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from vastgoed.core.errors import ConfigError
from vastgoed.core.schema import CONTRACT
from vastgoed.core.worlds import GENERATOR, MeasuredOn, Validated, load_cross_world
from vastgoed.ethics.documents import (
    REQUIRED_REGISTER_FIELDS,
    RunFacts,
    algorithm_register,
    datasheet_md,
    markdown_page,
    missing_register_fields,
    model_card_md,
    register_length_violations,
    write_documents,
)
from vastgoed.ethics.metadata import (
    REGISTER_LIMITS,
    SOURCE_STEMS,
    EthicsIncomplete,
    EthicsMetadata,
    is_placeholder,
    load_ethics,
)

SHIPPED = Path(__file__).resolve().parents[2] / "configs" / "ethics.toml"
EVIL = '<script>alert("xss")</script><img src=x onerror=alert(1)> [klik](javascript:alert(1)) | &amp;'
MITCHELL = (
    "Model details",
    "Intended use",
    "Out-of-scope use",
    "Factors",
    "Metrics",
    "Evaluation data",
    "Training data",
    "Quantitative analyses",
    "Ethical considerations",
    "Caveats and recommendations",
)
GEBRU = (
    "Motivation",
    "Composition",
    "Collection process",
    "Preprocessing, cleaning and labelling",
    "Uses",
    "Distribution",
    "Maintenance",
)
DELIVERED = (
    "bag_verblijfsobjecten",
    "brp_inschrijvingen",
    "kvk_vestigingen",
    "kvk_functionarissen",
    "kadaster_eigendom",
    "vergunningen",
    "energie_verbruik",
    "meldingen",
    "onderzoeksuitkomsten",
    "audit_kenmerken",
)


def make_facts(**overrides: Any) -> RunFacts:
    """A run's facts shaped like the pipeline's, for a synthetic Maastricht run."""
    sources = [
        {
            "stem": stem,
            "extractdatum": dt.date(2025, 1, 2 + i % 3),
            "rijen": 1_000 * (i + 1),
            "gequarantaineerd": i,
            "sha256": f"{i:02d}" * 32,
            "grondslag": f"grondslag van {stem} (synthetisch)",
        }
        for i, stem in enumerate(DELIVERED)
    ]
    features = [
        {
            "naam": "n_ingeschreven",
            "familie": "bewoning",
            "label": "ingeschreven personen",
            "bronnen": ["brp_inschrijvingen"],
            "grondslag": "brp_inschrijvingen: Wet BRP",
            "proxy_risico": "middel: huishoudgrootte hangt samen met levensfase",
        },
        {
            "naam": "elektriciteit_t_o_v_norm",
            "familie": "verbruik",
            "label": "elektriciteit t.o.v. norm",
            "bronnen": "energie_verbruik;brp_inschrijvingen",
            "grondslag": "energie_verbruik: convenant",
            "proxy_risico": "laag",
        },
        {
            "naam": "geen_hypotheek",
            "familie": "eigendom",
            "label": "geen hypotheek",
            "bronnen": ["kadaster_eigendom"],
            "grondslag": "kadaster_eigendom: Kadasterwet",
            "proxy_risico": "laag",
        },
    ]
    metrics = {
        "n": 305.0,
        "positives": 104.0,
        "average_precision": 0.771,
        "brier": 0.171,
        "precision@25": 0.96,
        "recall@25": 0.23,
        "precision@50": 0.86,
        "recall@50": 0.41,
        "precision@100": 0.71,
        "recall@100": 0.68,
    }
    values: dict[str, Any] = {
        "run_id": "20250102T030405-abc123",
        "started": dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "gemeentecode": "0935",
        "peildatum": dt.date(2025, 1, 1),
        "synthetisch": True,
        "model_version": "lgbm-13c50888c340",
        "code_version": "c608292",
        "config": {"model": {"num_boost_round": 200, "monotone": True, "snapshot": "peildatum"}},
        "sources": sources,
        "features": features,
        "n_objects": 69_600,
        "n_ranked": 68_950,
        "n_recent": 650,
        "capacity": 200,
        "training": {
            "cutoff": "2024-01-01",
            "training_rows_labelled": 694,
            "training_rows_unlabelled": 3_470,
            "weak_labels": {"brievenbusfirma": 35},
            "validation_rows": 305,
            "class_counts": {"geen": 480, "hennepteelt": 120, "spookbewoning": 94},
            "validation": {
                "model": metrics,
                "logistic": {**metrics, "average_precision": 0.775},
                "regels": {**metrics, "average_precision": 0.677},
            },
            "validation_per_buurt": [
                {"buurtcode": "BU09350101", "n": 14, "average_precision": 0.81},
                {"buurtcode": "BU09350702", "n": 9, "average_precision": 0.64},
            ],
        },
        "generated_at": dt.datetime(2025, 1, 2, 4, 0, tzinfo=dt.UTC),
    }
    values.update(overrides)
    return RunFacts(**values)


def hostile_facts() -> RunFacts:
    """Facts whose run-supplied text tries to inject markup everywhere it is shown."""
    base = make_facts()
    sources = [dict(s) for s in base.sources]
    sources[0]["grondslag"] = EVIL
    sources[1]["sha256"] = EVIL
    features = [dict(f) for f in base.features]
    features[0]["proxy_risico"] = EVIL
    features[1]["naam"] = EVIL
    return make_facts(
        sources=sources,
        features=features,
        model_version=f"lgbm-{EVIL}",
        fairness_summary={
            "vlaggen": [{"id": EVIL, "maat": "selectie", "waarde": 1.6, "grens": "[0.8, 1.25]"}],
            "n_vlaggen": 1,
            "herkomst_labels": {"opmerking": EVIL},
        },
        proxy_summary={"gemarkeerd": [EVIL]},
        model_binding={
            "signal_model": _choice(found=EVIL, reason=EVIL, trained_here=True),
            "linkage_model": _choice(found=EVIL, reason=EVIL, trained_here=False, fits=True),
        },
        validated=Validated(
            world=MeasuredOn(
                gemeentecode="0935",
                gemeentenaam=EVIL,
                synthetisch=True,
                peildatum=dt.date(2025, 1, 1),
                generator=EVIL,
            ),
            cutoff=dt.date(2024, 1, 1),
            n_validation=305,
        ),
    )


def _choice(
    *, found: str | None, reason: str, trained_here: bool, fits: bool = False, synthetisch: bool = True
) -> dict[str, Any]:
    """A ``ModelChoice.to_json()`` of run.json's ``model_binding``."""
    data = {"gemeentecode": "0935", "synthetisch": False, "peildatum": "2025-01-01", "feature_hash": "f00d"}
    return {
        "looked_for": data,
        "found": found,
        "found_trained_on": None if found is None else data | {"synthetisch": synthetisch},
        "fits": fits,
        "reason": reason,
        "trained_here": trained_here,
        "used": "vastgoed-signal/v2" if trained_here else "vastgoed-signal/v1",
    }


@pytest.fixture(scope="module")
def meta() -> EthicsMetadata:
    return load_ethics(SHIPPED)


# --- editing the shipped TOML as text (no TOML writer is installed) ---------------------------


def _section_span(text: str, section: str) -> tuple[int, int]:
    m = re.search(rf"^\[{re.escape(section)}\]\s*$", text, flags=re.M)
    assert m is not None, section
    nxt = re.search(r"^\[", text[m.end() :], flags=re.M)
    return m.end(), m.end() + nxt.start() if nxt else len(text)


def _key_span(text: str, section: str, key: str) -> tuple[int, int]:
    start, end = _section_span(text, section)
    m = re.search(rf"^{re.escape(key)}\s*=\s*", text[start:end], flags=re.M)
    assert m is not None, (section, key)
    value_start = start + m.end()
    if text.startswith('"""', value_start):
        close = text.index('"""', value_start + 3) + 3
    elif text.startswith("[", value_start):  # an array, possibly over several lines
        depth, in_string, close = 0, False, value_start
        while True:
            char = text[close]
            close += 1
            if char == '"':
                in_string = not in_string
            elif not in_string and char in "[]":
                depth += 1 if char == "[" else -1
                if depth == 0:
                    break
    else:
        close = text.index("\n", value_start)
    return start + m.start(), close


def set_value(text: str, section: str, key: str, value: str | None) -> str:
    """Replace ``key``'s value in ``[section]`` by a TOML literal, or drop the key (``None``)."""
    a, b = _key_span(text, section, key)
    return text[:a] + (f"{key} = {value}" if value is not None else "") + text[b:]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ethics.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- the metadata ------------------------------------------------------------------------------


def test_shipped_file_loads(meta: EthicsMetadata) -> None:
    assert meta.voorbeeld is True
    assert set(meta.bronnen.per_stem()) == set(SOURCE_STEMS)
    f = meta.fairness
    assert f.selectie_ratio_grenzen == (0.8, 1.25)
    assert (f.oververtegenwoordiging_grens, f.kalibratie_verschil_grens) == (1.25, 0.1)
    assert (f.min_groepsgrootte, f.bootstrap, f.populatie_aandeel_schatting) == (30, 500, 0.005)
    assert meta.controle.koppeling_zekerheid_min == 0.9
    assert meta.bewaren.bewaartermijn_dagen >= 1
    assert meta.algoritmeregister.status in ("In ontwikkeling", "In gebruik", "Buiten gebruik")
    for field, limit in REGISTER_LIMITS.items():
        assert len(getattr(meta.algoritmeregister, field)) < limit, field


def test_every_contract_file_has_a_legal_basis() -> None:
    assert {spec.stem for spec in CONTRACT} <= set(SOURCE_STEMS)


def test_fairness_table_feeds_the_audit_settings(meta: EthicsMetadata) -> None:
    from vastgoed.ethics.fairness import FairnessSettings

    settings = FairnessSettings(**meta.fairness.model_dump())
    assert settings.selectie_ratio_grenzen == (0.8, 1.25)
    assert settings.populatie_aandeel_schatting == 0.005


@pytest.mark.parametrize(
    ("section", "key", "value", "dotted"),
    [
        ("doel", "omschrijving", '""', "doel.omschrijving"),
        ("doel", "grenzen", "[]", "doel.grenzen"),
        ("afweging", "subsidiariteit", '"""\n   \n"""', "afweging.subsidiariteit"),
        ("bronnen.brp_inschrijvingen", "grondslag", '"   "', "bronnen.brp_inschrijvingen.grondslag"),
        ("bronnen.audit_kenmerken", "grondslag_link", '"TODO"', "bronnen.audit_kenmerken.grondslag_link"),
        ("bronnen.energie_verbruik", "noodzaak", None, "bronnen.energie_verbruik.noodzaak"),
        ("dpia", "kenmerk", '"<invullen: DPIA-kenmerk>"', "dpia.kenmerk"),
        ("iama", "datum", '""', "iama.datum"),
        ("iama", "link", '"invullen"', "iama.link"),
        ("bewaren", "bewaartermijn_dagen", None, "bewaren.bewaartermijn_dagen"),
        (
            "rollen.functionaris_gegevensbescherming",
            "contact",
            '"nog invullen"',
            "rollen.functionaris_gegevensbescherming.contact",
        ),
        ("algoritmeregister", "name", '"..."', "algoritmeregister.name"),
        ("algoritmeregister", "human_intervention", '"FIXME"', "algoritmeregister.human_intervention"),
        ("algoritmeregister", "process_index_url", '""', "algoritmeregister.process_index_url"),
        ("algoritmeregister", "tags", "[]", "algoritmeregister.tags"),
        ("algoritmeregister", "status", '""', "algoritmeregister.status"),
        ("fairness", "populatie_aandeel_schatting", None, "fairness.populatie_aandeel_schatting"),
        ("controle", "koppeling_zekerheid_min", None, "controle.koppeling_zekerheid_min"),
    ],
)
def test_blank_entry_is_named(tmp_path: Path, section: str, key: str, value: str | None, dotted: str) -> None:
    text = set_value(SHIPPED.read_text(encoding="utf-8"), section, key, value)
    with pytest.raises(EthicsIncomplete) as info:
        load_ethics(_write(tmp_path, text))
    assert info.value.ontbrekend == [dotted]
    assert dotted in str(info.value)
    assert isinstance(info.value, ConfigError)


def test_every_gap_is_listed_at_once(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = set_value(text, "bronnen.kadaster_eigendom", "grondslag", '""')
    text = set_value(text, "dpia", "conclusie", '"TBD"')
    text = set_value(text, "algoritmeregister", "category", '["Wonen", ""]')
    text = set_value(text, "algoritmeregister", "description_short", '"' + "x " * 200 + '"')
    text = text.replace('title = "Woningwet"', 'title = "todo"')
    start, end = _section_span(text, "bronnen.meldingen")
    text = text[: start - len("[bronnen.meldingen]")] + text[end:]  # a whole source left out
    with pytest.raises(EthicsIncomplete) as info:
        load_ethics(_write(tmp_path, text))
    assert sorted(info.value.ontbrekend) == sorted(
        [
            "bronnen.kadaster_eigendom.grondslag",
            "bronnen.meldingen",
            "dpia.conclusie",
            "algoritmeregister.category[1]",
            "algoritmeregister.lawful_basis_grouping[1].title",
        ]
    )
    assert info.value.te_lang == [("algoritmeregister.description_short", 400, 350)]


@pytest.mark.parametrize("field", sorted(REGISTER_LIMITS))
def test_too_long_register_text_is_refused(tmp_path: Path, field: str) -> None:
    limit = REGISTER_LIMITS[field]
    text = SHIPPED.read_text(encoding="utf-8")
    just_fits = set_value(text, "algoritmeregister", field, '"' + "a" * (limit - 1) + '"')
    assert len(getattr(load_ethics(_write(tmp_path, just_fits)).algoritmeregister, field)) == limit - 1
    too_long = set_value(text, "algoritmeregister", field, '"' + "ab" * limit + '"')
    with pytest.raises(EthicsIncomplete) as info:
        load_ethics(_write(tmp_path, too_long))
    assert info.value.ontbrekend == []
    assert info.value.te_lang == [(f"algoritmeregister.{field}", 2 * limit, limit)]
    assert str(limit) in str(info.value)


@pytest.mark.parametrize(
    ("section", "key", "value", "needle"),
    [
        ("fairness", "bootstrap", "-1", "fairness.bootstrap"),
        ("fairness", "selectie_ratio_grenzen", "[1.1, 1.3]", "fairness.selectie_ratio_grenzen"),
        ("fairness", "kalibratie_verschil_grens", "2.0", "fairness.kalibratie_verschil_grens"),
        ("controle", "koppeling_zekerheid_min", "1.5", "controle.koppeling_zekerheid_min"),
        ("algoritmeregister", "status", '"afgeschaft"', "algoritmeregister.status"),
        ("algoritmeregister", "contact_email", '"geen adres"', "algoritmeregister.contact_email"),
        ("dpia", "link", '"intranet/dpia"', "dpia.link"),
        ("algoritmeregister", "begin_date", '"maart 2025"', "algoritmeregister.begin_date"),
    ],
)
def test_invalid_values_are_a_config_error(
    tmp_path: Path, section: str, key: str, value: str, needle: str
) -> None:
    text = set_value(SHIPPED.read_text(encoding="utf-8"), section, key, value)
    with pytest.raises(ConfigError, match=re.escape(needle)) as info:
        load_ethics(_write(tmp_path, text))
    assert not isinstance(info.value, EthicsIncomplete)


def test_unknown_key_and_lenient_spellings(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dpia\.kenmrk: unknown key"):
        load_ethics(_write(tmp_path, text.replace("[dpia]\n", '[dpia]\nkenmrk = "x"\n')))
    text = set_value(text, "algoritmeregister", "status", '"in gebruik"')
    text = set_value(text, "algoritmeregister", "begin_date", "2025-03-01")
    loaded = load_ethics(_write(tmp_path, text)).algoritmeregister
    assert (loaded.status, loaded.begin_date) == ("In gebruik", "2025-03")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nergens" / "ethics.toml"
    with pytest.raises(ConfigError, match=re.escape(str(path))) as info:
        load_ethics(path)
    assert not isinstance(info.value, EthicsIncomplete)


def test_placeholders() -> None:
    for text in (
        "",
        "  ",
        "TODO",
        "todo: grondslag",
        "<invullen>",
        "[Invullen: kenmerk]",
        "nog invullen",
        "n.t.b.",
        "…",
        "FIXME later",
        "in te vullen door de gemeente",
    ):
        assert is_placeholder(text), text
    for text in (
        "Gemeente Maastricht",
        "Invullen van formulieren gebeurt door de medewerker.",
        "Todolijst",
        "0935",
    ):
        assert not is_placeholder(text), text


# --- the register entry ------------------------------------------------------------------------


def test_register_entry_is_complete(meta: EthicsMetadata) -> None:
    facts = make_facts()
    entry = algorithm_register(meta, facts)
    assert missing_register_fields(entry) == []
    assert register_length_violations(entry) == []
    assert set(REQUIRED_REGISTER_FIELDS) <= set(entry)
    json.dumps(entry)  # JSON-ready as it is
    assert entry["standard_version"] == "1.0"
    assert entry["lang"] == "NLD"
    assert entry["category"] == ["Openbare orde en veiligheid", "Wonen"]
    links = {item["link"] for item in entry["lawful_basis_grouping"]}
    assert {b.grondslag_link for b in meta.bronnen.per_stem().values()} <= links
    titles = [item["title"] for item in entry["impacttoetsen_grouping"]]
    assert any(meta.dpia.kenmerk in t for t in titles) and any(meta.iama.kenmerk in t for t in titles)
    assert len(entry["source_data_grouping"]) == len(meta.bronnen.per_stem())
    assert facts.model_version in entry["methods_and_models"]
    assert "bewoning (1)" in entry["methods_and_models"]
    assert entry["run"]["run_id"] == facts.run_id
    assert entry["run"]["peildatum"] == "2025-01-01"
    assert entry["run"]["generated_at"] == "2025-01-02T04:00:00+00:00"


def test_missing_register_fields_finds_gaps(meta: EthicsMetadata) -> None:
    entry = algorithm_register(meta, make_facts())
    entry["name"] = " "
    entry["tags"] = ""
    entry["goal"] = "invullen"
    entry["category"] = []
    entry["lawful_basis_grouping"][0]["link"] = ""
    del entry["publiccode"]
    entry["run"]["model_version"] = None
    assert missing_register_fields(entry) == [
        "name",
        "category",
        "goal",
        "lawful_basis_grouping[0].link",
        "publiccode",
        "tags",
        "run.model_version",
    ]


def test_register_technical_text_stays_under_its_limit(meta: EthicsMetadata) -> None:
    limit = REGISTER_LIMITS["methods_and_models"]
    long_text = "a" * (limit - 40)
    crowded = meta.model_copy(
        update={
            "algoritmeregister": meta.algoritmeregister.model_copy(update={"methods_and_models": long_text})
        }
    )
    entry = algorithm_register(crowded, make_facts())
    assert entry["methods_and_models"].startswith(long_text)
    assert len(entry["methods_and_models"]) < limit
    entry["description_short"] = "x" * 400
    assert register_length_violations(entry) == [
        "description_short: 400 characters, must be shorter than 350"
    ]


# --- model card and datasheet ------------------------------------------------------------------


def test_model_card_has_every_section(meta: EthicsMetadata) -> None:
    facts = make_facts()
    card = model_card_md(meta, facts)
    headings = re.findall(r"^## (.+)$", card, flags=re.M)
    assert headings == list(MITCHELL)
    assert facts.model_version in card and facts.run_id in card
    assert "0.771" in card and "0.677" in card  # model and rule baseline on the same rows
    assert "95% interval" in card
    assert "fairness.html" in card  # no summary given: the card points at the audit
    assert "BU09350702" in card  # per-buurt validation figures
    for grens in meta.doel.grenzen:
        assert grens in card
    assert "n_ingeschreven" in card  # a feature with a known proxy risk


def _world(*, synthetisch: bool) -> MeasuredOn:
    if synthetisch:
        return MeasuredOn(
            gemeentecode="0935", synthetisch=True, peildatum=dt.date(2025, 1, 1), generator=GENERATOR, seed=0
        )
    return MeasuredOn(
        gemeentecode="0935", gemeentenaam="Maastricht", synthetisch=False, peildatum=dt.date(2025, 1, 1)
    )


def test_model_card_names_the_world_and_carries_the_cross_world_table(meta: EthicsMetadata) -> None:
    cross = load_cross_world()
    assert cross is not None
    own = Validated(world=_world(synthetisch=True), cutoff=dt.date(2024, 1, 1), n_validation=305)
    card = model_card_md(meta, make_facts(validated=own))
    metrics = card[card.index("## Metrics") : card.index("## Evaluation data")]
    assert "**Gemeten op welke wereld.** Tijdsplitsing op de eigen onderzoeken" in metrics
    assert "305 validatieonderzoeken van 01-01-2024" in metrics and "seed 0" in metrics
    assert "**Measured on which world.**" in metrics
    assert metrics.index("Gemeten op welke wereld") < metrics.index("Measured on which world")  # Dutch first
    assert "> Let op: dit is de eigen wereld van de generator" in metrics and "> Note: this is" in metrics
    assert "### Over werelden heen · Across worlds" in metrics
    for row in ("| eigen generator van het project | 1 |", "| onafhankelijk geschreven gemeente | 1 |"):
        assert row in metrics
    assert "| the project's own generator | 1 |" in metrics
    assert f"Gemeten op {cross.day:%d-%m-%Y} bij commit {cross.commit}" in metrics
    assert f"Measured on {cross.day.isoformat()} at commit {cross.commit}" in metrics
    register = algorithm_register(meta, make_facts(validated=own))
    assert register["run"]["validatie"]["waarschuwing"].startswith("Let op:")
    # real extracts: the same table, the world named, no own-world warning
    real = Validated(world=_world(synthetisch=False), cutoff=dt.date(2024, 1, 1), n_validation=88)
    card = model_card_md(meta, make_facts(validated=real, synthetisch=False))
    assert "echte extracten, gemeente 0935 Maastricht, peildatum 01-01-2025" in card
    assert "Let op:" not in card and "| onafhankelijk geschreven gemeente | 1 |" in card
    assert algorithm_register(meta, make_facts(validated=real))["run"]["validatie"]["waarschuwing"] is None


def test_model_card_with_fairness_summary_and_no_training(meta: EthicsMetadata) -> None:
    facts = make_facts(
        training=None,
        synthetisch=False,
        fairness_summary={
            "vlaggen": [
                {
                    "id": "model:buurt:BU09350101:selectie",
                    "maat": "selectie",
                    "waarde": 1.7,
                    "grens": "0.8-1.25",
                }
            ],
            "n_vlaggen": 1,
            "herkomst_labels": {"onderzoeken": 999, "label_prevalentie": 0.34},
        },
    )
    card = model_card_md(meta, facts)
    assert re.findall(r"^## (.+)$", card, flags=re.M) == list(MITCHELL)
    assert "model:buurt:BU09350101:selectie" in card
    assert "did not train" in card
    assert "Synthetic data" not in card


def test_card_and_register_say_which_stored_models_were_used_and_why_one_was_trained(
    meta: EthicsMetadata,
) -> None:
    reason = (
        "the champion vastgoed-signal v1 (alias champion-0935-synthetisch) was trained on synthetic data "
        "of gemeente 0935; this data is real extracts of gemeente 0935"
    )
    facts = make_facts(
        synthetisch=False,
        model_binding={
            "signal_model": _choice(
                found="vastgoed-signal v1 (alias champion-0935-synthetisch)", reason=reason, trained_here=True
            ),
            "linkage_model": _choice(
                found="MLflow run abc", reason="fits", trained_here=False, fits=True, synthetisch=False
            ),
        },
    )
    card = " ".join(model_card_md(meta, facts).split())
    assert (
        "**Signal model:** trained in this run on real extracts of gemeente 0935 (peildatum 2025-01-01, "
        f"feature set `f00d`), because the stored model did not fit this data: {reason}."
    ) in card
    assert (
        "**Person linkage (Splink):** the stored model MLflow run abc, trained on real extracts of gemeente "
        "0935 (peildatum 2025-01-01, feature set `f00d`)."
    ) in card
    entry = algorithm_register(meta, facts)
    assert entry["run"]["model_binding"]["signal_model"] == {
        "used": "vastgoed-signal/v2",
        "trained_here": True,
        "fits": False,
        "reason": reason,
    }
    assert "in deze run getraind" in entry["methods_and_models"]
    assert algorithm_register(meta, make_facts())["run"]["model_binding"] is None


def test_datasheet_lists_every_source(meta: EthicsMetadata) -> None:
    facts = make_facts()
    sheet = datasheet_md(meta, facts)
    assert re.findall(r"^## (.+)$", sheet, flags=re.M) == list(GEBRU)
    for source in facts.sources:
        assert f"`{source['stem']}`" in sheet
        assert source["sha256"] in sheet
        assert source["extractdatum"].isoformat() in sheet
    for stem, bron in meta.bronnen.per_stem().items():
        assert f"`{stem}`" in sheet and bron.grondslag_link in sheet
    assert "`kleinverbruik`" in sheet.split("Configured but not delivered", 1)[1].split("\n", 1)[0]
    assert "45 of 55,000 rows" in sheet  # quarantine counts summed over the sources
    assert "2026-01-02" in sheet  # the run's purge date: started + bewaartermijn_dagen


# --- HTML: escaped, self-contained -------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "code", "strong", "em", "blockquote", "a", "br", "hr",
}  # fmt: skip


@pytest.mark.parametrize("which", ["model_card", "datasheet"])
def test_run_text_is_escaped_in_html(meta: EthicsMetadata, which: str) -> None:
    facts = hostile_facts()
    md = model_card_md(meta, facts) if which == "model_card" else datasheet_md(meta, facts)
    page = markdown_page("titel <b>", md)
    parser = _Tags()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;" in page
    for tag, attrs in parser.tags:
        assert "src" not in attrs and not any(k.startswith("on") for k in attrs), (tag, attrs)
        if tag == "a":
            assert (attrs.get("href") or "").startswith("https://"), attrs
    text = "".join(parser.text)
    assert '<script>alert("xss")</script>' in text  # shown as text, whole
    assert "[klik](javascript:alert(1))" in text  # no link made of it
    csp = next(a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy")
    assert csp == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert "<title>titel &lt;b&gt;</title>" in page


def test_hostile_text_keeps_tables_intact(meta: EthicsMetadata) -> None:
    sheet = datasheet_md(meta, hostile_facts())
    rows = [line for line in sheet.splitlines() if line.startswith("| `bag_verblijfsobjecten` |")]
    assert rows, sheet
    cells = re.split(r"(?<!\\)\|", rows[0].strip())[1:-1]
    assert len(cells) == 7  # the pipe in the hostile text did not add a column


def test_markdown_page_refuses_raw_html() -> None:
    page = markdown_page(
        "t", "# Kop\n\n<b>vet</b> <script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<b>" not in page and "<script>" not in page
    assert "&lt;b&gt;vet&lt;/b&gt;" in page
    assert "<table>" in page and "<h1>Kop</h1>" in page
    assert "http://" not in page and "https://" not in page


# --- files ---------------------------------------------------------------------------------------


FILES = ["algoritmeregister.json", "datasheet.html", "datasheet.md", "model_card.html", "model_card.md"]


def test_write_documents(tmp_path: Path, meta: EthicsMetadata) -> None:
    out = tmp_path / "run" / "ethics"
    paths = write_documents(out, meta, make_facts())
    assert sorted(paths) == FILES
    assert sorted(p.name for p in out.iterdir()) == FILES
    entry = json.loads(paths["algoritmeregister.json"].read_text(encoding="utf-8"))
    assert missing_register_fields(entry) == []
    assert paths["model_card.html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "## Model details" in paths["model_card.md"].read_text(encoding="utf-8")


def test_write_is_atomic(tmp_path: Path, meta: EthicsMetadata, monkeypatch: pytest.MonkeyPatch) -> None:
    write_documents(tmp_path, meta, make_facts())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_documents(tmp_path, meta, make_facts(run_id="tweede-run"))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no tmp file, old files intact
