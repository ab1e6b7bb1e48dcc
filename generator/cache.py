"""The per-user cache of work that depends only on file contents: entries by kind and key, each kind pruned to its newest."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import stat
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

import platformdirs

from .files import write_atomic

T = TypeVar("T")

# Set to a folder to move the cache (tests point it into their temporary folder); "av" turns the cache off.
ENV_VAR = "AVTAL_CACHE"
APP = "avtalsgenerator"
# The one pruning rule: each kind keeps its KEEP newest entries; older ones go when a new one is stored.
KEEP = 64
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # more than any entry written; a larger file is not read
CACHE_DIR = ".mallkontroll"  # where template checks were kept in utdata before they moved here; the name stays reserved there


def folder() -> Path | None:
    """The cache folder, created private to this user; None when there is none that is safe to use.

    By default ``platformdirs.user_cache_dir`` (``~/.cache/avtalsgenerator`` or ``$XDG_CACHE_HOME/...`` on
    Linux, the system's own place on macOS and Windows). Entries hold compiled Python code, so the folder
    must be owned by this user and closed to everyone else (the same rule as Jinja's own bytecode cache): a
    folder that is a link, or that others can write to, is not used and everything is computed as without a cache.
    """
    configured = os.environ.get(ENV_VAR, "")
    if configured == "av":
        return None
    path = Path(configured or platformdirs.user_cache_dir(APP, appauthor=False))
    if not path.is_absolute() and not configured:  # no home folder known
        return None
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except (OSError, RuntimeError):
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    return path


def key(*parts: str | bytes) -> str:
    """A cache key from the contents an entry depends on, including the Python version (compiled code is version-bound)."""
    h = hashlib.sha256(sys.version.encode("utf-8"))
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def cached(kind: str, name: str, compute: Callable[[], T], dump: Callable[[T], bytes], load: Callable[[bytes], T | None]) -> T:
    """The value kept as entry ``name`` of ``kind``, or ``compute()``, then kept there as ``dump`` makes it.

    ``load`` reads an entry back; when it returns None or raises ValueError, TypeError, KeyError or AttributeError
    the entry is not what was stored, and the value is computed again (never blamed on the caller's input).
    An exception from ``compute`` goes to the caller and nothing is kept.
    """
    stored = read(kind, name)
    if stored is not None:
        with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
            found = load(stored)
            if found is not None:
                return found
    value = compute()
    write(kind, name, dump(value))
    return value


@cache
def installed_version(package: str) -> str:
    """The installed version of ``package`` (its module and distribution named alike), for cache keys.

    Read from the name of its ``*.dist-info`` folder beside the module, found without importing it: importlib.metadata,
    the fallback, takes a new process some 20 ms to import, more than checking a valid agreement against the schema.
    """
    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len(package) + 1 : -len(".dist-info")]
    from importlib import metadata

    return metadata.version(package)


def read(kind: str, name: str) -> bytes | None:
    """The stored bytes of entry ``name``, or None when missing, damaged, not a regular file or the cache is unusable.

    Only a regular file is opened, never through a link, and without waiting: a FIFO or device in its place
    would otherwise make the run hang.
    """
    base = folder()
    if base is None:
        return None
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(base / kind / name, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as entry:
            data = entry.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    digest, payload = data[:32], data[32:]
    return payload if hashlib.sha256(payload).digest() == digest else None


def write(kind: str, name: str, payload: bytes) -> None:
    """Store ``payload`` as entry ``name`` (atomically, with a checksum), then prune the kind; a cache that cannot be written is ignored."""
    base = folder()
    if base is None:
        return
    target = base / kind
    with contextlib.suppress(OSError):
        target.mkdir(mode=0o700, exist_ok=True)
        write_atomic(target / name, hashlib.sha256(payload).digest() + payload)  # its temporary file's name starts with "."
        prune(target)


def prune(kind_folder: Path) -> None:
    """Keep the KEEP newest entries of one kind (by modification time); temporary files (names starting with ".") are left alone."""
    with contextlib.suppress(OSError):
        entries = sorted((p for p in kind_folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.lstat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
