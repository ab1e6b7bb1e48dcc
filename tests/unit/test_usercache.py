"""Tests for the per-user cache: private folder only, regular files only, damaged entries ignored, old entries pruned, can be turned off."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from avtalsgenerator import cache


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_VAR, str(folder))
    return folder


def test_entry_is_read_back_as_written(private_cache: Path) -> None:
    cache.write("templates", "abc", b"compiled")
    assert cache.read("templates", "abc") == b"compiled"
    assert private_cache.stat().st_mode & 0o777 == 0o700
    assert cache.read("templates", "missing") is None


def test_damaged_entry_is_ignored(private_cache: Path) -> None:
    cache.write("templates", "abc", b"compiled code")
    entry = private_cache / "templates" / "abc"
    data = bytearray(entry.read_bytes())
    data[-1] ^= 0xFF
    entry.write_bytes(bytes(data))
    assert cache.read("templates", "abc") is None
    entry.write_bytes(b"")  # a file cut off by a crash
    assert cache.read("templates", "abc") is None


def test_folder_others_can_write_to_is_not_used(private_cache: Path) -> None:
    private_cache.mkdir()
    private_cache.chmod(0o777)
    cache.write("templates", "abc", b"x")
    assert cache.folder() is None
    assert not (private_cache / "templates").exists()
    assert cache.read("templates", "abc") is None


def test_linked_folder_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "link"))
    assert cache.folder() is None


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_VAR, "av")
    cache.write("templates", "abc", b"x")
    assert cache.read("templates", "abc") is None


def test_default_folder_is_under_the_users_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "avtalsgenerator"


def test_old_entries_are_pruned(private_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 2)
    for number in range(4):
        cache.write("templates", f"e{number}", b"x")
        os.utime(private_cache / "templates" / f"e{number}", (number, number))
    cache.write("templates", "e4", b"x")
    assert sorted(p.name for p in (private_cache / "templates").iterdir()) == ["e3", "e4"]


def test_key_depends_on_every_part() -> None:
    assert cache.key("a", b"b") != cache.key("a", b"c")
    assert cache.key("ab", "c") != cache.key("a", "bc")


def test_a_fifo_in_place_of_an_entry_is_not_opened(private_cache: Path) -> None:
    """A named pipe where an entry should be would block a plain read forever: the cache opens only regular files."""
    cache.write("templates", "abc", b"compiled")
    entry = private_cache / "templates" / "abc"
    entry.unlink()
    os.mkfifo(entry)
    outcome: list[bytes | None] = []
    reader = threading.Thread(target=lambda: outcome.append(cache.read("templates", "abc")), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the reader so the test run can end
        with open(entry, "wb"):
            pass
        pytest.fail("the cache blocked on a FIFO")
    assert outcome == [None]


def test_a_link_in_place_of_an_entry_is_not_followed(private_cache: Path, tmp_path: Path) -> None:
    cache.write("templates", "abc", b"compiled")
    elsewhere = tmp_path / "annan"
    elsewhere.write_bytes((private_cache / "templates" / "abc").read_bytes())
    (private_cache / "templates" / "abc").unlink()
    (private_cache / "templates" / "abc").symlink_to(elsewhere)
    assert cache.read("templates", "abc") is None


def test_the_default_folder_is_platformdirs_user_cache_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv(cache.ENV_VAR)
    assert cache.folder() == Path(platformdirs.user_cache_dir("avtalsgenerator", appauthor=False))


def test_cached_computes_once_and_reads_the_entry_back(private_cache: Path) -> None:
    calls: list[int] = []

    def compute() -> list[int]:
        calls.append(1)
        return [1, 2]

    def load(data: bytes) -> list[int]:
        return [int(x) for x in data.split(b",")]

    def dump(value: list[int]) -> bytes:
        return b",".join(str(x).encode() for x in value)

    assert cache.cached("prov", "k", compute, dump, load) == [1, 2]
    assert cache.cached("prov", "k", compute, dump, load) == [1, 2]
    assert len(calls) == 1


def test_cached_computes_again_when_the_entry_cannot_be_loaded(private_cache: Path) -> None:
    cache.write("prov", "k", b"inte ett tal")
    assert cache.cached("prov", "k", lambda: 7, lambda v: str(v).encode(), lambda data: int(data)) == 7
    assert cache.read("prov", "k") == b"7", "the unreadable entry is replaced by the computed value"
    cache.write("prov", "k", b"tom")
    assert cache.cached("prov", "k", lambda: 8, lambda v: str(v).encode(), lambda data: None) == 8, "load saying None is a miss"


def test_cached_keeps_nothing_when_the_computation_fails(private_cache: Path) -> None:
    def failing() -> int:
        raise RuntimeError("mallen är fel")

    with pytest.raises(RuntimeError, match="mallen är fel"):
        cache.cached("prov", "k", failing, lambda v: b"x", lambda data: 1)
    assert cache.read("prov", "k") is None
