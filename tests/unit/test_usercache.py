"""Tests for the per-user cache: private folder only, damaged entries ignored, old entries pruned, can be turned off."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from avtalsgenerator.output import usercache


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(usercache.ENV_VAR, str(folder))
    return folder


def test_entry_is_read_back_as_written(private_cache: Path) -> None:
    usercache.write("templates", "abc", b"compiled")
    assert usercache.read("templates", "abc") == b"compiled"
    assert private_cache.stat().st_mode & 0o777 == 0o700
    assert usercache.read("templates", "missing") is None


def test_damaged_entry_is_ignored(private_cache: Path) -> None:
    usercache.write("templates", "abc", b"compiled code")
    entry = private_cache / "templates" / "abc"
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert usercache.read("templates", "abc") is None
    entry.write_bytes(b"")  # a file cut off by a crash
    assert usercache.read("templates", "abc") is None


def test_folder_others_can_write_to_is_not_used(private_cache: Path) -> None:
    private_cache.mkdir()
    private_cache.chmod(0o777)
    usercache.write("templates", "abc", b"x")
    assert usercache.folder() is None
    assert not (private_cache / "templates").exists()
    assert usercache.read("templates", "abc") is None


def test_linked_folder_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv(usercache.ENV_VAR, str(tmp_path / "link"))
    assert usercache.folder() is None


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(usercache.ENV_VAR, "av")
    usercache.write("templates", "abc", b"x")
    assert usercache.read("templates", "abc") is None


def test_default_folder_is_under_the_users_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(usercache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert usercache.folder() == tmp_path / "xdg" / "avtalsgenerator"


def test_old_entries_are_pruned(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usercache, "KEEP", 2)
    for number in range(4):
        usercache.write("templates", f"e{number}", b"x")
        os.utime(private_cache / "templates" / f"e{number}", (number, number))
    usercache.write("templates", "e4", b"x")
    assert sorted(p.name for p in (private_cache / "templates").iterdir()) == ["e3", "e4"]


def test_key_depends_on_every_part() -> None:
    assert usercache.key("a", b"b") != usercache.key("a", b"c")
    assert usercache.key("ab", "c") != usercache.key("a", "bc")


def test_fifo_or_link_in_the_cache_is_a_miss_not_a_hang(private_cache: Path, tmp_path: Path) -> None:
    usercache.write("templates", "fil", b"compiled")
    folder = private_cache / "templates"
    os.mkfifo(folder / "fifo")  # nobody ever writes to it: opening it for reading would wait for ever
    (tmp_path / "elsewhere").write_bytes((folder / "fil").read_bytes())
    (folder / "lank").symlink_to(tmp_path / "elsewhere")

    assert usercache.read("templates", "fifo") is None
    assert usercache.read("templates", "lank") is None
    assert usercache.read("templates", "fil") == b"compiled"
