"""Kind fields: what each agreement kind requires (the schema's allOf/if/then) and which kinds each template serves."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from ..agreement.schema import AGREEMENT_SCHEMA, load_schema
from ..kinds import KINDS as KIND_RECORDS
from ..kinds import MAIN_TEMPLATES, SECTION_KINDS
from ..paths import COST_FILE, PUB_FILE

KINDS = tuple(KIND_RECORDS)
# Annexes made only from a section of the agreement (the PUB annex from personuppgifter, the cost annex from
# ekonomi.fordelning): only the kinds that may have that section get them.
ANNEX_SECTIONS = {PUB_FILE: "personuppgifter", COST_FILE: "ekonomi"}


def _condition_kinds(condition: dict[str, Any]) -> tuple[str, ...] | None:
    """The kinds an ``if`` on ``avtal.typ`` holds for, or None when the condition is about something else."""
    typ = condition.get("properties", {}).get("avtal", {}).get("properties", {}).get("typ", {})
    if isinstance(typ.get("const"), str):
        return (typ["const"],)
    if isinstance(typ.get("enum"), list):
        return tuple(typ["enum"])
    return None


def _required(node: dict[str, Any], prefix: str) -> set[str]:
    """Field paths (``uppgifter``, ``avtal.huvudavtal``, ``parter[].roll``) a ``then`` makes required."""
    found = {f"{prefix}{key}" for key in node.get("required", [])}
    for key, sub in node.get("properties", {}).items():
        if isinstance(sub, dict):
            found |= _required(sub, f"{prefix}{key}.")
    if isinstance(node.get("items"), dict):
        found |= _required(node["items"], f"{prefix.removesuffix('.')}[].")
    return found


@lru_cache(maxsize=1)
def kind_requirements() -> dict[str, frozenset[str]]:
    """For each agreement kind, the fields it requires beyond those every agreement has."""
    found: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for rule in load_schema(AGREEMENT_SCHEMA).get("allOf", []):
        kinds = _condition_kinds(rule.get("if", {}))
        if kinds is None or not isinstance(rule.get("then"), dict):
            continue
        paths = _required(rule["then"], "")
        for kind in kinds:
            found.setdefault(kind, set()).update(paths)
    return {kind: frozenset(paths) for kind, paths in found.items()}


def template_kinds(name: str) -> tuple[str, ...]:
    """The kinds whose agreements are made with the template file ``name``; empty for a template no kind uses."""
    if name in ANNEX_SECTIONS:
        return SECTION_KINDS[ANNEX_SECTIONS[name]]
    return tuple(kind for kind, template in MAIN_TEMPLATES.items() if template == name)


def required_in(kinds: Iterable[str]) -> frozenset[str]:
    """The fields every one of ``kinds`` requires: where only those kinds come, the fields are always there."""
    requirements = kind_requirements()
    sets = [requirements.get(kind, frozenset()) for kind in kinds]
    return frozenset.intersection(*sets) if sets else frozenset()
