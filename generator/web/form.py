"""The form's structure, read from the agreement schema at run time: one node per field, in schema order."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from ..filters import LOCALE
from ..schema import AGREEMENT_SCHEMA, load_schema

MISSING: Any = object()

# Enum values are ASCII JSON keys; shown to the user in Swedish spelling. A value not listed is shown
# with its underscores as spaces, so a value the schema gains later still appears, only less polished.
_WORDS = {
    "tillaggsavtal": "tilläggsavtal",
    "avsiktsforklaring": "avsiktsförklaring",
    "kommunalforbund": "kommunalförbund",
    "sjalvkostnad": "självkostnad",
    "per_invanare": "per invånare",
    "per_anvandare": "per användare",
    "invanare": "invånare",
    "anvandare": "användare",
    "myndighetsutovning": "myndighetsutövning",
    "personuppgiftsbitrade": "personuppgiftsbiträde",
    "anstalld": "anställd",
    "fortroendevald": "förtroendevald",
    "sarskilt": "särskilt",
    "aterlamna": "återlämna",
    "hamburg": "Hamburgundantaget (3 kap. 17 § LOU)",
}


def choice_label(value: Any) -> str:
    """The Swedish text shown for an enum value."""
    if isinstance(value, str):
        return _WORDS.get(value, value.replace("_", " "))
    return str(value)


@dataclass
class Node:
    """One field of the form. ``kind`` decides the widget; ``default`` is MISSING when the schema has none."""

    key: str
    kind: str  # object, array, text, choice, bool, date, email, integer, number, json
    title: str = ""
    description: str = ""
    required: bool = False
    default: Any = MISSING
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    item: Node | None = None
    min_items: int = 0
    unit: str = ""
    pattern: str = ""
    reference: bool = False  # the value is a party id

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING

    @property
    def optional_object(self) -> bool:
        """An object the user switches on or off: not required and without a default (its presence means something)."""
        return self.kind == "object" and not self.required and not self.has_default

    def child(self, key: str) -> Node | None:
        return next((c for c in self.children if c.key == key), None)

    def default_text(self) -> str:
        """The default as it reads in the agreement, for showing beside an empty field."""
        if not self.has_default:
            return ""
        if self.kind == "bool":
            return "Ja" if self.default else "Nej"
        if self.kind == "choice":
            return choice_label(self.default)
        if self.kind in ("integer", "number"):
            return number_text(self.default)
        return str(self.default)


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**_resolve(target, root), **{k: v for k, v in node.items() if k != "$ref"}}


def _kind(node: dict[str, Any]) -> str:
    kind = node.get("type")
    if "enum" in node and all(isinstance(v, str) for v in node["enum"]):
        return "choice"
    if kind == "string":
        return {"date": "date", "email": "email"}.get(node.get("format", ""), "text")
    if kind == "boolean":
        return "bool"
    if kind in ("object", "array", "integer", "number"):
        return str(kind)
    return "json"  # anything the form has no widget for is edited as JSON, so nothing is lost


def build(node: dict[str, Any], root: dict[str, Any], key: str = "", required: bool = False, parent_default: Any = MISSING) -> Node:
    """The form node for a schema node, with its children."""
    node = _resolve(node, root)
    kind = _kind(node)
    default = node.get("default", MISSING) if parent_default is MISSING else parent_default
    description = str(node.get("description", ""))
    result = Node(key, kind, str(node.get("title", key)), description, required, default)
    if kind == "choice":
        result.choices = [(v, choice_label(v)) for v in node["enum"]]
    elif kind == "object":
        needed = set(node.get("required", []))
        for name, sub in node.get("properties", {}).items():
            if name == "$schema":
                continue
            inherited = default[name] if isinstance(default, dict) and name in default else MISSING
            result.children.append(build(sub, root, name, name in needed, inherited))
    elif kind == "array":
        items = node.get("items")
        result.item = build(items if isinstance(items, dict) else {}, root)
        result.min_items = int(node.get("minItems", 0))
        if result.default == []:
            result.default = MISSING  # an empty standard list is the same as no list
    elif kind in ("integer", "number"):
        result.unit = "kr" if "kronor" in description else "%" if "procent" in description.lower() else ""
    if kind == "text":
        result.pattern = str(node.get("pattern", ""))
        result.reference = description.startswith("Id för")
    return result


@cache
def form(schema_path: Path = AGREEMENT_SCHEMA) -> Node:
    """The whole form: the root object, whose children are the agreement's sections in schema order."""
    root = load_schema(schema_path)
    return build(root, root, required=True)


def kinds(schema_path: Path = AGREEMENT_SCHEMA) -> list[tuple[str, str]]:
    """The agreement kinds (``avtal.typ``) the schema allows, as (value, Swedish label)."""
    agreement = form(schema_path).child("avtal")
    kind = agreement.child("typ") if agreement else None
    return list(kind.choices) if kind else []


def id_pattern(schema_path: Path = AGREEMENT_SCHEMA) -> re.Pattern[str]:
    """The schema's pattern for ``avtal.id``: an id that fits it is a safe file name."""
    agreement = form(schema_path).child("avtal")
    node = agreement.child("id") if agreement else None
    return re.compile(node.pattern if node and node.pattern else r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def number_text(value: Any) -> str:
    """A number as a Swedish reader writes it: ``1 250 000``, ``12,5``."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    return format_decimal(value, locale=LOCALE)


def fits(node: Node, value: Any) -> bool:
    """Whether ``value`` can be shown in the node's widget without losing anything."""
    if node.kind == "object":
        return isinstance(value, dict)
    if node.kind == "array":
        return isinstance(value, list)
    if node.kind == "bool":
        return isinstance(value, bool)
    if node.kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if node.kind == "number":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if node.kind == "date":
        if not isinstance(value, str):
            return False
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return False
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
    if node.kind == "choice":
        return value in [v for v, _ in node.choices]
    if node.kind in ("text", "email"):
        return isinstance(value, str)
    return True


def unknown_keys(node: Node, value: dict[str, Any]) -> list[str]:
    """Keys of ``value`` the schema does not know at this place (shown as JSON fields, so they are not lost)."""
    known = {c.key for c in node.children} | ({"$schema"} if node.key == "" else set())
    return [k for k in value if k not in known]


def in_schema_order(value: Any, node: Node | None) -> Any:
    """``value`` with every object's keys in the schema's order (unknown keys last), so saved files diff cleanly."""
    if node is None or node.kind == "json":
        return value
    if isinstance(value, dict) and node.kind == "object":
        order = (["$schema"] if node.key == "" else []) + [c.key for c in node.children]
        ordered = {k: in_schema_order(value[k], node.child(k)) for k in order if k in value}
        ordered.update({k: v for k, v in value.items() if k not in ordered})
        return ordered
    if isinstance(value, list) and node.kind == "array":
        return [in_schema_order(v, node.item) for v in value]
    return value
