"""The SQLite file ``utdata/avtal.db``: its layout, its connections, and what a failed read or write becomes."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import Problem, WriteError

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
# The statements that record an agreement: its row, and a line in its history.
RECORD_AGREEMENT = "INSERT OR REPLACE INTO avtal (id, fil, genererad, post) VALUES (?, ?, ?, ?)"
RECORD_HISTORY = "INSERT INTO historik (avtal_id, tid, post, andring) VALUES (?, ?, ?, ?)"
_HOW_TO_RECOVER = "flytta undan filen (och avtal.db-wal) så görs alla avtal om; tidigare versioner och rapporter finns kvar"


class Connection:
    """avtal.db open for reading or writing: every failure names the file, and each write is one explicit transaction.

    ``create``, when given, makes the file on the first transaction: until then the connection is an empty database
    in memory, so a run that records nothing leaves no file behind.
    """

    def __init__(self, db: sqlite3.Connection, path: Path, create: Callable[[], object] | None = None) -> None:
        self.path = path
        self._db = db
        self._create = create

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as e:
            raise unreadable(self.path, e) from e

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction (BEGIN IMMEDIATE … COMMIT), rolled back when anything inside it fails; SQLite's failures as ``unwritable``."""
        if self._create is not None:
            self._db.close()
            self._create()
            self._db = connect(self.path, self.path)
            self._create = None
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise unwritable(self.path, e) from e
        try:
            yield self._db
        except BaseException as e:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):  # a statement that failed (a full disk, a read-only file) fails like the commit
                raise unwritable(self.path, e) from e
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise unwritable(self.path, e) from e

    def close(self, checkpoint: bool = False) -> None:
        """Close; with ``checkpoint`` the log is first folded into the database file."""
        try:
            if checkpoint:
                with contextlib.suppress(sqlite3.OperationalError):
                    self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._db.close()


def unreadable(path: Path, error: sqlite3.Error) -> WriteError:
    return WriteError(Problem(str(path), "", f"registret kan inte läsas ({error}); {_HOW_TO_RECOVER}"))


def unwritable(path: Path, error: sqlite3.Error) -> OSError:
    """A failed write as an OSError, so a run fails the agreement it was recording, with the path and SQLite's reason.

    The reason is the error's strerror (with an errno, so ``errors.os_reason`` gives it, not a bare "OSError").
    """
    return OSError(errno.EIO, f"registret kan inte skrivas ({error})", str(path))


def refuse_links(utdata: Path) -> None:
    for name in DB_FILES:
        if os.path.islink(utdata / name):
            message = "är en symbolisk länk; generatorn skriver aldrig genom länkar i utdata. Ta bort länken och kör igen"
            raise WriteError(Problem(str(utdata / name), "", message))


def connect(target: Path | str, path: Path, readonly: bool = False) -> sqlite3.Connection:
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
        raise unreadable(path, e) from e
    if version > LAYOUT_VERSION:
        raise WriteError(Problem(str(path), "", f"registret är gjort av en nyare version av generatorn (format {version}); uppdatera generatorn"))
    if version < 1 and target != ":memory:":
        raise WriteError(Problem(str(path), "", f"registret är inte generatorns (inga tabeller); {_HOW_TO_RECOVER}"))
    return db


def empty(path: Path) -> sqlite3.Connection:
    """An empty database in memory, laid out as avtal.db (``path``, named in errors)."""
    db = connect(":memory:", path)
    lay_out(db, path)
    return db


def lay_out(db: sqlite3.Connection, path: Path) -> None:
    """Create the tables and indexes of avtal.db in the empty database ``db``."""
    try:
        db.executescript(_LAYOUT + f"PRAGMA user_version = {LAYOUT_VERSION};")
    except sqlite3.Error as e:
        raise unreadable(path, e) from e


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def loads(text: str | None) -> Any:
    """The JSON in ``text``, or None when there is none or it cannot be read."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
