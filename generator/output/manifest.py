"""Manifest: what each output was made from, so unchanged agreements are not regenerated, and what is not yet reported."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Problem, WriteError, os_reason
from .write import write_atomic

MANIFEST_NAME = "manifest.json"
# One line per agreement written since the manifest was last saved: a run killed part-way loses nothing.
JOURNAL_NAME = ".manifest-journal.jsonl"
# Format 2: one agreement per line, input paths recorded normalised. Format 1 (indented, paths as given) is read too.
FORMAT = 2
COMPACT_AFTER = 64  # journal lines after which close() writes manifest.json whole again (replaying them costs more)
# The lines save() writes: the head, one agreement per line (its key, then its entry, which begins with "fil"), the end.
_HEAD = f'{{"format": {FORMAT}, "avtal": {{\n'.encode()
_STRING = rb'"(?:[^"\\\n]|\\.)*"'
_LINE = re.compile(rb'(' + _STRING + rb'): (\{"fil": (' + _STRING + rb'), .*\}),?')
_KEY = re.compile(_STRING)
_END = re.compile(rb'\}(?:, "ej_rapporterade": (\[.*\]))?\}\n?')
# Input files looked up one by one (a search of the manifest's text each) before the whole text is parsed at once.
SEARCHES_BEFORE_WHOLE = 4


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    return sha256(path.read_bytes())


def is_regular_file(path: Path) -> bool:
    """True when ``path`` is a regular file itself (a link to one is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def regular_bytes(path: Path) -> bytes | None:
    """The content of ``path`` when it is a regular file (not followed if a link); None when missing, unreadable or anything else.

    Opened without following a link and without waiting (a FIFO put in its place never blocks the run), then
    checked to be a regular file on the open descriptor, so nothing can be swapped in between the check and the read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def disk_hash(path: Path) -> str | None:
    """Hash of ``path`` when it is a regular file (not followed if a link); None when missing or anything else."""
    data = regular_bytes(path)
    return sha256(data) if data is not None else None


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


class Entries(MutableMapping[str, Entry]):
    """The entries by id. Those in manifest.json are parsed only when needed.

    The common run regenerates one agreement in a folder of many: it finds that input's line by searching
    the text and parses just that line, so a thousand agreements cost a read and a search of the file,
    not a parse of every entry. Asking for every entry, or for many inputs, parses the whole text once. Entries set (by the journal or this
    run) and ids removed lie over the text.
    """

    def __init__(self, source: Path, text: bytes = b"", parsed: dict[str, Entry] | None = None) -> None:
        self._source = source
        self._text = text  # save()'s layout without its end, checked by Manifest._take_lines
        self._set: dict[str, Entry] = parsed if parsed is not None else {}  # given whole: read in full, journalled or recorded
        self._read: dict[str, Entry] = {}  # entries of the text parsed on use (perhaps changed in place since)
        self._gone: set[str] = set()  # ids removed since the text was read
        self._all: dict[str, dict[str, Any]] | None = None if text else {}  # every entry of the text, once parsed whole
        self._by_file: dict[str, list[str]] = {}  # fil -> ids in the text, once parsed whole
        self._searches = 0

    def __getitem__(self, key: str) -> Entry:
        found = self._set.get(key) or self._read.get(key)
        if found is not None:
            return found
        raw = None if key in self._gone else self._raw(key)
        if raw is None:
            raise KeyError(key)
        try:
            entry = Entry.from_json(raw)
        except (KeyError, TypeError, AttributeError) as e:
            raise WriteError(unreadable(self._source, e, key)) from e
        self._read[key] = entry
        return entry

    def __setitem__(self, key: str, entry: Entry) -> None:
        self._gone.discard(key)
        self._read.pop(key, None)
        self._set[key] = entry

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._set.pop(key, None)
        self._read.pop(key, None)
        self._gone.add(key)

    def __iter__(self) -> Iterator[str]:
        for key, _ in self.files():
            yield key

    def __len__(self) -> int:
        return sum(1 for _ in self.files())

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or key in self._gone:
            return False
        return key in self._set or key in self._read or self._raw(key) is not None

    def files(self) -> Iterator[tuple[str, str]]:
        """(id, input file) of every entry."""
        overlaid = [(key, entry.fil) for key, entry in self._set.items()]
        for key, raw in list(self._whole().items()):
            if key not in self._gone and key not in self._set:
                yield key, raw["fil"]
        yield from overlaid

    def ids_of(self, fil: str) -> list[str]:
        """Every id recorded for input file ``fil``."""
        self._searches += 1
        if self._all is None and self._searches <= SEARCHES_BEFORE_WHOLE:
            recorded = self._search_file(fil)
        else:
            self._whole()
            recorded = self._by_file.get(fil, [])
        found = [key for key in recorded if key not in self._gone and key not in self._set]
        return found + [key for key, entry in self._set.items() if entry.fil == fil]

    def json_text(self, key: str) -> str:
        """The entry as one line of JSON, encoded again when it was parsed (it may have changed), else as read."""
        entry = self._set.get(key) or self._read.get(key)
        if entry is not None:
            return _dumps(entry.to_json())
        if self._all is not None:
            return _dumps(self._all[key])
        line = self._line(key)
        if line is None:
            raise KeyError(key)
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError as e:
            raise WriteError(unreadable(self._source, e, key)) from e

    def _whole(self) -> dict[str, dict[str, Any]]:
        """Every entry of the text, parsed in one go (json's C parser: faster than line by line for many)."""
        if self._all is None:
            try:
                whole = json.loads(self._text + b"}}")["avtal"]
                by_file: dict[str, list[str]] = {}
                for key, raw in whole.items():
                    by_file.setdefault(raw["fil"], []).append(key)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise WriteError(unreadable(self._source, e)) from e
            self._all, self._by_file = whole, by_file
        return self._all

    def _raw(self, key: str) -> dict[str, Any] | None:
        if self._all is not None:
            return self._all.get(key)
        line = self._line(key)
        if line is None:
            return None
        try:
            raw: dict[str, Any] = json.loads(line)
        except ValueError as e:
            raise WriteError(unreadable(self._source, e, key)) from e
        return raw

    def _line(self, key: str) -> bytes | None:
        """The JSON of ``key``'s entry, found by searching the text, or None."""
        start = self._text.find(b"\n" + _dumps(key).encode() + b": {")
        if start < 0:
            return None
        match = _LINE.fullmatch(self._text, start + 1, self._text.index(b"\n", start + 1))
        if match is None:
            line = self._text.count(b"\n", 0, start) + 2
            raise WriteError(unreadable(self._source, ValueError(f"rad {line} är inte en rad som generatorn skriver")))
        return match[2]

    def _search_file(self, fil: str) -> list[str]:
        """The ids of the lines whose entry begins with ``fil``, found by searching the text."""
        needle = b': {"fil": ' + _dumps(fil).encode() + b", "
        keys: list[str] = []
        at = self._text.find(needle)
        while at >= 0:
            start = self._text.rfind(b"\n", 0, at) + 1
            if _KEY.fullmatch(self._text, start, at):
                keys.append(json.loads(self._text[start:at]))
            at = self._text.find(needle, at + 1)
        return keys


def unreadable(path: Path, error: Exception, key: str | None = None) -> Problem:
    reason = os_reason(error) if isinstance(error, OSError) else error
    place = f"$.avtal[\"{key}\"]" if key is not None else ""
    return Problem(str(path), place, f"manifestet kan inte läsas ({reason}); ta bort filen och {JOURNAL_NAME} så görs alla avtal om")


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
    entries: Entries = field(init=False)
    unreported: list[dict[str, Any]] = field(default_factory=list)
    format: int = FORMAT
    journal_lines: int = 0
    damaged: bool = False  # the journal has a line cut off by a killed run

    def __post_init__(self) -> None:
        self.entries = Entries(self.path)

    @property
    def journal(self) -> Path:
        return self.path.with_name(JOURNAL_NAME)

    @classmethod
    def load(cls, utdata: Path) -> Manifest:
        path = utdata / MANIFEST_NAME
        manifest = cls(path)
        if os.path.lexists(path):
            try:
                text = path.read_bytes()
                if not manifest._take_lines(text):
                    raw = json.loads(text)
                    manifest.entries = Entries(path, parsed={key: Entry.from_json(value) for key, value in raw["avtal"].items()})
                    manifest.format = int(raw.get("format", 1))
                    manifest.unreported = list(raw.get("ej_rapporterade", []))
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                raise WriteError(unreadable(path, e)) from e
        manifest._replay()
        return manifest

    def _take_lines(self, text: bytes) -> bool:
        """Take a manifest in save()'s layout, its head and end checked, without parsing its agreements' lines; False if not in it.

        Each line is checked and parsed when it is used (Entries); a line that is not as save() writes it
        is then an error naming the manifest, never an agreement taken to be missing.
        """
        if not text.startswith(_HEAD) or not text.endswith(b"\n"):
            return False
        last = text.rfind(b"\n", 0, len(text) - 1) + 1
        end = _END.fullmatch(text, last)
        if end is None or last <= len(_HEAD) or text[len(_HEAD):len(_HEAD) + 1] != b'"':
            return False
        self.entries = Entries(self.path, text[:last])
        self.unreported = list(json.loads(end[1])) if end[1] else []
        return True

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

    def id_of(self, fil: str) -> str | None:
        """The id of input file ``fil``'s agreement (the last recorded, should two ids name one file), or None."""
        found = self.entries.ids_of(fil)
        return found[-1] if found else None

    def ids_of(self, fil: str) -> list[str]:
        """Every id recorded for input file ``fil``."""
        return self.entries.ids_of(fil)

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
        lines = [f"{_dumps(key)}: {self.entries.json_text(key)}" for key in sorted(self.entries)]
        text = _HEAD.decode() + ",\n".join(lines) + "\n}"
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
