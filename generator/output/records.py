"""Records: what each document was made from and when, in the SQLite database ``utdata/avtal.db``."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem, WriteError
from ..files import TEMP_PREFIX, fsync_directory
from .entry import Entry
from .identity import InputId, input_id, project_of
from .manifest import MIGRATED_SUFFIX, legacy_files, read_legacy

DB_NAME = "avtal.db"
# The database and the files SQLite keeps beside it: none of them may be a link.
DB_FILES = tuple(DB_NAME + suffix for suffix in ("", "-wal", "-shm", "-journal"))
LAYOUT_VERSION = 1  # PRAGMA user_version of the layout below
_LAYOUT = """
CREATE TABLE avtal (
    id TEXT PRIMARY KEY,        -- the agreement's id: its folder in utdata
    fil TEXT NOT NULL,          -- the input file (identity.InputId)
    genererad TEXT NOT NULL,    -- when its documents were last written
    post TEXT NOT NULL          -- the entry as JSON (Entry): hashes of data, templates, documents and PDFs, thresholds, amounts
);
CREATE INDEX avtal_fil ON avtal (fil);
CREATE TABLE historik (         -- every time an agreement was recorded, for `avtal historik`
    nr INTEGER PRIMARY KEY,
    avtal_id TEXT NOT NULL,
    tid TEXT NOT NULL,
    post TEXT NOT NULL,
    andring TEXT                -- the change (reasons, amounts, comparisons), NULL when only its PDFs were made
);
CREATE INDEX historik_avtal ON historik (avtal_id);
CREATE TABLE ej_rapporterade (nr INTEGER PRIMARY KEY, andring TEXT NOT NULL);  -- changes not yet in a change report
CREATE TABLE pagaende (         -- what a run is about to write for an agreement; gone when the agreement is recorded
    avtal_id TEXT PRIMARY KEY,
    korning TEXT NOT NULL,
    plan TEXT NOT NULL
);
CREATE TABLE jamforelse_pdf (fil TEXT PRIMARY KEY, avtal_fil TEXT NOT NULL);  -- comparison documents still without their PDF
CREATE TABLE pdf_pagaende (fil TEXT PRIMARY KEY, docx_hash TEXT NOT NULL);  -- PDFs a run is making, until their hashes are recorded
"""
_HOW_TO_RECOVER = "flytta undan filen (och avtal.db-wal) så görs alla avtal om; tidigare versioner och rapporter finns kvar"


@dataclass(frozen=True)
class Intent:
    """What a run that did not finish meant to write for one agreement (Records.intend)."""

    agreement_id: str
    run: str
    plan: dict[str, Any]


class Records:
    """Every agreement's record, its history, the changes not yet reported and what a run is writing.

    One transaction per agreement (``record``); the database runs in WAL mode, so a reader (the form, `avtal
    historik`) never waits for a run. A record that SQLite reads but that is not what the generator writes
    is named in ``problems`` (a warning) and its agreement is made again; the other records are used as they are.
    """

    def __init__(self, utdata: Path, db: sqlite3.Connection, path: Path) -> None:
        self.utdata = utdata
        self.path = path
        self.project = project_of(utdata)
        self.problems: list[Problem] = []
        self._db = db
        self._cache: dict[str, Entry | None] = {}
        self._unreported_upto = 0  # the last change unreported() returned
        self._made_on_write = False  # the database is made by the first transaction

    @classmethod
    def open(cls, utdata: Path) -> Records:
        """The records of ``utdata`` for a run that writes: created, or moved in from manifest.json, on first use."""
        path = utdata / DB_NAME
        _refuse_links(utdata)
        if os.path.lexists(path):
            return cls(utdata, _connect(path, path), path)
        if not legacy_files(utdata):  # made on the first write: a run that records nothing leaves no database
            records = cls(utdata, _empty(path), path)
            records._made_on_write = True
            return records
        problems = _create(utdata, path)
        records = cls(utdata, _connect(path, path), path)
        records.problems.extend(problems)
        return records

    @classmethod
    def load(cls, utdata: Path) -> Records:
        """The records of ``utdata`` to read; nothing is written (manifest.json is read into memory if not moved in yet)."""
        path = utdata / DB_NAME
        if os.path.lexists(path):
            _refuse_links(utdata)
            return cls(utdata, _connect(path, path, readonly=True), path)
        records = cls(utdata, _empty(path), path)
        if legacy_files(utdata):
            records.problems.extend(_migrate(records._db, utdata))
        return records

    def close(self) -> None:
        """End of a run: the log is folded into the database file and the connection closed."""
        try:
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._db.close()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    # Reading ---------------------------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        """The record of agreement ``key``, or None (none, or one that is wrong: named in ``problems``)."""
        if key not in self._cache:
            row = self._query("SELECT fil, post FROM avtal WHERE id = ?", (key,)).fetchone()
            self._cache[key] = self._parse(key, row[1]) if row else None
        return self._cache[key]

    def ids_of(self, identity: InputId) -> list[str]:
        """Every id recorded for the input ``identity``, the last recorded last."""
        return [row[0] for row in self._query("SELECT id FROM avtal WHERE fil = ? ORDER BY rowid", (identity,))]

    def id_of(self, identity: InputId) -> str | None:
        found = self.ids_of(identity)
        return found[-1] if found else None

    def identity(self, path: Path | str) -> InputId:
        """The identity of input file ``path`` in this project."""
        return input_id(path, self.project)

    def record_of(self, path: Path | str) -> tuple[str, Entry] | None:
        """The id and record of the agreement last made from input file ``path``, or None."""
        key = self.id_of(self.identity(path))
        entry = self.get(key) if key is not None else None
        return (key, entry) if key is not None and entry is not None else None

    def entries(self) -> Iterator[tuple[str, Entry]]:
        """Every agreement's record that can be read, by id."""
        for key, post in self._query("SELECT id, post FROM avtal ORDER BY id", ()).fetchall():
            if key not in self._cache:
                self._cache[key] = self._parse(key, post)
            entry = self._cache[key]
            if entry is not None:
                yield key, entry

    def unreported(self) -> list[dict[str, Any]]:
        """The changes written but not yet in a change report, oldest first."""
        changes = []
        for number, text in self._query("SELECT nr, andring FROM ej_rapporterade ORDER BY nr", ()).fetchall():
            self._unreported_upto = number
            try:
                change = json.loads(text)
                if not isinstance(change, dict):
                    raise ValueError("ändringen är inte ett objekt")
            except ValueError as e:
                self._wrong(f"ej_rapporterade nr {number}", e, "ändringen tas inte med i rapporten")
                continue
            changes.append(change)
        return changes

    def history(self, key: str | None = None) -> list[tuple[str, str, Entry | None, dict[str, Any] | None]]:
        """(id, time, record, change) of every time an agreement (or ``key``) was recorded, oldest first."""
        query = "SELECT avtal_id, tid, post, andring FROM historik" + (" WHERE avtal_id = ?" if key else "") + " ORDER BY nr"
        found = []
        for agreement_id, when, post, change in self._query(query, (key,) if key else ()).fetchall():
            found.append((agreement_id, when, self._parse(agreement_id, post, quiet=True), _loads(change)))
        return found

    def intents(self, run: str) -> list[Intent]:
        """What runs other than ``run`` started to write and never recorded (they were stopped)."""
        found = []
        for key, other, plan in self._query("SELECT avtal_id, korning, plan FROM pagaende ORDER BY rowid", ()).fetchall():
            parsed = _loads(plan)
            if other != run and isinstance(parsed, dict):
                found.append(Intent(key, other, parsed))
        return found

    def comparisons_without_pdf(self) -> dict[Path, str]:
        """Comparison documents whose PDF a stopped run did not make, with the input file of their agreement."""
        return {Path(fil): owner for fil, owner in self._query("SELECT fil, avtal_fil FROM jamforelse_pdf ORDER BY fil", ()).fetchall()}

    def pdfs_begun(self) -> dict[Path, str]:
        """The PDFs (paths inside utdata) a run began to make and never recorded, with the hash of the .docx they were made of."""
        return {Path(fil): digest for fil, digest in self._query("SELECT fil, docx_hash FROM pdf_pagaende", ()).fetchall()}

    # Writing: each method is one transaction --------------------------------------------------------------

    def intend(self, key: str, run: str, plan: dict[str, Any]) -> None:
        """Note what ``run`` is about to write for agreement ``key``, before the first file is written."""
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO pagaende (avtal_id, korning, plan) VALUES (?, ?, ?)", (key, run, _dumps(plan)))

    def forget_intent(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM pagaende WHERE avtal_id = ?", (key,))

    def record(self, key: str, entry: Entry, change: dict[str, Any] | None, removed: list[str], when: dt.datetime,
               comparisons_for_pdf: list[Path] | None = None) -> None:
        """Record agreement ``key`` (dropping the ids in ``removed``), its history line and its change, at once."""
        post = _dumps(entry.to_json())
        with self._transaction() as db:
            for old in removed:
                db.execute("DELETE FROM avtal WHERE id = ?", (old,))
            db.execute("INSERT OR REPLACE INTO avtal (id, fil, genererad, post) VALUES (?, ?, ?, ?)", (key, entry.fil, entry.genererad, post))
            db.execute("INSERT INTO historik (avtal_id, tid, post, andring) VALUES (?, ?, ?, ?)",
                       (key, when.isoformat(timespec="seconds"), post, _dumps(change) if change else None))
            if change:
                db.execute("INSERT INTO ej_rapporterade (andring) VALUES (?)", (_dumps(change),))
            db.execute("DELETE FROM pagaende WHERE avtal_id = ?", (key,))
            db.executemany("INSERT OR REPLACE INTO jamforelse_pdf (fil, avtal_fil) VALUES (?, ?)",
                           [(str(p), entry.fil) for p in comparisons_for_pdf or []])
        for old in removed:
            self._cache[old] = None
        self._cache[key] = entry

    def update(self, key: str, when: dt.datetime) -> None:
        """Record agreement ``key`` again after its record was changed in place (the hashes of new PDFs)."""
        entry = self.get(key)
        if entry is None:
            return
        post = _dumps(entry.to_json())
        with self._transaction() as db:
            db.execute("UPDATE avtal SET post = ? WHERE id = ?", (post, key))
            db.execute("INSERT INTO historik (avtal_id, tid, post, andring) VALUES (?, ?, ?, NULL)", (key, when.isoformat(timespec="seconds"), post))

    def begin_pdfs(self, pdfs: dict[Path, str]) -> None:
        """Note the PDFs (paths inside utdata, with the hash of their .docx) a run is about to make."""
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO pdf_pagaende (fil, docx_hash) VALUES (?, ?)", [(str(p), h) for p, h in pdfs.items()])

    def end_pdfs(self, pdfs: list[Path]) -> None:
        """The PDFs ``pdfs`` are made and recorded (or failed)."""
        with self._transaction() as db:
            db.executemany("DELETE FROM pdf_pagaende WHERE fil = ?", [(str(p),) for p in pdfs])

    def pdfs_made(self, comparisons: list[Path]) -> None:
        """The comparison documents ``comparisons`` have their PDF now."""
        with self._transaction() as db:
            db.executemany("DELETE FROM jamforelse_pdf WHERE fil = ?", [(str(p),) for p in comparisons])

    def mark_reported(self) -> None:
        """The changes unreported() returned last are now in a change report (or were named as unreadable)."""
        if not self._unreported_upto:
            return
        with self._transaction() as db:
            db.execute("DELETE FROM ej_rapporterade WHERE nr <= ?", (self._unreported_upto,))

    # Inside ---------------------------------------------------------------------------------------------

    def _parse(self, key: str, post: str, quiet: bool = False) -> Entry | None:
        try:
            return Entry.from_json(json.loads(post))
        except (ValueError, TypeError) as e:
            if not quiet:
                self._wrong(f"avtal \"{key}\"", e, "avtalet görs om och får en ny post")
            return None

    def _wrong(self, place: str, error: Exception, consequence: str) -> None:
        message = f"posten är inte som generatorn skriver den ({error}); {consequence}. De andra posterna används som vanligt"
        self.problems.append(Problem(str(self.path), place, message, "varning"))

    def _query(self, sql: str, args: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as e:
            raise _unreadable(self.path, e) from e

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._made_on_write:
            self._db.close()
            _create(self.utdata, self.path)
            self._db = _connect(self.path, self.path)
            self._made_on_write = False
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise _unwritable(self.path, e) from e
        try:
            yield self._db
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise _unwritable(self.path, e) from e


def _unreadable(path: Path, error: sqlite3.Error) -> WriteError:
    return WriteError(Problem(str(path), "", f"registret kan inte läsas ({error}); {_HOW_TO_RECOVER}"))


def _unwritable(path: Path, error: sqlite3.Error) -> OSError:
    """A failed write as an OSError, so a run fails the agreement it was recording, with the path."""
    failure = OSError(f"registret kan inte skrivas ({error})")
    failure.filename = str(path)
    return failure


def _refuse_links(utdata: Path) -> None:
    for name in DB_FILES:
        if os.path.islink(utdata / name):
            message = "är en symbolisk länk; generatorn skriver aldrig genom länkar i utdata. Ta bort länken och kör igen"
            raise WriteError(Problem(str(utdata / name), "", message))


def _connect(target: Path | str, path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), in WAL mode, checked to be this layout."""
    try:
        if readonly:
            db = sqlite3.connect(f"{Path(os.path.abspath(target)).as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None)
        else:
            db = sqlite3.connect(target, timeout=30, isolation_level=None)
        if not readonly and target != ":memory:":
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # in WAL: a killed run loses nothing; a power cut at most the last agreements
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as e:
        raise _unreadable(path, e) from e
    if version > LAYOUT_VERSION:
        raise WriteError(Problem(str(path), "", f"registret är gjort av en nyare version av generatorn (format {version}); uppdatera generatorn"))
    if version < 1 and target != ":memory:":
        raise WriteError(Problem(str(path), "", f"registret är inte generatorns (inga tabeller); {_HOW_TO_RECOVER}"))
    return db


def _empty(path: Path) -> sqlite3.Connection:
    """An empty database in memory, laid out as avtal.db (``path``, named in errors)."""
    db = _connect(":memory:", path)
    _layout(db, path)
    return db


def _layout(db: sqlite3.Connection, path: Path) -> None:
    try:
        db.executescript(_LAYOUT + f"PRAGMA user_version = {LAYOUT_VERSION};")
    except sqlite3.Error as e:
        raise _unreadable(path, e) from e


def _create(utdata: Path, path: Path) -> list[Problem]:
    """Make avtal.db whole under a temporary name, with the records of manifest.json moved in, then rename it in place."""
    utdata.mkdir(parents=True, exist_ok=True)
    temp = utdata / f"{TEMP_PREFIX}{DB_NAME}"
    for name in (temp, temp.with_name(temp.name + "-journal")):
        name.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(temp, isolation_level=None)
        try:
            _layout(db, path)
            problems = _migrate(db, utdata)
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


def _migrate(db: sqlite3.Connection, utdata: Path) -> list[Problem]:
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
        post = _dumps(entry.to_json())
        db.execute("INSERT OR REPLACE INTO avtal (id, fil, genererad, post) VALUES (?, ?, ?, ?)", (key, entry.fil, entry.genererad, post))
        db.execute("INSERT INTO historik (avtal_id, tid, post, andring) VALUES (?, ?, ?, NULL)", (key, entry.genererad, post))
    for change in legacy.unreported:
        if isinstance(change, dict):
            db.execute("INSERT INTO ej_rapporterade (andring) VALUES (?)", (_dumps(change),))
    db.execute("COMMIT")
    return problems


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def record_of(utdata: Path, path: Path) -> tuple[str, Entry] | None:
    """The id and record of the agreement last made from the input file ``path``, or None (for the form: reads only)."""
    with Records.load(utdata) as records:
        return records.record_of(path)


def ids_of(utdata: Path, path: Path) -> list[str]:
    """Every id recorded for the input file ``path``, the last recorded last (for the form: reads only)."""
    with Records.load(utdata) as records:
        return records.ids_of(records.identity(path))
