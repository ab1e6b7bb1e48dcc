"""Manifest: what each output was made from, so unchanged agreements are not regenerated, and what is not yet reported."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problem, WriteError
from .write import write_atomic

MANIFEST_NAME = "manifest.json"
# One line per agreement written since the manifest was last saved: a run killed part-way loses nothing.
JOURNAL_NAME = ".manifest-journal.jsonl"
# Format 2: one agreement per line, input paths recorded normalised. Format 1 (indented, paths as given) is read too.
FORMAT = 2
COMPACT_AFTER = 256  # journal lines after which close() writes manifest.json whole again


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

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON data; shallow (unlike dataclasses.asdict), which keeps saving a large manifest fast."""
        return {**vars(self), "dokument": {name: vars(doc) for name, doc in self.dokument.items()}}


@dataclass
class Manifest:
    """Every agreement's entry by id: ``utdata/manifest.json`` plus the journal of what was written since.

    A run appends one journal line per agreement it writes, so regenerating one agreement costs the
    same with ten agreements in the folder as with a thousand. ``close()`` folds the journal into
    manifest.json when it has grown long (``COMPACT_AFTER`` lines), when there was no manifest yet,
    when its format is older, or when a line was cut off by a killed run. ``load()`` reads both, so
    everything that reads the manifest sees every agreement written.

    ``unreported`` holds the changes written but not yet in a change report (a run stopped before
    its report leaves them for the next run's report).
    """

    path: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    unreported: list[dict[str, Any]] = field(default_factory=list)
    format: int = FORMAT
    journal_lines: int = 0
    damaged: bool = False  # the journal has a line cut off by a killed run

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
                manifest.format = int(raw.get("format", 1))
                manifest.unreported = list(raw.get("ej_rapporterade", []))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                reason = e.strerror if isinstance(e, OSError) else e
                raise WriteError(Problem(str(path), "", f"manifestet kan inte läsas ({reason}); ta bort filen och {JOURNAL_NAME} så görs alla avtal om")) from e
        manifest._replay()
        return manifest

    def _replay(self) -> None:
        """Apply what runs recorded in the journal after the manifest was last written whole."""
        try:
            text = self.journal.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        if text and not text.endswith("\n"):
            self.damaged = True  # a killed run cut its last line: never append after it
        for line in text.splitlines():
            self.journal_lines += 1
            try:
                record = json.loads(line)
                if record.get("rapporterat"):
                    self.unreported = []
                    continue
                entry = Entry.from_json(record["avtal"])
            except (ValueError, KeyError, TypeError, AttributeError):
                self.damaged = True
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
        self._append({"id": key, "avtal": entry.to_json(), "andring": change, "bort": removed})

    def update(self, key: str) -> None:
        """Journal the entry for ``key`` again after it was changed in place (the hash of a new PDF)."""
        self._append({"id": key, "avtal": self.entries[key].to_json(), "andring": None, "bort": []})

    def mark_reported(self) -> None:
        """Every unreported change is now in a change report."""
        self.unreported = []
        self._append({"rapporterat": True})

    def _append(self, record: dict[str, Any]) -> None:
        if self.damaged:
            self.save()  # start a fresh journal rather than append after a cut-off line
        fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(_dumps(record) + "\n")
            f.flush()
        self.journal_lines += 1

    def close(self) -> None:
        """End of a run: fold the journal into manifest.json when it is due (see the class docstring)."""
        exists = os.path.lexists(self.path)
        if self.damaged or self.journal_lines >= COMPACT_AFTER or (exists and self.format < FORMAT) or (self.journal_lines and not exists):
            self.save()
        elif self.journal_lines:
            with contextlib.suppress(FileNotFoundError):
                _fsync(self.journal)  # the run's lines survive a power cut, as a saved manifest would

    def save(self) -> None:
        """Write the whole manifest atomically, one agreement per line, and drop the journal it now contains.

        Each line is encoded without indentation, which lets json use its C encoder (several times faster
        than indented output), and a diff still shows which agreements changed.
        """
        lines = [f"{_dumps(key)}: {_dumps(self.entries[key].to_json())}" for key in sorted(self.entries)]
        text = f'{{"format": {FORMAT}, "avtal": {{\n' + ",\n".join(lines) + "\n}"
        if self.unreported:
            text += f', "ej_rapporterade": {_dumps(self.unreported)}'
        write_atomic(self.path, (text + "}\n").encode("utf-8"))
        self.format = FORMAT
        self.damaged = False
        self.journal_lines = 0
        with contextlib.suppress(FileNotFoundError):
            self.journal.unlink()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
