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
from ..compare.comparisons import comparison_pdfs, record_comparison
from ..docx.properties import same_except_dates
from ..errors import AvtalError, LoadError, MissingProgramError, PdfError, Problem, ThresholdError, WriteError
from ..paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA, MAIN_FILE, OUTPUT_FILES, TEMPLATE_FILES
from . import pdf as pdf_output
from .batch import Built, Settings, build_all, unexpected
from .cache import CACHE_DIR, checked_templates
from .fingerprint import changes as fingerprint_changes
from .fingerprint import fingerprint
from .lock import LOCK_NAME, locked
from .manifest import JOURNAL_NAME, MANIFEST_NAME, Document, Entry, Manifest, disk_hash, is_regular_file, regular_bytes, sha256
from .report import LATEST, REPORT_DIR, Change, amount_changes, sentence_changes, write_report
from .write import fsync_directory, keep_as, link_inside, move_into, os_reason, remove_stale_temporaries, synced_once, write_atomic

ARCHIVE_DIR = "tidigare"
RUNNING = ".pagaende-korning"  # exists while a run writes into utdata; one that was killed leaves it behind
# Names in utdata the generator uses itself: no agreement may take one as its folder.
RESERVED_IDS = frozenset(name.lower() for name in (REPORT_DIR, ARCHIVE_DIR, CACHE_DIR, MANIFEST_NAME, JOURNAL_NAME, LATEST, LOCK_NAME, RUNNING, "bench.json"))


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
    prepare_all(list(input_paths(agreement_files(files, indata))), thresholds, result)
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
    with locked(utdata, notify=result.warnings.append), _running(utdata):
        run = _open_run(utdata, mallar, troskelvarden, force, pdf, now, result)
        sources = input_paths(agreement_files(files, indata))
        todo = _select(run, sources, progress)
        if todo:
            checker = json.dumps(run.depends, sort_keys=True)
            result.warnings.extend(checked_templates([mallar / name for name in TEMPLATE_FILES], checker))
        pending = {sources[p] for p in todo}
        claimed: dict[str, str] = {}  # ids taken in this run, by the normalised input path
        try:
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
                identity = sources.get(Path(built.file), built.file)
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
            if pdf:  # comparison documents (issue 14) get their PDF too
                made, failures = comparison_pdfs(result.changes)
                result.pdfs.extend(made)
                for file, problems in failures.items():
                    result.failed.setdefault(file, []).extend(problems)
            _report(run)
        finally:
            _close(run.manifest)
    return result


def input_paths(files: list[Path]) -> dict[Path, str]:
    """Each input path as given, with its normalised identity (absolute, links resolved); the same file named twice once."""
    found: dict[Path, str] = {}
    seen: set[str] = set()
    for path in files:
        identity = normalised(path)
        if identity not in seen:
            seen.add(identity)
            found[path] = identity
    return found


def normalised(path: Path | str) -> str:
    """The identity of an input file: its absolute path with links resolved, as the manifest records it.

    ``os.path.realpath`` leaves a link loop as it is (``Path.resolve`` raises), so that one file fails alone when read.
    """
    return os.path.realpath(os.path.abspath(path))


@dataclass
class _Run:
    """What one generate() run works with, and what it has to do after the agreements are written."""

    utdata: Path
    mallar: Path
    thresholds: Thresholds
    templates: dict[str, str]
    manifest: Manifest
    depends: dict[str, Any]
    force: bool
    pdf: bool
    now: dt.datetime
    result: Result
    needs_pdf: dict[Path, tuple[str, str]] = field(default_factory=dict)
    pdf_texts: dict[Path, list[str]] = field(default_factory=dict)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


def _open_run(utdata: Path, mallar: Path, troskelvarden: Path, force: bool, pdf: bool, now: dt.datetime, result: Result) -> _Run:
    thresholds = load_thresholds(troskelvarden)
    templates = {name: h for name in TEMPLATE_FILES if (h := disk_hash(mallar / name))}
    manifest = Manifest.load(utdata)
    _normalise_manifest(manifest)
    return _Run(utdata, mallar, thresholds, templates, manifest, fingerprint(), force, pdf, now, result)


@contextmanager
def _running(utdata: Path) -> Iterator[None]:
    """Mark ``utdata`` as being written for the block; after a run that was killed, first remove its temporary files.

    Only a killed run leaves the marker (and temporary files: write_atomic removes its own on any error),
    so a normal run does not walk the whole folder, which holds every agreement and its earlier versions.
    """
    for name in (MANIFEST_NAME, JOURNAL_NAME, REPORT_DIR, LATEST, CACHE_DIR, RUNNING):
        if (utdata / name).is_symlink():
            message = "är en symbolisk länk; generatorn skriver aldrig genom länkar i utdata. Ta bort länken och kör igen"
            raise WriteError(Problem(str(utdata / name), "", message))
    marker = utdata / RUNNING
    try:
        if os.path.lexists(marker) or not os.path.lexists(utdata / MANIFEST_NAME):
            remove_stale_temporaries(utdata)
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666))
    except OSError as e:
        raise WriteError(Problem(str(utdata), "", f"mappen kan inte förberedas för körningen: {os_reason(e)}")) from e
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            marker.unlink()


def _normalise_manifest(manifest: Manifest) -> None:
    """Format 1 manifests recorded input paths as given; record them normalised like the inputs (later formats are)."""
    if manifest.format >= 2:
        return
    for entry in manifest.entries.values():
        entry.fil = normalised(entry.fil)


def _select(run: _Run, sources: dict[Path, str], progress: Callable[[int], None] | None) -> list[Path]:
    """The inputs to build: all with ``force``, else those whose documents are not current."""
    todo: list[Path] = []
    for path, identity in sources.items():
        key = run.manifest.id_of(identity)
        if key and not run.force and _up_to_date(run, run.manifest.entries[key], path, run.utdata / key):
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


def _owner(run: _Run, claimed: dict[str, str], pending: set[str], agreement_id: str) -> str | None:
    """The input that has ``agreement_id``: one built earlier in this run, or an existing file not rebuilt now."""
    if agreement_id in claimed:
        return claimed[agreement_id]
    entry = run.manifest.entries.get(agreement_id)
    if entry is not None and entry.fil not in pending and Path(entry.fil).exists():
        return entry.fil
    return None


def _refusal(built: Built, identity: str, owner: str | None, utdata: Path) -> Problem | None:
    """Why a built agreement may not be written under its id, or None."""
    refusal = id_problem(built.file, built.agreement_id, owner if owner != identity else None)
    if refusal:
        return refusal
    folder = utdata / built.agreement_id
    if Path(os.path.abspath(folder)).parent != Path(os.path.abspath(utdata)):
        return Problem(built.file, "$.avtal.id", f"id \"{built.agreement_id}\" kan inte användas som mappnamn")
    link = link_inside(utdata, folder / ARCHIVE_DIR)
    if link is not None:
        return Problem(built.file, "$.avtal.id", f"{link} är en symbolisk länk; avtal skrivs aldrig genom länkar i utdata. Ta bort länken och kör igen")
    if os.path.lexists(folder) and not folder.is_dir():
        return Problem(built.file, "$.avtal.id", f"{folder} finns redan och är inte en mapp; flytta filen och kör igen")
    return None


def _close(manifest: Manifest) -> None:
    """Fold the journal into manifest.json when it is due (Manifest.close)."""
    try:
        manifest.close()
    except OSError as e:
        raise WriteError(Problem(str(manifest.path), "", f"manifestet kan inte sparas: {os_reason(e)}; det som skrevs finns i {manifest.journal.name}")) from e


def _report(run: _Run) -> None:
    """Write one change report of everything written and not yet reported, also by an interrupted earlier run."""
    if not run.manifest.unreported:
        return
    changes = [Change.from_json(raw, earlier_run=raw.get("korning") != run.token) for raw in run.manifest.unreported]
    try:
        run.result.report = write_report(run.utdata, changes, run.now)
    except OSError as e:
        raise WriteError(Problem(str(run.utdata / REPORT_DIR), "", f"ändringsrapporten kan inte skrivas: {os_reason(e)}")) from e
    try:
        run.manifest.mark_reported()
    except OSError as e:
        raise WriteError(Problem(str(run.manifest.journal), "", f"att ändringarna är rapporterade kan inte antecknas: {os_reason(e)}")) from e


def _store_agreement(run: _Run, built: Built, identity: str) -> None:
    """Write one agreement's documents and record them; an OSError fails just this agreement, with the path."""
    manifest, result = run.manifest, run.result
    old = manifest.entries.get(built.agreement_id)
    removed = [k for k in manifest.ids_of(identity) if k != built.agreement_id]
    entry = _entry(run, built, identity)
    change = Change(built.agreement_id, built.file, _reasons(run, built, old), new=old is None)
    for key in removed:
        change.reasons.append(f"id har ändrats från \"{key}\"")
    written: set[str] = set()
    try:
        with synced_once():  # every folder written is synced before the manifest records the agreement
            for key in removed:
                change.moved.extend(_retire(run, run.utdata / key, set(), f"avtalets id är nu \"{built.agreement_id}\""))
            _store(run, built, old, change, written)
            for name, doc in entry.dokument.items():  # _store keeps the issued bytes of a document that differs only in its dates
                doc.hash = sha256(built.outputs[name])
            change.moved.extend(_retire(run, run.utdata / built.agreement_id, set(built.outputs), "behövs inte längre för avtalet"))
    except Exception as e:  # disk full, no permission, or a fault of ours: this agreement fails, the others go on
        if isinstance(e, OSError):
            place = getattr(e, "filename", None) or run.utdata / built.agreement_id
            result.failed[built.file] = [Problem(built.file, "", f"kunde inte skriva {place}: {os_reason(e)}; tidigare versioner finns kvar")]
        else:
            result.failed[built.file] = [unexpected(built.file, e)]
        result.built.remove(built.file)
        for name, doc in entry.dokument.items():
            if name not in written:
                doc.hash = ""  # not written: the next run makes it again
    for name in built.outputs:
        recorded = old.dokument.get(name) if old else None
        doc = entry.dokument[name]
        doc.pdf_hash = recorded.pdf_hash if recorded and recorded.hash == doc.hash and name not in written else None
        target = run.utdata / built.agreement_id / name
        if run.pdf and doc.hash and (run.force or not _pdf_current(target, doc.pdf_hash)):
            run.needs_pdf[target] = (built.agreement_id, name)
            if name == MAIN_FILE:
                run.pdf_texts[target] = built.party_names
    wrote = bool(written) or bool(change.moved)
    if wrote and old is not None:
        change.amounts = amount_changes(old.belopp, built.amounts)
    if wrote:
        result.changes.append(change)
    record = {**change.to_json(), "korning": run.token} if wrote else None
    try:
        manifest.record(built.agreement_id, entry, record, removed)
    except OSError as e:
        result.failed.setdefault(built.file, []).append(Problem(built.file, "", f"kunde inte anteckna avtalet i {manifest.journal}: {os_reason(e)}"))


def _pdf_current(docx: Path, recorded: str | None) -> bool:
    return recorded is not None and disk_hash(docx.with_suffix(".pdf")) == recorded


def _make_pdfs(run: _Run) -> None:
    """Convert every listed .docx in one LibreOffice batch and record each PDF's hash; failures go to the result.

    A PDF on disk that is not the one the generator made (signed, edited) is kept in ``tidigare/`` first.
    """
    needs, manifest, result = run.needs_pdf, run.manifest, run.result
    for docx_path, (agreement_id, name) in needs.items():
        pdf_path = docx_path.with_suffix(".pdf")
        recorded = manifest.entries[agreement_id].dokument[name].pdf_hash
        if os.path.lexists(pdf_path) and disk_hash(pdf_path) != recorded:
            try:
                kept = _keep_aside(run, pdf_path, run.now.date().isoformat())
            except OSError as e:
                result.failed.setdefault(manifest.entries[agreement_id].fil, []).append(
                    Problem(str(pdf_path), "", f"kunde inte spara undan den tidigare PDF-filen: {os_reason(e)}")
                )
                continue
            result.archived.append(kept)
            message = f"PDF-filen var inte den som generatorn gjorde (signerad eller ändrad?); den sparades i {kept}"
            result.warnings.append(Problem(str(pdf_path), "", message, "varning"))
    failures: list[Problem] = []
    try:
        pdf_output.convert(list(needs), must_contain=run.pdf_texts, rendered=True)
    except PdfError as e:
        failures = e.problems
    failed_docs = {p.file for p in failures}
    for docx_path, (agreement_id, name) in needs.items():
        entry = manifest.entries[agreement_id]
        if str(docx_path) in failed_docs:
            docx_path.with_suffix(".pdf").unlink(missing_ok=True)
            entry.dokument[name].pdf_hash = None
            result.failed.setdefault(entry.fil, []).extend(p for p in failures if p.file == str(docx_path))
            continue
        entry.dokument[name].pdf_hash = disk_hash(docx_path.with_suffix(".pdf"))
        result.pdfs.append(docx_path.with_suffix(".pdf"))
    for agreement_id in dict.fromkeys(agreement_id for agreement_id, _ in needs.values()):
        try:
            manifest.update(agreement_id)
        except OSError as e:
            result.failed.setdefault(manifest.entries[agreement_id].fil, []).append(
                Problem(str(manifest.journal), "", f"PDF-filernas kontrollsummor kunde inte antecknas: {os_reason(e)}"))
    for problem in failures:
        if problem.file not in {str(p) for p in needs}:
            result.failed.setdefault(problem.file or "PDF", []).append(problem)


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


def _entry(run: _Run, built: Built, identity: str) -> Entry:
    return Entry(
        fil=identity,
        data_hash=built.data_hash,
        generator=__version__,
        genererad=run.now.date().isoformat(),
        troskelvarden=built.thresholds_used,
        dokument={
            name: Document(str(run.mallar / built.templates[name]), run.templates.get(built.templates[name], ""), sha256(data))
            for name, data in built.outputs.items()
        },
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


def _keep_aside(run: _Run, path: Path, stamp: str) -> Path:
    """Move ``path`` (file, link, folder or FIFO: never opened) into its folder's ``tidigare/``; where it went."""
    folder = path.parent
    digest = disk_hash(path)
    kept = folder / ARCHIVE_DIR / f"{stamp}-{digest[:8] if digest else 'skadad'}" / path.name
    number = 1
    while os.path.lexists(kept):
        number += 1
        kept = kept.parent.with_name(f"{kept.parent.name.split('~')[0]}~{number}") / path.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, kept)
    fsync_directory(folder)
    return kept


def _retire(run: _Run, folder: Path, keep: set[str], why: str) -> list[Path]:
    """Move generated documents in ``folder`` that are not in ``keep`` to ``tidigare/``, saying so; where they went."""
    moved: list[Path] = []
    if folder.is_symlink() or not folder.is_dir():
        return moved
    names = [*OUTPUT_FILES, *(Path(n).with_suffix(".pdf").name for n in OUTPUT_FILES)]
    for name in names:
        path = folder / name
        if Path(name).with_suffix(".docx").name in keep or not os.path.lexists(path):
            continue
        kept = _keep_aside(run, path, run.now.date().isoformat())
        run.result.archived.append(kept)
        run.result.warnings.append(Problem(str(path), "", f"{why}; flyttades till {kept}", "varning"))
        moved.append(kept)
    return moved


def _store(run: _Run, built: Built, old: Entry | None, change: Change, written: set[str]) -> None:
    """Write the agreement's documents, keeping any earlier version that differs; adds the names written to ``written``.

    An earlier output that is not a regular file (a folder, a FIFO, a link) is moved aside unopened;
    one that differs from what the manifest recorded (edited by hand) is kept with a warning.
    """
    folder = run.utdata / built.agreement_id
    for name, data in built.outputs.items():
        target = folder / name
        recorded = old.dokument.get(name) if old else None
        previous = regular_bytes(target)
        if previous is None and os.path.lexists(target):
            kept = _keep_aside(run, target, run.now.date().isoformat())
            run.result.archived.append(kept)
            change.archived.append(kept)
            run.result.warnings.append(Problem(str(target), "", f"var inte en vanlig fil (mapp, länk eller specialfil); flyttades till {kept}", "varning"))
        if previous is not None and previous != data and same_except_dates(previous, data):
            built.outputs[name] = data = previous  # the same content made on another day: keep the document as issued
        if previous == data:
            run.result.unchanged.append(target)
            continue
        if previous is not None:
            digest = sha256(previous)
            stamp = old.genererad if old else run.now.date().isoformat()
            archive = folder / ARCHIVE_DIR / f"{stamp}-{digest[:8]}" / name
            keep_as(target, archive, previous)
            old_pdf = target.with_suffix(".pdf")
            if is_regular_file(old_pdf):
                move_into(old_pdf, archive.with_suffix(".pdf"))
            elif os.path.lexists(old_pdf):
                _keep_aside(run, old_pdf, stamp)
            run.result.archived.append(archive)
            change.archived.append(archive)
            if recorded is not None and recorded.hash and recorded.hash != digest:
                message = f"hade ändrats på disk sedan generatorn skrev den (för hand?); den ändrade versionen sparades i {archive}"
                run.result.warnings.append(Problem(str(target), "", message, "varning"))
        write_atomic(target, data)
        run.result.written.append(target)
        written.add(name)
        if previous is not None:  # comparison document against the version just archived (issue 14), and the changed sentences
            comparison = record_comparison(change, run.result.warnings, folder, name, previous, data, run.now)
            change.sentences[name] = sentence_changes(previous, data, comparison.bodies if comparison else None)
