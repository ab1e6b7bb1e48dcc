"""Which agreements a run builds: those whose documents are not current with everything they were made from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..errors import ThresholdError
from ..fingerprint import changes as fingerprint_changes
from .entry import Entry
from .identity import InputId
from .manifest import disk_hash
from .store import Run, pdf_current


def select(run: Run, sources: dict[Path, InputId], progress: Callable[[int], None] | None) -> list[Path]:
    """The inputs to build: all with ``force``, else those whose documents are not current."""
    todo: list[Path] = []
    for path, identity in sources.items():
        key = run.records.id_of(identity)
        entry = run.records.get(key) if key else None
        if key and entry and not run.force and up_to_date(run, entry, path, run.utdata / key):
            run.result.up_to_date.append(str(path))
            if progress:
                progress(1)
        else:
            todo.append(path)
    return todo


def up_to_date(run: Run, entry: Entry, path: Path, folder: Path) -> bool:
    """True when nothing the agreement's documents were made from has changed and they are on disk as written."""
    if entry.generator != __version__ or fingerprint_changes(entry.beroenden, run.depends):
        return False
    if disk_hash(path) != entry.data_hash:
        return False
    for name, recorded in entry.troskelvarden.items():
        try:
            current = run.thresholds.value(name, dt.date.fromisoformat(recorded["datum"]))
        except (ThresholdError, KeyError, ValueError, TypeError):
            return False
        if (current.belopp, current.fran.isoformat(), current.till.isoformat() if current.till else None, current.kalla) != (
            recorded["belopp"], recorded["fran"], recorded["till"], recorded["kalla"]
        ):
            return False
    for name, doc in entry.dokument.items():
        target = folder / name
        if run.templates.get(Path(doc.mall).name) != doc.mall_hash or not doc.hash or disk_hash(target) != doc.hash:
            return False
        if run.pdf and not pdf_current(target, doc.pdf_hash):
            return False
    return True
