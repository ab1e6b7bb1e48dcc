"""The library API: check agreements, and generate their documents incrementally."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from . import pdf as pdf_output
from .batch import Built, Settings, build_all
from .comparisons import comparison_pdfs, record_comparison
from .docprops import same_except_dates
from .errors import AvtalError, LoadError, MissingProgramError, PdfError, Problem, ThresholdError
from .filters import kr
from .lock import locked
from .manifest import Document, Entry, Manifest, file_hash, sha256
from .paths import DEFAULT_INDATA, DEFAULT_MALLAR, DEFAULT_TROSKELVARDEN, DEFAULT_UTDATA, MAIN_FILE, TEMPLATE_FILES
from .prepare import Prepared, prepare
from .report import Change, amount_changes, sentence_changes, write_report
from .templatecheck import ensure_templates_ok
from .thresholds import Thresholds, load_thresholds
from .write import remove_stale_temporaries, write_atomic

ARCHIVE_DIR = "tidigare"
MANIFEST_SAVE_INTERVAL = 2.0


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
        if agreement.agreement_id in seen:
            result.failed[agreement.file] = [
                Problem(agreement.file, "$.avtal.id", f"id \"{agreement.agreement_id}\" används redan av {seen[agreement.agreement_id]}")
            ]
            continue
        seen[agreement.agreement_id] = agreement.file
        result.warnings.extend(agreement.warnings)
        prepared.append(agreement)
    result.agreements.extend(prepared)
    return prepared


def check(files: list[Path] | None = None, *, indata: Path = DEFAULT_INDATA, troskelvarden: Path = DEFAULT_TROSKELVARDEN) -> Result:
    """Validate agreements without rendering or writing anything."""
    result = Result()
    thresholds = load_thresholds(troskelvarden)
    prepare_all(agreement_files(files, indata), thresholds, result)
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

    An agreement whose data, templates, threshold values and generator version match the manifest is
    not opened. Each agreement is checked and rendered in memory before its first file is written, so a
    failing one never leaves a half-written document and its earlier output stays as it was; the
    others are still generated.
    """
    now = now or dt.datetime.now()
    result = Result()
    if pdf and not pdf_output.available():
        raise MissingProgramError(Problem("", "", f"PDF kräver LibreOffice och poppler-utils, som inte är installerade. {pdf_output.INSTALL_HINT}"))
    with locked(utdata):
        thresholds = load_thresholds(troskelvarden)
        templates = {name: file_hash(mallar / name) for name in TEMPLATE_FILES if (mallar / name).exists()}
        manifest = Manifest.load(utdata)
        remove_stale_temporaries(utdata)
        known = manifest.by_file()
        todo: list[Path] = []
        for path in agreement_files(files, indata):
            key, entry = known.get(str(path), (None, None))
            if key and entry and not force and _up_to_date(entry, path, templates, thresholds, utdata / key, pdf):
                result.up_to_date.append(str(path))
                if progress:
                    progress(1)
            else:
                todo.append(path)
        pending = {str(p) for p in todo}
        if todo:
            result.warnings.extend(ensure_templates_ok([mallar / name for name in TEMPLATE_FILES]))
        claimed = {key: entry.fil for key, entry in manifest.entries.items() if entry.fil not in pending and Path(entry.fil).exists()}
        last_save = time.monotonic()
        needs_pdf: dict[Path, tuple[str, str]] = {}
        pdf_texts: dict[Path, list[str]] = {}
        try:
            for built in build_all(todo, Settings(mallar, thresholds, now.date()), workers):
                if progress:
                    progress(1)
                if built.problems:
                    result.failed[built.file] = built.problems
                    continue
                owner = claimed.get(built.agreement_id)
                if owner and owner != built.file:
                    result.failed[built.file] = [Problem(built.file, "$.avtal.id", f"id \"{built.agreement_id}\" används redan av {owner}")]
                    continue
                if (utdata / built.agreement_id).resolve().parent != utdata.resolve():
                    result.failed[built.file] = [Problem(built.file, "$.avtal.id", f"id \"{built.agreement_id}\" kan inte användas som mappnamn")]
                    continue
                claimed[built.agreement_id] = built.file
                result.warnings.extend(built.warnings)
                result.built.append(built.file)
                old = manifest.entries.get(built.agreement_id)
                change = _store(built, old, templates, utdata, now, result)
                manifest.entries = {k: v for k, v in manifest.entries.items() if v.fil != built.file}
                entry = manifest.entries[built.agreement_id] = _entry(built, templates, mallar, now)
                for name in built.outputs:
                    target = utdata / built.agreement_id / name
                    recorded = old.dokument.get(name) if old else None
                    entry.dokument[name].pdf_hash = recorded.pdf_hash if recorded and recorded.hash == entry.dokument[name].hash else None
                    if pdf and not _pdf_current(target, entry.dokument[name].pdf_hash):
                        needs_pdf[target] = (built.agreement_id, name)
                        if name == MAIN_FILE:
                            pdf_texts[target] = built.party_names
                if change:
                    result.changes.append(change)
                if time.monotonic() - last_save > MANIFEST_SAVE_INTERVAL:
                    manifest.save()  # a run stopped part-way still leaves a manifest close to what is on disk
                    last_save = time.monotonic()
            if needs_pdf:
                _make_pdfs(needs_pdf, pdf_texts, manifest, result)
            if pdf:  # comparison documents (issue 14) get their PDF too
                made, failures = comparison_pdfs(result.changes)
                result.pdfs.extend(made)
                for file, problems in failures.items():
                    result.failed.setdefault(file, []).extend(problems)
        finally:
            if result.built:
                manifest.save()
        if result.changes:
            result.report = write_report(utdata, result.changes, now)
    return result


def _pdf_current(docx: Path, recorded: str | None) -> bool:
    target = docx.with_suffix(".pdf")
    return recorded is not None and target.exists() and file_hash(target) == recorded


def _make_pdfs(needs: dict[Path, tuple[str, str]], must_contain: dict[Path, list[str]], manifest: Manifest, result: Result) -> None:
    """Convert every listed .docx in one LibreOffice batch and record each PDF's hash; failures go to ``result``."""
    failures: list[Problem] = []
    try:
        pdf_output.convert(list(needs), must_contain=must_contain)
    except PdfError as e:
        failures = e.problems
    failed_docs = {p.file for p in failures}
    for docx_path, (agreement_id, name) in needs.items():
        entry = manifest.entries[agreement_id]
        if str(docx_path) in failed_docs:
            docx_path.with_suffix(".pdf").unlink(missing_ok=True)
            result.failed.setdefault(entry.fil, []).extend(p for p in failures if p.file == str(docx_path))
            continue
        entry.dokument[name].pdf_hash = file_hash(docx_path.with_suffix(".pdf"))
        result.pdfs.append(docx_path.with_suffix(".pdf"))
    for problem in failures:
        if problem.file not in {str(p) for p in needs}:
            result.failed.setdefault(problem.file or "PDF", []).append(problem)


def _up_to_date(entry: Entry, path: Path, templates: dict[str, str], thresholds: Thresholds, folder: Path, pdf: bool = False) -> bool:
    """True when nothing the agreement's documents were made from has changed and they are on disk as written."""
    if entry.generator != __version__ or not path.exists() or file_hash(path) != entry.data_hash:
        return False
    for name, recorded in entry.troskelvarden.items():
        try:
            current = thresholds.value(name, dt.date.fromisoformat(recorded["datum"]))
        except ThresholdError:
            return False
        if (current.belopp, current.fran.isoformat(), current.till.isoformat() if current.till else None, current.kalla) != (
            recorded["belopp"], recorded["fran"], recorded["till"], recorded["kalla"]
        ):
            return False
    for name, doc in entry.dokument.items():
        target = folder / name
        if templates.get(Path(doc.mall).name) != doc.mall_hash or not target.exists() or file_hash(target) != doc.hash:
            return False
        if pdf and not _pdf_current(target, doc.pdf_hash):
            return False
    return True


def _entry(built: Built, templates: dict[str, str], mallar: Path, now: dt.datetime) -> Entry:
    return Entry(
        fil=built.file,
        data_hash=built.data_hash,
        generator=__version__,
        genererad=now.date().isoformat(),
        troskelvarden=built.thresholds_used,
        dokument={
            name: Document(str(mallar / built.templates[name]), templates[built.templates[name]], sha256(data)) for name, data in built.outputs.items()
        },
        belopp=built.amounts,
        varningar=[str(w) for w in built.warnings],
    )


def _reasons(built: Built, old: Entry | None, templates: dict[str, str]) -> list[str]:
    if old is None:
        return ["nytt avtal"]
    reasons = []
    if old.data_hash != built.data_hash:
        reasons.append(f"avtalsdata i {built.file} har ändrats")
    for name in built.outputs:
        if name in old.dokument and old.dokument[name].mall_hash != templates[built.templates[name]]:
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
    return reasons or ["ett dokument saknades eller hade ändrats på disk"]


def _store(built: Built, old: Entry | None, templates: dict[str, str], utdata: Path, now: dt.datetime, result: Result) -> Change | None:
    """Write the agreement's documents, keeping any earlier version that differs; the change to report, if any."""
    folder = utdata / built.agreement_id
    change = Change(built.agreement_id, built.file, _reasons(built, old, templates), new=old is None)
    wrote = False
    for name, data in built.outputs.items():
        target = folder / name
        previous = target.read_bytes() if target.exists() else None
        if previous is not None and previous != data and same_except_dates(previous, data):
            built.outputs[name] = data = previous  # mallkontroll: same content made on another day: keep the document as issued
        if previous == data:
            result.unchanged.append(target)
            continue
        if previous is not None:
            stamp = old.genererad if old else now.date().isoformat()
            archive = folder / ARCHIVE_DIR / f"{stamp}-{sha256(previous)[:8]}" / name
            write_atomic(archive, previous)
            old_pdf = target.with_suffix(".pdf")
            if old_pdf.exists():
                write_atomic(archive.with_suffix(".pdf"), old_pdf.read_bytes())
                old_pdf.unlink()
            result.archived.append(archive)
            change.archived.append(archive)
            change.sentences[name] = sentence_changes(previous, data)
        write_atomic(target, data)
        result.written.append(target)
        if previous is not None:  # comparison document against the version just archived (issue 14)
            record_comparison(change, result.warnings, folder, name, previous, data, now)
        wrote = True
    if not wrote:
        return None
    if old is not None:
        change.amounts = amount_changes(old.belopp, built.amounts)
    return change
