"""Legal rules stage: checks the law asks for that a JSON Schema cannot express."""

from __future__ import annotations

from typing import Any

from .errors import Problem


def check(data: dict[str, Any], context: dict[str, Any], file: str) -> list[Problem]:
    """Every rule's findings for one agreement (placeholder until the rule set lands)."""
    return []
