"""Template fields: every path a template may use, from the data schema and the computed-values schema."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..agreement.compute import OPTIONAL_SECTIONS
from ..agreement.schema import AGREEMENT_SCHEMA, SCHEMA_DIR, load_schema, resolve_ref, schema_fields

BERAKNING_SCHEMA = SCHEMA_DIR / "berakning.schema.json"
_TYPE_NAMES = {"string": "text", "integer": "heltal", "number": "tal", "boolean": "sant/falskt", "object": "objekt",
               "array": "lista"}


# --------------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """One place a template uses a field: template file name, part (``brödtext``) and paragraph (0: no paragraph)."""

    template: str
    part: str
    paragraph: int

    def __str__(self) -> str:
        return f"{self.template}: {self.part}, stycke {self.paragraph}" if self.paragraph else f"{self.template}: {self.part}"


@dataclass
class Field:
    """A field a template may use (``parter[].beslut.organ``, ``berakning.rubrik``) and where templates use it."""

    path: str
    title: str
    description: str
    type: str
    optional: bool
    uses: list[Use] = field(default_factory=list)

    def where(self) -> str:
        """The uses grouped by template and part: ``avtal.docx: brödtext stycke 3, 7; sidhuvud (header1.xml) stycke 1``."""
        if not self.uses:
            return "används inte"
        grouped: dict[str, dict[str, list[int]]] = {}
        for use in self.uses:
            numbers = grouped.setdefault(use.template, {}).setdefault(use.part, [])
            if use.paragraph and use.paragraph not in numbers:
                numbers.append(use.paragraph)
        texts = []
        for template, parts in grouped.items():
            places = [f"{part} stycke {', '.join(map(str, numbers))}" if numbers else part for part, numbers in parts.items()]
            texts.append(f"{template}: {'; '.join(places)}")
        return " | ".join(texts)

    def __str__(self) -> str:
        kind = self.type + (", kan saknas: testa med \"is defined\"" if self.optional else "")
        title = f"{self.title}. " if self.title else ""
        return f"{self.path} ({kind}): {title}{self.description} Används: {self.where()}"


# --------------------------------------------------------------------------------------------------
# The fields a template may use
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    title: str
    description: str
    types: frozenset[str]
    date: bool
    optional: bool
    enum: tuple[str, ...] = ()  # the allowed values, when the schema lists them

    @property
    def nullable(self) -> bool:
        """Whether the value may be none (an optional section, a computed value that not every agreement has)."""
        return "null" in self.types

    @property
    def amount(self) -> bool:
        """Whether the value is an amount or other decimal number, which is printed with a filter."""
        types = set(self.types) - {"null"}
        return types in ({"number"}, {"number", "string"})

    def type_label(self) -> str:
        types = set(self.types)
        nullable = "null" in types
        types.discard("null")
        if types == {"number", "string"}:
            label = "belopp"
        elif self.date and types == {"string"}:
            label = "datum (ÅÅÅÅ-MM-DD)"
        else:
            label = " eller ".join(_TYPE_NAMES.get(t, t) for t in sorted(types)) or "värde"
        return f"{label} eller none" if nullable else label


def _types(node: dict[str, Any]) -> frozenset[str]:
    kind = node.get("type")
    if isinstance(kind, list):
        return frozenset(kind)
    return frozenset([kind]) if isinstance(kind, str) else frozenset()


@lru_cache(maxsize=1)
def field_catalogue() -> dict[str, FieldInfo]:
    """Every field path a template may use, data fields first, mapped to its Swedish title, description and type."""
    root = load_schema(AGREEMENT_SCHEMA)
    data = schema_fields()
    catalogue: dict[str, FieldInfo] = {}
    for path, node in data.items():
        types = _types(node)
        if path in OPTIONAL_SECTIONS:
            types = types | {"null"}
        catalogue[path] = FieldInfo(node.get("title", ""), node.get("description", ""), types, node.get("format") == "date",
                                    _optional(path, node, data, root), _enum(node))
    catalogue.update(_berakning_fields())
    return catalogue


def _enum(node: dict[str, Any]) -> tuple[str, ...]:
    values = node.get("enum")
    if isinstance(values, list) and all(isinstance(v, str) for v in values):
        return tuple(values)
    if isinstance(node.get("const"), str):
        return (node["const"],)
    return ()


def _optional(path: str, node: dict[str, Any], data: dict[str, dict[str, Any]], root: dict[str, Any]) -> bool:
    """Whether the field may be missing from the context although its parent is there (no default, not required)."""
    if path.endswith("[]") or "default" in node:
        return False
    parent, _, key = path.rpartition(".")
    if not parent:
        return key not in root.get("required", []) and key not in OPTIONAL_SECTIONS
    return key not in data[parent].get("required", [])


def _berakning_fields() -> dict[str, FieldInfo]:
    schema = load_schema(BERAKNING_SCHEMA)
    agreement = load_schema(AGREEMENT_SCHEMA)
    documents = {schema["$id"]: schema, agreement["$id"]: agreement}

    def resolve(node: dict[str, Any], root: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return resolve_ref(node, root, documents)

    def branches(node: dict[str, Any], root: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        node, root = resolve(node, root)
        found = [(node, root)]
        for sub in node.get("anyOf", []) + node.get("oneOf", []):
            found.extend(branches(sub, root))
        return found

    fields: dict[str, FieldInfo] = {}

    def add(path: str, node: dict[str, Any], root: dict[str, Any]) -> None:
        parts = branches(node, root)
        types = frozenset().union(*(_types(n) for n, _ in parts))
        date = any(n.get("format") == "date" for n, _ in parts)
        enum = tuple(value for n, _ in parts for value in _enum(n))
        fields[path] = FieldInfo(parts[0][0].get("title", ""), parts[0][0].get("description", ""), types, date, False, enum)
        for sub, sub_root in parts:
            for key, prop in sub.get("properties", {}).items():
                add(f"{path}.{key}", prop, sub_root)
            if isinstance(sub.get("items"), dict):
                add(f"{path}[]", sub["items"], sub_root)

    add("berakning", schema, schema)
    return fields


def top_names(catalogue: dict[str, FieldInfo]) -> list[str]:
    return [path for path in catalogue if re.fullmatch(r"\w+", path)]
