"""Tests for the output-folder lock: two runs never write into the same utdata at once."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS
from test_write import _batch, _generate_command, _start_in_own_session

from avtalsgenerator.errors import WriteError
from avtalsgenerator.output.lock import LOCK_NAME, locked
from avtalsgenerator.output.pipeline import generate


def test_second_run_stops_with_a_message(tmp_path: Path) -> None:
    utdata = tmp_path / "utdata"
    with locked(utdata), pytest.raises(WriteError, match="en annan körning skriver till mappen just nu"):
        generate(indata=EXAMPLES, utdata=utdata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert not list(utdata.rglob("*.docx"))


def test_lock_is_released_after_a_run(tmp_path: Path) -> None:
    utdata = tmp_path / "utdata"
    with locked(utdata):
        pass
    with locked(utdata):
        pass


def _sessions_processes(session: int) -> list[int]:
    """Every live process (zombies left out) in the session ``session``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == session and (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z":
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP], ids=["kill", "term", "hup"])
def test_killed_run_leaves_no_worker_and_no_lock(tmp_path: Path, sig: signal.Signals) -> None:
    indata, utdata = tmp_path / "indata", tmp_path / "utdata"
    _batch(indata, 60)
    process = _start_in_own_session(_generate_command(indata, utdata))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_sessions_processes(process.pid)) < 3:
            time.sleep(0.05)
        assert len(_sessions_processes(process.pid)) >= 3, "the batch should run in a pool of workers"
        os.kill(process.pid, sig)  # only the main process, as the OOM killer or a closed terminal does
        process.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _sessions_processes(process.pid):
            time.sleep(0.1)
        assert _sessions_processes(process.pid) == [], "workers must exit with the run that started them"
        with locked(utdata):
            pass
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _open_files(pid: int) -> set[str]:
    """The files ``pid`` has open; empty when the process has just exited."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                found.add(os.readlink(fd))
    return found


def _command_line(pid: int) -> str:
    """The command line of ``pid``, for a failure message; empty when it has exited."""
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return ""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the workers' open files")
def test_only_the_run_holds_the_lock_never_its_workers(tmp_path: Path) -> None:
    indata, utdata = tmp_path / "indata", tmp_path / "utdata"
    _batch(indata, 60)
    process = _start_in_own_session(_generate_command(indata, utdata))
    lock_file = str(utdata / LOCK_NAME)
    try:
        # Wait until the run holds the lock while its pool is up: on a loaded machine the pool can start
        # before the lock is taken, so one early look proves nothing either way.
        deadline = time.monotonic() + 60
        others: list[int] = []
        while time.monotonic() < deadline:
            others = [pid for pid in _sessions_processes(process.pid) if pid != process.pid]
            if len(others) >= 2 and lock_file in _open_files(process.pid):
                break
            time.sleep(0.05)
        assert len(others) >= 2, "the batch should run in a pool of workers"
        assert lock_file in _open_files(process.pid), "the run itself holds the lock"
        # A child caught between fork and exec (the fork server or resource tracker being started) still shows
        # the run's descriptors for a moment before exec closes them; a worker that holds the lock keeps it.
        holding = [pid for pid in others if lock_file in _open_files(pid)]
        time.sleep(0.5)
        still = {pid: _command_line(pid) for pid in holding if lock_file in _open_files(pid)}
        assert still == {}, f"a worker holds the output folder's lock: {still}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_output_path_that_is_a_file_is_a_swedish_error(tmp_path: Path) -> None:
    target = tmp_path / "utdata"
    target.write_text("inte en mapp", encoding="utf-8")
    with pytest.raises(WriteError, match="är inte en mapp; ange en mapp för avtalen med --utdata"):
        generate(indata=EXAMPLES, utdata=target, mallar=TEMPLATES, troskelvarden=THRESHOLDS)
    assert target.read_text(encoding="utf-8") == "inte en mapp"


def test_lock_file_that_cannot_be_created_is_a_swedish_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    utdata = tmp_path / "utdata"
    utdata.mkdir()
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(LOCK_NAME):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(WriteError, match="låsfilen kan inte skapas"), locked(utdata):
        pass
