"""Free text of the audit log (rationales, conditions, notes, reasons): checked, and kept outside the chain.

The audit log can never be edited, so nothing identifying may enter it. Free text is therefore

1. **checked** before it is accepted (:func:`check_texts`): against the run's own known identifiers
   (the names and birth dates of its input, :func:`run_identifiers`, via
   :func:`vastgoed.ethics.privacy.identifiers_in_text`), and by form: a 9-digit number passing the
   11-proef also when written with spaces, dots or dashes (``010 005 833``), and a date after a
   birth word also when the month is written out (``geboren op 25 maart 1974``). A refusal names
   the field and the *kind* of identifier, never the text, so it can go to a page and a log.
2. **stored outside the chain** (:class:`TextStore`): the text and a random salt in
   ``OUT/governance/audit-teksten.sqlite``; the entry holds a reference and
   ``sha256(salt + text)``, so the chain proves which text was given without holding it.
   Erasing (:meth:`TextStore.erase`, with SQLite's ``secure_delete`` so the bytes are overwritten)
   removes text and salt; the chain still verifies, and the hash can no longer be tied to a text.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from vastgoed.core.errors import VastgoedError
from vastgoed.core.identifiers import is_valid_bsn
from vastgoed.ethics.privacy import KnownIdentifiers, identifiers_in_text

__all__ = [
    "ALTERED",
    "ERASED",
    "TEXTS_FILE",
    "FreeTextRefused",
    "TextStore",
    "check_texts",
    "identifier_kinds",
    "run_identifiers",
]

_LOG = logging.getLogger(__name__)
TEXTS_FILE = "audit-teksten.sqlite"
#: What a reader sees of an erased text, and of a text that no longer matches its hash in the log.
ERASED = "(gewist)"
ALTERED = "(gewijzigd: komt niet overeen met het auditlog)"

_SEP = r"[ .\-]?"
# nine digits, with at most one space, dot or dash between them (010 005 833, 0100.05.833)
_SPACED_BSN_RE = re.compile(r"(?<![0-9A-Za-z])[0-9](?:" + _SEP + r"[0-9]){8}(?![0-9A-Za-z])")
_MONTHS = (
    r"jan(?:uari)?|feb(?:ruari)?|m(?:aa)?rt|apr(?:il)?|mei|jun(?:i)?|jul(?:i)?|aug(?:ustus)?"
    r"|sep(?:t(?:ember)?)?|okt(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|january|february|march|april|may|june|july|august|october|december"
)
_BIRTH_PHRASE_RE = re.compile(
    r"(?i)(?<![^\W\d_])(?:geboren|geboorte\s?datum|geb\.|born|date\s+of\s+birth|dob)(?![^\W\d_])"
    r"[^\n]{0,20}?(?<![0-9])[0-9]{1,2}\s*(?:" + _MONTHS + r")\.?\s*[0-9]{2,4}(?![0-9])"
)


class FreeTextRefused(VastgoedError):
    """Free text holds an identifier; the message names the field and the kind, never the text."""

    def __init__(self, found: Mapping[str, list[str]]) -> None:
        self.found = {name: list(kinds) for name, kinds in found.items()}
        parts = "; ".join(f"{name}: {', '.join(kinds)}" for name, kinds in self.found.items())
        super().__init__(
            f"refused: the text holds a direct identifier ({parts}); the audit record must not hold "
            "one: write what was found, not who (the text is not repeated and was not stored)"
        )


def identifier_kinds(text: str, known: KnownIdentifiers | None = None) -> list[str]:
    """The kinds of identifier in ``text`` (``bsn``, ``naam``, ``geboortedatum``), each once, in order."""
    kinds = [hit.split(":", 1)[0] for hit in identifiers_in_text(text, known)]
    if any(is_valid_bsn(re.sub(r"[ .\-]", "", m.group())) for m in _SPACED_BSN_RE.finditer(text)):
        kinds.append("bsn")
    if _BIRTH_PHRASE_RE.search(text):
        kinds.append("geboortedatum")
    return list(dict.fromkeys(kinds))


def check_texts(texts: Mapping[str, str], known: KnownIdentifiers | None = None) -> None:
    """Refuse free text that holds an identifier.

    Raises:
        FreeTextRefused: naming each field and the kinds found in it, never the text.
    """
    found = {name: kinds for name, text in texts.items() if text and (kinds := identifier_kinds(text, known))}
    if found:
        raise FreeTextRefused(found)


def run_identifiers(run_dir: Path) -> KnownIdentifiers | None:
    """The names and birth dates of a run's input (its ``run.json`` names the data folder).

    Read once per process and folder. None when the folder is gone or cannot be read: then only the
    forms are checked (a warning says so).
    """
    try:
        info = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        folder = Path(str(info["data"]["folder"]))
        hashes = json.dumps(info["data"].get("hashes_sha256", {}), sort_keys=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _identifiers_of(str(folder.resolve()), hashes)


@functools.lru_cache(maxsize=4)
def _identifiers_of(folder: str, hashes: str) -> KnownIdentifiers | None:
    from vastgoed.ingest import ingest

    if not (Path(folder) / "manifest.toml").is_file():
        _LOG.warning("the run's data folder is not available: free text is checked by form, not for names")
        return None
    try:
        return KnownIdentifiers.from_tables(ingest(Path(folder)).tables)
    except VastgoedError as exc:
        _LOG.warning("the run's data cannot be read (%s): free text is checked by form, not for names", exc)
        return None


class TextStore:
    """Free text of the audit log's entries, by reference, in ``audit-teksten.sqlite`` of its folder."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / TEXTS_FILE

    def _connect(self) -> sqlite3.Connection:
        if not self.path.exists():  # owner-only from the start, whatever the caller's umask
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("PRAGMA secure_delete = ON")  # erased text is overwritten, not left in free pages
        conn.execute("CREATE TABLE IF NOT EXISTS teksten (ref TEXT PRIMARY KEY, zout TEXT, tekst TEXT)")
        return conn

    def put(self, texts: Mapping[str, str]) -> dict[str, dict[str, str]]:
        """Store the non-empty texts; what the entry holds of each: ``{"ref": ..., "sha256": ...}``."""
        sealed: dict[str, dict[str, str]] = {}
        rows = []
        for name, text in texts.items():
            if not text:
                continue
            ref, salt = secrets.token_hex(16), secrets.token_hex(16)
            rows.append((ref, salt, text))
            sealed[name] = {"ref": ref, "sha256": _digest(salt, text)}
        if rows:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn, conn:
                conn.executemany("INSERT INTO teksten (ref, zout, tekst) VALUES (?, ?, ?)", rows)
        return sealed

    def get(self, sealed: Mapping[str, Any] | None) -> str:
        """The text an entry refers to; :data:`ERASED` when erased, :data:`ALTERED` when it was edited."""
        if not sealed:
            return ""
        if not self.path.is_file():
            return ERASED
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT zout, tekst FROM teksten WHERE ref = ?", (str(sealed.get("ref")),)
            ).fetchone()
        if row is None:
            return ERASED
        salt, text = str(row[0]), str(row[1])
        return text if hmac.compare_digest(_digest(salt, text), str(sealed.get("sha256"))) else ALTERED

    def erase(self, refs: Iterable[str]) -> int:
        """Remove these texts and their salts; the number removed."""
        refs = list(refs)
        if not refs or not self.path.is_file():
            return 0
        with closing(self._connect()) as conn, conn:
            return sum(conn.execute("DELETE FROM teksten WHERE ref = ?", (r,)).rowcount for r in refs)


def _digest(salt: str, text: str) -> str:
    return hashlib.sha256((salt + text).encode("utf-8")).hexdigest()
