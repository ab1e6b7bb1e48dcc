"""After a killed run: record and report what it wrote for an agreement before it could record it (Records.intend)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import Problem
from .archive import ARCHIVE_DIR
from .changes import Change
from .entry import Entry
from .manifest import regular_bytes, sha256
from .records import Intent, Records
from .report import sentence_changes


def recover(records: Records, utdata: Path, run: str, now: dt.datetime, warnings: list[Problem]) -> None:
    """Finish the records of every agreement a stopped run began to write: what is on disk as planned is recorded,
    compared with the version it replaced and left for the change report; what is not is made again by the next build.
    """
    for intent in records.intents(run):
        try:
            _recover(records, utdata, intent, now, warnings)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            message = f"det en avbruten körning skulle skriva kan inte läsas ({type(e).__name__}: {e}); avtalet görs om när det behövs"
            records.problems.append(Problem(str(records.path), f"pagaende \"{intent.agreement_id}\"", message, "varning"))
            records.forget_intent(intent.agreement_id)


def _recover(records: Records, utdata: Path, intent: Intent, now: dt.datetime, warnings: list[Problem]) -> None:
    plan = intent.plan
    entry = Entry.from_json(plan["post"])
    change = Change.from_json(plan["andring"], earlier_run=True)
    folder = utdata / intent.agreement_id
    wrote = False
    for name, doc in plan["dokument"].items():
        data = regular_bytes(folder / name)
        if data is None or sha256(data) != doc["ny"]:
            entry.dokument[name].hash = ""  # not written as planned: the next build makes it
            entry.dokument[name].pdf_hash = None
            continue
        if not doc["skrivs"]:
            continue
        wrote = True
        before = _archived(folder, name, doc["tidigare"]) if doc["tidigare"] else None
        if before is not None:
            change.archived.append(before[0])
            from .comparisons import record_comparison  # the comparison code, only when a killed run left work

            comparison = record_comparison(change, warnings, folder, name, before[1], data, now)
            change.sentences[name] = sentence_changes(before[1], data, comparison.bodies if comparison else None)
    if not wrote:
        records.forget_intent(intent.agreement_id)  # nothing of it reached the disk: the records stay as they were
        return
    for_pdf = [Path(e.path).relative_to(utdata) for e in change.comparisons if e.path is not None] if plan["pdf"] else []
    records.record(intent.agreement_id, entry, {**change.to_json(), "korning": intent.run}, list(plan["bort"]), now, for_pdf)


def _archived(folder: Path, name: str, digest: str) -> tuple[Path, bytes] | None:
    """The earlier version of ``name`` kept in ``tidigare/`` with hash ``digest``, and its content."""
    for candidate in sorted((folder / ARCHIVE_DIR).glob(f"*/{name}"), reverse=True):
        data = regular_bytes(candidate)
        if data is not None and sha256(data) == digest:
            return candidate, data
    return None
