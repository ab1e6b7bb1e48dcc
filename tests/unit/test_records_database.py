"""Tests for the records' database itself: made on the first write, WAL, one transaction that is whole or not at all."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from avtalsgenerator.errors import WriteError, os_reason
from avtalsgenerator.output.database import DB_NAME, Connection, connect
from avtalsgenerator.output.entry import Entry
from avtalsgenerator.output.identity import InputId
from avtalsgenerator.output.records import Records

WHEN = dt.datetime(2026, 11, 20, 10, 0)


def _entry(name: str) -> Entry:
    return Entry(fil=InputId(f"indata/avtal/{name}.json"), data_hash="abc", generator="g", genererad=WHEN.isoformat(timespec="seconds"))


def test_a_run_that_records_nothing_leaves_no_database(tmp_path: Path) -> None:
    records = Records.open(tmp_path)
    assert records.get("familjeradgivning") is None and list(records.entries()) == []
    records.close()
    assert not (tmp_path / DB_NAME).exists()


def test_the_first_record_makes_the_database_in_wal_mode(tmp_path: Path) -> None:
    utdata = tmp_path / "utdata"  # the project folder is the one that holds utdata
    records = Records.open(utdata)
    records.record("familjeradgivning", _entry("familjeradgivning"), {"orsaker": ["ny"]}, [], WHEN)
    records.close()
    with sqlite3.connect(utdata / DB_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Records.load(utdata) as again:
        assert again.id_of(again.identity(tmp_path / "indata/avtal/familjeradgivning.json")) == "familjeradgivning"
        assert [(key, change) for key, _, _, change in again.history()] == [("familjeradgivning", {"orsaker": ["ny"]})]
        assert again.unreported() == [{"orsaker": ["ny"]}]


def test_a_transaction_that_fails_leaves_nothing_of_itself(tmp_path: Path) -> None:
    with Records.open(tmp_path) as records:
        records.record("a", _entry("a"), None, [], WHEN)
    path = tmp_path / DB_NAME
    connection = Connection(connect(path, path), path)
    with pytest.raises(RuntimeError, match="avbruten"), connection.transaction() as db:
        db.execute("DELETE FROM avtal")
        db.execute("INSERT INTO historik (avtal_id, tid, post) VALUES ('b', '2026-11-20', '{}')")
        raise RuntimeError("avbruten")
    assert connection.query("SELECT id FROM avtal").fetchall() == [("a",)]
    assert connection.query("SELECT avtal_id FROM historik").fetchall() == [("a",)]
    connection.close()


def test_a_read_that_fails_names_the_database(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    connection = Connection(connect(":memory:", path), path)
    with pytest.raises(WriteError, match="registret kan inte läsas") as raised:
        connection.query("SELECT * FROM saknas")
    assert raised.value.problems[0].file == str(path)


def test_a_write_that_fails_is_an_os_error_with_the_path(tmp_path: Path) -> None:
    with Records.open(tmp_path) as records:
        records.record("a", _entry("a"), None, [], WHEN)
    path = tmp_path / DB_NAME
    reader = Connection(connect(path, path, readonly=True), path)
    with pytest.raises(OSError, match="registret kan inte skrivas") as raised, reader.transaction() as db:
        db.execute("DELETE FROM avtal")
    assert raised.value.filename == str(path)
    assert os_reason(raised.value) == "registret kan inte skrivas (attempt to write a readonly database)", "the run names SQLite's reason"
    reader.close()
