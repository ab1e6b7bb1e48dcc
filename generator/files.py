"""Files on disk: atomic writes, no writes through links, directory syncs, content hashes; the bottom layer that output/ and the cache use."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from .errors import os_reason as os_reason  # re-exported: the write stage reports with it

TEMP_PREFIX = ".avtal-tmp-"
_DEFERRED: ContextVar[set[Path] | None] = ContextVar("folders_to_sync", default=None)
_ROOT: ContextVar[Path | None] = ContextVar("links_refused_below", default=None)


class LinkError(OSError):
    """Raised when a write would go through a symbolic link below the output folder (it could lead out of it)."""

    def __init__(self, link: Path) -> None:
        super().__init__(errno.ELOOP, "är en symbolisk länk; avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen", str(link))


@contextlib.contextmanager
def links_refused(root: Path) -> Iterator[None]:
    """Within the block, every write below ``root`` refuses a path with a symbolic link in it (LinkError naming the link)."""
    token = _ROOT.set(Path(os.path.abspath(root)))
    try:
        yield
    finally:
        _ROOT.reset(token)


def refuse_links(folder: Path) -> None:
    """LinkError when ``folder`` (or a folder on the way to it from the root of links_refused) is a symbolic link."""
    root = _ROOT.get()
    if root is None:
        return
    absolute = Path(os.path.abspath(folder))
    if absolute != root and root not in absolute.parents:
        return
    link = link_inside(root, absolute)
    if link is not None:
        raise LinkError(link)



def current_umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux), else set and restored."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text(encoding="ascii")
        return int(next(line for line in status.splitlines() if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_directory(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened, as on Windows); see synced_once."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    pending = _DEFERRED.get()
    if pending is not None:
        pending.add(folder)
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def synced_once() -> Iterator[None]:
    """Within the block, each folder written to is synced once, when the block ends, not after every file.

    For the files of one agreement, written into a few folders: the files themselves are synced as
    they are written, and all is durable when the block ends, before the manifest records them.
    """
    pending: set[Path] = set()
    token = _DEFERRED.set(pending)
    finished = False
    try:
        yield
        finished = True
    finally:
        _DEFERRED.reset(token)
        for folder in sorted(pending):
            try:
                fsync_directory(folder)
            except FileNotFoundError:
                pass  # removed again within the block
            except OSError:
                if finished:
                    raise  # a failed sync fails what was written; after an error in the block, that error is the one to see


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part.

    The file gets the permissions a newly created file gets under the umask (``0666 & ~umask``), so
    colleagues on a shared drive can read it; the folder is synced after the rename.
    """
    refuse_links(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o666 & ~current_umask())
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def keep_as(source: Path, target: Path, data: bytes) -> None:
    """Keep ``source``, whose content is ``data``, also as ``target``: a hard link, or a copy where links cannot be made.

    A link writes no data (the source is about to be replaced by a rename, which leaves the linked
    file as it was); shared drives without links get write_atomic. A target that exists is never
    replaced (FileExistsError): an earlier version is never written over.
    """
    refuse_links(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        write_atomic(target, data)
        return
    fsync_directory(target.parent)


def move_into(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` (in the same file system) by a rename, both folders synced; never over an existing ``target``."""
    refuse_links(source.parent)
    refuse_links(target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
    os.replace(source, target)
    fsync_directory(target.parent)
    fsync_directory(source.parent)


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files an interrupted run left below ``folder``; the number removed."""
    removed = 0
    if folder.is_dir():
        for temp in folder.rglob(f"{TEMP_PREFIX}*"):
            if temp.is_symlink() or temp.is_file():
                temp.unlink(missing_ok=True)
                removed += 1
    return removed


def link_inside(root: Path, path: Path) -> Path | None:
    """The first symbolic link on the way from ``root`` down to ``path`` (``path`` itself included), or None.

    Nothing is ever written through such a link: it could lead out of the output folder.
    """
    relative = path.relative_to(root)
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


# --- content hashes ---


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(path: Path) -> str:
    return sha256(path.read_bytes())


def is_regular_file(path: Path) -> bool:
    """True when ``path`` is a regular file itself (a link to one is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def regular_bytes(path: Path) -> bytes | None:
    """The content of ``path`` when it is a regular file (not followed if a link); None when missing, unreadable or anything else."""
    if not is_regular_file(path):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def disk_hash(path: Path) -> str | None:
    """Hash of ``path`` when it is a regular file (not followed if a link); None when missing or anything else."""
    data = regular_bytes(path)
    return sha256(data) if data is not None else None
