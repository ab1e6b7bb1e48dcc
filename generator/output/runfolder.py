"""The output folder while a run writes into it: its marker, and what a killed run left behind removed first."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..cache import CACHE_DIR
from ..errors import Problem, WriteError
from ..files import os_reason, remove_stale_temporaries
from .manifest import JOURNAL_NAME, MANIFEST_NAME
from .records import DB_FILES, DB_NAME
from .report import LATEST, REPORT_DIR

RUNNING = ".pagaende-korning"  # exists while a run writes into utdata; one that was killed leaves it behind


@contextmanager
def running(utdata: Path) -> Iterator[None]:
    """Mark ``utdata`` as being written for the block; after a run that was killed, first remove its temporary files.

    Only a killed run leaves the marker (and temporary files: write_atomic removes its own on any error),
    so a normal run does not walk the whole folder, which holds every agreement and its earlier versions.
    """
    for name in (*DB_FILES, MANIFEST_NAME, JOURNAL_NAME, REPORT_DIR, LATEST, CACHE_DIR, RUNNING):
        if (utdata / name).is_symlink():
            message = "är en symbolisk länk; generatorn skriver aldrig genom länkar i utdata. Ta bort länken och kör igen"
            raise WriteError(Problem(str(utdata / name), "", message))
    marker = utdata / RUNNING
    try:
        if os.path.lexists(marker) or not os.path.lexists(utdata / DB_NAME):
            remove_stale_temporaries(utdata)
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666))
    except OSError as e:
        raise WriteError(Problem(str(utdata), "", f"mappen kan inte förberedas för körningen: {os_reason(e)}")) from e
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            marker.unlink()
