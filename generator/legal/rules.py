"""Legal rules stage: checks the law asks for that a JSON Schema cannot express, one module per area, registered in order."""

from __future__ import annotations

import importlib

# The areas, in the order their rules run and their findings are listed: importing an area registers its rules.
AREAS = ("parties", "delegation", "dates", "economy", "personal_data", "clauses", "kind_sections")
for _area in AREAS:
    importlib.import_module(f"{__package__}.{_area}")

from .common import KIND_NAMES, luhn_check_digit, luhn_valid  # noqa: E402
from .delegation import DECISION_AMOUNT_DEFAULT, DELEGATION_CATEGORIES  # noqa: E402
from .economy import GENERAL_LIMIT, HAMBURG_CRITERIA, HAMBURG_MAX_OPEN_MARKET  # noqa: E402
from .parties import ORGNR, PARTY_TYPES, SERIES, SHARED_TASK_LAWS, TYPE_NAMES, orgnr_valid  # noqa: E402
from .personal_data import EU_EEA, PUB_CONTENT  # noqa: E402
from .registry import RULES, Agreement, Finding, Rule, RuleFunction, check, rule  # noqa: E402

__all__ = [
    "DECISION_AMOUNT_DEFAULT",
    "DELEGATION_CATEGORIES",
    "EU_EEA",
    "GENERAL_LIMIT",
    "HAMBURG_CRITERIA",
    "HAMBURG_MAX_OPEN_MARKET",
    "KIND_NAMES",
    "ORGNR",
    "PARTY_TYPES",
    "PUB_CONTENT",
    "RULES",
    "SERIES",
    "SHARED_TASK_LAWS",
    "TYPE_NAMES",
    "Agreement",
    "Finding",
    "Rule",
    "RuleFunction",
    "check",
    "luhn_check_digit",
    "luhn_valid",
    "orgnr_valid",
    "rule",
]
