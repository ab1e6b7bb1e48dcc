"""Thresholds stage: dated threshold values (procurement limits) and the value that applies on a date."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, ThresholdError, ValidationError
from .load import load_valid
from .schema import THRESHOLD_SCHEMA


@dataclass(frozen=True)
class ThresholdValue:
    """One amount of a threshold and the period it is valid for (``till`` None: open-ended)."""

    namn: str
    benamning: str
    belopp: int
    fran: dt.date
    till: dt.date | None
    kalla: str

    def covers(self, day: dt.date) -> bool:
        return self.fran <= day and (self.till is None or day <= self.till)


@dataclass(frozen=True)
class Thresholds:
    """Every threshold by name, each a list of dated values sorted by start date."""

    file: str
    values: dict[str, list[ThresholdValue]]
    notes: dict[str, str] = field(default_factory=dict)

    def value(self, name: str, day: dt.date, place: str = "", file: str | None = None) -> ThresholdValue:
        """The value of ``name`` that applies on ``day``; ThresholdError (naming ``file`` and ``place``) otherwise."""
        where = file if file is not None else self.file
        if name not in self.values:
            known = ", ".join(sorted(self.values))
            raise ThresholdError(Problem(where, place, f"okänt tröskelvärde \"{name}\"; kända: {known}"))
        for value in self.values[name]:
            if value.covers(day):
                return value
        raise ThresholdError(Problem(where, place, self.missing_message(name, day)))

    def missing_message(self, name: str, day: dt.date) -> str:
        """Which value is missing, where to add it (file and key), and the file's own note on what is known of it."""
        values = self.values[name]
        known = ", ".join(f"{v.fran} – {v.till or 'tills vidare'}" for v in values)
        message = (
            f"tröskelvärdet \"{name}\" har inget belopp för {day.isoformat()} i {self.file} (perioder med belopp: {known}); "
            f"lägg till det belopp i kronor som gäller den dagen, med fran, till, belopp och kalla, under "
            f"$.troskelvarden.{name}.varden i {self.file}"
        )
        note = self.notes.get(name)
        return f"{message}. {note}" if note else message


def load_thresholds(path: Path) -> Thresholds:
    """Load and check the thresholds file: schema, then no overlapping periods and no period ending before it starts."""
    file = str(path)
    try:
        data = load_valid(path, THRESHOLD_SCHEMA)
    except ValidationError as e:
        raise ThresholdError(e.problems) from e
    problems: list[Problem] = []
    values: dict[str, list[ThresholdValue]] = {}
    notes = {name: entry["kommentar"] for name, entry in data["troskelvarden"].items() if "kommentar" in entry}
    for name, entry in data["troskelvarden"].items():
        items = []
        for index, raw in enumerate(entry["varden"]):
            till = dt.date.fromisoformat(raw["till"]) if "till" in raw else None
            value = ThresholdValue(name, entry["benamning"], raw["belopp"], dt.date.fromisoformat(raw["fran"]), till, raw["kalla"])
            if till is not None and till < value.fran:
                problems.append(Problem(file, f"$.troskelvarden.{name}.varden[{index}]", f"perioden slutar ({till}) före den börjar ({value.fran})"))
            items.append((index, value))
        items.sort(key=lambda pair: pair[1].fran)
        for (_, earlier), (index, later) in itertools.pairwise(items):
            if earlier.till is None or later.fran <= earlier.till:
                end = earlier.till.isoformat() if earlier.till else "tills vidare"
                message = f"perioden från {later.fran} överlappar perioden {earlier.fran} – {end}"
                problems.append(Problem(file, f"$.troskelvarden.{name}.varden[{index}]", message))
        values[name] = [value for _, value in items]
    if problems:
        raise ThresholdError(problems)
    return Thresholds(file, values, notes)
