"""Deleted agreement files: never unlinked, moved into ``indata/avtal/.borttagna/`` under a dated, unique name, and back."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, WriteError
from ..files import fsync_directory, link_inside, os_reason

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


# <day>-<agreement id>[-<number>].json, as move_to_trash names a file
_TRASHED = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.json$")


@dataclass(frozen=True)
class Trashed:
    """One deleted agreement file in ``.borttagna/``: its name there, the day it was deleted and the file it was."""

    name: str
    day: str
    original: str


def trashed(indata: Path) -> list[Trashed]:
    """The deleted agreement files that can be restored, newest first (regular files only; links are never listed)."""
    folder = trash_folder(indata)
    if link_inside(indata, folder) is not None or not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _TRASHED.fullmatch(path.name)
        if match and path.is_file() and not path.is_symlink():
            found.append(Trashed(path.name, match[1], f"{_original_stem(path, match[2])}.json"))
    return sorted(found, key=lambda t: (t.day, t.name), reverse=True)


def _original_stem(path: Path, stem: str) -> str:
    """The file name (without .json) a trashed file had: its agreement id when the trash name is that id with a
    number added (``-2``, ``-3`` for the second delete of a name on one day), else the trash name's own part."""
    try:
        data = json.loads(path.read_bytes())
        wanted = data["avtal"]["id"]
    except (OSError, ValueError, KeyError, TypeError):
        return stem
    if isinstance(wanted, str) and (stem == wanted or re.fullmatch(re.escape(wanted) + r"-\d+", stem)):
        return wanted
    return stem


def restore(indata: Path, name: str) -> Path:
    """Move ``.borttagna/<name>`` back to ``indata`` under the name it had; where it went.

    Never replaces a file: an agreement of that name in ``indata`` is a WriteError naming it. The move is a
    hard link at the new name (which fails if the name is taken) and then the removal of the old one.
    """
    entry = next((t for t in trashed(indata) if t.name == name), None)
    if entry is None:
        raise WriteError(Problem(str(trash_folder(indata) / name), "", "det finns inget sådant borttaget avtal att återställa"))
    source = trash_folder(indata) / entry.name
    target = indata / entry.original
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError as e:
        raise WriteError(Problem(str(target), "", "det finns redan ett avtal med det namnet; byt id på det eller ta bort det först")) from e
    except OSError as e:
        raise WriteError(Problem(str(source), "", f"avtalet kunde inte återställas: {os_reason(e)}")) from e
    os.unlink(source)
    fsync_directory(indata)
    fsync_directory(source.parent)
    return target
