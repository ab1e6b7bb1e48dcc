"""The library API: check agreements, and generate their documents incrementally."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..agreement.filters import kr
from ..agreement.prepare import Prepared, prepare
from ..agreement.thresholds import Thresholds, load_thresholds
from ..compare.comparisons import COMPARISON_DIR, ComparisonEntry, comparison_pdfs, record_comparison
from ..docx.properties import same_except_dates
from ..errors import AvtalError, LoadError, MissingProgramError, PdfError, Problem, ThresholdError, WriteError
from ..paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA, MAIN_FILE, OUTPUT_FILES, TEMPLATE_FILES
from . import pdf as pdf_output
from .archive import ARCHIVE_DIR, free_folder, keep_aside
from .batch import Built, Settings, build_all, unexpected
from .checkcache import CACHE_DIR, checked_templates
from .fingerprint import changes as fingerprint_changes
from .fingerprint import fingerprint
from .identity import InputId, input_id, input_path, project_of
from .lock import LOCK_NAME, locked
from .manifest import JOURNAL_NAME, MANIFEST_NAME, MIGRATED_SUFFIX, disk_hash, is_regular_file, regular_bytes, sha256
from .records import DB_FILES, DB_NAME, Document, Entry, Records
from .recovery import recover
from .report import LATEST, REPORT_DIR, Change, amount_changes, sentence_changes, write_report
from .write import keep_as, link_inside, links_refused, move_into, os_reason, remove_stale_temporaries, synced_once, write_atomic

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
) -> Result:
    """Generate the documents of every agreement whose inputs changed; report failures, keep earlier versions.

    An agreement whose data, templates, threshold values, schemas, generator source and library versions
    match the manifest is not opened. Each agreement is checked and rendered in memory before its first
    file is written, so a failing one never leaves a half-written document and its earlier output stays
    as it was; the others are still generated. What cannot be written (disk full, no permission) fails
    that agreement with the path, and the manifest records exactly what was written.
    """
    now = now or dt.datetime.now()
    result = Result()
    if pdf and not pdf_output.available():
        raise MissingProgramError(Problem("", "", f"PDF kräver LibreOffice och poppler-utils, som inte är installerade. {pdf_output.INSTALL_HINT}"))
    with locked(utdata, notify=result.warnings.append), _running(utdata), links_refused(utdata):
        run = _open_run(utdata, mallar, troskelvarden, force, pdf, now, result)
        try:
            recover(run.records, utdata, run.token, now, result.warnings)  # what a killed run wrote and did not record
            sources = input_paths(agreement_files(files, indata), run.records.project)
            todo = _select(run, sources, progress)
            if todo:
                checker = json.dumps(run.depends, sort_keys=True)
                result.warnings.extend(checked_templates([mallar / name for name in TEMPLATE_FILES], utdata, checker))
            pending = {sources[p] for p in todo}
            claimed: dict[str, InputId] = {}  # ids taken in this run, by input
            for built in _build_each(todo, Settings(mallar, thresholds=run.thresholds, issued=now.date()), workers, result):
                if progress:
                    progress(1)
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
                _store_agreement(run, built, identity)  # journals the agreement: a run stopped part-way loses nothing
            if run.needs_pdf:
                _make_pdfs(run)
            if pdf:  # comparison documents (issue 14) get their PDF too, also those a stopped run did not make
                _comparison_pdfs(run)
            _report(run)
        finally:
            _close(run)
    return result


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


@dataclass
class _Run:
    """What one generate() run works with, and what it has to do after the agreements are written."""

    utdata: Path
    mallar: Path
    thresholds: Thresholds
    templates: dict[str, str]
    records: Records
    depends: dict[str, Any]
    force: bool
    pdf: bool
    now: dt.datetime
    result: Result
    needs_pdf: dict[Path, tuple[str, str]] = field(default_factory=dict)
    pdf_texts: dict[Path, list[str]] = field(default_factory=dict)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def entry(self, agreement_id: str) -> Entry:
        """The record of an agreement this run has recorded."""
        entry = self.records.get(agreement_id)
        assert entry is not None, agreement_id
        return entry

    @property
    def today(self) -> str:
        return self.now.date().isoformat()


def _open_run(utdata: Path, mallar: Path, troskelvarden: Path, force: bool, pdf: bool, now: dt.datetime, result: Result) -> _Run:
    thresholds = load_thresholds(troskelvarden)
    templates = {name: h for name in TEMPLATE_FILES if (h := disk_hash(mallar / name))}
    return _Run(utdata, mallar, thresholds, templates, Records.open(utdata), fingerprint(), force, pdf, now, result)


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


def _select(run: _Run, sources: dict[Path, InputId], progress: Callable[[int], None] | None) -> list[Path]:
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
        for built in build_all(todo, settings, workers):
            done += 1
            yield built
    except BrokenProcessPool:
        for path in todo[done:]:
            result.failed[str(path)] = [Problem(str(path), "", "avtalet byggdes inte: en arbetsprocess avslutades oväntat (slut på minne?); kör igen")]


def _owner(run: _Run, claimed: dict[str, InputId], pending: set[InputId], agreement_id: str) -> InputId | None:
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
    for inside in (ARCHIVE_DIR, COMPARISON_DIR):
        link = link_inside(utdata, folder / inside)
        if link is not None:
            return Problem(built.file, "$.avtal.id", f"{link} är en symbolisk länk; avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen")
    if os.path.lexists(folder) and not folder.is_dir():
        return Problem(built.file, "$.avtal.id", f"{folder} finns redan och är inte en mapp; flytta filen och kör igen")
    return None


def _close(run: _Run) -> None:
    """The run's end: what was found wrong in the records becomes warnings, and the database is closed."""
    seen = set(run.result.warnings)
    run.result.warnings.extend(p for p in dict.fromkeys(run.records.problems) if p not in seen)
    run.records.close()


def _report(run: _Run) -> None:
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


def _previous_versions(folder: Path, built: Built) -> dict[str, bytes | None]:
    """Each document's earlier version on disk (None: none, or not a regular file), each read once.

    A document made again with the same content on another day keeps the bytes issued (only its dates differ).
    """
    found: dict[str, bytes | None] = {}
    for name, data in built.outputs.items():
        previous = regular_bytes(folder / name)
        if previous is not None and previous != data and same_except_dates(previous, data):
            built.outputs[name] = previous
        found[name] = previous
    return found


def _plan(run: _Run, entry: Entry, change: Change, removed: list[str], built: Built, previous: dict[str, bytes | None]) -> dict[str, Any]:
    """What is about to be written for one agreement, recorded first so the next run can finish what a killed run began."""
    documents = {
        name: {"ny": sha256(data), "skrivs": previous[name] != data,
               "tidigare": sha256(before) if (before := previous[name]) is not None and before != data else None}
        for name, data in built.outputs.items()
    }
    return {"post": entry.to_json(), "andring": {**change.to_json(), "korning": run.token}, "bort": removed, "pdf": run.pdf,
            "dokument": documents}


def _store_agreement(run: _Run, built: Built, identity: InputId) -> None:
    """Write one agreement's documents and record them; an OSError fails just this agreement, with the path."""
    records, result = run.records, run.result
    old = records.get(built.agreement_id)
    removed = [k for k in records.ids_of(identity) if k != built.agreement_id]
    previous = _previous_versions(run.utdata / built.agreement_id, built)
    entry = _entry(run, built, identity, old)
    change = Change(built.agreement_id, built.file, _reasons(run, built, old), new=old is None)
    for key in removed:
        change.reasons.append(f"id har ändrats från \"{key}\"")
    if old is not None:
        change.amounts = amount_changes(old.belopp, built.amounts)
    written: set[str] = set()
    try:
        records.intend(built.agreement_id, run.token, _plan(run, entry, change, removed, built, previous))
        with synced_once():  # every folder written is synced before the records note the agreement
            for key in removed:
                change.moved.extend(_retire(run, run.utdata / key, set(), f"avtalets id är nu \"{built.agreement_id}\"", records.get(key)))
            _store(run, built, old, change, written, previous)
            change.moved.extend(_retire(run, run.utdata / built.agreement_id, set(built.outputs), "behövs inte längre för avtalet", old))
    except Exception as e:  # disk full, no permission, a link, or a fault of ours: this agreement fails, the others go on
        if isinstance(e, OSError):
            place = getattr(e, "filename", None) or run.utdata / built.agreement_id
            result.failed[built.file] = [Problem(built.file, "", f"kunde inte skriva {place}: {os_reason(e)}; tidigare versioner finns kvar")]
        else:
            result.failed[built.file] = [unexpected(built.file, e)]
        result.built.remove(built.file)
        for name, doc in entry.dokument.items():
            if name not in written and previous[name] != built.outputs[name]:
                doc.hash = ""  # not written: the next run makes it again
    for name in built.outputs:
        doc = entry.dokument[name]
        if name in written:
            doc.pdf_hash = None
        target = run.utdata / built.agreement_id / name
        if run.pdf and doc.hash and (run.force or not _pdf_current(target, doc.pdf_hash)):
            run.needs_pdf[target] = (built.agreement_id, name)
            if name == MAIN_FILE:
                run.pdf_texts[target] = built.party_names
    wrote = bool(written) or bool(change.moved)
    if not wrote:
        change.amounts = []
    else:
        result.changes.append(change)
    record = {**change.to_json(), "korning": run.token} if wrote else None
    for_pdf = [entry.path for entry in change.comparisons if entry.path is not None] if run.pdf else []
    try:
        records.record(built.agreement_id, entry, record, removed, run.now, [_below(run.utdata, p) for p in for_pdf])
    except OSError as e:
        result.failed.setdefault(built.file, []).append(Problem(built.file, "", f"kunde inte anteckna avtalet i {records.path}: {os_reason(e)}"))


def _below(utdata: Path, path: Path) -> Path:
    """``path`` relative to ``utdata``, as the records keep paths inside it."""
    return Path(os.path.relpath(path, utdata))


def _pdf_current(docx: Path, recorded: str | None) -> bool:
    return recorded is not None and disk_hash(docx.with_suffix(".pdf")) == recorded


def _make_pdfs(run: _Run) -> None:
    """Convert every listed .docx in one LibreOffice batch and record each PDF's hash; failures go to the result.

    A PDF on disk that is not the one the generator made (signed, edited) is kept in ``tidigare/`` first.
    """
    needs, records, result = run.needs_pdf, run.records, run.result
    for docx_path, (agreement_id, name) in needs.items():
        pdf_path = docx_path.with_suffix(".pdf")
        recorded = run.entry(agreement_id).dokument[name].pdf_hash
        if os.path.lexists(pdf_path) and disk_hash(pdf_path) != recorded:
            try:
                kept = keep_aside(pdf_path, run.today)
            except OSError as e:
                result.failed.setdefault(run.entry(agreement_id).fil, []).append(
                    Problem(str(pdf_path), "", f"kunde inte spara undan den tidigare PDF-filen: {os_reason(e)}")
                )
                continue
            result.archived.append(kept)
            message = f"PDF-filen var inte den som generatorn gjorde (signerad eller ändrad?); den sparades i {kept}"
            result.warnings.append(Problem(str(pdf_path), "", message, "varning"))
    failures: list[Problem] = []
    try:
        pdf_output.convert(list(needs), must_contain=run.pdf_texts)
    except PdfError as e:
        failures = e.problems
    failed_docs = {p.file for p in failures}
    for docx_path, (agreement_id, name) in needs.items():
        entry = run.entry(agreement_id)
        if str(docx_path) in failed_docs:
            docx_path.with_suffix(".pdf").unlink(missing_ok=True)
            entry.dokument[name].pdf_hash = None
            result.failed.setdefault(entry.fil, []).extend(p for p in failures if p.file == str(docx_path))
            continue
        entry.dokument[name].pdf_hash = disk_hash(docx_path.with_suffix(".pdf"))
        result.pdfs.append(docx_path.with_suffix(".pdf"))
    for agreement_id in dict.fromkeys(agreement_id for agreement_id, _ in needs.values()):
        try:
            records.update(agreement_id, run.now)
        except OSError as e:
            result.failed.setdefault(run.entry(agreement_id).fil, []).append(
                Problem(str(records.path), "", f"PDF-filernas kontrollsummor kunde inte antecknas: {os_reason(e)}"))
    for problem in failures:
        if problem.file not in {str(p) for p in needs}:
            result.failed.setdefault(problem.file or "PDF", []).append(problem)


def _comparison_pdfs(run: _Run) -> None:
    """A PDF for every comparison document of this run, and of a stopped run that did not make them (recorded as due)."""
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
        run.records.pdfs_made(done + [_below(run.utdata, p) for p in ours if p not in failed])
    except OSError as e:
        run.result.warnings.append(Problem(str(run.records.path), "", f"att jämförelsernas PDF-filer är gjorda kunde inte antecknas: {os_reason(e)}",
                                           "varning"))


def _up_to_date(run: _Run, entry: Entry, path: Path, folder: Path) -> bool:
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
        if run.pdf and not _pdf_current(target, doc.pdf_hash):
            return False
    return True


def _entry(run: _Run, built: Built, identity: InputId, old: Entry | None) -> Entry:
    """The record of a built agreement; a document unchanged since ``old`` keeps its PDF's hash."""
    documents = {}
    for name, data in built.outputs.items():
        digest = sha256(data)
        recorded = old.dokument.get(name) if old else None
        pdf_hash = recorded.pdf_hash if recorded is not None and recorded.hash == digest else None
        documents[name] = Document(str(run.mallar / built.templates[name]), run.templates.get(built.templates[name], ""), digest, pdf_hash)
    return Entry(
        fil=identity,
        data_hash=built.data_hash,
        generator=__version__,
        genererad=run.today,
        troskelvarden=built.thresholds_used,
        dokument=documents,
        belopp=built.amounts,
        varningar=[str(w) for w in built.warnings],
        beroenden=run.depends,
    )
def _reasons(run: _Run, built: Built, old: Entry | None) -> list[str]:
    if old is None:
        return ["nytt avtal"]
    reasons = []
    if old.data_hash != built.data_hash:
        reasons.append(f"avtalsdata i {built.file} har ändrats")
    for name in built.outputs:
        if name in old.dokument and old.dokument[name].mall_hash != run.templates.get(built.templates[name]):
            reasons.append(f"mallen {built.templates[name]} har ändrats")
    for name in sorted(set(old.troskelvarden) | set(built.thresholds_used)):
        before, after = old.troskelvarden.get(name), built.thresholds_used.get(name)
        if before and after and before != after:
            if before["belopp"] != after["belopp"]:
                reasons.append(f"tröskelvärdet {name} har ändrats från {kr(before['belopp'])} till {kr(after['belopp'])}")
            else:
                reasons.append(f"uppgifterna om tröskelvärdet {name} har ändrats")
    if old.generator != __version__:
        reasons.append(f"generatorn har uppdaterats ({old.generator} → {__version__})")
    reasons.extend(fingerprint_changes(old.beroenden, run.depends))
    if run.force:
        reasons.append("körningen gjordes med --tvinga")
    return reasons or ["ett dokument saknades eller hade ändrats på disk"]


def _retire(run: _Run, folder: Path, keep: set[str], why: str, recorded: Entry | None) -> list[Path]:
    """Move generated documents in ``folder`` that are not in ``keep`` to ``tidigare/``, saying so; where they went."""
    moved: list[Path] = []
    if folder.is_symlink() or not folder.is_dir():
        return moved
    names = [*OUTPUT_FILES, *(Path(n).with_suffix(".pdf").name for n in OUTPUT_FILES)]
    for name in names:
        path = folder / name
        docx = Path(name).with_suffix(".docx").name
        if docx in keep or not os.path.lexists(path):
            continue
        doc = recorded.dokument.get(docx) if recorded else None
        made = (doc.pdf_hash if name.endswith(".pdf") else doc.hash) if doc else None
        by_hand = disk_hash(path) != made
        kept = keep_aside(path, run.today)
        run.result.archived.append(kept)
        note = "; den hade ändrats på disk sedan generatorn skrev den (signerad eller ändrad för hand?)" if by_hand else ""
        run.result.warnings.append(Problem(str(path), "", f"{why}; flyttades till {kept}{note}", "varning"))
        moved.append(kept)
    return moved


def _store(run: _Run, built: Built, old: Entry | None, change: Change, written: set[str], previous: dict[str, bytes | None]) -> None:
    """Write the agreement's documents, keeping any earlier version that differs; adds the names written to ``written``.

    An earlier output that is not a regular file (a folder, a FIFO, a link) is moved aside unopened;
    one that differs from what the records say was written (edited, signed) is kept with a warning, and
    an earlier version never takes the place of one already kept (archive.free_folder).
    """
    folder = run.utdata / built.agreement_id
    for name, data in built.outputs.items():
        target = folder / name
        recorded = old.dokument.get(name) if old else None
        before = previous[name]
        if before is None and os.path.lexists(target):
            kept = keep_aside(target, run.today)
            run.result.archived.append(kept)
            change.archived.append(kept)
            run.result.warnings.append(Problem(str(target), "", f"var inte en vanlig fil (mapp, länk eller specialfil); flyttades till {kept}", "varning"))
        if before == data:
            run.result.unchanged.append(target)
            continue
        if before is not None:
            _archive(run, target, before, recorded, old.genererad if old else run.today, change)
        write_atomic(target, data)
        run.result.written.append(target)
        written.add(name)
        if before is not None:  # comparison document against the version just archived (issue 14), and the changed sentences
            comparison = record_comparison(change, run.result.warnings, folder, name, before, data, run.now)
            change.sentences[name] = sentence_changes(before, data, comparison.bodies if comparison else None)


def _archive(run: _Run, target: Path, before: bytes, recorded: Document | None, stamp: str, change: Change) -> None:
    """Keep the earlier ``target`` (content ``before``) and its PDF in a free folder of ``tidigare/``, warning when either was changed by hand."""
    digest = sha256(before)
    old_pdf = target.with_suffix(".pdf")
    archive = free_folder(target.parent, stamp, digest, [target.name, old_pdf.name]) / target.name
    keep_as(target, archive, before)
    run.result.archived.append(archive)
    change.archived.append(archive)
    if recorded is not None and recorded.hash and recorded.hash != digest:
        message = f"hade ändrats på disk sedan generatorn skrev den (för hand?); den ändrade versionen sparades i {archive}"
        run.result.warnings.append(Problem(str(target), "", message, "varning"))
    if is_regular_file(old_pdf):
        pdf_digest = disk_hash(old_pdf)
        move_into(old_pdf, archive.with_suffix(".pdf"))
        if pdf_digest != (recorded.pdf_hash if recorded else None):
            message = f"PDF-filen var inte den som generatorn gjorde (signerad eller ändrad?); den sparades i {archive.with_suffix('.pdf')}"
            run.result.warnings.append(Problem(str(old_pdf), "", message, "varning"))
    elif os.path.lexists(old_pdf):
        keep_aside(old_pdf, stamp)
