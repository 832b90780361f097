"""Turning an extract's bytes into text: UTF-8 first, then the declared or fallback encoding."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from vastgoed.core.errors import DataError

__all__ = ["Decoded", "decode_bytes"]

# UTF-8 decoding cannot rule these out (ASCII text in UTF-16 is valid UTF-8 with NUL bytes), so a
# declared encoding of this family is used directly instead of trying UTF-8 first.
_WIDE = ("utf-16", "utf-32")


@dataclass(frozen=True)
class Decoded:
    """The text of a file and how it was obtained.

    Attributes:
        text: The decoded text, without a byte-order mark.
        encoding: The codec that decoded it (normalised Python codec name).
        warning: A message to report when the encoding was guessed, else None.

    """

    text: str
    encoding: str
    warning: str | None = None


def _codec(name: str, bestand: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise DataError("manifest.toml", f"unknown encoding '{name}'", kolom=f"encoding.{bestand}") from exc


def decode_bytes(data: bytes, bestand: str, *, declared: str | None, fallback: str) -> Decoded:
    """Decode a file's bytes.

    UTF-8 (with or without BOM) is tried first. If the bytes are not UTF-8, the encoding the manifest
    declares for the file is used; without a declaration, ``fallback`` is used and a warning is
    returned that names the file.

    Args:
        data: The raw bytes.
        bestand: The file's name, for messages.
        declared: The encoding the manifest's ``[encoding]`` table gives for the file, if any.
        fallback: The encoding to guess when the file is not UTF-8 and nothing is declared.

    Returns:
        The decoded text and the encoding used.

    Raises:
        DataError: The bytes cannot be decoded with the encoding that applies.

    """
    declared_codec = _codec(declared, bestand) if declared else None
    if declared_codec is not None and declared_codec.startswith(_WIDE):
        return _decode(data, declared_codec, bestand, None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(text.removeprefix("\ufeff"), "utf-8")
    if declared_codec is not None:
        return _decode(data, declared_codec, bestand, None)
    fallback_codec = _codec(fallback, bestand)
    return _decode(
        data,
        fallback_codec,
        bestand,
        f"{bestand}: not valid UTF-8 and no encoding declared in the manifest; read as {fallback_codec}",
    )


def _decode(data: bytes, codec: str, bestand: str, warning: str | None) -> Decoded:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DataError(bestand, f"cannot be decoded as {codec}: {exc.reason} at byte {exc.start}") from exc
    return Decoded(text.removeprefix("\ufeff"), codec, warning)
