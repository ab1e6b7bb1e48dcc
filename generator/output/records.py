"""Records: what each document was made from and when, in the SQLite database ``utdata/avtal.db``."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem
from .database import DB_FILES as DB_FILES  # re-exported: the records' files, for the run and the tests
from .database import DB_NAME as DB_NAME
from .database import RECORD_AGREEMENT, RECORD_HISTORY, Connection, connect, dumps, empty, loads, refuse_links
from .entry import Entry
from .identity import InputId, input_id, project_of
from .manifest import legacy_files
from .migration import create, migrate


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

    def __init__(self, utdata: Path, db: Connection) -> None:
        self.utdata = utdata
        self.path = db.path
        self.project = project_of(utdata)
        self.problems: list[Problem] = []
        self._db = db
        self._cache: dict[str, Entry | None] = {}
        self._unreported_upto = 0  # the last change unreported() returned

    @classmethod
    def open(cls, utdata: Path) -> Records:
        """The records of ``utdata`` for a run that writes: created, or moved in from manifest.json, on first use."""
        path = utdata / DB_NAME
        refuse_links(utdata)
        if os.path.lexists(path):
            return cls(utdata, Connection(connect(path, path), path))
        if not legacy_files(utdata):  # made on the first write: a run that records nothing leaves no database
            return cls(utdata, Connection(empty(path), path, create=lambda: create(utdata, path)))
        problems = create(utdata, path)
        records = cls(utdata, Connection(connect(path, path), path))
        records.problems.extend(problems)
        return records

    @classmethod
    def load(cls, utdata: Path) -> Records:
        """The records of ``utdata`` to read; nothing is written (manifest.json is read into memory if not moved in yet)."""
        path = utdata / DB_NAME
        if os.path.lexists(path):
            refuse_links(utdata)
            return cls(utdata, Connection(connect(path, path, readonly=True), path))
        db = empty(path)
        records = cls(utdata, Connection(db, path))
        if legacy_files(utdata):
            records.problems.extend(migrate(db, utdata))
        return records

    def close(self) -> None:
        """End of a run: the log is folded into the database file and the connection closed."""
        self._db.close(checkpoint=True)

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    # Reading ---------------------------------------------------------------------------------------------

    def get(self, key: str) -> Entry | None:
        """The record of agreement ``key``, or None (none, or one that is wrong: named in ``problems``)."""
        if key not in self._cache:
            row = self._db.query("SELECT fil, post FROM avtal WHERE id = ?", (key,)).fetchone()
            self._cache[key] = self._parse(key, row[1]) if row else None
        return self._cache[key]

    def ids_of(self, identity: InputId) -> list[str]:
        """Every id recorded for the input ``identity``, the last recorded last."""
        return [row[0] for row in self._db.query("SELECT id FROM avtal WHERE fil = ? ORDER BY rowid", (identity,))]

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
        for key, post in self._db.query("SELECT id, post FROM avtal ORDER BY id").fetchall():
            if key not in self._cache:
                self._cache[key] = self._parse(key, post)
            entry = self._cache[key]
            if entry is not None:
                yield key, entry

    def unreported(self) -> list[dict[str, Any]]:
        """The changes written but not yet in a change report, oldest first."""
        changes = []
        for number, text in self._db.query("SELECT nr, andring FROM ej_rapporterade ORDER BY nr").fetchall():
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
        for agreement_id, when, post, change in self._db.query(query, (key,) if key else ()).fetchall():
            found.append((agreement_id, when, self._parse(agreement_id, post, quiet=True), loads(change)))
        return found

    def intents(self, run: str) -> list[Intent]:
        """What runs other than ``run`` started to write and never recorded (they were stopped)."""
        found = []
        for key, other, plan in self._db.query("SELECT avtal_id, korning, plan FROM pagaende ORDER BY rowid").fetchall():
            parsed = loads(plan)
            if other != run and isinstance(parsed, dict):
                found.append(Intent(key, other, parsed))
        return found

    def comparisons_without_pdf(self) -> dict[Path, str]:
        """Comparison documents whose PDF a stopped run did not make, with the input file of their agreement."""
        return {Path(fil): owner for fil, owner in self._db.query("SELECT fil, avtal_fil FROM jamforelse_pdf ORDER BY fil").fetchall()}

    def pdfs_begun(self) -> dict[Path, str]:
        """The PDFs (paths inside utdata) a run began to make and never recorded, with the hash of the .docx they were made of."""
        return {Path(fil): digest for fil, digest in self._db.query("SELECT fil, docx_hash FROM pdf_pagaende").fetchall()}

    # Writing: each method is one transaction --------------------------------------------------------------

    def intend(self, key: str, run: str, plan: dict[str, Any]) -> None:
        """Note what ``run`` is about to write for agreement ``key``, before the first file is written."""
        with self._db.transaction() as db:
            db.execute("INSERT OR REPLACE INTO pagaende (avtal_id, korning, plan) VALUES (?, ?, ?)", (key, run, dumps(plan)))

    def forget_intent(self, key: str) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM pagaende WHERE avtal_id = ?", (key,))

    def record(self, key: str, entry: Entry, change: dict[str, Any] | None, removed: list[str], when: dt.datetime,
               comparisons_for_pdf: list[Path] | None = None) -> None:
        """Record agreement ``key`` (dropping the ids in ``removed``), its history line and its change, at once."""
        post = dumps(entry.to_json())
        with self._db.transaction() as db:
            for old in removed:
                db.execute("DELETE FROM avtal WHERE id = ?", (old,))
            db.execute(RECORD_AGREEMENT, (key, entry.fil, entry.genererad, post))
            db.execute(RECORD_HISTORY, (key, when.isoformat(timespec="seconds"), post, dumps(change) if change else None))
            if change:
                db.execute("INSERT INTO ej_rapporterade (andring) VALUES (?)", (dumps(change),))
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
        post = dumps(entry.to_json())
        with self._db.transaction() as db:
            db.execute("UPDATE avtal SET post = ? WHERE id = ?", (post, key))
            db.execute(RECORD_HISTORY, (key, when.isoformat(timespec="seconds"), post, None))

    def begin_pdfs(self, pdfs: dict[Path, str]) -> None:
        """Note the PDFs (paths inside utdata, with the hash of their .docx) a run is about to make."""
        with self._db.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO pdf_pagaende (fil, docx_hash) VALUES (?, ?)", [(str(p), h) for p, h in pdfs.items()])

    def end_pdfs(self, pdfs: list[Path]) -> None:
        """The PDFs ``pdfs`` are made and recorded (or failed)."""
        with self._db.transaction() as db:
            db.executemany("DELETE FROM pdf_pagaende WHERE fil = ?", [(str(p),) for p in pdfs])

    def pdfs_made(self, comparisons: list[Path]) -> None:
        """The comparison documents ``comparisons`` have their PDF now."""
        with self._db.transaction() as db:
            db.executemany("DELETE FROM jamforelse_pdf WHERE fil = ?", [(str(p),) for p in comparisons])

    def mark_reported(self) -> None:
        """The changes unreported() returned last are now in a change report (or were named as unreadable)."""
        if not self._unreported_upto:
            return
        with self._db.transaction() as db:
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


def record_of(utdata: Path, path: Path) -> tuple[str, Entry] | None:
    """The id and record of the agreement last made from the input file ``path``, or None (for the form: reads only)."""
    with Records.load(utdata) as records:
        return records.record_of(path)


def ids_of(utdata: Path, path: Path) -> list[str]:
    """Every id recorded for the input file ``path``, the last recorded last (for the form: reads only)."""
    with Records.load(utdata) as records:
        return records.ids_of(records.identity(path))
