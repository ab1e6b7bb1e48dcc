"""A lock on the output folder, so two runs never write into it at the same time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import Problem, WriteError

LOCK_NAME = ".avtal.lock"
BUSY = "en annan körning skriver till mappen just nu; vänta tills den är klar och försök igen"


def _new_lock(path: Path) -> FileLock:
    # The kernel's lock (flock) goes with the process that holds it: a run that dies, however it dies, frees it.
    # No child holds it: batch workers come from a fork server or are spawned (batch.py), and every other child
    # is started with close_fds. No soft fallback, whose lock file would outlive a crash.
    return FileLock(path, timeout=0, thread_local=False, fallback_to_soft=False, preserve_lock_file=True)


@contextmanager
def locked(utdata: Path, wait: float = 0.0, notify: Callable[[Problem], None] | None = None) -> Iterator[None]:
    """Hold the lock on ``utdata`` for the block; WriteError when another run holds it for longer than ``wait`` seconds.

    ``notify`` is kept for callers that pass it; the lock itself never needs to warn (a dead run's lock is free).
    """
    try:
        utdata.mkdir(parents=True, exist_ok=True)
    except FileExistsError as e:
        raise WriteError(Problem(str(utdata), "", "finns redan och är inte en mapp; ange en mapp för avtalen med --utdata")) from e
    except OSError as e:
        raise WriteError(Problem(str(utdata), "", f"mappen kan inte skapas ({e.strerror})")) from e
    if not utdata.is_dir():
        raise WriteError(Problem(str(utdata), "", "är inte en mapp; ange en mapp för avtalen med --utdata"))
    path = utdata / LOCK_NAME
    lock = _new_lock(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            lock.acquire()
            break
        except Timeout as e:
            if time.monotonic() >= deadline:
                raise WriteError(Problem(str(utdata), "", BUSY)) from e
            time.sleep(0.1)
        except OSError as e:
            raise WriteError(Problem(str(path), "", f"låsfilen kan inte skapas ({e.strerror}); går det att skriva i mappen?")) from e
    try:
        yield
    finally:
        lock.release()
