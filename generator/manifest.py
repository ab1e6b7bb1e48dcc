"""Manifest: what each output was made from, so unchanged agreements are not regenerated, and what is not yet reported."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, WriteError
from .write import write_atomic

MANIFEST_NAME = "manifest.json"
# One line per agreement written since the manifest was last saved: a run killed part-way loses nothing.
JOURNAL_NAME = ".manifest-journal.jsonl"
FORMAT = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    return sha256(path.read_bytes())


def disk_hash(path: Path) -> str | None:
    """Hash of ``path`` when it is a regular file (not followed if a link); None when missing or anything else."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    try:
        return file_hash(path)
    except OSError:
        return None


@dataclass
class Document:
    """One generated file: the template it came from (with hash) and the hash of what was written (empty: not written)."""

    mall: str
    mall_hash: str
    hash: str
    pdf_hash: str | None = None


@dataclass
class Entry:
    """One agreement in the manifest; ``beroenden`` is the fingerprint of schemas, generator and libraries it was made with."""

    fil: str
    data_hash: str
    generator: str
    genererad: str
    troskelvarden: dict[str, dict[str, Any]] = field(default_factory=dict)
    dokument: dict[str, Document] = field(default_factory=dict)
    belopp: dict[str, str] = field(default_factory=dict)
    varningar: list[str] = field(default_factory=list)
    beroenden: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Entry:
        docs = {name: Document(**doc) for name, doc in raw.get("dokument", {}).items()}
        return cls(**{**raw, "dokument": docs})


@dataclass
class Manifest:
    """Every agreement's entry by id; read from and written to ``utdata/manifest.json``.

    ``unreported`` holds the changes written but not yet in a change report (a run stopped before
    its report leaves them for the next run's report).
    """

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    unreported: list[dict[str, Any]] = field(default_factory=list)

    @property
    def journal(self) -> Path:
        return self.path.with_name(JOURNAL_NAME)

    @classmethod
    def load(cls, utdata: Path) -> Manifest:
        path = utdata / MANIFEST_NAME
        manifest = cls(path)
        if os.path.lexists(path):
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                manifest.entries = {key: Entry.from_json(value) for key, value in raw["avtal"].items()}
                manifest.unreported = list(raw.get("ej_rapporterade", []))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                reason = e.strerror if isinstance(e, OSError) else e
                raise WriteError(Problem(str(path), "", f"manifestet kan inte läsas ({reason}); ta bort filen så görs alla avtal om")) from e
        manifest._replay()
        return manifest

    def _replay(self) -> None:
        """Apply what an interrupted run recorded in the journal after the manifest was last saved."""
        try:
            lines = self.journal.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return
        for line in lines:
            try:
                record = json.loads(line)
                entry = Entry.from_json(record["avtal"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # the last line of a killed run may be cut off
            for key in record.get("bort", []):
                self.entries.pop(key, None)
            self.entries[record["id"]] = entry
            if record.get("andring"):
                self.unreported.append(record["andring"])

    def by_file(self) -> dict[str, tuple[str, Entry]]:
        return {entry.fil: (key, entry) for key, entry in self.entries.items()}

    def record(self, key: str, entry: Entry, change: dict[str, Any] | None, removed: list[str]) -> None:
        """Set the entry for ``key`` (dropping ``removed``) and append it to the journal at once."""
        for old in removed:
            self.entries.pop(old, None)
        self.entries[key] = entry
        if change:
            self.unreported.append(change)
        line = json.dumps({"id": key, "avtal": asdict(entry), "andring": change, "bort": removed}, ensure_ascii=False)
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()

    def save(self) -> None:
        body: dict[str, Any] = {"format": FORMAT, "avtal": {key: asdict(self.entries[key]) for key in sorted(self.entries)}}
        if self.unreported:
            body["ej_rapporterade"] = self.unreported
        write_atomic(self.path, (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
        with contextlib.suppress(FileNotFoundError):
            self.journal.unlink()
