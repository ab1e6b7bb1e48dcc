"""The records as people read them: what each document was made from and when (`avtal historik`), and as JSON."""

from __future__ import annotations

from typing import Any

from ..agreement.filters import kr
from ..errors import Problem, WriteError
from .entry import Entry
from .records import Records


def export(records: Records, key: str | None = None) -> dict[str, Any]:
    """Every agreement's record (or ``key``'s) with its history, as JSON data."""
    wanted = _wanted(records, key)
    history: dict[str, list[dict[str, Any]]] = {name: [] for name in wanted}
    for agreement_id, when, entry, change in records.history(key):
        if agreement_id in history:
            history[agreement_id].append({"tid": when, "post": entry.to_json() if entry else None, "andring": change})
    return {"register": str(records.path), "avtal": {name: {"post": entry.to_json(), "historik": history[name]} for name, entry in wanted.items()}}


def lines(records: Records, key: str | None = None) -> list[str]:
    """The history in Swedish, one block per agreement: each time its documents were made, from what."""
    wanted = _wanted(records, key)
    found: list[str] = []
    events: dict[str, list[tuple[str, Entry | None, dict[str, Any] | None]]] = {name: [] for name in wanted}
    for agreement_id, when, entry, change in records.history(key):
        if agreement_id in events:
            events[agreement_id].append((when, entry, change))
    for name, current in wanted.items():
        found += ["", f"{name} (avtalsdata: {current.fil})"]
        for when, entry, change in events[name] or [(current.genererad, current, None)]:
            found.append(f"  {when.replace('T', ' ')}: " + _what(change))
            if entry is not None:
                found += ["    " + line for line in _made_of(entry)]
    return found[1:]


def _wanted(records: Records, key: str | None) -> dict[str, Entry]:
    if key is None:
        return dict(records.entries())
    entry = records.get(key)
    if entry is None:
        known = ", ".join(name for name, _ in records.entries()) or "inga"
        raise WriteError(Problem(str(records.path), "", f"det finns ingen post för avtalet \"{key}\" (avtal med poster: {known})"))
    return {key: entry}


def _what(change: dict[str, Any] | None) -> str:
    if change is None:
        return "posten sparades (PDF-filer gjorda, eller posten flyttad från manifest.json)"
    reasons = change.get("skal")
    return "dokumenten gjordes: " + ("; ".join(str(r) for r in reasons) if isinstance(reasons, list) else "skäl saknas")


def _made_of(entry: Entry) -> list[str]:
    made = [f"avtalsdata {entry.fil} (sha256 {entry.data_hash[:12]}), generatorn {entry.generator}"]
    for name, doc in entry.dokument.items():
        written = f"skrevs med sha256 {doc.hash[:12]}" if doc.hash else "skrevs inte"
        pdf = f", PDF sha256 {doc.pdf_hash[:12]}" if doc.pdf_hash else ""
        made.append(f"{name}: mallen {doc.mall} (sha256 {doc.mall_hash[:12]}), {written}{pdf}")
    for name, value in entry.troskelvarden.items():
        try:
            amount = kr(value.get("belopp"))
        except Exception:  # a record from an older version may lack the amount: show the rest
            amount = str(value.get("belopp"))
        made.append(f"tröskelvärdet {name}: {amount} från {value.get('fran')} ({value.get('kalla')})")
    return made
