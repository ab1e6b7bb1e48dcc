"""The agreement as the compute stage reads it: parties by id and role, the payers, and the problems found so far."""

from __future__ import annotations

from typing import Any

from ..errors import Problem
from .parties import payer_ids, unknown_parties


class Facts:
    """One agreement's data with the lookups every compute step needs; problems are collected, never raised here."""

    def __init__(self, data: dict[str, Any], file: str) -> None:
        self.data = data
        self.ekonomi: dict[str, Any] = data.get("ekonomi") or {}
        self.file = file
        self.problems: list[Problem] = unknown_parties(data, file)
        self.parties = {p["id"]: p for p in data["parter"]}
        self.index_of = {p["id"]: i for i, p in enumerate(data["parter"])}

    def fail(self, place: str, message: str) -> None:
        """Record a problem (once: two steps that find the same gap report it once)."""
        problem = Problem(self.file, place, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def with_role(self, role: str) -> list[dict[str, Any]]:
        return [p for p in self.data["parter"] if p.get("roll") == role]

    def performers(self) -> set[str]:
        """The ids of the performing parties, who have no cap: a party does not buy from itself."""
        return {p["id"] for p in self.with_role("uppdragstagare")}

    def payers(self, ids: list[str] | None = None) -> list[tuple[int, dict[str, Any]]]:
        """The known parties among ``ids`` (default: the agreement's payers), each with its index in ``parter``."""
        wanted = payer_ids(self.data) if ids is None else ids
        return [(self.index_of[party_id], self.parties[party_id]) for party_id in wanted if party_id in self.parties]
