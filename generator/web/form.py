"""The form's structure, read from the agreement schema at run time: one node per field, in schema order."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

from ..agreement.filters import LOCALE
from ..agreement.labels import in_prose, yes_no
from ..agreement.schema import AGREEMENT_SCHEMA, load_schema
from ..legal.rules import RULES, Agreement

MISSING: Any = object()
# The legal rule that refuses a section or field the agreement's kind does not use; the form asks it which those are.
KIND_RULE = "avtalstyp.delar"
_PROBE = "\u0000formulär"  # a value no field has by default, so the rule sees every field as given

# The schema key that gives each enum value its Swedish label (enum values are ASCII JSON keys), and the key
# that explains each value in a sentence (the agreement kinds, for the start page).
LABELS_KEY = "x-etikett"
EXPLANATIONS_KEY = "x-forklaring"
# The schema key that makes a text field a choice among the names of a file the form reads when it shows the page.
SOURCE_KEY = "x-lista"


def choice_label(value: Any) -> str:
    """The Swedish text for an enum value no label is given for: a value the schema gains later still shows, less polished."""
    if isinstance(value, str):
        return value.replace("_", " ")
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
    source: str = ""  # the value is one of the names of a list the form reads at run time (x-lista: troskelvarden)
    required_for: frozenset[str] = frozenset()  # kinds (avtal.typ) whose if/then rule in the schema requires the field
    used_by: frozenset[str] | None = None  # the only kinds that use the field; None: every kind

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING

    @property
    def optional_object(self) -> bool:
        """An object the user switches on or off: not required and without a default (its presence means something)."""
        return self.kind == "object" and not self.required and not self.has_default

    @property
    def kind_specific(self) -> bool:
        """Whether the field is required or used differently depending on the agreement's kind."""
        return bool(self.required_for) or self.used_by is not None

    def required_in(self, kind: Any) -> bool:
        """Whether the field is required in an agreement of ``kind`` (``avtal.typ``)."""
        return self.required or kind in self.required_for

    def used_in(self, kind: Any) -> bool:
        """Whether an agreement of ``kind`` uses the field at all; a field it does not use is left out of the file.

        Without a kind (none chosen yet, or one the schema does not know) every field is used: nothing is hidden.
        """
        return self.used_by is None or not kind or kind in self.used_by

    def optional_in(self, kind: Any) -> bool:
        """An object the user switches on or off in an agreement of ``kind``."""
        return self.kind == "object" and not self.required_in(kind) and not self.has_default

    def child(self, key: str) -> Node | None:
        return next((c for c in self.children if c.key == key), None)

    def default_text(self) -> str:
        """The default as it reads in the agreement, for showing beside an empty field."""
        if not self.has_default:
            return ""
        if self.kind == "bool":
            return "Ja" if self.default else "Nej"
        if self.kind == "choice":
            return dict(self.choices).get(self.default, choice_label(self.default))
        if self.kind in ("integer", "number"):
            return number_text(self.default)
        return str(self.default)


_FOLDED: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}


def _folded_labels(root: dict[str, Any]) -> dict[str, str]:
    """``_find_folded_labels`` of ``root``, found once per schema document."""
    cached = _FOLDED.get(id(root))
    if cached is None or cached[0] is not root:
        cached = _FOLDED[id(root)] = (root, _find_folded_labels(root))
    return cached[1]


def _find_folded_labels(root: dict[str, Any]) -> dict[str, str]:
    """Enum values written the way a JSON key must be (``tillaggsavtal``, ``ersatts_av_bilaga``) with their labels.

    Only values that are not Swedish words as they stand: ``ny``, ``kommun``, ``andel`` or ``lika`` (words of
    the schema's titles and labels) stay as they are in a sentence.
    """
    pairs: dict[str, str] = {}
    words: set[str] = set()
    todo: list[Any] = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            for value, label in (node.get(LABELS_KEY) or {}).items():
                if isinstance(value, str) and isinstance(label, str):
                    pairs[value] = label
                    words.update(re.findall(r"\w+", label.casefold()))
            if isinstance(node.get("title"), str):
                words.update(re.findall(r"\w+", node["title"].casefold()))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return {value: label for value, label in pairs.items() if "_" in value or value not in words}


def swedish_words(text: str, labels: dict[str, str]) -> str:
    """``text`` (a schema description, written for JSON authors too) with each enum value written as its Swedish
    label: ``sarskilt: …`` becomes ``Särskilt tillstånd: …``, ``typen är tillaggsavtal`` becomes ``typen är tilläggsavtal``
    (a capital only at the start of a sentence)."""
    if not labels:
        return text

    def label(match: re.Match[str]) -> str:
        word = labels[match[0]]
        start = match.start() == 0 or text[:match.start()].rstrip().endswith(".")
        return word if start else word[0].lower() + word[1:]

    return re.sub(r"\b(?:" + "|".join(sorted(map(re.escape, labels), key=len, reverse=True)) + r")\b", label, text)


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
    description = in_prose(swedish_words(str(node.get("description", "")), _folded_labels(root)))
    if kind == "bool":  # the schema says Sant/Falskt for JSON's true/false; the form's choices are Ja and Nej
        description = re.sub(r"\b(Sant|Falskt)\b", lambda match: yes_no(match[1] == "Sant"), description)
    result = Node(key, kind, str(node.get("title", key)), description, required, default)
    if kind == "choice":
        labels = node.get(LABELS_KEY, {})
        result.choices = [(v, str(labels.get(v) or choice_label(v))) for v in node["enum"]]
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
        result.source = str(node.get(SOURCE_KEY, ""))
    return result


def _condition_kinds(condition: Any) -> frozenset[str] | None:
    """The kinds an ``if`` on ``avtal.typ`` (``const`` or ``enum``) matches; None for an ``if`` about anything else."""
    typ = ((condition or {}).get("properties", {}).get("avtal", {}).get("properties", {}).get("typ")
           if isinstance(condition, dict) else None)
    if not isinstance(typ, dict):
        return None
    if "const" in typ:
        return frozenset([typ["const"]])
    if isinstance(typ.get("enum"), list):
        return frozenset(typ["enum"])
    return None


def _requirements(schema: Any, kinds: frozenset[str], path: tuple[str, ...], found: dict[tuple[str, ...], set[str]]) -> None:
    """Collect into ``found`` each field (a path of keys, ``[]`` for a list's rows) that ``schema`` requires for ``kinds``."""
    if not isinstance(schema, dict):
        return
    for name in schema.get("required", []):
        found.setdefault((*path, name), set()).update(kinds)
    for name, sub in schema.get("properties", {}).items():
        _requirements(sub, kinds, (*path, name), found)
    _requirements(schema.get("items"), kinds, (*path, "[]"), found)


def kind_requirements(root: dict[str, Any]) -> dict[tuple[str, ...], frozenset[str]]:
    """What the schema's ``allOf`` rules (``if`` on ``avtal.typ``, ``then``/``else``) require per kind, by field path."""
    every = frozenset(root.get("properties", {}).get("avtal", {}).get("properties", {}).get("typ", {}).get("enum", []))
    found: dict[tuple[str, ...], set[str]] = {}
    for entry in root.get("allOf", []):
        kinds = _condition_kinds(entry.get("if")) if isinstance(entry, dict) else None
        if kinds is None:
            continue
        _requirements(entry.get("then"), kinds, (), found)
        _requirements(entry.get("else"), every - kinds, (), found)
    return {path: frozenset(kinds) for path, kinds in found.items()}


def unused_fields(tree: Node, kinds: list[str]) -> dict[tuple[str, ...], frozenset[str]]:
    """For each field that some kind does not use, the kinds that do not use it, as the legal rule ``avtalstyp.delar`` decides.

    The rule itself is asked: for each kind, an agreement that gives every section and every field of the
    sections a value no default has shows which of them the rule refuses in that kind. So the form hides
    exactly what ``avtal validera`` would refuse, and a field the rule learns to refuse is hidden without code here.
    """
    check = next((r.check for r in RULES if r.id == KIND_RULE), None)
    if check is None:
        raise LookupError(f"the legal rule {KIND_RULE} is not registered; the form cannot tell which sections a kind uses")
    found: dict[tuple[str, ...], set[str]] = {}
    for kind in kinds:
        data: dict[str, Any] = {node.key: {c.key: _PROBE for c in node.children} if node.kind == "object" else _PROBE for node in tree.children}
        data["avtal"]["typ"] = kind
        try:
            places = [place for place, _ in check(Agreement(data, {}))]
        except (LookupError, TypeError, AttributeError, ValueError):
            continue  # a kind the rules do not know yet (only the schema has it): the form hides nothing in it
        for place in places:
            found.setdefault(tuple(place.removeprefix("$.").split(".")), set()).add(kind)
    return {path: frozenset(unused) for path, unused in found.items()}


def _annotate(node: Node, path: tuple[str, ...], requirements: dict[tuple[str, ...], frozenset[str]],
              unused: dict[tuple[str, ...], frozenset[str]], every: frozenset[str]) -> None:
    """Mark each node with the kinds the schema's rules make it required for and the kinds that use it."""
    node.required_for = requirements.get(path, frozenset())
    if path in unused:
        node.used_by = every - unused[path]
    for child in node.children:
        _annotate(child, (*path, child.key), requirements, unused, every)
    if node.item is not None:
        _annotate(node.item, (*path, "[]"), requirements, unused, every)


@cache
def form(schema_path: Path = AGREEMENT_SCHEMA) -> Node:
    """The whole form: the root object, whose children are the agreement's sections in schema order."""
    root = load_schema(schema_path)
    tree = build(root, root, required=True)
    agreement = tree.child("avtal")
    kind = agreement.child("typ") if agreement else None
    every = [value for value, _ in kind.choices] if kind else []
    _annotate(tree, (), kind_requirements(root), unused_fields(tree, every), frozenset(every))
    return tree


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
    if node.kind in ("integer", "number"):  # a decimal in a whole-number field is shown as typed, its error beside it
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


def json_text(value: Any) -> str:
    """A value the form has no widget for, as indented JSON for its text field."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def kind_explanations(schema_path: Path = AGREEMENT_SCHEMA) -> dict[str, str]:
    """Each agreement kind (``avtal.typ``) explained in one Swedish sentence, from the schema."""
    typ = load_schema(schema_path)["properties"]["avtal"]["properties"]["typ"]
    return {str(k): str(v) for k, v in typ.get(EXPLANATIONS_KEY, {}).items()}
