"""How the form checks a draft: through prepare, and while the schema refuses it each legal rule on its own."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..agreement.schema import apply_defaults
from ..agreement.thresholds import Thresholds, load_thresholds
from ..errors import AvtalError, Problem, ValidationError
from ..legal.rules import RULES, Agreement
from ..prepare import prepare
from .form import form, in_schema_order


def _number(value: Any) -> Any:
    """A number ``load_json`` read as Decimal, as JSON writes it: whole numbers as integers, others as floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} är inget JSON-värde")


def to_json_text(data: Any) -> str:
    """The file text: keys in schema order, two-space indent, UTF-8 as written, newline at the end."""
    return json.dumps(in_schema_order(data, form()), ensure_ascii=False, indent=2, default=_number) + "\n"


def agreement_id(data: Any) -> Any:
    return data.get("avtal", {}).get("id") if isinstance(data, dict) and isinstance(data.get("avtal"), dict) else None



def prepared_problems(data: Any, name: str, troskelvarden: Path) -> list[Problem]:
    """What ``prepare`` reports for the text a save of ``data`` would write, as if it were the file ``name``."""
    with tempfile.TemporaryDirectory(prefix="avtal-redigera-") as folder:
        temp = Path(folder) / "avtal.json"
        temp.write_text(to_json_text(data), encoding="utf-8")
        thresholds: Thresholds | None = None
        try:
            thresholds = load_thresholds(troskelvarden)
            problems = prepare(temp, thresholds).warnings
        except ValidationError as e:  # a draft: the rules that have what they need run all the same
            problems = list(e.problems)
            if thresholds is not None:
                problems += draft_rule_problems(json.loads(to_json_text(data)), str(temp), thresholds, e.problems)
        except AvtalError as e:
            problems = list(e.problems)
    return [dataclasses.replace(p, file=name) if p.file == str(temp) else p for p in problems]


def draft_rule_problems(data: Any, file: str, thresholds: Thresholds, schema_problems: list[Problem]) -> list[Problem]:
    """The legal rules' findings on a draft the schema does not accept yet, for the form to show while the user writes.

    Each rule runs on its own over the draft with the schema's defaults: a rule that needs a part the draft
    does not have yet (it raises on the missing or mistyped value) finds nothing until it is there. A finding
    at, inside or around a place the schema reports waits too: that part is not written yet (a rule that
    misses a party's role says nothing while the roles are still empty).
    """
    if not isinstance(data, dict):
        return []
    with contextlib.suppress(LookupError, TypeError, AttributeError, ValueError):  # defaults that do not fit the draft's shapes
        data = apply_defaults(data)
    agreement = Agreement(data, {}, thresholds)
    taken = {p.place for p in schema_problems}
    found: list[Problem] = []
    for rule in RULES:
        try:
            findings = list(rule.check(agreement))
        except (LookupError, TypeError, AttributeError, ValueError, ArithmeticError):
            continue
        found += [Problem(file, place, message, rule.severity) for place, message in findings
                  if not any(_within(place, t) or _within(t, place) for t in taken)]
    return found


def _within(place: str, outer: str) -> bool:
    """Whether the JSON path ``place`` is ``outer`` or lies inside it."""
    return place == outer or place.startswith((outer + ".", outer + "["))
