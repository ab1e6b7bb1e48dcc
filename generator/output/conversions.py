"""The run's PDF files: of the documents written and of the comparison documents, each recorded with its hash."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import PdfError, Problem
from ..files import os_reason
from . import pdf as pdf_output
from .archive import keep_aside
from .changes import Change, ComparisonEntry
from .identity import InputId, input_path
from .manifest import disk_hash, is_regular_file
from .store import Run, below


def document_pdfs(run: Run, written: Callable[[Path], None] | None = None) -> None:
    """Convert every listed .docx in one LibreOffice batch and record each PDF's hash; failures go to the result.

    A PDF on disk that is not the one the generator made (signed, edited) is kept in ``tidigare/`` first.
    """
    needs, records, result = run.needs_pdf, run.records, run.result
    begun = records.pdfs_begun()
    for docx_path, (agreement_id, name) in needs.items():
        pdf_path = docx_path.with_suffix(".pdf")
        recorded = run.entry(agreement_id).dokument[name].pdf_hash
        if os.path.lexists(pdf_path) and disk_hash(pdf_path) != recorded:
            try:
                kept = keep_aside(pdf_path, run.today)
            except OSError as e:
                result.failed.setdefault(_input_name(run, run.entry(agreement_id).fil), []).append(
                    Problem(str(pdf_path), "", f"kunde inte spara undan den tidigare PDF-filen: {os_reason(e)}")
                )
                continue
            result.archived.append(kept)
            if begun.get(below(run.utdata, pdf_path)) == disk_hash(docx_path):  # kept all the same: it may have been signed since
                message = f"PDF-filen gjordes av en körning som avbröts innan den hann anteckna den; den sparades i {kept} och görs om"
            else:
                message = f"PDF-filen var inte den som generatorn gjorde (signerad eller ändrad?); den sparades i {kept}"
            result.warnings.append(Problem(str(pdf_path), "", message, "varning"))
    pending = {below(run.utdata, docx.with_suffix(".pdf")): run.entry(key).dokument[name].hash for docx, (key, name) in needs.items()}
    try:
        records.begin_pdfs(pending)
    except OSError as e:
        result.warnings.append(Problem(str(records.path), "", f"PDF-filerna som görs kunde inte antecknas: {os_reason(e)}", "varning"))
    failures: list[Problem] = []
    try:
        pdf_output.convert(list(needs), must_contain=run.pdf_texts, rendered=True, written=written)
    except PdfError as e:
        failures = e.problems
    failed_docs = {p.file for p in failures}
    for docx_path, (agreement_id, name) in needs.items():
        entry = run.entry(agreement_id)
        if str(docx_path) in failed_docs:
            docx_path.with_suffix(".pdf").unlink(missing_ok=True)
            entry.dokument[name].pdf_hash = None
            result.failed.setdefault(_input_name(run, entry.fil), []).extend(p for p in failures if p.file == str(docx_path))
            continue
        entry.dokument[name].pdf_hash = disk_hash(docx_path.with_suffix(".pdf"))
        result.pdfs.append(docx_path.with_suffix(".pdf"))
    for agreement_id in dict.fromkeys(agreement_id for agreement_id, _ in needs.values()):
        try:
            records.update(agreement_id, run.now)
        except OSError as e:
            result.failed.setdefault(_input_name(run, run.entry(agreement_id).fil), []).append(
                Problem(str(records.path), "", f"PDF-filernas kontrollsummor kunde inte antecknas: {os_reason(e)}"))
    with contextlib.suppress(OSError):
        records.end_pdfs(list(pending))
    for problem in failures:
        if problem.file not in {str(p) for p in needs}:
            result.failed.setdefault(problem.file or "PDF", []).append(problem)


def comparison_document_pdfs(run: Run) -> None:
    """A PDF for every comparison document of this run, and of a stopped run that did not make them (recorded as due)."""
    from .comparisons import comparison_pdfs

    due = run.records.comparisons_without_pdf()
    ours = {entry.path for change in run.result.changes for entry in change.comparisons if entry.path is not None}
    earlier = [Change("", owner, [], comparisons=[ComparisonEntry(path.name, run.utdata / path)])
               for path, owner in due.items() if run.utdata / path not in ours and is_regular_file(run.utdata / path)]
    made, failures = comparison_pdfs([*run.result.changes, *earlier])
    run.result.pdfs.extend(made)
    for file, problems in failures.items():
        run.result.failed.setdefault(file, []).extend(problems)
    failed = {Path(p.file) for problems in failures.values() for p in problems}
    done = [path for path in due if run.utdata / path not in failed]
    try:
        run.records.pdfs_made(done + [below(run.utdata, p) for p in ours if p not in failed])
    except OSError as e:
        run.result.warnings.append(Problem(str(run.records.path), "", f"att jämförelsernas PDF-filer är gjorda kunde inte antecknas: {os_reason(e)}",
                                           "varning"))


def _input_name(run: Run, identity: InputId) -> str:
    """The input file of a recorded agreement as a path, as failures are keyed (not the identity relative to the project)."""
    return str(input_path(identity, run.records.project))
