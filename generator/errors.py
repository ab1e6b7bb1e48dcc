"""Error types for each stage of the pipeline, and the Problem record they carry."""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

Severity = Literal["fel", "varning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, with where it is.

    ``file`` is the path as the user gave it; ``place`` is a JSON path (``$.parter[1].typ``),
    a line and column (``rad 3, kolumn 5``) or a template place (``brödtext, stycke 12``).
    """

    file: str
    place: str
    message: str
    severity: Severity = "fel"

    def __str__(self) -> str:
        prefix = "varning: " if self.severity == "varning" else ""
        where = f"{self.file}: {self.place}" if self.place else self.file
        return f"{where}: {prefix}{self.message}"


def did_you_mean(word: str, choices: Iterable[str], prefix: str = "") -> str:
    """``; menade du "x"?`` naming the choice closest to ``word``, or an empty string when none is close."""
    near = difflib.get_close_matches(word, list(choices), n=1)
    return f"; menade du \"{prefix}{near[0]}\"?" if near else ""


class AvtalError(Exception):
    """Base of every error the generator raises on purpose; carries the problems found.

    ``exit_code`` is the CLI's exit status for the error: 1 for invalid input or templates, 3 for a missing program.
    """

    exit_code: ClassVar[int] = 1

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(file="", place="", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LoadError(AvtalError):
    """Raised when an input file cannot be read or is not valid JSON (file, line, column)."""


class ValidationError(AvtalError):
    """Raised when agreement or threshold data breaks the JSON Schema (file, JSON path)."""


class RuleError(AvtalError):
    """Raised when agreement data breaks a legal rule with severity error (file, JSON path)."""


class ThresholdError(AvtalError):
    """Raised when a threshold is unknown, has overlapping periods or no value for a date."""


class ComputeError(AvtalError):
    """Raised when amounts, shares or periods cannot be computed from valid data."""


class TemplateError(AvtalError):
    """Raised when a template is broken: syntax, unknown variable, forbidden access (template, part, paragraph)."""


class RenderError(AvtalError):
    """Raised when rendering an agreement into a template fails (template, agreement file)."""


class WriteError(AvtalError):
    """Raised when output cannot be written, or another run holds the output folder."""


class PdfError(AvtalError):
    """Raised when LibreOffice is missing, dies, hangs or produces a PDF that fails its checks."""


class MissingProgramError(PdfError):
    """Raised when an outside program the run needs (LibreOffice, poppler-utils) is not installed: exit code 3."""

    exit_code: ClassVar[int] = 3


class CompareError(AvtalError):
    """Raised when two versions of a document cannot be compared: unreadable, already tracked, or a failed self-check."""


_ERRNO_TEXT = {
    errno.ENOSPC: "disken är full",
    errno.EROFS: "mappen är skrivskyddad",
    errno.EACCES: "behörighet saknas",
    errno.EPERM: "behörighet saknas",
    errno.ENOTDIR: "en del av sökvägen är inte en mapp",
    errno.EISDIR: "det finns en mapp med det namnet",
    errno.EEXIST: "det finns redan något med det namnet",
    errno.ENAMETOOLONG: "namnet är för långt",
    errno.ENOENT: "filen eller mappen finns inte",
    errno.ELOOP: "en symbolisk länk leder i en slinga (till sig själv eller till en annan länk som leder tillbaka)",
    errno.EIO: "ett läs- eller skrivfel på disken",
    errno.EBUSY: "filen används av ett annat program",
    errno.EMFILE: "för många öppna filer",
    errno.ENFILE: "för många öppna filer",
    errno.EFBIG: "filen är för stor",
    errno.ENXIO: "enheten finns inte",
    errno.EINVAL: "ogiltig åtgärd för den här filen",
    errno.EXDEV: "filen ligger på en annan disk",
    errno.ENOMEM: "minnet räcker inte",
}
if hasattr(errno, "EDQUOT"):
    _ERRNO_TEXT[errno.EDQUOT] = "diskkvoten är slut"


def os_reason(error: OSError) -> str:
    """A Swedish reason for an operating-system error; the error's code name (ENOSPC) where there is no Swedish text for it."""
    if error.strerror and error.errno and error.strerror != os.strerror(error.errno):
        return error.strerror  # our own Swedish reason (a link refused under utdata), not the system's English one
    text = _ERRNO_TEXT.get(error.errno or 0)
    if text:
        return text
    code = errno.errorcode.get(error.errno or 0)
    return f"fel från operativsystemet ({code})" if code else f"fel från operativsystemet ({type(error).__name__})"
