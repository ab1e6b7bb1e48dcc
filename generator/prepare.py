"""Prepare stage: one agreement file loaded, validated, defaulted, computed and checked against the legal rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agreement.compute import build_context
from .agreement.load import load_agreement
from .agreement.thresholds import Thresholds
from .errors import ComputeError, Problem, RuleError
from .files import file_hash
from .kinds import MAIN_TEMPLATES
from .legal import rules
from .paths import COST_FILE, MAIN_FILE, PUB_FILE


@dataclass
class Prepared:
    """One agreement checked and computed, ready to render."""

    file: str
    agreement_id: str
    context: dict[str, Any]
    documents: dict[str, str]  # output file name → template file name
    data_hash: str = ""
    warnings: list[Problem] = field(default_factory=list)

    def thresholds_used(self) -> dict[str, dict[str, Any]]:
        troskel = self.context["berakning"]["troskel"]
        return {troskel["namn"]: dict(troskel)} if troskel else {}


def prepare(path: Path, thresholds: Thresholds) -> Prepared:
    """Load, validate, fill defaults, compute and check the legal rules of one agreement file."""
    file = str(path)
    data = load_agreement(path)
    try:
        context = build_context(data, thresholds, file)
    except ComputeError as e:
        # The rules often say better what is wrong (an end date before the start): report both.
        found = [p for p in rules.check(data, {}, file, thresholds) if p.severity == "fel"]
        places = {p.place for p in found}
        raise RuleError(found + [p for p in e.problems if p.place not in places]) from e
    found = rules.check(data, context, file, thresholds)
    errors = [p for p in found if p.severity == "fel"]
    if errors:
        raise RuleError(errors + [p for p in found if p.severity != "fel"])
    documents = {MAIN_FILE: MAIN_TEMPLATES[data["avtal"]["typ"]]}
    if context["berakning"]["pub"] is not None:
        documents[PUB_FILE] = PUB_FILE
    if context["berakning"]["kostnad_bilaga"] is not None:  # an allocation or other fees: the annex the text numbers
        documents[COST_FILE] = COST_FILE
    return Prepared(file, data["avtal"]["id"], context, documents, file_hash(path), found)
