"""Deleted agreement files: never unlinked, moved into ``indata/avtal/.borttagna/`` under a dated, unique name."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from ..errors import Problem, WriteError
from ..output.write import fsync_directory, link_inside, os_reason

# A folder whose name starts with a dot inside indata/avtal/: `avtal generera` reads only ``indata/avtal/*.json``.
TRASH_DIR = ".borttagna"


def trash_folder(indata: Path) -> Path:
    return indata / TRASH_DIR


def refusal(indata: Path, path: Path) -> Problem | None:
    """Why ``path`` cannot be moved into ``indata/.borttagna/``, or None: no link is ever followed or moved."""
    name = str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return Problem(name, "", "filen finns inte längre")
    except OSError as e:
        return Problem(name, "", f"filen kan inte läsas: {os_reason(e)}")
    if stat.S_ISLNK(info.st_mode):
        return Problem(name, "", "är en symbolisk länk; formuläret tar aldrig bort något genom en länk. Ta bort länken för hand")
    if not stat.S_ISREG(info.st_mode):
        return Problem(name, "", "är ingen vanlig fil och tas inte bort från formuläret")
    folder = trash_folder(indata)
    link = link_inside(indata, folder)
    if link is not None:
        return Problem(str(link), "", "är en symbolisk länk; borttagna avtal flyttas aldrig genom länkar. Ta bort länken och försök igen")
    if os.path.lexists(folder) and not folder.is_dir():
        return Problem(str(folder), "", "finns redan och är ingen mapp; flytta undan den och försök igen")
    return None


def move_to_trash(indata: Path, path: Path, day: dt.date) -> Path:
    """Move the regular file ``path`` (directly in ``indata``) to ``indata/.borttagna/<day>-<name>``; where it went.

    A name already taken there gets ``-2``, ``-3``… so nothing deleted earlier is replaced. What ``refusal``
    names (a link, a special file, ``.borttagna`` being a link) is a WriteError. The move is one rename
    inside the same folder, so the file is at one of its two places at every moment.
    """
    problem = refusal(indata, path)
    if problem is not None:
        raise WriteError(problem)
    folder = trash_folder(indata)
    stem = f"{day.isoformat()}-{path.stem}"
    try:
        folder.mkdir(exist_ok=True)
        target = folder / f"{stem}{path.suffix}"
        number = 1
        while os.path.lexists(target):
            number += 1
            target = folder / f"{stem}-{number}{path.suffix}"
        os.rename(path, target)
        fsync_directory(folder)
        fsync_directory(path.parent)
    except OSError as e:
        raise WriteError(Problem(str(path), "", f"filen kunde inte flyttas till {folder}: {os_reason(e)}; den ligger kvar")) from e
    return target
