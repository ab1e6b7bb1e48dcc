"""Impact of a threshold: which agreements use it and what their amounts become, without writing anything."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..agreement.compute import build_context, threshold_day
from ..agreement.load import load_agreement
from ..agreement.thresholds import Thresholds, ThresholdValue
from ..errors import AvtalError, Problem, ThresholdError
from .records import Records
from .report import amount_changes, key_amounts


@dataclass
class Impact:
    """One agreement that uses the threshold: the value that applies and its amounts before and after."""

    file: str
    agreement_id: str
    day: dt.date
    value: ThresholdValue | None
    amounts: dict[str, str]
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    issued: bool = False
    problems: list[Problem] = field(default_factory=list)


def with_amount(thresholds: Thresholds, name: str, day: dt.date, amount: int) -> Thresholds:
    """A copy of ``thresholds`` where the value of ``name`` that applies on ``day`` has ``amount`` instead."""
    current = thresholds.value(name, day)
    values = dict(thresholds.values)
    values[name] = [dataclasses.replace(v, belopp=amount) if v == current else v for v in values[name]]
    return Thresholds(thresholds.file, values, thresholds.notes)


def impact(name: str, files: list[Path], thresholds: Thresholds, utdata: Path, amount: int | None = None) -> list[Impact]:
    """Every agreement in ``files`` whose cap refers to threshold ``name``, with its amounts now and as issued.

    ``amount`` asks "what if": the value that applies on each agreement's date is replaced by it.
    The amounts are compared with those recorded in ``utdata``'s records when the agreement was last generated.
    """
    if name not in thresholds.values:
        known = ", ".join(sorted(thresholds.values))
        raise ThresholdError(Problem(thresholds.file, "", f"okänt tröskelvärde \"{name}\"; kända: {known}"))
    with Records.load(utdata) as records:
        issued = {path: record[1] for path in files if (record := records.record_of(path)) is not None}
    found: list[Impact] = []
    for path in files:
        try:
            data = load_agreement(path)
        except AvtalError as e:
            found.append(Impact(str(path), "", dt.date.min, None, {}, problems=e.problems))
            continue
        tak = (data.get("ekonomi") or {}).get("tak")
        if not tak or tak["troskel"] != name:
            continue
        day = threshold_day(data)
        try:
            used = with_amount(thresholds, name, day, amount) if amount is not None else thresholds
            context = build_context(data, used, str(path))
        except AvtalError as e:
            found.append(Impact(str(path), data["avtal"]["id"], day, None, {}, problems=e.problems))
            continue
        amounts = key_amounts(context)
        entry = issued.get(path)
        changes = amount_changes(entry.belopp, amounts) if entry else []
        found.append(Impact(str(path), data["avtal"]["id"], day, used.value(name, day), amounts, changes, issued=entry is not None))
    return found
