"""The start page's list of agreement files, each file checked again only when it or the threshold values changed."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..agreement.load import MAX_INPUT_BYTES, load_json
from ..errors import AvtalError, LoadError, Problem
from ..output.manifest import file_hash
from .checks import agreement_id, prepared_problems


class Folder(Protocol):
    """What the list needs of the agreement folder (``store.Store``): its files by id, and the id check across them."""

    indata: Path
    troskelvarden: Path

    def is_safe(self, agreement: Any) -> bool: ...
    def ids(self) -> list[str]: ...
    def path(self, agreement: str) -> Path: ...
    def with_id_check(self, wanted: Any, agreement: str | None, name: str, problems: list[Problem],
                      ids: dict[str, Any] | None = None) -> list[Problem]: ...


@dataclass
class Summary:
    """One agreement file as the list shows it."""

    id: str
    file: str
    title: str = ""
    kind: str = ""
    date: str = ""
    errors: int = 0
    warnings: int = 0
    unreadable: str = ""
    version: str = ""  # the hash of the file's bytes when it was listed, for a delete started from the list


@dataclass(frozen=True)
class _Checked:
    """What the list shows of one file, apart from a clash of ids with another file (that depends on the others)."""

    title: str = ""
    kind: str = ""
    date: str = ""
    agreement_id: Any = None
    problems: tuple[Problem, ...] = ()
    unreadable: str = ""


def _content_key(path: Path) -> tuple[int, int, str] | None:
    """(size, mtime_ns, sha256 of the bytes) of a regular file ``load_json`` would read, or None (not cached)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_INPUT_BYTES:
            return None
        return info.st_size, info.st_mtime_ns, file_hash(path)
    except OSError:
        return None


class Listing:
    """What the list shows of the files of ``store``'s folder."""

    def __init__(self, store: Folder) -> None:
        self.store = store
        # Each listed file's check, by path: valid while the key (path, size, mtime_ns, sha256 of the bytes and
        # of the threshold file) is the same. One entry per file, so the cache never outgrows the folder.
        self._checked: dict[str, tuple[tuple[Any, ...], _Checked]] = {}

    def forget(self, path: Path) -> None:
        """Drop the check of a file that was renamed or removed."""
        self._checked.pop(str(path), None)

    def summaries(self) -> list[Summary]:
        """Every agreement file with its title, kind, date and how many errors and warnings it has.

        A file whose bytes and threshold values are as at the last listing is not checked again; whether its
        id is taken by another file is worked out anew each time, from what every file holds now.
        """
        found = [Summary(p.stem, str(p), unreadable="filnamnet är inget giltigt avtals-id (små bokstäver a–z, siffror och bindestreck); byt namn på filen")
                 for p in sorted(self.store.indata.glob("*.json")) if not self.store.is_safe(p.stem)] if self.store.indata.is_dir() else []
        thresholds = self._thresholds_key()
        checked: dict[str, tuple[Path, str, _Checked]] = {}
        for agreement in self.store.ids():
            try:
                path = self.store.path(agreement)
            except LoadError as e:  # a link that leads out of the folder: named, never read
                found.append(Summary(agreement, str(self.store.indata / f"{agreement}.json"), unreadable=e.problems[0].message))
                continue
            except (RuntimeError, OSError):  # a link loop (Path.resolve raises RuntimeError, newer Pythons OSError): that file only
                found.append(Summary(agreement, str(self.store.indata / f"{agreement}.json"), unreadable="filen är en symbolisk länk som leder i en slinga "
                                     "(till sig själv eller till en annan länk som leder tillbaka); ta bort länken eller byt den mot filen"))
                continue
            checked[agreement] = (path, *self._checked_file(path, thresholds))
        ids = {agreement: entry.agreement_id for agreement, (_, _, entry) in checked.items() if not entry.unreadable}
        for agreement, (path, version, entry) in checked.items():
            summary = Summary(agreement, str(path), entry.title, entry.kind, entry.date, unreadable=entry.unreadable, version=version)
            if not entry.unreadable:
                problems = self.store.with_id_check(entry.agreement_id, agreement, str(path), list(entry.problems), ids)
                summary.errors = sum(p.severity == "fel" for p in problems)
                summary.warnings = len(problems) - summary.errors
            found.append(summary)
        listed = {str(path) for path, _, _ in checked.values()}
        self._checked = {key: value for key, value in self._checked.items() if key in listed}  # files gone or renamed
        return found

    def _thresholds_key(self) -> str:
        key = _content_key(self.store.troskelvarden)
        return key[2] if key else "ingen vanlig fil"

    def _checked_file(self, path: Path, thresholds: str) -> tuple[str, _Checked]:
        """The file's version (hash) and its check, from the cache when neither it nor the threshold file changed."""
        content = _content_key(path)
        if content is None:  # not a regular file that can be read: load_json says why, every time
            return "", self._check_file(path)
        key = (str(path), *content, thresholds)
        cached = self._checked.get(str(path))
        if cached is not None and cached[0] == key:
            return content[2], cached[1]
        entry = self._check_file(path)
        if _content_key(path) == content:  # not changed while it was checked: the result belongs to the key
            self._checked[str(path)] = (key, entry)
        return content[2], entry

    def _check_file(self, path: Path) -> _Checked:
        try:
            data = load_json(path)
        except AvtalError as e:
            return _Checked(unreadable="; ".join(f"{p.place}: {p.message}" if p.place else p.message for p in e.problems))
        head = data.get("avtal") if isinstance(data, dict) else None
        title, kind, date = (str(head.get(k, "")) for k in ("titel", "typ", "datum")) if isinstance(head, dict) else ("", "", "")
        return _Checked(title, kind, date, agreement_id(data), tuple(prepared_problems(data, str(path), self.store.troskelvarden)))
