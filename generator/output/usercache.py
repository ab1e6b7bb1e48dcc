"""Per-user cache folder for work that only depends on file contents: compiled templates, checked schemas."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from pathlib import Path

from .manifest import regular_bytes
from .write import write_atomic

# Set to a folder to move the cache (tests point it into their temporary folder); "av" turns the cache off.
ENV_VAR = "AVTAL_CACHE"
APP = "avtalsgenerator"
KEEP = 64  # entries kept per kind; older ones are removed when a new one is stored


def folder() -> Path | None:
    """The cache folder, created private to this user; None when there is none that is safe to use.

    Entries hold compiled Python code, so the folder must be owned by this user and closed to everyone
    else (the same rule as Jinja's own bytecode cache): a folder that is a link, or that others can
    write to, is not used and everything is computed as without a cache.
    """
    configured = os.environ.get(ENV_VAR, "")
    if configured == "av":
        return None
    if configured:
        path = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or _home_cache()
        if not base:
            return None
        path = Path(base) / APP
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except (OSError, RuntimeError):
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & 0o077 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    return path


def _home_cache() -> str:
    try:
        home = Path.home()
    except RuntimeError:  # no home folder known
        return ""
    return str(home / ".cache") if home != Path("/") else ""


def key(*parts: str | bytes) -> str:
    """A cache key from the contents an entry depends on, including the Python version (compiled code is version-bound)."""
    h = hashlib.sha256(sys.version.encode("utf-8"))
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def read(kind: str, name: str) -> bytes | None:
    """The stored bytes of entry ``name``, or None when missing, damaged or the cache is unusable."""
    base = folder()
    if base is None:
        return None
    data = regular_bytes(base / kind / name)  # only a regular file: a FIFO or link in the cache is a miss, never a hang
    if data is None:
        return None
    digest, payload = data[:32], data[32:]
    return payload if hashlib.sha256(payload).digest() == digest else None


def write(kind: str, name: str, payload: bytes) -> None:
    """Store ``payload`` as entry ``name`` (atomically, with a checksum); a cache that cannot be written is ignored."""
    base = folder()
    if base is None:
        return
    target = base / kind
    with contextlib.suppress(OSError):
        target.mkdir(mode=0o700, exist_ok=True)
        write_atomic(target / name, hashlib.sha256(payload).digest() + payload)  # its temporary file's name starts with "."
        entries = sorted((p for p in target.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
