"""The per-user cache of work that depends only on file contents: compiled templates, checked schemas, template checks."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import stat
import sys
from dataclasses import asdict
from functools import cache
from pathlib import Path

import platformdirs

from .errors import Problem
from .files import disk_hash, write_atomic

# Set to a folder to move the cache (tests point it into their temporary folder); "av" turns the cache off.
ENV_VAR = "AVTAL_CACHE"
APP = "avtalsgenerator"
# The one pruning rule: each kind keeps its KEEP newest entries; older ones go when a new one is stored.
KEEP = 64
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # more than any entry written; a larger file is not read
TEMPLATE_CHECKS = "template-checks"
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


# --- the template check, by template contents ------------------------------------------------------------------


def cache_key(paths: list[Path], checker: str, thresholds: Path | None = None) -> str:
    """Key of a check: every file in the template folders (a template saved as .odt counts too) with its content
    hash, the threshold values the trial render uses, and the fingerprint of the checking code."""
    h = hashlib.sha256(checker.encode("utf-8"))
    for path in [*paths, *([thresholds] if thresholds is not None else [])]:
        for file in sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]:
            h.update(f"\0{file}\0{disk_hash(file) or 'saknas'}".encode())
    return h.hexdigest()


def checked_templates(paths: list[Path], checker: str, thresholds: Path | None = None) -> list[Problem]:
    """``ensure_templates_ok(paths, thresholds)``, with a passing result (its warnings) kept in the cache under ``cache_key``.

    A set of templates that failed is checked again each time (it raises TemplateError as before); an
    entry that cannot be read back as a list of problems is checked again, never blamed on the templates.
    """
    name = cache_key(paths, checker, thresholds)
    stored = read(TEMPLATE_CHECKS, name)
    if stored is not None:
        with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
            return [Problem(**raw) for raw in json.loads(stored.decode("utf-8"))["varningar"]]
    # Imported only when the templates are checked: here, because the template modules use this cache themselves,
    # and not before the stored result is read, so a run whose templates were checked before does not load the checker.
    from .templates.check import ensure_templates_ok

    warnings = ensure_templates_ok(paths, thresholds)
    write(TEMPLATE_CHECKS, name, json.dumps({"varningar": [asdict(w) for w in warnings]}, ensure_ascii=False).encode("utf-8"))
    return warnings
