"""Models bound to their data: the matching rule, its record in MLflow tags, and what a run says."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from features import catalogue, feature_set_hash
from linkage.persons import person_settings, settings_hash
from vastgoed.core.binding import ModelBinding, ModelChoice, ModelMismatchError, mismatch_text
from vastgoed.core.errors import VastgoedError
from vastgoed.tracking import champion_alias

SYNTHETIC = ModelBinding(
    gemeentecode="0935", synthetisch=True, peildatum=dt.date(2025, 1, 1), feature_hash="aaaa"
)
REAL = ModelBinding(
    gemeentecode="0935", synthetisch=False, peildatum=dt.date(2024, 1, 1), feature_hash="aaaa"
)

bindings = st.builds(
    ModelBinding,
    gemeentecode=st.sampled_from(["0935", "0917", "0363"]),
    synthetisch=st.booleans(),
    peildatum=st.dates(dt.date(2015, 1, 1), dt.date(2030, 12, 31)),
    feature_hash=st.sampled_from(["aaaa", "bbbb"]),
)


@given(bindings, bindings)
def test_a_model_fits_the_same_gemeente_kind_and_feature_set_whatever_the_peildatum(
    model: ModelBinding, data: ModelBinding
) -> None:
    same = (model.gemeentecode, model.synthetisch, model.feature_hash) == (
        data.gemeentecode,
        data.synthetisch,
        data.feature_hash,
    )
    assert model.fits(data) is same
    assert model.fits(data) is data.fits(model)


def test_synthetic_and_real_extracts_of_one_gemeente_do_not_fit_and_the_text_names_both() -> None:
    assert SYNTHETIC.mismatches(REAL) == ("synthetisch",)
    text = mismatch_text(SYNTHETIC, REAL, "the champion v1")
    assert text == (
        "the champion v1 was trained on synthetic data of gemeente 0935; "
        "this data is real extracts of gemeente 0935"
    )
    other_gemeente = ModelBinding(
        gemeentecode="0917", synthetisch=False, peildatum=REAL.peildatum, feature_hash="aaaa"
    )
    assert other_gemeente.mismatches(REAL) == ("gemeentecode",)
    assert "real extracts of gemeente 0917" in mismatch_text(other_gemeente, REAL, "it")


def test_another_feature_set_does_not_fit_and_a_model_bound_to_nothing_fits_nothing() -> None:
    other = ModelBinding(
        gemeentecode="0935", synthetisch=False, peildatum=REAL.peildatum, feature_hash="bbbb"
    )
    assert other.mismatches(REAL) == ("feature_hash",)
    assert "another feature set (hash bbbb)" in mismatch_text(other, REAL, "it")
    assert "before models were bound to their data" in mismatch_text(None, REAL, "the champion v1")


def test_the_binding_round_trips_through_tags_and_missing_or_malformed_tags_read_as_unbound() -> None:
    tags = REAL.to_tags()
    assert tags == {
        "vastgoed.binding.gemeentecode": "0935",
        "vastgoed.binding.synthetisch": "false",
        "vastgoed.binding.peildatum": "2024-01-01",
        "vastgoed.binding.feature_hash": "aaaa",
    }
    assert ModelBinding.from_tags(tags) == REAL
    assert ModelBinding.from_tags(REAL.to_tags("x."), "x.") == REAL
    # what an older engine tagged (gemeentecode, synthetisch, peildatum without the prefix) is no binding
    assert (
        ModelBinding.from_tags({"gemeentecode": "0935", "synthetisch": "false", "peildatum": "2024-01-01"})
        is None
    )
    for key, bad in [
        ("vastgoed.binding.feature_hash", ""),
        ("vastgoed.binding.synthetisch", "ja"),
        ("vastgoed.binding.peildatum", "01-01-2024"),
    ]:
        assert ModelBinding.from_tags(tags | {key: bad}) is None
    assert ModelBinding.from_tags({k: v for k, v in tags.items() if "feature_hash" not in k}) is None


def test_each_gemeente_and_kind_of_data_has_its_own_champion_alias() -> None:
    assert champion_alias(SYNTHETIC) == "champion-0935-synthetisch"
    assert champion_alias(REAL) == "champion-0935-echt"
    # MLflow's rule for alias names; "v<n>" and "latest" are reserved
    assert re.fullmatch(r"[\w\-]+", champion_alias(REAL)) and not re.fullmatch(
        r"[vV]\d+", champion_alias(REAL)
    )


def test_a_choice_warns_only_when_a_stored_model_was_refused() -> None:
    refused = ModelChoice(
        model="signal",
        looked_for=REAL,
        found="vastgoed-signal v1 (alias champion-0935-synthetisch)",
        found_binding=SYNTHETIC,
        fits=False,
        reason=mismatch_text(SYNTHETIC, REAL, "the champion v1"),
        trained_here=True,
    )
    warning = refused.warning()
    assert warning is not None and warning.startswith(
        "signal model: the champion v1 was trained on synthetic"
    )
    assert "trained on this data instead" in warning
    melding = refused.melding()
    assert melding is not None and "synthetische gegevens van gemeente 0935" in melding
    assert "echte extracten van gemeente 0935" in melding
    first = ModelChoice(
        model="linkage", looked_for=REAL, found=None, found_binding=None, fits=False, reason="none yet",
        trained_here=True,
    )  # fmt: skip
    assert first.warning() is None and first.melding() is None
    used = ModelChoice(
        model="signal", looked_for=REAL, found="v2", found_binding=REAL, fits=True, reason="fits",
        trained_here=False,
    )  # fmt: skip
    assert used.warning() is None and used.melding() is None
    # a fitting model trained at a later peildatum is used, and the run says so
    later = ModelChoice(
        model="signal",
        looked_for=REAL,
        found="v3",
        found_binding=dataclasses.replace(REAL, peildatum=dt.date(2024, 7, 1)),
        fits=True,
        reason="fits",
        trained_here=False,
    )
    assert later.warning() == (
        "signal model: v3 was trained at peildatum 2024-07-01, after this data's 2024-01-01: "
        "it may have learnt from later outcomes"
    )
    assert "01-07-2024" in (later.melding() or "")
    assert used.to_json()["found_trained_on"] == {
        "gemeentecode": "0935",
        "synthetisch": False,
        "peildatum": "2024-01-01",
        "feature_hash": "aaaa",
    }


def test_the_mismatch_error_names_the_mismatch_and_the_command_and_survives_a_worker() -> None:
    err = ModelMismatchError(
        ["the champion v1 was trained on synthetic data of gemeente 0935; this data is real extracts"],
        ["vastgoed", "run", "--train", "--data", "/data/echte extracten", "--out", "out"],
    ).with_arguments(["--config", "c.toml"])
    assert isinstance(err, VastgoedError)
    text = str(err)
    assert "trained on synthetic data of gemeente 0935" in text
    assert "`vastgoed run --train --data '/data/echte extracten' --out out --config c.toml`" in text
    assert str(pickle.loads(pickle.dumps(err))) == text


def test_the_feature_hashes_follow_the_feature_set_and_the_comparisons() -> None:
    names = [s.name for s in catalogue()]
    assert feature_set_hash(names) == feature_set_hash(list(names))
    assert feature_set_hash(names) != feature_set_hash(names[::-1])  # the model reads columns in order
    assert feature_set_hash(names) != feature_set_hash(names[:-1])
    assert settings_hash(person_settings()) == settings_hash(person_settings())
    changed = person_settings()
    changed["comparisons"] = changed["comparisons"][:-1]
    assert settings_hash(changed) != settings_hash(person_settings())


@pytest.mark.parametrize("model", [{}, {"comparisons": "not a list"}])
def test_a_dict_that_is_no_splink_model_never_hashes_like_the_current_one(model: dict[str, object]) -> None:
    assert settings_hash(model) != settings_hash(person_settings())
