"""The library API: check agreements, and generate their documents incrementally."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..agreement.thresholds import Thresholds, load_thresholds
from ..cache import CACHE_DIR
from ..errors import AvtalError, LoadError, MissingProgramError, Problem, WriteError
from ..files import link_inside, links_refused, os_reason
from ..fingerprint import fingerprint
from ..kinds import TEMPLATE_FILES
from ..paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA
from ..prepare import Prepared, prepare
from ..templates.checked import checked_templates
from .archive import ARCHIVE_DIR
from .changes import Change
from .freshness import select
from .identity import InputId, input_id, input_path, project_of
from .lock import LOCK_NAME, locked
from .manifest import JOURNAL_NAME, MANIFEST_NAME, MIGRATED_SUFFIX, disk_hash
from .records import DB_FILES, Records
from .recovery import recover
from .report import LATEST, REPORT_DIR, write_report
from .result import Result as Result  # the library API returns it
from .runfolder import RUNNING, running
from .store import Run, store_agreement

# stage(step, done, total): the step a run has reached (kontrollerar, renderar, skriver, pdf, jamforelse-pdf, rapport).
Stage = Callable[[str, int, int], None]

if TYPE_CHECKING:  # rendering, comparing and PDF are imported when a run needs them, so `avtal validera` starts at once
    from .batch import Built, Settings

# Names in utdata the generator uses itself: no agreement may take one as its folder.
RESERVED_IDS = frozenset(name.lower() for name in (
    REPORT_DIR, ARCHIVE_DIR, CACHE_DIR, MANIFEST_NAME, JOURNAL_NAME, MANIFEST_NAME + MIGRATED_SUFFIX, JOURNAL_NAME + MIGRATED_SUFFIX,
    *DB_FILES, LATEST, LOCK_NAME, RUNNING, "bench.json"))


def agreement_files(files: list[Path] | None, indata: Path = DEFAULT_INDATA) -> list[Path]:
    """The files named, or every ``*.json`` in ``indata`` sorted by name."""
    if files:
        return list(files)
    if not indata.is_dir():
        raise LoadError(Problem(str(indata), "", "mappen med avtalsdata finns inte"))
    return sorted(indata.glob("*.json"))


def prepare_all(files: list[Path], thresholds: Thresholds, result: Result) -> list[Prepared]:
    """Prepare every file, recording failures in ``result``; also refuses two files with the same id."""
    prepared: list[Prepared] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            agreement = prepare(path, thresholds)
        except AvtalError as e:
            result.failed[str(path)] = e.problems
            continue
        refusal = id_problem(agreement.file, agreement.agreement_id, seen.get(agreement.agreement_id))
        if refusal:
            result.failed[agreement.file] = [refusal]
            continue
        seen[agreement.agreement_id] = agreement.file
        result.warnings.extend(agreement.warnings)
        prepared.append(agreement)
    result.agreements.extend(prepared)
    return prepared


def id_problem(file: str, agreement_id: str, owner: str | None) -> Problem | None:
    """Why ``file`` may not use ``agreement_id``: another file (``owner``) has it, or the generator's own files do."""
    if owner:
        return Problem(file, "$.avtal.id", f"id \"{agreement_id}\" används redan av {owner}")
    if agreement_id.lower() in RESERVED_IDS:
        return Problem(file, "$.avtal.id", f"id \"{agreement_id}\" är reserverat för generatorns egna filer i utdata; välj ett annat id")
    return None


def check(files: list[Path] | None = None, *, indata: Path = DEFAULT_INDATA, troskelvarden: Path = DEFAULT_TROSKELVARDEN) -> Result:
    """Validate agreements without rendering or writing anything."""
    result = Result()
    thresholds = load_thresholds(troskelvarden)
    prepare_all(list(input_paths(agreement_files(files, indata), project_of(DEFAULT_UTDATA))), thresholds, result)
    return result


def generate(
    files: list[Path] | None = None,
    *,
    utdata: Path = DEFAULT_UTDATA,
    indata: Path = DEFAULT_INDATA,
    mallar: Path = DEFAULT_MALLAR,
    troskelvarden: Path = DEFAULT_TROSKELVARDEN,
    force: bool = False,
    workers: int | None = None,
    pdf: bool = False,
    now: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
    stage: Stage | None = None,
) -> Result:
    """Generate the documents of every agreement whose inputs changed; report failures, keep earlier versions.

    An agreement whose data, templates, threshold values, schemas, generator source and library versions
    match the manifest is not opened. Each agreement is checked and rendered in memory before its first
    file is written, so a failing one never leaves a half-written document and its earlier output stays
    as it was; the others are still generated. What cannot be written (disk full, no permission) fails
    that agreement with the path, and the manifest records exactly what was written.
    ``stage(step, done, total)`` is told each step as the run reaches it, for a progress display.
    """
    now = now or dt.datetime.now()
    step = stage or (lambda name, done, total: None)
    result = Result()
    if pdf:
        from . import pdf as pdf_output

        if not pdf_output.available():
            raise MissingProgramError(Problem("", "", f"PDF kräver LibreOffice, som inte är installerat. {pdf_output.INSTALL_HINT}"))
    with locked(utdata, notify=result.warnings.append), running(utdata), links_refused(utdata):
        run = _open_run(utdata, mallar, troskelvarden, force, pdf, now, result)
        try:
            recover(run.records, utdata, run.token, now, result.warnings)  # what a killed run wrote and did not record
            sources = input_paths(agreement_files(files, indata), run.records.project)
            step("kontrollerar", 0, len(sources))
            todo = select(run, sources, progress)
            if todo:
                # The same checks as avtal mallar kontrollera (the folder, each template, a trial with each kind's minimal agreement).
                result.warnings.extend(checked_templates([mallar], json.dumps(run.depends, sort_keys=True), troskelvarden))
                _build_and_store(run, todo, sources, workers, progress, step, listed=files is None)
            if run.needs_pdf or pdf:
                from .conversions import comparison_document_pdfs, document_pdfs

                if run.needs_pdf:
                    step("pdf", 0, len(run.needs_pdf))
                    document_pdfs(run, _counted(step, "pdf", len(run.needs_pdf)))
                if pdf:  # comparison documents (issue 14) get their PDF too, also those a stopped run did not make
                    step("jamforelse-pdf", 0, 0)
                    comparison_document_pdfs(run)
            step("rapport", 0, 0)
            _report(run)
        finally:
            _close(run)
    return result


def _build_and_store(run: Run, todo: list[Path], sources: dict[Path, InputId], workers: int | None,
                     progress: Callable[[int], None] | None, step: Stage, *, listed: bool) -> None:
    """Build each agreement in ``todo`` (across cores) and write each one built, in order; failures go to the result."""
    from .batch import Settings

    result = run.result
    pending = {sources[p] for p in todo}
    claimed: dict[str, InputId] = {}  # ids taken in this run, by input
    step("renderar", 0, len(todo))
    for built in _build_each(todo, Settings(run.mallar, thresholds=run.thresholds, issued=run.now.date()), workers, result):
        if progress:
            progress(1)
        if built.problems and listed and not os.path.lexists(built.file):
            # listed from the folder, gone when read: deleted meanwhile (the form moves it to .borttagna/)
            result.warnings.append(Problem(built.file, "", "filen togs bort medan körningen pågick och hoppades över", "varning"))
            continue
        if built.problems:
            result.failed[built.file] = built.problems
            continue
        identity = sources.get(Path(built.file)) or run.records.identity(built.file)
        refusal = _refusal(built, identity, _owner(run, claimed, pending, built.agreement_id), run.utdata)
        if refusal:
            result.failed[built.file] = [refusal]
            continue
        claimed[built.agreement_id] = identity
        result.warnings.extend(built.warnings)
        result.built.append(built.file)
        step("skriver", len(result.built), len(todo))
        store_agreement(run, built, identity)  # journals the agreement: a run stopped part-way loses nothing


def _counted(step: Stage, name: str, total: int) -> Callable[[Path], None]:
    """A callback that tells ``step`` one more of ``total`` is done each time it is called (from any thread)."""
    done = itertools.count(1)
    lock = threading.Lock()

    def one(_: Path) -> None:
        with lock:
            step(name, next(done), total)

    return one


def input_paths(files: list[Path], project: Path) -> dict[Path, InputId]:
    """Each input path as given, with its identity in ``project`` (identity.input_id); the same file named twice once."""
    found: dict[Path, InputId] = {}
    seen: set[InputId] = set()
    for path in files:
        identity = input_id(path, project)
        if identity not in seen:
            seen.add(identity)
            found[path] = identity
    return found


def _open_run(utdata: Path, mallar: Path, troskelvarden: Path, force: bool, pdf: bool, now: dt.datetime, result: Result) -> Run:
    thresholds = load_thresholds(troskelvarden)
    templates = {name: h for name in TEMPLATE_FILES if (h := disk_hash(mallar / name))}
    return Run(utdata, mallar, thresholds, templates, Records.open(utdata), fingerprint(), force, pdf, now, result)


def _build_each(todo: list[Path], settings: Settings, workers: int | None, result: Result) -> Iterator[Built]:
    """build_all, with a worker that died (out of memory, killed) failing the agreements not yet built, not the run."""
    from .batch import build_all

    done = 0
    try:
        for built in build_all(todo, settings, workers):
            done += 1
            yield built
    except Exception as e:
        from concurrent.futures.process import BrokenProcessPool  # imported by the pool when there is one, and only then

        if not isinstance(e, BrokenProcessPool):
            raise
        for path in todo[done:]:
            result.failed[str(path)] = [Problem(str(path), "", "avtalet byggdes inte: en arbetsprocess avslutades oväntat (slut på minne?); kör igen")]


def _owner(run: Run, claimed: dict[str, InputId], pending: set[InputId], agreement_id: str) -> InputId | None:
    """The input that has ``agreement_id``: one built earlier in this run, or an existing file not rebuilt now."""
    if agreement_id in claimed:
        return claimed[agreement_id]
    entry = run.records.get(agreement_id)
    if entry is not None and entry.fil not in pending and input_path(entry.fil, run.records.project).exists():
        return entry.fil
    return None


def _refusal(built: Built, identity: InputId, owner: InputId | None, utdata: Path) -> Problem | None:
    """Why a built agreement may not be written under its id, or None."""
    refusal = id_problem(built.file, built.agreement_id, owner if owner != identity else None)
    if refusal:
        return refusal
    folder = utdata / built.agreement_id
    if Path(os.path.abspath(folder)).parent != Path(os.path.abspath(utdata)):
        return Problem(built.file, "$.avtal.id", f"id \"{built.agreement_id}\" kan inte användas som mappnamn")
    from .comparisons import COMPARISON_DIR

    for inside in (ARCHIVE_DIR, COMPARISON_DIR):
        link = link_inside(utdata, folder / inside)
        if link is not None:
            return Problem(built.file, "$.avtal.id", f"{link} är en symbolisk länk; avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen")
    if os.path.lexists(folder) and not folder.is_dir():
        return Problem(built.file, "$.avtal.id", f"{folder} finns redan och är inte en mapp; flytta filen och kör igen")
    return None


def _close(run: Run) -> None:
    """The run's end: what was found wrong in the records becomes warnings, and the database is closed."""
    seen = set(run.result.warnings)
    run.result.warnings.extend(p for p in dict.fromkeys(run.records.problems) if p not in seen)
    run.records.close()


def _report(run: Run) -> None:
    """Write one change report of everything written and not yet reported, also by an interrupted earlier run."""
    changes = []
    for raw in run.records.unreported():
        try:
            changes.append(Change.from_json(raw, earlier_run=raw.get("korning") != run.token))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            message = f"en ändring som inte har rapporterats kan inte läsas ({type(e).__name__}: {e}); den tas inte med i rapporten"
            run.records.problems.append(Problem(str(run.records.path), "ej_rapporterade", message, "varning"))
    if changes:
        try:
            run.result.report = write_report(run.utdata, changes, run.now)
        except OSError as e:
            raise WriteError(Problem(str(run.utdata / REPORT_DIR), "", f"ändringsrapporten kan inte skrivas: {os_reason(e)}")) from e
    try:
        run.records.mark_reported()
    except OSError as e:
        raise WriteError(Problem(str(run.records.path), "", f"att ändringarna är rapporterade kan inte antecknas: {os_reason(e)}")) from e


