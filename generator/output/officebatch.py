"""LibreOffice without servers: find it, ask its version, and convert a batch with one process (a restart for what it missed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import PdfError, Problem
from ..files import write_atomic
from .children import Child
from .pdfcheck import PDFA_SINCE

INSTALL_HINT = "Installera med: sudo apt-get install libreoffice-writer-nogui"
PDFA_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
PLAIN_FILTER = "pdf"
VERSION_TIMEOUT = 30.0
_SOFFICE_NAMES = ("soffice", "libreoffice")
_SOFFICE_PLACES = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
_filters: dict[str, str] = {}


@dataclass(frozen=True)
class _Outcome:
    """How one office process ended: its exit code (None when killed on timeout) and its output."""

    returncode: int | None
    timed_out: bool
    log: str

    def describe(self, timeout: float) -> str:
        if self.timed_out:
            return f"LibreOffice svarade inte inom {timeout:g} sekunder och stoppades"
        detail = _office_error(self.log, any_line=bool(self.returncode))
        said = f" ({detail})" if detail else ""
        if self.returncode:
            return f"LibreOffice avslutades med felkod {self.returncode}{said}"
        return f"LibreOffice skapade ingen PDF{said}"


def find_soffice() -> str | None:
    """Path of the LibreOffice program (``soffice``), or None when it is not installed."""
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for place in _SOFFICE_PLACES:
        if os.path.isfile(place) and os.access(place, os.X_OK):
            return place
    return None


def office_version(soffice: str, timeout: float = VERSION_TIMEOUT) -> tuple[int, int] | None:
    """LibreOffice's (major, minor) version from ``soffice --version``, or None when it cannot be told."""
    with tempfile.TemporaryDirectory(prefix="avtal-lo-version-") as folder:
        outcome = _run([soffice, "--version"], Path(folder) / "version.log", timeout, (Path(folder),))
    match = re.search(r"LibreOffice\S*\s+(\d+)\.(\d+)", outcome.log)
    if outcome.returncode != 0 or match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def export_filter(soffice: str, timeout: float) -> str:
    """PDF/A-2 filter options where this LibreOffice accepts them on the command line, else plain PDF.

    When the version cannot be told (an office that starts slowly), PDF/A is still asked for: every PDF is
    checked to be PDF/A afterwards, so a plain one is refused with a message, never kept silently.
    """
    if soffice in _filters:
        return _filters[soffice]
    version = office_version(soffice, min(timeout, VERSION_TIMEOUT))
    if version is None:
        return PDFA_FILTER  # not remembered: the next batch asks again
    _filters[soffice] = PDFA_FILTER if version >= PDFA_SINCE else PLAIN_FILTER
    return _filters[soffice]


def convert_batches(soffice: str, sources: Sequence[Path], chunk: int, timeout: float, check: Callable[[Path, Path], list[str]],
                    written: Callable[[Path], None] | None = None) -> list[Problem]:
    """Convert ``sources`` with one LibreOffice process per ``chunk`` files, in a private temporary folder.

    Each made PDF is given to ``check`` (its .docx, the PDF) and written atomically as ``X.pdf`` beside its
    .docx when ``check`` finds no problem (then ``written(docx)`` is called); the problems of the files that got no PDF are returned.
    """
    failures: list[Problem] = []
    work = Path(tempfile.mkdtemp(prefix="avtal-pdf-"))
    try:
        office_filter = export_filter(soffice, timeout)
        for number, start in enumerate(range(0, len(sources), chunk), start=1):
            part = list(sources[start : start + chunk])
            outputs, chunk_failures = convert_chunk(soffice, part, work / f"del-{number}", office_filter, timeout, work)
            failures.extend(chunk_failures)
            for docx, made in zip(part, outputs, strict=True):
                if made is None:
                    continue
                issues = check(docx, made)
                if issues:
                    failures.extend(Problem(str(docx), "", f"{issue}; PDF-filen sparades inte") for issue in issues)
                else:
                    write_atomic(docx.with_suffix(".pdf"), made.read_bytes())
                    if written:
                        written(docx)
                made.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return failures


def convert_chunk(soffice: str, docx_files: list[Path], folder: Path, export_filter: str, timeout: float,
                   work: Path) -> tuple[list[Path | None], list[Problem]]:
    """Convert one chunk with one office process (and one restart); the PDF made for each file, or None."""
    inputs = folder / "in"
    inputs.mkdir(parents=True)
    # Copies under unique names: outputs are named after the input's stem, and many agreements share
    # the name avtal.docx. Copies also keep LibreOffice's lock files away from the user's folders.
    copies = [inputs / f"{index:04d}-{docx.name}" for index, docx in enumerate(docx_files)]
    for docx, copy in zip(docx_files, copies, strict=True):
        shutil.copyfile(docx, copy)
    made: list[Path | None] = [None] * len(docx_files)
    pending = list(range(len(docx_files)))
    outcome: _Outcome | None = None
    for attempt in (1, 2):
        out_dir = folder / f"ut-{attempt}"
        outcome = _run_office(soffice, [copies[i] for i in pending], out_dir, export_filter, timeout, work)
        for i in pending:
            pdf = out_dir / f"{copies[i].stem}.pdf"
            if _looks_complete(pdf):
                made[i] = pdf
        still = [i for i in pending if made[i] is None]
        if not still:
            break
        if outcome.returncode == 0 and len(still) == len(pending) and "Error" in outcome.log:
            export_filter = PLAIN_FILTER  # the office ran but refused everything: perhaps the filter options
        pending = still
    assert outcome is not None
    reason = outcome.describe(timeout)
    failures = [Problem(str(docx_files[i]), "", f"ingen PDF efter två försök: {reason}") for i in range(len(made)) if made[i] is None]
    return made, failures


def _run_office(soffice: str, inputs: list[Path], out_dir: Path, export_filter: str, timeout: float, work: Path) -> _Outcome:
    """One headless LibreOffice converting ``inputs`` into ``out_dir``, with its own throwaway profile inside ``work``."""
    out_dir.mkdir(parents=True)
    profile = Path(tempfile.mkdtemp(prefix="avtal-lo-profil-", dir=work))
    try:
        command = [
            soffice,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            export_filter,
            "--outdir",
            str(out_dir),
            *(str(path) for path in inputs),
        ]
        return _run(command, out_dir.with_suffix(".log"), timeout, (work,))
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _run(command: list[str], log_path: Path, timeout: float, folders: Sequence[Path] = ()) -> _Outcome:
    """Run ``command`` in its own process group, output to ``log_path``; the group is always stopped after.

    A guard stops the group and removes ``folders`` should this process be killed before it could.
    """
    with log_path.open("wb") as log:
        try:
            # LibreOffice's own temporary files (lu*.tmp) go into the first folder, which the guard removes if the run dies.
            environment = {**os.environ, "TMPDIR": str(folders[0])} if folders else None
            child = Child(command, folders=folders, stdout=log, stderr=subprocess.STDOUT, env=environment)
        except OSError as error:
            raise PdfError(Problem(command[0], "", f"LibreOffice kan inte startas ({error}). {INSTALL_HINT}")) from error
        timed_out = False
        try:
            child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            child.stop(force=timed_out)
    returncode = None if timed_out else child.process.returncode
    return _Outcome(returncode, timed_out, log_path.read_text(encoding="utf-8", errors="replace"))


def _looks_complete(pdf: Path) -> bool:
    """A PDF that was written to the end (a killed office can leave a truncated one)."""
    try:
        with pdf.open("rb") as f:
            f.seek(max(0, pdf.stat().st_size - 1024))
            return b"%%EOF" in f.read()
    except OSError:
        return False


def _office_error(log: str, *, any_line: bool) -> str:
    """The office's last ``Error`` line (or, with ``any_line``, its last line of output), shortened."""
    lines = [line.strip() for line in log.splitlines() if line.strip() and "javaldx" not in line]
    errors = [line for line in lines if line.startswith("Error")]
    chosen = errors[-1] if errors else (lines[-1] if lines and any_line else "")
    return chosen if len(chosen) <= 200 else chosen[:197] + "..."
