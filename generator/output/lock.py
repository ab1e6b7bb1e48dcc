"""A lock on the output folder, so two runs never write into it at the same time."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import Problem, WriteError

LOCK_NAME = ".avtal.lock"
BUSY = "en annan körning skriver till mappen just nu; vänta tills den är klar och försök igen"


def _owner_line() -> str:
    return f"{os.getpid()} {socket.gethostname()}\n"


# Descriptors of the locks this process holds, with the file they are open on: a forked child closes them.
_held: dict[int, tuple[int, int]] = {}


def _mark_owner(fd: int) -> None:
    """Write who holds the lock into the lock file (filelock calls this right after each acquisition)."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, _owner_line().encode("utf-8"), 0)
    info = os.fstat(fd)
    _held[fd] = (info.st_dev, info.st_ino)


def _drop_in_child() -> None:
    """In a forked child (a pool worker): close the inherited lock descriptors, so only the run holds the lock.

    A child that kept one would hold the lock after the run was killed, and every later run would stop.
    """
    for fd, identity in list(_held.items()):
        with contextlib.suppress(OSError):
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) == identity:
                os.close(fd)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_in_child)


def _new_lock(path: Path) -> FileLock:
    # The kernel's lock (flock) goes with the process; no soft fallback, whose lock file would outlive a crash.
    return FileLock(path, timeout=0, thread_local=False, fallback_to_soft=False, preserve_lock_file=True, on_acquired=_mark_owner)


def _gone(pid: int) -> bool:
    """True when no process ``pid`` runs on this machine (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        status = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return status.rsplit(")", 1)[-1].split()[0] == "Z"


def _orphaned(path: Path) -> tuple[int, tuple[int, int]] | None:
    """(owner pid, file identity) when the lock file names a process on this machine that no longer runs."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        words = os.read(fd, 200).decode("utf-8", errors="replace").split()
    finally:
        os.close(fd)
    if len(words) != 2 or not words[0].isdigit() or words[1] != socket.gethostname():
        return None
    pid = int(words[0])
    if pid == os.getpid() or not _gone(pid):
        return None
    return pid, (info.st_dev, info.st_ino)


def _take_over(path: Path, identity: tuple[int, int]) -> bool:
    """Remove a lock file still held by what a dead run left behind, so a fresh one can be taken."""
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    if (now.st_dev, now.st_ino) != identity:
        return False  # another run took it over first
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return True


@contextmanager
def locked(utdata: Path, wait: float = 0.0, notify: Callable[[Problem], None] | None = None) -> Iterator[None]:
    """Hold the lock on ``utdata`` for the block; WriteError when another run holds it for longer than ``wait`` seconds.

    A lock still held after its run has died (by processes it left behind) is taken over, and ``notify``
    gets a warning saying so.
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
    took_over = False
    while True:
        try:
            lock.acquire()
            break
        except Timeout as e:
            orphan = None if took_over else _orphaned(path)
            if orphan and _take_over(path, orphan[1]):
                took_over = True
                lock = _new_lock(path)
                if notify:
                    notify(Problem(str(utdata), "", f"låset från en avbruten körning (process {orphan[0]}) hölls kvar; det togs över", "varning"))
                continue
            if time.monotonic() >= deadline:
                raise WriteError(Problem(str(utdata), "", BUSY)) from e
            time.sleep(0.1)
        except OSError as e:
            raise WriteError(Problem(str(path), "", f"låsfilen kan inte skapas ({e.strerror}); går det att skriva i mappen?")) from e
    try:
        yield
    finally:
        _held.clear()
        lock.release()
