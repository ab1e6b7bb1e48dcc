"""Earlier versions: kept in ``<avtal>/tidigare/<datum>-<hash>/``, never over a version that is there already."""

from __future__ import annotations

import os
from pathlib import Path

from ..files import move_into
from .manifest import disk_hash

ARCHIVE_DIR = "tidigare"


def free_folder(folder: Path, stamp: str, digest: str | None, names: list[str]) -> Path:
    """The folder in ``folder/tidigare/`` for a version: ``<stamp>-<hash>``, or ``~2``, ``~3``… when one of ``names`` is in it.

    The same document can come back (a change reverted, then changed again the same day): the version
    archived first, perhaps signed, keeps its place and the later one gets the next free name.
    """
    base = f"{stamp}-{digest[:8] if digest else 'skadad'}"
    candidate = folder / ARCHIVE_DIR / base
    number = 1
    while any(os.path.lexists(candidate / name) for name in names):
        number += 1
        candidate = folder / ARCHIVE_DIR / f"{base}~{number}"
    return candidate


def keep_aside(path: Path, stamp: str) -> Path:
    """Move ``path`` (file, link, folder or FIFO: never opened) into its folder's ``tidigare/``; where it went."""
    kept = free_folder(path.parent, stamp, disk_hash(path), [path.name]) / path.name
    move_into(path, kept)
    return kept
