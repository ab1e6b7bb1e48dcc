"""Agreement files for the form: list, open, check in memory, and save atomically without overwriting changes on disk."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AvtalError, LoadError, Problem, ValidationError, WriteError
from ..load import load_json
from ..manifest import file_hash, sha256
from ..prepare import prepare
from ..thresholds import load_thresholds
from ..write import write_atomic
from .form import form, id_pattern, in_schema_order

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


@dataclass
class Saved:
    """What a save did: the file's id and version after it, and the problems the saved data still has."""

    id: str
    file: str
    version: str
    problems: list[Problem] = field(default_factory=list)
    renamed_from: str | None = None


def to_json_text(data: Any) -> str:
    """The file text: keys in schema order, two-space indent, UTF-8 as written, newline at the end."""
    return json.dumps(in_schema_order(data, form()), ensure_ascii=False, indent=2) + "\n"


def agreement_id(data: Any) -> Any:
    return data.get("avtal", {}).get("id") if isinstance(data, dict) and isinstance(data.get("avtal"), dict) else None


class Store:
    """The agreement files in one folder (indata/avtal/), checked with the threshold values in ``troskelvarden``."""

    def __init__(self, indata: Path, troskelvarden: Path) -> None:
        self.indata = indata
        self.troskelvarden = troskelvarden
        self._lock = threading.Lock()

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
        """Every agreement file with its title, kind, date and how many errors and warnings it has."""
        found = [Summary(p.stem, str(p), unreadable="filnamnet är inget giltigt avtals-id (små bokstäver a–z, siffror och bindestreck); byt namn på filen")
                 for p in sorted(self.indata.glob("*.json")) if not self.is_safe(p.stem)] if self.indata.is_dir() else []
        for agreement in self.ids():
            path = self.path(agreement)
            summary = Summary(agreement, str(path))
            try:
                data = load_json(path)
            except AvtalError as e:
                summary.unreadable = "; ".join(f"{p.place}: {p.message}" if p.place else p.message for p in e.problems)
                found.append(summary)
                continue
            head = data.get("avtal") if isinstance(data, dict) else None
            if isinstance(head, dict):
                summary.title, summary.kind, summary.date = (str(head.get(k, "")) for k in ("titel", "typ", "datum"))
            problems = self.check(data, agreement)
            summary.errors = sum(p.severity == "fel" for p in problems)
            summary.warnings = len(problems) - summary.errors
            found.append(summary)
        return found

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
        with tempfile.TemporaryDirectory(prefix="avtal-redigera-") as folder:
            temp = Path(folder) / "avtal.json"
            temp.write_text(to_json_text(data), encoding="utf-8")
            try:
                problems = prepare(temp, load_thresholds(self.troskelvarden)).warnings
            except AvtalError as e:
                problems = e.problems
        problems = [dataclasses.replace(p, file=name) if p.file == str(temp) else p for p in problems]
        return list(dict.fromkeys(self._id_taken(data, agreement, name) + problems))  # each problem once

    def _id_taken(self, data: Any, agreement: str | None, name: str) -> list[Problem]:
        wanted = agreement_id(data)
        if not isinstance(wanted, str):
            return []
        for other in self.ids():
            if other == agreement:
                continue
            if other == wanted:
                return [Problem(name, "$.avtal.id", f"id \"{wanted}\" används redan av {self.path(other)}")]
            try:
                if agreement_id(load_json(self.path(other))) == wanted:
                    return [Problem(name, "$.avtal.id", f"id \"{wanted}\" används redan av {self.path(other)}")]
            except AvtalError:
                continue
        return []

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
        with self._lock:
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
                self.path(agreement).unlink(missing_ok=True)
        return Saved(wanted, str(target), sha256(text), self.check(data, wanted), agreement if agreement != wanted else None)
