"""The records as they were before avtal.db (manifest.json and its journal), read once to move them in; file hashes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, WriteError
from ..files import disk_hash as disk_hash  # re-exported for the output modules
from ..files import file_hash as file_hash
from ..files import is_regular_file as is_regular_file
from ..files import regular_bytes as regular_bytes
from ..files import sha256 as sha256

MANIFEST_NAME = "manifest.json"
JOURNAL_NAME = ".manifest-journal.jsonl"
MIGRATED_SUFFIX = ".migrerad"  # what the two files are renamed to once avtal.db holds their records


@dataclass
class Legacy:
    """What manifest.json and its journal held: each agreement's entry (as JSON data) by id, the changes not yet reported."""

    entries: dict[str, Any] = field(default_factory=dict)
    unreported: list[Any] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # journal lines that could not be taken, each named
    files: list[Path] = field(default_factory=list)


def legacy_files(utdata: Path) -> list[Path]:
    """manifest.json and its journal, those that exist."""
    return [path for path in (utdata / MANIFEST_NAME, utdata / JOURNAL_NAME) if os.path.lexists(path)]


def read_legacy(utdata: Path) -> Legacy:
    """Read manifest.json (any format) and replay its journal, as the generator before avtal.db did.

    A manifest.json that cannot be read stops the run (WriteError naming it): its records would be lost. A
    journal line that cannot be taken (cut off by a killed run, or the wrong types) is skipped and named.
    """
    legacy = Legacy(files=legacy_files(utdata))
    path = utdata / MANIFEST_NAME
    if os.path.lexists(path):
        try:
            raw = json.loads(path.read_bytes())
            if not isinstance(raw, dict) or not isinstance(raw.get("avtal"), dict) or not isinstance(raw.get("ej_rapporterade", []), list):
                raise ValueError("\"avtal\" saknas eller är inte ett objekt")
        except (OSError, ValueError) as e:
            reason = e.strerror if isinstance(e, OSError) else e
            message = f"manifestet kan inte läsas ({reason}); ta bort filen och {JOURNAL_NAME} så görs alla avtal om"
            raise WriteError(Problem(str(path), "", message)) from e
        legacy.entries = dict(raw["avtal"])
        legacy.unreported = list(raw.get("ej_rapporterade", []))
    _replay(utdata / JOURNAL_NAME, legacy)
    return legacy


def _replay(journal: Path, legacy: Legacy) -> None:
    try:
        text = journal.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as e:
        legacy.problems.append(Problem(str(journal), "", f"journalen kan inte läsas ({e}); avtalen i den görs om", "varning"))
        return
    for number, line in enumerate(text.splitlines(), 1):
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("raden är inte ett objekt")
            if record.get("rapporterat") is True:
                legacy.unreported = []
                continue
            key, entry, change, removed = record["id"], record["avtal"], record.get("andring"), record.get("bort", [])
            if not isinstance(key, str) or not isinstance(entry, dict) or not isinstance(change, (dict, type(None))):
                raise ValueError("fälten id, avtal eller andring har fel typ")
            if not isinstance(removed, list) or not all(isinstance(old, str) for old in removed):
                raise ValueError("fältet bort har fel typ")
        except (ValueError, KeyError) as e:
            message = f"rad {number} kan inte läsas ({e}) och hoppades över; det avtal den gällde görs om"
            legacy.problems.append(Problem(str(journal), f"rad {number}", message, "varning"))
            continue
        for old in removed:
            legacy.entries.pop(old, None)
        legacy.entries[key] = entry
        if change:
            legacy.unreported.append(change)
