"""Turning an extract's bytes into text: UTF-8 first, then the declared or fallback encoding.

The encoding is decided for the file, the damage per row. A file that is UTF-8 but for a few
invalid bytes is read as UTF-8, each invalid byte sequence kept in the text as the marker
:data:`INVALID_BYTES`, so that the rows holding one are quarantined (naming row and column) and
every other row keeps its accents. A file whose non-ASCII bytes are mostly not UTF-8 is in another
encoding: it is read in the declared one, or the fallback (with a warning), and refused when the
manifest declares it UTF-8.

The threshold, in bytes: a file is UTF-8 with damage when more than half of its non-ASCII bytes
belong to valid UTF-8 sequences (:func:`_mostly_utf8`). A Windows-1252 or Latin-1 file has almost
none (an accented letter is one byte there, and a lone byte of 0x80 or more is never valid UTF-8);
a UTF-8 file with one stray ``0xE9`` in a file of ``José``s has nearly all.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from vastgoed.core.errors import DataError

__all__ = ["INVALID_BYTES", "Decoded", "decode_bytes"]

# UTF-8 decoding cannot rule these out (ASCII text in UTF-16 is valid UTF-8 with NUL bytes), so a
# declared encoding of this family is used directly instead of trying UTF-8 first.
_WIDE = ("utf-16", "utf-32")

#: Stands in the text for each invalid byte sequence of a damaged UTF-8 file: a Unicode
#: noncharacter (reserved for a program's internal use, never interchanged), so a value holding it
#: is known to be damaged (``vastgoed.ingest.checks.text_problem``).
INVALID_BYTES = "\ufdd0"

_UTF8 = "utf-8"


@dataclass(frozen=True)
class Decoded:
    """The text of a file and how it was obtained.

    Attributes:
        text: The decoded text, without a byte-order mark.
        encoding: The codec that decoded it (normalised Python codec name).
        warning: A message to report when the encoding was guessed or the file damaged, else None.
        damaged: Invalid byte sequences in a file read as UTF-8 (each is :data:`INVALID_BYTES` in
            ``text``); 0 for a file decoded whole.

    """

    text: str
    encoding: str
    warning: str | None = None
    damaged: int = 0


def _codec(name: str, bestand: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise DataError("manifest.toml", f"unknown encoding '{name}'", kolom=f"encoding.{bestand}") from exc


def decode_bytes(data: bytes, bestand: str, *, declared: str | None, fallback: str) -> Decoded:
    """Decode a file's bytes.

    UTF-8 (with or without BOM) is tried first. A file that is mostly UTF-8 but holds invalid bytes is
    read as UTF-8 with each invalid sequence marked (:data:`INVALID_BYTES`), and a warning. Otherwise
    the encoding the manifest declares for the file is used; without a declaration, ``fallback`` is
    used and a warning is returned that names the file.

    Args:
        data: The raw bytes.
        bestand: The file's name, for messages.
        declared: The encoding the manifest's ``[encoding]`` table gives for the file, if any.
        fallback: The encoding to guess when the file is not UTF-8 and nothing is declared.

    Returns:
        The decoded text and the encoding used.

    Raises:
        DataError: The bytes cannot be decoded with the encoding that applies; or the manifest
            declares the file UTF-8 and most of its non-ASCII bytes are not.

    """
    declared_codec = _codec(declared, bestand) if declared else None
    if declared_codec is not None and declared_codec.startswith(_WIDE):
        return _decode(data, declared_codec, bestand, None)
    try:
        text = data.decode(_UTF8)
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(text.removeprefix("\ufeff"), _UTF8)
    if declared_codec in (None, _UTF8, "utf-8-sig") and _mostly_utf8(data):
        return _damaged_utf8(data, bestand)
    if declared_codec in (_UTF8, "utf-8-sig"):
        raise DataError(
            bestand,
            "declared UTF-8 in the manifest, but most of its non-ASCII bytes are not valid UTF-8 "
            "(another encoding?); declare the file's encoding in [encoding]",
        )
    if declared_codec is not None:
        return _decode(data, declared_codec, bestand, None)
    fallback_codec = _codec(fallback, bestand)
    return _decode(
        data,
        fallback_codec,
        bestand,
        f"{bestand}: not valid UTF-8 and no encoding declared in the manifest; read as {fallback_codec}",
    )


def _invalid_bytes(data: bytes) -> tuple[str, int]:
    """The text of ``data`` as UTF-8, each invalid byte as a lone surrogate; and how many there are."""
    text = data.decode(_UTF8, errors="surrogateescape")
    # each invalid byte became one surrogate, which an encode that ignores errors drops
    return text, len(data) - len(text.encode(_UTF8, errors="ignore"))


def _mostly_utf8(data: bytes) -> bool:
    """More than half of the non-ASCII bytes belong to valid UTF-8 sequences."""
    non_ascii = len(data.translate(None, bytes(range(0x80))))  # the ASCII bytes deleted
    _, invalid = _invalid_bytes(data)
    return non_ascii - invalid > invalid


def _damaged_utf8(data: bytes, bestand: str) -> Decoded:
    """UTF-8 text with each invalid byte sequence replaced by :data:`INVALID_BYTES`."""
    text = data.decode(_UTF8, errors=_MARK).removeprefix("\ufeff")
    damaged = text.count(INVALID_BYTES)
    return Decoded(
        text,
        _UTF8,
        f"{bestand}: UTF-8 with {damaged} invalid byte sequence(s); the rows holding them are quarantined",
        damaged=damaged,
    )


def _mark(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: one :data:`INVALID_BYTES` for each invalid sequence."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return INVALID_BYTES, exc.end


_MARK = "vastgoed-invalid-bytes"
codecs.register_error(_MARK, _mark)


def _decode(data: bytes, codec: str, bestand: str, warning: str | None) -> Decoded:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DataError(bestand, f"cannot be decoded as {codec}: {exc.reason} at byte {exc.start}") from exc
    return Decoded(text.removeprefix("\ufeff"), codec, warning)
