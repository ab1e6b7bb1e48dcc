"""The identity of an input file: one type, made only here, relative to the project folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NewType

# An input file as the records know it: its path relative to the project folder (the folder that holds
# utdata), with links resolved and "/" as separator; an absolute path for a file outside the project.
InputId = NewType("InputId", str)


def project_of(utdata: Path) -> Path:
    """The project folder: the folder that holds the output folder, absolute with links resolved."""
    return Path(os.path.abspath(utdata)).parent.resolve()


def input_id(path: Path | str, project: Path) -> InputId:
    """The identity of the input file ``path`` (relative to the working folder, or absolute) in ``project``.

    ``os.path.realpath`` leaves a link loop as it is (``Path.resolve`` raises), so that one file fails alone when read.
    """
    resolved = Path(os.path.realpath(os.path.abspath(path)))
    try:
        return InputId(resolved.relative_to(project).as_posix())
    except ValueError:
        return InputId(resolved.as_posix())


def input_path(identity: InputId, project: Path) -> Path:
    """Where the input file of ``identity`` is (absolute)."""
    return project / identity
