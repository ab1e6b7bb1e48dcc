"""Agreement files for the form: list, open, check in memory, save atomically without overwriting changes on disk, and delete."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..agreement.load import load_json
from ..errors import AvtalError, LoadError, Problem, ValidationError, WriteError
from ..files import os_reason, write_atomic
from ..output.manifest import disk_hash, file_hash, sha256
from .checks import agreement_id, prepared_problems, to_json_text
from .form import id_pattern
from .listing import Listing, Summary
from .trash import move_to_trash

# Held by every form process while it checks a file's version and writes (or renames) it, so two forms on one
# folder never both accept a save of the same opened version. A dot name: `avtal generera` reads only *.json.
SAVE_LOCK = ".redigera.lock"
SAVE_WAIT = 10.0  # seconds a save waits for another form's save in the same folder

# What a new file's "$schema" says, as in the examples: editors that know JSON Schema can then check the file too.
SCHEMA_REF = "../../schema/avtal.schema.json"


class ConflictError(WriteError):
    """Raised when a save would overwrite a file that changed on disk since it was opened, or another agreement's file."""



@dataclass
class Saved:
    """What a save did: the file's id and version after it, and the problems the saved data still has."""

    id: str
    file: str
    version: str
    problems: list[Problem] = field(default_factory=list)
    renamed_from: str | None = None


@dataclass
class Removed:
    """What a delete did: which file was moved where."""

    id: str
    file: str
    moved_to: str









class Store:
    """The agreement files in one folder (indata/avtal/), checked with the threshold values in ``troskelvarden``."""

    def __init__(self, indata: Path, troskelvarden: Path) -> None:
        self.indata = indata
        self.troskelvarden = troskelvarden
        self._lock = threading.Lock()
        self.listing = Listing(self)

    def summaries(self) -> list[Summary]:
        """Every agreement file as the list shows it (``Listing.summaries``)."""
        return self.listing.summaries()

    def is_safe(self, agreement: Any) -> bool:
        """True when ``agreement`` fits the schema's id pattern, so ``<id>.json`` stays inside the folder."""
        return isinstance(agreement, str) and id_pattern().fullmatch(agreement) is not None

    def path(self, agreement: str) -> Path:
        """The file of agreement ``agreement``; LoadError for an id that is not a safe file name."""
        if not self.is_safe(agreement):
            raise LoadError(Problem(str(self.indata), "", f"ogiltigt avtals-id {json.dumps(str(agreement), ensure_ascii=False)[:80]}; "
                                    "bara små bokstäver a–z, siffror och bindestreck"))
        path = self.indata / f"{agreement}.json"
        if path.resolve().parent != self.indata.resolve():
            raise LoadError(Problem(str(path), "", "filen ligger inte i mappen med avtalsdata"))
        return path

    def ids(self) -> list[str]:
        if not self.indata.is_dir():
            return []
        return sorted(p.stem for p in self.indata.glob("*.json") if self.is_safe(p.stem))


    def open(self, agreement: str) -> tuple[Any, str]:
        """The data of an agreement file and its version (the hash of its bytes, to notice changes on disk)."""
        path = self.path(agreement)
        data = load_json(path)
        if not isinstance(data, dict):
            raise LoadError(Problem(str(path), "$", "filen ska innehålla ett JSON-objekt"))
        return json.loads(to_json_text(data)), file_hash(path)

    def check(self, data: Any, agreement: str | None) -> list[Problem]:
        """Every error and warning ``avtal validera`` would report for ``data`` saved as ``<agreement>.json``.

        The data goes through exactly the checks of a file on disk (a private temporary copy of the text a
        save would write), and an id another file already uses is reported as ``avtal validera`` does.
        """
        name = str(self.indata / f"{agreement or agreement_id(data) or 'nytt-avtal'}.json")
        return self.with_id_check(agreement_id(data), agreement, name, prepared_problems(data, name, self.troskelvarden))


    def with_id_check(self, wanted: Any, agreement: str | None, name: str, problems: list[Problem],
                       ids: dict[str, Any] | None = None) -> list[Problem]:
        """``problems`` after the problem of an id another file already uses, each problem once.

        ``ids`` maps each readable file's name (without .json) to the id in it; None: read the files now.
        """
        return list(dict.fromkeys(self._id_taken(wanted, agreement, name, ids) + problems))

    def _id_taken(self, wanted: Any, agreement: str | None, name: str, ids: dict[str, Any] | None) -> list[Problem]:
        if not isinstance(wanted, str):
            return []
        for other in self.ids():
            if other != agreement and (other == wanted or self._id_in(other, ids) == wanted):
                return [Problem(name, "$.avtal.id", f"id \"{wanted}\" används redan av {self.indata / f'{other}.json'}")]
        return []

    def _id_in(self, other: str, ids: dict[str, Any] | None) -> Any:
        """The id in file ``other``: from ``ids`` when given, else read now; None when the file cannot be read."""
        if ids is not None:
            return ids.get(other)
        try:
            return agreement_id(load_json(self.path(other)))
        except AvtalError:  # unreadable, or a link out of the folder
            return None

    def save(self, data: Any, agreement: str | None, version: str | None, overwrite: bool = False) -> Saved:
        """Write ``data`` to ``<avtal.id>.json`` atomically.

        ``agreement`` and ``version`` name the file as it was opened (None for a new one). A file changed on
        disk since then is overwritten only with ``overwrite``; another agreement's file never is. When the id
        changed, the file is renamed: the new one is written first, then the old one removed.
        """
        if not isinstance(data, dict):
            raise ValidationError(Problem(str(self.indata), "$", "avtalsdata ska vara ett JSON-objekt"))
        wanted = agreement_id(data)
        if not self.is_safe(wanted):
            raise ValidationError(Problem(str(self.indata / "nytt-avtal.json"), "$.avtal.id",
                                          "ange ett giltigt avtals-id innan du sparar (små bokstäver a–z, siffror och bindestreck); det blir filens namn"))
        target = self.path(wanted)
        text = to_json_text(data).encode("utf-8")
        with self._lock, self._saving():
            if agreement is not None:
                opened = self.path(agreement)
                if not overwrite:
                    if not opened.exists():
                        raise ConflictError(Problem(str(opened), "", "filen har tagits bort från disken sedan du öppnade den"))
                    if file_hash(opened) != version:
                        raise ConflictError(Problem(str(opened), "", "filen har ändrats på disken sedan du öppnade den"))
            if wanted != agreement and target.exists():
                raise ConflictError(Problem(str(target), "$.avtal.id", f"det finns redan ett avtal med id \"{wanted}\"; välj ett annat id"))
            write_atomic(target, text)
            if agreement is not None and agreement != wanted:
                self._drop_renamed(self.path(agreement), version)
        return Saved(wanted, str(target), sha256(text), self.check(data, wanted), agreement if agreement != wanted else None)

    @contextmanager
    def _saving(self) -> Iterator[None]:
        """Hold the folder's save lock (``SAVE_LOCK``, a kernel lock freed when the process dies) for the block."""
        try:
            self.indata.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.indata / SAVE_LOCK, timeout=SAVE_WAIT, thread_local=False, fallback_to_soft=False, preserve_lock_file=True)
            lock.acquire()
        except Timeout as e:
            raise ConflictError(Problem(str(self.indata), "", f"ett annat formulär sparar i mappen och blev inte klart på {SAVE_WAIT:g} sekunder; "
                                                              "försök igen")) from e
        except OSError as e:
            raise WriteError(Problem(str(self.indata / SAVE_LOCK), "", f"formulärets lås kan inte tas: {os_reason(e)}")) from e
        try:
            yield
        finally:
            lock.release()

    def _drop_renamed(self, old: Path, version: str | None) -> None:
        """Remove the file an id change left behind, only when it holds what was opened; otherwise move it to ``.borttagna/``.

        A rename never deletes content nobody read: after an overwrite of a changed file, or when a program that does
        not take the form's lock (an editor) changed it meanwhile, the old file is kept in the trash folder.
        """
        if not os.path.lexists(old):
            return
        if old.is_symlink() or disk_hash(old) == version:  # removing a link deletes no content
            old.unlink(missing_ok=True)
        else:
            move_to_trash(self.indata, old, dt.date.today())
        self.listing.forget(old)

    def remove(self, agreement: str, version: str | None, day: dt.date | None = None) -> Removed:
        """Move ``<agreement>.json`` into ``.borttagna/`` (never unlinked), if it is still as it was when opened.

        ``version`` is the hash of the file's bytes when the page was loaded. A file changed or removed on
        disk since then is refused with ConflictError, as a save is; a link or anything but a regular file
        with WriteError (``trash.move_to_trash``).
        """
        path = self.path(agreement)
        with self._lock:
            if not os.path.lexists(path):
                raise ConflictError(Problem(str(path), "", "filen har tagits bort från disken sedan du öppnade den"))
            current = disk_hash(path)  # None for a link or a special file: move_to_trash refuses it and says why
            if current is not None and current != version:
                raise ConflictError(Problem(str(path), "", "filen har ändrats på disken sedan du öppnade den; den togs inte bort"))
            moved = move_to_trash(self.indata, path, day or dt.date.today())
            self.listing.forget(path)
        return Removed(agreement, str(path), str(moved))
