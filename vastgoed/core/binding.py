"""What a stored model was trained on, and whether it fits the data of a run.

Every stored model is bound to its data: the gemeente, whether the data was synthetic, the
peildatum and the feature set (for the Splink person model: its comparisons and blocking rules).
A run scores and links only with a model of the same gemeente, the same kind of data and the same
feature set. The peildatum is recorded and reported, not required to match: next quarter's
extracts of a municipality use the same champion.

A model stored without this record (before models were bound to their data) fits nothing.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from vastgoed.core.errors import VastgoedError

__all__ = [
    "BINDING_TAG_PREFIX",
    "ModelBinding",
    "ModelChoice",
    "ModelChoices",
    "ModelMismatchError",
    "mismatch_text",
]

#: The prefix of the MLflow tags that carry a model's binding (``vastgoed.binding.gemeentecode``, ...).
BINDING_TAG_PREFIX = "vastgoed.binding."
_FIELDS = ("gemeentecode", "synthetisch", "peildatum", "feature_hash")

ModelKind = Literal["signal", "linkage"]
_WHAT = {"signal": "signal model", "linkage": "person linkage (Splink)"}
_WAT = {"signal": "Signaalmodel", "linkage": "Persoonskoppeling (Splink)"}


@dataclass(frozen=True, kw_only=True)
class ModelBinding:
    """The data a model was trained on, or the data a run is about to score.

    Attributes:
        gemeentecode: The manifest's CBS municipality code.
        synthetisch: The manifest's ``synthetisch``: generated data (true) or real extracts.
        peildatum: The manifest's peildatum.
        feature_hash: A short hash of the feature set (signal model: the features in model order
            with their catalogue meaning; Splink model: its comparisons and blocking rules).
    """

    gemeentecode: str
    synthetisch: bool
    peildatum: dt.date
    feature_hash: str

    @property
    def kind(self) -> str:
        """``synthetisch`` or ``echt``: the kind of data, as aliases and tags name it."""
        return "synthetisch" if self.synthetisch else "echt"

    def describe(self) -> str:
        """``synthetic data of gemeente 0935`` or ``real extracts of gemeente 0935``."""
        kind = "synthetic data" if self.synthetisch else "real extracts"
        return f"{kind} of gemeente {self.gemeentecode}"

    def beschrijving(self) -> str:
        """The same in Dutch, for the report: ``synthetische gegevens van gemeente 0935``."""
        kind = "synthetische gegevens" if self.synthetisch else "echte extracten"
        return f"{kind} van gemeente {self.gemeentecode}"

    def mismatches(self, data: ModelBinding) -> tuple[str, ...]:
        """The fields in which a model bound to this does not fit ``data``; empty when it fits."""
        return tuple(
            name
            for name in ("gemeentecode", "synthetisch", "feature_hash")
            if getattr(self, name) != getattr(data, name)
        )

    def fits(self, data: ModelBinding) -> bool:
        """Same gemeente, same kind of data, same feature set (the peildatum may differ)."""
        return not self.mismatches(data)

    def to_tags(self, prefix: str = BINDING_TAG_PREFIX) -> dict[str, str]:
        """The binding as MLflow tags."""
        return {
            f"{prefix}gemeentecode": self.gemeentecode,
            f"{prefix}synthetisch": str(self.synthetisch).lower(),
            f"{prefix}peildatum": self.peildatum.isoformat(),
            f"{prefix}feature_hash": self.feature_hash,
        }

    @classmethod
    def from_tags(cls, tags: Mapping[str, str], prefix: str = BINDING_TAG_PREFIX) -> ModelBinding | None:
        """The binding recorded in tags; None when a tag is missing or malformed (an unbound model)."""
        values = {name: tags.get(f"{prefix}{name}") for name in _FIELDS}
        if any(v is None or v == "" for v in values.values()):
            return None
        if values["synthetisch"] not in ("true", "false"):
            return None
        try:
            peildatum = dt.date.fromisoformat(str(values["peildatum"]))
        except ValueError:
            return None
        return cls(
            gemeentecode=str(values["gemeentecode"]),
            synthetisch=values["synthetisch"] == "true",
            peildatum=peildatum,
            feature_hash=str(values["feature_hash"]),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (run.json)."""
        return {
            "gemeentecode": self.gemeentecode,
            "synthetisch": self.synthetisch,
            "peildatum": self.peildatum.isoformat(),
            "feature_hash": self.feature_hash,
        }


def mismatch_text(model: ModelBinding | None, data: ModelBinding, what: str) -> str:
    """Why ``what`` (e.g. ``the champion v3``), bound to ``model``, does not fit ``data``, in one line."""
    if model is None:
        return (
            f"{what} records no data it was trained on (stored before models were bound to their data); "
            f"this data is {data.describe()}"
        )
    differ = model.mismatches(data)
    if "gemeentecode" in differ or "synthetisch" in differ:
        return f"{what} was trained on {model.describe()}; this data is {data.describe()}"
    if "feature_hash" in differ:
        return (
            f"{what} was trained on another feature set (hash {model.feature_hash}) than this engine builds "
            f"(hash {data.feature_hash})"
        )
    return f"{what} was trained on {model.describe()}, as this data is"


@dataclass(frozen=True, kw_only=True)
class ModelChoice:
    """How a run chose one of its models: what it looked for, what it found, what it used.

    Attributes:
        model: ``signal`` (the registered LightGBM model) or ``linkage`` (the Splink person model).
        looked_for: This run's data, with this engine's feature set.
        found: The stored model looked at (``vastgoed-signal v3 (alias champion-0935-echt)``,
            ``MLflow run <id>``); None when the store holds none.
        found_binding: What that model was trained on; None when it records nothing (or none found).
        fits: Whether the found model fits this data (and was used).
        reason: Why it was used or not, in one line.
        trained_here: Whether this run trained the model it used (or a challenger, with ``--train``).
        used: The model the run used in the end (set once known).
    """

    model: ModelKind
    looked_for: ModelBinding
    found: str | None
    found_binding: ModelBinding | None
    fits: bool
    reason: str
    trained_here: bool
    used: str = ""

    @property
    def refused(self) -> bool:
        """A stored model was found but did not fit this data."""
        return self.found is not None and not self.fits

    @property
    def from_later(self) -> bool:
        """The stored model used was trained at a later peildatum than this data's.

        It fits (the peildatum is not compared) but may have learnt from outcomes after this
        data's peildatum, which matters when scoring an earlier quarter again.
        """
        found = self.found_binding
        return self.fits and found is not None and found.peildatum > self.looked_for.peildatum

    def warning(self) -> str | None:
        """The operator's line about a stored model, when there is something to say; else None.

        Said when the model was not used because it did not fit, or was used but trained at a
        later peildatum than this data's.
        """
        if self.from_later:
            assert self.found_binding is not None
            return (
                f"{_WHAT[self.model]}: {self.found} was trained at peildatum "
                f"{self.found_binding.peildatum.isoformat()}, after this data's "
                f"{self.looked_for.peildatum.isoformat()}: it may have learnt from later outcomes"
            )
        if not self.refused:
            return None
        action = "a model was trained on this data instead" if self.trained_here else "not used"
        return f"{_WHAT[self.model]}: {self.reason}; {action}"

    def melding(self) -> str | None:
        """The same as :meth:`warning` in Dutch, for the report's readers; else None."""
        if self.from_later:
            assert self.found_binding is not None
            return (
                f"{_WAT[self.model]}: het gebruikte model {self.found} is getraind met peildatum "
                f"{self.found_binding.peildatum:%d-%m-%Y}, na de peildatum van deze gegevens "
                f"({self.looked_for.peildatum:%d-%m-%Y}): het kan uitkomsten van later hebben gezien."
            )
        if not self.refused:
            return None
        found, data = self.found_binding, self.looked_for
        if found is None:
            why = "vermeldt niet op welke gegevens het is getraind (opgeslagen vóór die vastlegging)"
        elif {"gemeentecode", "synthetisch"} & set(found.mismatches(data)):
            why = f"is getraind op {found.beschrijving()}; deze run gaat over {data.beschrijving()}"
        else:
            why = "is getraind op een andere kenmerkenset dan deze versie van de engine maakt"
        action = " Daarom is in deze run een eigen model getraind." if self.trained_here else ""
        return f"{_WAT[self.model]}: het opgeslagen model {self.found} {why}.{action}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (run.json ``model_binding``)."""
        return {
            "looked_for": self.looked_for.to_json(),
            "found": self.found,
            "found_trained_on": None if self.found_binding is None else self.found_binding.to_json(),
            "fits": self.fits,
            "reason": self.reason,
            "trained_here": self.trained_here,
            "used": self.used,
        }


@dataclass(frozen=True, kw_only=True)
class ModelChoices:
    """How a run chose its two stored models: run.json's ``model_binding``."""

    signal: ModelChoice
    linkage: ModelChoice

    def warnings(self) -> list[str]:
        """The operator's lines: each stored model that did not fit this data."""
        return [w for c in (self.signal, self.linkage) if (w := c.warning()) is not None]

    def meldingen(self) -> list[str]:
        """The same in Dutch, for the report."""
        return [m for c in (self.signal, self.linkage) if (m := c.melding()) is not None]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``signal_model`` and ``linkage_model``."""
        return {"signal_model": self.signal.to_json(), "linkage_model": self.linkage.to_json()}


class ModelMismatchError(VastgoedError):
    """No stored model fits this data and the run may not train one (``--no-train``).

    Args:
        reasons: Per model, why none fits (the mismatch, named).
        command: The command that trains them.
    """

    def __init__(self, reasons: Sequence[str], command: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        self.command = tuple(command)
        super().__init__(
            "no stored model fits this data and --no-train forbids training one: "
            + "; ".join(self.reasons)
            + f". Train them with `{shlex.join(self.command)}`"
        )

    def __reduce__(self) -> tuple[type[ModelMismatchError], tuple[tuple[str, ...], tuple[str, ...]]]:
        return (type(self), (self.reasons, self.command))

    def with_arguments(self, extra: Sequence[str]) -> ModelMismatchError:
        """The same error with arguments added to its command (the CLI adds its ``--config``)."""
        return ModelMismatchError(self.reasons, (*self.command, *extra))
