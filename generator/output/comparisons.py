"""Comparison documents in the output: one per regenerated document, linked from the change report."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

from ..agreement.filters import plural
from ..compare.document import Comparison, compare_documents, compare_files
from ..errors import CompareError, PdfError, Problem
from ..files import write_atomic
from .changes import Change, ComparisonEntry

COMPARISON_DIR = "jamforelse"


def comparison_path(folder: Path, name: str, when: dt.datetime) -> Path:
    """``<folder>/jamforelse/<dokument>-<datum>.docx``; with the time added when that day already has one."""
    target = folder / COMPARISON_DIR / f"{Path(name).stem}-{when:%Y-%m-%d}.docx"
    return target if not target.exists() else target.with_name(f"{Path(name).stem}-{when:%Y-%m-%d-%H%M%S}.docx")


def record_comparison(change: Change, warnings: list[Problem], folder: Path, name: str, previous: bytes, data: bytes, when: dt.datetime) -> Comparison | None:
    """Write the comparison of ``previous`` and ``data``, note it in ``change`` and return it; a failure is a warning, nothing written, None."""
    target = comparison_path(folder, name, when)
    try:
        comparison = compare_documents(previous, data, when=when, old_name=f"{folder / name} (tidigare version)", new_name=str(folder / name))
    except CompareError as e:
        _no_comparison(change, warnings, folder / name, e.problems[0].place if e.problems else "", "; ".join(p.message for p in e.problems))
        return None
    except Exception as e:  # a fault in the comparison must not stop the run: the agreement itself is written
        _no_comparison(change, warnings, folder / name, "", f"internt fel i jämförelsen ({type(e).__name__}: {e})")
        return None
    write_atomic(target, comparison.data)
    change.comparisons.append(ComparisonEntry(name, target, comparison.inserted_words, comparison.deleted_words,
                                              replaced_whole=comparison.replaced_whole))
    return comparison


def _no_comparison(change: Change, warnings: list[Problem], document: Path, place: str, message: str) -> None:
    warnings.append(Problem(str(document), place, f"inget jämförelsedokument: {message}", "varning"))
    change.comparisons.append(ComparisonEntry(document.name, None, problem=message))


def comparison_pdfs(changes: Iterable[Change]) -> tuple[list[Path], dict[str, list[Problem]]]:
    """A PDF beside every comparison document of ``changes`` (one LibreOffice batch): the PDFs, and problems per agreement file."""
    owners = {entry.path: change.file for change in changes for entry in change.comparisons if entry.path is not None}
    if not owners:
        return [], {}
    from . import pdf as pdf_output  # only a run that makes PDF loads the PDF code

    failed: dict[str, list[Problem]] = {}
    try:
        pdf_output.convert(list(owners), rendered=True)
    except PdfError as e:
        for problem in e.problems:
            owner = owners.get(Path(problem.file), problem.file or "PDF")
            failed.setdefault(owner, []).append(problem)
    bad = {Path(p.file) for problems in failed.values() for p in problems}
    return [path.with_suffix(".pdf") for path in owners if path not in bad], failed


def report_lines(entries: list[ComparisonEntry], base: Path | None) -> list[str]:
    """Markdown lines for the change report: a link to each comparison document (relative to ``base``) and its word counts."""
    if not entries:
        return []
    lines = ["", "Jämförelsedokument (den nya versionen med spårade ändringar mot den tidigare, öppnas i Word):", ""]
    for entry in entries:
        if entry.path is None:
            lines.append(f"- {entry.document}: inget jämförelsedokument kunde göras ({entry.problem})")
            continue
        link = Path(os.path.relpath(entry.path, base)).as_posix() if base is not None else entry.path.as_posix()
        lines.append(
            f"- [{entry.path.name}](<{link}>) för {entry.document}: {word_counts(entry.inserted_words, entry.deleted_words)}"
            + (f". {replaced_note(entry.replaced_whole)}" if entry.replaced_whole else "")
        )
    return lines


def word_counts(inserted: int, deleted: int) -> str:
    """"3 ord tillagda, 1 ord borttaget"."""
    return f"{plural(inserted, 'ord tillagt', 'ord tillagda')}, {plural(deleted, 'ord borttaget', 'ord borttagna')}"


def replaced_note(paragraphs: int) -> str:
    """What the reader must know when long paragraphs could not be compared word by word throughout."""
    which = "Ett stycke var för långt" if paragraphs == 1 else f"{paragraphs} stycken var för långa"
    return (f"{which} för att jämföras ord för ord hela vägen; den ändrade texten där visas som borttagen och "
            "tillagd i sin helhet, så läs den tidigare och den nya lydelsen där")


def compare_to_file(old: Path, new: Path, out: Path | None = None, *, when: dt.datetime | None = None, pdf: bool = False) -> tuple[Path, Comparison]:
    """Compare two .docx files and write the comparison document (default ``NY-jamforelse.docx`` beside ``new``).

    Everything is checked before anything is written: both inputs, the output name (a .docx that is
    neither input) and, with ``pdf``, that LibreOffice is installed. Raises CompareError or PdfError.
    """
    target = out if out is not None else new.with_name(f"{new.stem}-jamforelse.docx")
    problems = []
    if target.suffix.lower() != ".docx":
        problems.append(Problem(str(target), "", "jämförelsedokumentet måste sluta på .docx"))
    if target.resolve() in {old.resolve(), new.resolve()}:
        problems.append(Problem(str(target), "", "jämförelsedokumentet får inte skriva över något av dokumenten som jämförs"))
    if problems:
        raise CompareError(problems)
    if pdf:
        from . import pdf as pdf_output  # only a comparison with PDF loads the PDF code

        if not pdf_output.available():
            raise PdfError(Problem("", "", f"PDF kräver LibreOffice, som inte är installerat. {pdf_output.INSTALL_HINT}"))
    comparison = compare_files(old, new, when=when or dt.datetime.now())
    write_atomic(target, comparison.data)
    if pdf:
        pdf_output.convert([target])
    return target, comparison
