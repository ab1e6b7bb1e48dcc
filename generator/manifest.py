"""Manifest: what each output was made from, so unchanged agreements are not regenerated."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, WriteError
from .write import write_atomic

MANIFEST_NAME = "manifest.json"
FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    return sha256(path.read_bytes())


@dataclass
class Document:
    """One generated file: the template it came from (with hash) and the hash of what was written."""

    mall: str
    mall_hash: str
    hash: str
    pdf_hash: str | None = None


@dataclass
class Entry:
    """One agreement in the manifest."""

    fil: str
    data_hash: str
    generator: str
    genererad: str
    troskelvarden: dict[str, dict[str, Any]] = field(default_factory=dict)
    dokument: dict[str, Document] = field(default_factory=dict)
    belopp: dict[str, str] = field(default_factory=dict)
    varningar: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Entry:
        docs = {name: Document(**doc) for name, doc in raw.get("dokument", {}).items()}
        return cls(**{**raw, "dokument": docs})


@dataclass
class Manifest:
    """Every agreement's entry by id; read from and written to ``utdata/manifest.json``."""

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, utdata: Path) -> Manifest:
        path = utdata / MANIFEST_NAME
        if not path.exists():
            return cls(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {key: Entry.from_json(value) for key, value in raw["avtal"].items()}
        except (ValueError, KeyError, TypeError) as e:
            raise WriteError(Problem(str(path), "", f"manifestet kan inte läsas ({e}); ta bort filen så görs alla avtal om")) from e
        return cls(path, entries)

    def by_file(self) -> dict[str, tuple[str, Entry]]:
        return {entry.fil: (key, entry) for key, entry in self.entries.items()}

    def save(self) -> None:
        body = {"format": FORMAT, "avtal": {key: asdict(self.entries[key]) for key in sorted(self.entries)}}
        write_atomic(self.path, (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
