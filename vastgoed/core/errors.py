"""The one exception hierarchy of vastgoed: every error names what is wrong and where."""

from __future__ import annotations

__all__ = ["ConfigError", "DataError", "VastgoedError"]


class VastgoedError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(VastgoedError):
    """A configuration file or setting is invalid."""


class DataError(VastgoedError):
    """A fatal problem with an input file: missing, undecodable, unparseable, or lacking a required column.

    Args:
        bestand: The file (stem or path) that is wrong.
        reden: Why, in one line.
        kolom: The column concerned, when there is one.
    """

    def __init__(self, bestand: str, reden: str, kolom: str | None = None) -> None:
        self.bestand = bestand
        self.kolom = kolom
        self.reden = reden
        where = f"{bestand}, column {kolom}" if kolom else bestand
        super().__init__(f"{where}: {reden}")

    def __reduce__(self) -> tuple[type[DataError], tuple[str, str, str | None]]:
        # raised in a shard's worker process, it must arrive whole in the process that waits for it
        return (type(self), (self.bestand, self.reden, self.kolom))
