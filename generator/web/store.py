"""Agreement files for the form: list, open, check in memory, save atomically without overwriting changes on disk, and delete."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..agreement.load import MAX_INPUT_BYTES, load_json
from ..agreement.schema import apply_defaults
from ..agreement.thresholds import Thresholds, load_thresholds
from ..errors import AvtalError, LoadError, Problem, ValidationError, WriteError
from ..files import os_reason, write_atomic
from ..legal.rules import RULES, Agreement
from ..output.manifest import disk_hash, file_hash, sha256
from ..prepare import prepare
from .form import form, id_pattern, in_schema_order
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


def _number(value: Any) -> Any:
    """A number ``load_json`` read as Decimal, as JSON writes it: whole numbers as integers, others as floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} är inget JSON-värde")


def to_json_text(data: Any) -> str:
    """The file text: keys in schema order, two-space indent, UTF-8 as written, newline at the end."""
    return json.dumps(in_schema_order(data, form()), ensure_ascii=False, indent=2, default=_number) + "\n"


def agreement_id(data: Any) -> Any:
    return data.get("avtal", {}).get("id") if isinstance(data, dict) and isinstance(data.get("avtal"), dict) else None


def draft_rule_problems(data: Any, file: str, thresholds: Thresholds, schema_problems: list[Problem]) -> list[Problem]:
    """The legal rules' findings on a draft the schema does not accept yet, for the form to show while the user writes.

    Each rule runs on its own over the draft with the schema's defaults: a rule that needs a part the draft
    does not have yet (it raises on the missing or mistyped value) finds nothing until it is there. A finding
    at, inside or around a place the schema reports waits too: that part is not written yet (a rule that
    misses a party's role says nothing while the roles are still empty).
    """
    if not isinstance(data, dict):
        return []
    with contextlib.suppress(LookupError, TypeError, AttributeError, ValueError):  # defaults that do not fit the draft's shapes
        data = apply_defaults(data)
    agreement = Agreement(data, {}, thresholds)
    taken = {p.place for p in schema_problems}
    found: list[Problem] = []
    for rule in RULES:
        try:
            findings = list(rule.check(agreement))
        except (LookupError, TypeError, AttributeError, ValueError, ArithmeticError):
            continue
        found += [Problem(file, place, message, rule.severity) for place, message in findings
                  if not any(_within(place, t) or _within(t, place) for t in taken)]
    return found


def _within(place: str, outer: str) -> bool:
    """Whether the JSON path ``place`` is ``outer`` or lies inside it."""
    return place == outer or place.startswith((outer + ".", outer + "["))


class Store:
    """The agreement files in one folder (indata/avtal/), checked with the threshold values in ``troskelvarden``."""

    def __init__(self, indata: Path, troskelvarden: Path) -> None:
        self.indata = indata
        self.troskelvarden = troskelvarden
        self._lock = threading.Lock()
        # Each listed file's check, by path: valid while the key (path, size, mtime_ns, sha256 of the bytes and
        # of the threshold file) is the same. One entry per file, so the cache never outgrows the folder.
        self._checked: dict[str, tuple[tuple[Any, ...], _Checked]] = {}

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

    def summaries(self) -> list[Summary]:
        """Every agreement file with its title, kind, date and how many errors and warnings it has.

        A file whose bytes and threshold values are as at the last listing is not checked again; whether its
        id is taken by another file is worked out anew each time, from what every file holds now.
        """
        found = [Summary(p.stem, str(p), unreadable="filnamnet är inget giltigt avtals-id (små bokstäver a–z, siffror och bindestreck); byt namn på filen")
                 for p in sorted(self.indata.glob("*.json")) if not self.is_safe(p.stem)] if self.indata.is_dir() else []
        thresholds = self._thresholds_key()
        checked: dict[str, tuple[Path, str, _Checked]] = {}
        for agreement in self.ids():
            try:
                path = self.path(agreement)
            except LoadError as e:  # a link that leads out of the folder: named, never read
                found.append(Summary(agreement, str(self.indata / f"{agreement}.json"), unreadable=e.problems[0].message))
                continue
            except (RuntimeError, OSError):  # a link loop (Path.resolve raises RuntimeError, newer Pythons OSError): that file only
                found.append(Summary(agreement, str(self.indata / f"{agreement}.json"), unreadable="filen är en symbolisk länk som leder i en slinga "
                                     "(till sig själv eller till en annan länk som leder tillbaka); ta bort länken eller byt den mot filen"))
                continue
            checked[agreement] = (path, *self._checked_file(path, thresholds))
        ids = {agreement: entry.agreement_id for agreement, (_, _, entry) in checked.items() if not entry.unreadable}
        for agreement, (path, version, entry) in checked.items():
            summary = Summary(agreement, str(path), entry.title, entry.kind, entry.date, unreadable=entry.unreadable, version=version)
            if not entry.unreadable:
                problems = self._with_id_check(entry.agreement_id, agreement, str(path), list(entry.problems), ids)
                summary.errors = sum(p.severity == "fel" for p in problems)
                summary.warnings = len(problems) - summary.errors
            found.append(summary)
        listed = {str(path) for path, _, _ in checked.values()}
        self._checked = {key: value for key, value in self._checked.items() if key in listed}  # files gone or renamed
        return found

    def _thresholds_key(self) -> str:
        key = _content_key(self.troskelvarden)
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
        return _Checked(title, kind, date, agreement_id(data), tuple(self._prepared(data, str(path))))

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
        return self._with_id_check(agreement_id(data), agreement, name, self._prepared(data, name))

    def _prepared(self, data: Any, name: str) -> list[Problem]:
        """What ``prepare`` reports for the text a save of ``data`` would write, as if it were the file ``name``."""
        with tempfile.TemporaryDirectory(prefix="avtal-redigera-") as folder:
            temp = Path(folder) / "avtal.json"
            temp.write_text(to_json_text(data), encoding="utf-8")
            thresholds: Thresholds | None = None
            try:
                thresholds = load_thresholds(self.troskelvarden)
                problems = prepare(temp, thresholds).warnings
            except ValidationError as e:  # a draft: the rules that have what they need run all the same
                problems = list(e.problems)
                if thresholds is not None:
                    problems += draft_rule_problems(json.loads(to_json_text(data)), str(temp), thresholds, e.problems)
            except AvtalError as e:
                problems = list(e.problems)
        return [dataclasses.replace(p, file=name) if p.file == str(temp) else p for p in problems]

    def _with_id_check(self, wanted: Any, agreement: str | None, name: str, problems: list[Problem],
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
        self._checked.pop(str(old), None)

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
            self._checked.pop(str(path), None)
        return Removed(agreement, str(path), str(moved))
