"""Tests for the output-folder lock: two runs never write into the same utdata at once."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS
from test_write import _batch, _generate_command, _start_in_own_session

from avtalsgenerator.errors import Problem, WriteError
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


def test_lock_held_by_what_a_dead_run_left_is_taken_over(tmp_path: Path) -> None:
    utdata = tmp_path / "utdata"
    ready = tmp_path / "klar"
    # A run whose lock descriptor was inherited by a child (as forked pool workers once did), then killed:
    # the child keeps the lock although the run that took it is gone.
    script = (
        "import subprocess, sys, time\n"
        "from pathlib import Path\n"
        "from avtalsgenerator.output import lock\n"
        f"with lock.locked(Path({str(utdata)!r})):\n"
        "    fd = next(iter(lock._held))\n"
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'], pass_fds=[fd])\n"
        f"    Path({str(ready)!r}).write_text('ja')\n"
        "    time.sleep(120)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not ready.exists():
            time.sleep(0.05)
        assert ready.exists()
        with pytest.raises(WriteError, match="en annan körning skriver till mappen just nu"), locked(utdata):
            pass  # the run is alive: its lock holds
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert len(_sessions_processes(process.pid)) == 1, "the forked child still holds the lock"

        messages: list[Problem] = []
        with locked(utdata, notify=messages.append):
            pass

        assert [m.severity for m in messages] == ["varning"]
        assert f"process {process.pid}" in messages[0].message and "togs över" in messages[0].message
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


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
