"""Child processes that die with the run: each in its own process group, watched by a guard that outlives a kill -9."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

STOP_GRACE = 3.0

# The guard reads its standard input until it ends. "stop" means the run ended the child itself; an end
# without it means the run is gone (killed, crashed): then the guard kills the child's whole process group
# and removes the child's temporary folders. Only the run holds the pipe's other end (close_fds), so the
# kernel closes it whatever way the run ends.
_GUARD = """\
import os, shutil, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
said = sys.stdin.buffer.read()
try:
    os.killpg(int(sys.argv[1]), signal.SIGKILL)
except OSError:
    pass
if said != b"stop":
    for folder in sys.argv[2:]:
        shutil.rmtree(folder, ignore_errors=True)
"""


class Child:
    """A process started in its own process group, stopped with everything it started (``stop``), even after a kill -9 of the run."""

    def __init__(self, command: Sequence[str], *, folders: Sequence[Path] = (), **popen: Any) -> None:
        """Start ``command`` (``popen`` goes to subprocess.Popen); ``folders`` are removed by the guard if the run dies."""
        self.process = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, start_new_session=True, **popen)
        try:
            self._guard: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _GUARD, str(self.process.pid), *(str(f) for f in folders)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
        except OSError:
            self._guard = None  # no guard: the run still stops the child itself
            self.stop(force=True)
            raise

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, force: bool = False) -> None:
        """Stop the process and its whole group: TERM, a short grace, then KILL; then release the guard."""
        if not force and self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_GRACE)
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait()
        guard, self._guard = self._guard, None
        if guard is not None:
            stdin: IO[bytes] | None = guard.stdin
            with contextlib.suppress(OSError):
                assert stdin is not None
                stdin.write(b"stop")
                stdin.close()
            guard.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pgid, sig)


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
