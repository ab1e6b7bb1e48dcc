"""A lock on the output folder, so two runs never write into it at the same time."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Problem, WriteError

LOCK_NAME = ".avtal.lock"


@contextmanager
def locked(utdata: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock on ``utdata`` for the block; WriteError when another run holds it for longer than ``wait`` seconds."""
    utdata.mkdir(parents=True, exist_ok=True)
    path = utdata / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as e:
                if time.monotonic() >= deadline:
                    raise WriteError(
                        Problem(str(utdata), "", "en annan körning skriver till mappen just nu; vänta tills den är klar och försök igen")
                    ) from e
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)
