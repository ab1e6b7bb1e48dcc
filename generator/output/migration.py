"""avtal.db made whole under a temporary name, with the records of the old manifest.json moved in, then renamed in place."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from ..errors import Problem
from ..files import TEMP_PREFIX, fsync_directory
from .database import DB_NAME, RECORD_AGREEMENT, RECORD_HISTORY, dumps, lay_out
from .entry import Entry
from .identity import input_id, project_of
from .manifest import MIGRATED_SUFFIX, legacy_files, read_legacy


def create(utdata: Path, path: Path) -> list[Problem]:
    """Make avtal.db whole under a temporary name, with the records of manifest.json moved in, then rename it in place."""
    utdata.mkdir(parents=True, exist_ok=True)
    temp = utdata / f"{TEMP_PREFIX}{DB_NAME}"
    for name in (temp, temp.with_name(temp.name + "-journal")):
        name.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(temp, isolation_level=None)
        try:
            lay_out(db, path)
            problems = migrate(db, utdata)
        finally:
            db.close()
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(utdata)
    for old in legacy_files(utdata):  # kept, renamed: they are read no more
        os.replace(old, old.with_name(old.name + MIGRATED_SUFFIX))
    return problems


def migrate(db: sqlite3.Connection, utdata: Path) -> list[Problem]:
    """Move manifest.json's records into ``db`` in one transaction; every record that cannot be taken is named."""
    legacy = read_legacy(utdata)
    problems = list(legacy.problems)
    project = project_of(utdata)
    source = str(utdata / "manifest.json")
    db.execute("BEGIN")
    for key, raw in legacy.entries.items():
        try:
            entry = Entry.from_json(raw)
        except ValueError as e:
            problems.append(Problem(source, f"$.avtal[\"{key}\"]", f"posten kan inte flyttas till {DB_NAME} ({e}); avtalet görs om", "varning"))
            continue
        entry.fil = input_id(entry.fil, project)  # recorded absolute (format 2) or as given (format 1)
        post = dumps(entry.to_json())
        db.execute(RECORD_AGREEMENT, (key, entry.fil, entry.genererad, post))
        db.execute(RECORD_HISTORY, (key, entry.genererad, post, None))
    for change in legacy.unreported:
        if isinstance(change, dict):
            db.execute("INSERT INTO ej_rapporterade (andring) VALUES (?)", (dumps(change),))
    db.execute("COMMIT")
    return problems
