"""The library API: check agreements, and generate their documents incrementally."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..agreement.thresholds import Thresholds, load_thresholds
from ..cache import CACHE_DIR
from ..errors import AvtalError, LoadError, MissingProgramError, PdfError, Problem, ThresholdError, WriteError
from ..files import link_inside, links_refused, os_reason, remove_stale_temporaries
from ..kinds import TEMPLATE_FILES
from ..paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA
from ..prepare import Prepared, prepare
from ..templates.checked import checked_templates
from . import pdf as pdf_output
from .archive import ARCHIVE_DIR, keep_aside
from .entry import Entry
from .fingerprint import changes as fingerprint_changes
from .fingerprint import fingerprint
from .identity import InputId, input_id, input_path, project_of
from .lock import LOCK_NAME, locked
from .manifest import JOURNAL_NAME, MANIFEST_NAME, MIGRATED_SUFFIX, disk_hash, is_regular_file
from .records import DB_FILES, DB_NAME, Records
from .recovery import recover
from .report import LATEST, REPORT_DIR, Change, write_report
from .store import Run, below, pdf_current, store_agreement

# stage(step, done, total): the step a run has reached (kontrollerar, renderar, skriver, pdf, jamforelse-pdf, rapport).
Stage = Callable[[str, int, int], None]

if TYPE_CHECKING:  # rendering and comparing are imported when a run needs them, so `avtal validera` starts at once
    from .batch import Built, Settings

RUNNING = ".pagaende-korning"  # exists while a run writes into utdata; one that was killed leaves it behind
# Names in utdata the generator uses itself: no agreement may take one as its folder.
RESERVED_IDS = frozenset(name.lower() for name in (
    REPORT_DIR, ARCHIVE_DIR, CACHE_DIR, MANIFEST_NAME, JOURNAL_NAME, MANIFEST_NAME + MIGRATED_SUFFIX, JOURNAL_NAME + MIGRATED_SUFFIX,
    *DB_FILES, LATEST, LOCK_NAME, RUNNING, "bench.json"))


@dataclass
class Result:
    """What a run did: documents written, agreements that failed with their problems, warnings and the report."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    archived: list[Path] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    agreements: list[Prepared] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    report: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def problems(self) -> list[Problem]:
        return [p for problems in self.failed.values() for p in problems]


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
    ``stage(step, done, total)`` is told each step as the run reaches it (STEPS), for a progress display.
    """
    now = now or dt.datetime.now()
    step = stage or (lambda name, done, total: None)
    result = Result()
    if pdf and not pdf_output.available():
        raise MissingProgramError(Problem("", "", f"PDF kräver LibreOffice, som inte är installerat. {pdf_output.INSTALL_HINT}"))
    with locked(utdata, notify=result.warnings.append), _running(utdata), links_refused(utdata):
        run = _open_run(utdata, mallar, troskelvarden, force, pdf, now, result)
        try:
            recover(run.records, utdata, run.token, now, result.warnings)  # what a killed run wrote and did not record
            sources = input_paths(agreement_files(files, indata), run.records.project)
            step("kontrollerar", 0, len(sources))
            todo = _select(run, sources, progress)
            if todo:
                checker = json.dumps(run.depends, sort_keys=True)
                # The same checks as avtal mallar kontrollera (the folder, each template, a trial with each kind's minimal agreement).
                result.warnings.extend(checked_templates([mallar], checker, troskelvarden))
            pending = {sources[p] for p in todo}
            claimed: dict[str, InputId] = {}  # ids taken in this run, by input
            from .batch import Settings

            step("renderar", 0, len(todo))
            for built in _build_each(todo, Settings(mallar, thresholds=run.thresholds, issued=now.date()), workers, result):
                if progress:
                    progress(1)
                if built.problems and files is None and not os.path.lexists(built.file):
                    # listed from the folder, gone when read: deleted meanwhile (the form moves it to .borttagna/)
                    result.warnings.append(Problem(built.file, "", "filen togs bort medan körningen pågick och hoppades över", "varning"))
                    continue
                if built.problems:
                    result.failed[built.file] = built.problems
                    continue
                identity = sources.get(Path(built.file)) or run.records.identity(built.file)
                refusal = _refusal(built, identity, _owner(run, claimed, pending, built.agreement_id), utdata)
                if refusal:
                    result.failed[built.file] = [refusal]
                    continue
                claimed[built.agreement_id] = identity
                result.warnings.extend(built.warnings)
                result.built.append(built.file)
                step("skriver", len(result.built), len(todo))
                store_agreement(run, built, identity)  # journals the agreement: a run stopped part-way loses nothing
            if run.needs_pdf:
                step("pdf", 0, len(run.needs_pdf))
                _make_pdfs(run, _counted(step, "pdf", len(run.needs_pdf)))
            if pdf:  # comparison documents (issue 14) get their PDF too, also those a stopped run did not make
                step("jamforelse-pdf", 0, 0)
                _comparison_pdfs(run)
            step("rapport", 0, 0)
            _report(run)
        finally:
            _close(run)
    return result


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


@contextmanager
def _running(utdata: Path) -> Iterator[None]:
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


def _select(run: Run, sources: dict[Path, InputId], progress: Callable[[int], None] | None) -> list[Path]:
    """The inputs to build: all with ``force``, else those whose documents are not current."""
    todo: list[Path] = []
    for path, identity in sources.items():
        key = run.records.id_of(identity)
        entry = run.records.get(key) if key else None
        if key and entry and not run.force and _up_to_date(run, entry, path, run.utdata / key):
            run.result.up_to_date.append(str(path))
            if progress:
                progress(1)
        else:
            todo.append(path)
    return todo


def _build_each(todo: list[Path], settings: Settings, workers: int | None, result: Result) -> Iterator[Built]:
    """build_all, with a worker that died (out of memory, killed) failing the agreements not yet built, not the run."""
    done = 0
    try:
        from .batch import build_all

        for built in build_all(todo, settings, workers):
            done += 1
            yield built
    except BrokenProcessPool:
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


def _make_pdfs(run: Run, written: Callable[[Path], None] | None = None) -> None:
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


def _comparison_pdfs(run: Run) -> None:
    """A PDF for every comparison document of this run, and of a stopped run that did not make them (recorded as due)."""
    from .comparisons import ComparisonEntry, comparison_pdfs

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


def _up_to_date(run: Run, entry: Entry, path: Path, folder: Path) -> bool:
    """True when nothing the agreement's documents were made from has changed and they are on disk as written."""
    if entry.generator != __version__ or fingerprint_changes(entry.beroenden, run.depends):
        return False
    if disk_hash(path) != entry.data_hash:
        return False
    for name, recorded in entry.troskelvarden.items():
        try:
            current = run.thresholds.value(name, dt.date.fromisoformat(recorded["datum"]))
        except (ThresholdError, KeyError, ValueError, TypeError):
            return False
        if (current.belopp, current.fran.isoformat(), current.till.isoformat() if current.till else None, current.kalla) != (
            recorded["belopp"], recorded["fran"], recorded["till"], recorded["kalla"]
        ):
            return False
    for name, doc in entry.dokument.items():
        target = folder / name
        if run.templates.get(Path(doc.mall).name) != doc.mall_hash or not doc.hash or disk_hash(target) != doc.hash:
            return False
        if run.pdf and not pdf_current(target, doc.pdf_hash):
            return False
    return True


def _input_name(run: Run, identity: InputId) -> str:
    """The input file of a recorded agreement as a path, as failures are keyed (not the identity relative to the project)."""
    return str(input_path(identity, run.records.project))
