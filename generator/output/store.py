"""Writing one agreement: its documents, the earlier versions kept, the comparisons, and its record."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..agreement.filters import kr
from ..agreement.thresholds import Thresholds
from ..errors import Problem
from ..files import keep_as, move_into, os_reason, synced_once, write_atomic
from ..fingerprint import changes as fingerprint_changes
from ..paths import MAIN_FILE, OUTPUT_FILES
from .archive import free_folder, keep_aside
from .changes import Change
from .entry import Document, Entry
from .identity import InputId
from .manifest import disk_hash, is_regular_file, regular_bytes, sha256
from .records import Records
from .report import amount_changes, sentence_changes

if TYPE_CHECKING:
    from .batch import Built
    from .result import Result


@dataclass
class Run:
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


def _same_except_dates(previous: bytes, data: bytes) -> bool:
    from ..docx.properties import same_except_dates  # lxml: imported only when a run writes

    return same_except_dates(previous, data)


def _previous_versions(folder: Path, built: Built) -> dict[str, bytes | None]:
    """Each document's earlier version on disk (None: none, or not a regular file), each read once.

    A document made again with the same content on another day keeps the bytes issued (only its dates differ).
    """
    found: dict[str, bytes | None] = {}
    for name, data in built.outputs.items():
        previous = regular_bytes(folder / name)
        if previous is not None and previous != data and _same_except_dates(previous, data):
            built.outputs[name] = previous
        found[name] = previous
    return found


def _plan(run: Run, entry: Entry, change: Change, removed: list[str], built: Built, previous: dict[str, bytes | None]) -> dict[str, Any]:
    """What is about to be written for one agreement, recorded first so the next run can finish what a killed run began."""
    documents = {
        name: {"ny": sha256(data), "skrivs": previous[name] != data,
               "tidigare": sha256(before) if (before := previous[name]) is not None and before != data else None}
        for name, data in built.outputs.items()
    }
    return {"post": entry.to_json(), "andring": {**change.to_json(), "korning": run.token}, "bort": removed, "pdf": run.pdf,
            "dokument": documents}


def store_agreement(run: Run, built: Built, identity: InputId) -> None:
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
            from .batch import unexpected

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
        if run.pdf and doc.hash and (run.force or not pdf_current(target, doc.pdf_hash)):
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
        records.record(built.agreement_id, entry, record, removed, run.now, [below(run.utdata, p) for p in for_pdf])
    except OSError as e:
        result.failed.setdefault(built.file, []).append(Problem(built.file, "", f"kunde inte anteckna avtalet i {records.path}: {os_reason(e)}"))


def below(utdata: Path, path: Path) -> Path:
    """``path`` relative to ``utdata``, as the records keep paths inside it."""
    return Path(os.path.relpath(path, utdata))


def pdf_current(docx: Path, recorded: str | None) -> bool:
    return recorded is not None and disk_hash(docx.with_suffix(".pdf")) == recorded


def _entry(run: Run, built: Built, identity: InputId, old: Entry | None) -> Entry:
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
def _reasons(run: Run, built: Built, old: Entry | None) -> list[str]:
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


def _retire(run: Run, folder: Path, keep: set[str], why: str, recorded: Entry | None) -> list[Path]:
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


def _store(run: Run, built: Built, old: Entry | None, change: Change, written: set[str], previous: dict[str, bytes | None]) -> None:
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
            from .comparisons import record_comparison

            comparison = record_comparison(change, run.result.warnings, folder, name, before, data, run.now)
            change.sentences[name] = sentence_changes(before, data, comparison.bodies if comparison else None)


def _archive(run: Run, target: Path, before: bytes, recorded: Document | None, stamp: str, change: Change) -> None:
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
