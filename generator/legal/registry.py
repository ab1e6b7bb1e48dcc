"""The rule registry: the read-only view of an agreement the rules share, the @rule decorator and check()."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..agreement.thresholds import Thresholds
from ..errors import Problem, Severity

Finding = tuple[str, str]


@dataclass(frozen=True)
class Agreement:
    """Read-only view of one agreement's data and computed context, with lookups the rules share."""

    data: dict[str, Any]
    context: dict[str, Any]
    thresholds: Thresholds | None = None

    @property
    def parties(self) -> list[dict[str, Any]]:
        parties: list[dict[str, Any]] = self.data.get("parter", [])
        return parties

    def index_of(self, party_id: str) -> int | None:
        for index, party in enumerate(self.parties):
            if party.get("id") == party_id:
                return index
        return None

    def role_of(self, party_id: str) -> str | None:
        index = self.index_of(party_id)
        return None if index is None else self.parties[index].get("roll")

    @property
    def kind(self) -> str:
        return str(self.data["avtal"]["typ"])

    def name_of(self, party_id: Any) -> str:
        """The name of the party with id ``party_id`` as the form shows it (the id itself when no party has it)."""
        index = self.index_of(party_id)
        name = self.parties[index].get("namn") if index is not None else None
        return str(name) if name else str(party_id)

    def names_of(self, party_ids: list[str]) -> str:
        """The parties' names, joined as a list in a sentence: "A, B eller C"."""
        names = [self.name_of(p) for p in party_ids]
        return " eller ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)

    def performers(self) -> list[str]:
        return [p["id"] for p in self.parties if p.get("roll") == "uppdragstagare"]

    def berakning(self) -> dict[str, Any]:
        berakning: dict[str, Any] = self.context.get("berakning") or {}
        return berakning


RuleFunction = Callable[[Agreement], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One legal rule: a short id, the severity of everything it finds, and the check itself."""

    id: str
    severity: Severity
    check: RuleFunction


RULES: list[Rule] = []


def rule(rule_id: str, severity: Severity = "fel") -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function; it yields ``(json_path, message)`` pairs for what it finds."""

    def register(function: RuleFunction) -> RuleFunction:
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"rule id {rule_id} registered twice")
        RULES.append(Rule(rule_id, severity, function))
        return function

    return register


def check(data: dict[str, Any], context: dict[str, Any], file: str, thresholds: Thresholds | None = None) -> list[Problem]:
    """Every rule's findings for one schema-valid agreement (defaults applied), in rule order.

    ``context`` may be empty when computing it failed: rules that need computed amounts then find nothing.
    ``thresholds`` lets agreements without a cap be checked against the general direct-procurement limit.
    """
    agreement = Agreement(data, context, thresholds)
    return [Problem(file, place, message, r.severity) for r in RULES for place, message in r.check(agreement)]
