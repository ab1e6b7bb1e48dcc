"""The schema check's fast path: the schema compiled to Python by fastjsonschema, trusted only to say "valid"."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import marshal
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from .. import cache as usercache

CACHE_KIND = "schema-code"

# Keywords that only annotate (both validators ignore them); "x-..." keys are the schema's own annotations too.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "errorMessage", "$schema", "$id", "deprecated",
                          "readOnly", "writeOnly"})
# Keywords fastjsonschema checks as jsonschema's Draft 2020-12 does, once translated (_translate). A schema with any
# other keyword gets no fast path: every agreement goes through jsonschema as before.
_CHECKED = frozenset({"type", "properties", "additionalProperties", "required", "minLength", "maxLength", "items", "minItems", "maxItems",
                      "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "format", "formatMinimum",
                      "formatMaximum", "pattern", "allOf", "anyOf", "if", "then", "else", "$ref", "$defs", "minProperties",
                      "maxProperties", "propertyNames"})
# Inside a condition (``if``) a check stricter than jsonschema's would make the whole more lenient (a ``then`` not
# applied), so there only keywords that both validators decide exactly alike are allowed.
_EXACT = frozenset({"properties", "required", "enum", "const", "allOf"})
_FORMATS = ("date", "email")  # the formats the fast path checks as jsonschema's FormatChecker does
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # jsonschema's _format.is_date


class Unsupported(Exception):
    """Raised when a schema uses a keyword the fast path cannot check exactly as jsonschema; the schema then has none."""


def is_date(value: str) -> bool:
    """jsonschema's date format: YYYY-MM-DD and a real day."""
    try:
        return bool(_DATE.fullmatch(value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def _format_check(name: str) -> Callable[[str], bool]:
    """The check for a format name made by _translate: ``email``, ``date``, or ``date|EARLIEST|LATEST`` (bounds may be empty)."""
    if name == "email":
        return lambda value: "@" in value
    _, earliest, latest = [*name.split("|"), "", ""][:3]

    def check(value: str) -> bool:
        if not is_date(value):
            return False
        # formatMinimum/formatMaximum as schema._date_bound: compared only when the date is as long as the bound
        if earliest and len(value) == len(earliest) and value < earliest:
            return False
        return not (latest and len(value) == len(latest) and value > latest)

    return check


def _translate(node: Any, names: set[str], ecma: Callable[[str], str], condition: bool = False) -> Any:
    """``node`` as fastjsonschema reads it with jsonschema's meaning; raises Unsupported where that cannot be done."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise Unsupported(repr(node))
    out: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-"):
            continue
        if keyword not in _CHECKED or (condition and keyword not in _EXACT):
            raise Unsupported(keyword)
        if keyword in ("properties", "$defs"):
            out[keyword] = {k: _translate(v, names, ecma, condition) for k, v in value.items()}
        elif keyword in ("allOf", "anyOf"):
            out[keyword] = [_translate(v, names, ecma, condition) for v in value]
        elif keyword in ("items", "additionalProperties", "propertyNames", "then", "else"):
            out[keyword] = _translate(value, names, ecma, condition)
        elif keyword == "if":
            out[keyword] = _translate(value, names, ecma, True)
        elif keyword == "pattern":
            out[keyword] = ecma(value)
        elif keyword in ("enum", "const") and any(isinstance(v, (dict, list)) for v in (value if keyword == "enum" else [value])):
            raise Unsupported(keyword)  # fastjsonschema compares containers by ==, where 1 == True
        elif keyword not in ("format", "formatMinimum", "formatMaximum"):
            out[keyword] = value
    if "format" in node or "formatMinimum" in node or "formatMaximum" in node:
        out["format"] = _format_name(node)
        names.add(out["format"])
    if "$ref" in out and len(out) > 1:  # 2020-12 applies $ref beside the other keywords; fastjsonschema would let it override them
        out = {"allOf": [{"$ref": out.pop("$ref")}], **out}
    return out


def _format_name(node: dict[str, Any]) -> str:
    kind = node.get("format")
    earliest, latest = node.get("formatMinimum", ""), node.get("formatMaximum", "")
    if kind not in _FORMATS or not isinstance(earliest, str) or not isinstance(latest, str):
        raise Unsupported(f"format {kind}")
    if earliest or latest:
        if kind != "date" or "|" in earliest + latest:
            raise Unsupported("formatMinimum")
        return f"date|{earliest}|{latest}"
    return str(kind)


def _compile(schema: dict[str, Any], ecma: Callable[[str], str]) -> tuple[list[str], Any]:
    """The format names and the code object of the validating function; Unsupported when there can be none."""
    import fastjsonschema

    names: set[str] = set()
    translated = _translate(schema, names, ecma)
    try:
        source = fastjsonschema.compile_to_code(translated, formats={n: _format_check(n) for n in names}, use_default=False)
    except Exception as e:  # a definition fastjsonschema refuses (its own exception types, or a pattern re cannot read)
        raise Unsupported(str(e)) from e
    return sorted(names), compile(source, "<schema fast path>", "exec")


@cache
def _translator() -> str:
    """What the compiled code depends on besides the schema: fastjsonschema's version and this module's source (the translation)."""
    return usercache.installed_version("fastjsonschema") + "\0" + Path(__file__).read_text(encoding="utf-8")


@cache
def validator(text: bytes, ecma: Callable[[str], str]) -> Callable[[Any], bool] | None:
    """A function telling whether data is valid against the schema ``text``, or None when the schema has no fast path.

    The generated code is kept in the per-user cache by the schema's content, so a new process does not generate it again.
    """
    name = usercache.key(CACHE_KIND, text, _translator())
    entry: tuple[list[str] | None, Any] | None = None
    stored = usercache.read(CACHE_KIND, name)
    if stored is not None:
        with contextlib.suppress(ValueError, EOFError, TypeError):
            entry = marshal.loads(stored)  # (None, None): the schema has no fast path
    if entry is None:
        try:
            entry = _compile(json.loads(text), ecma)
        except Unsupported:
            entry = (None, None)
        usercache.write(CACHE_KIND, name, marshal.dumps(entry))
    names, code = entry
    if names is None or code is None:
        return None
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    function = namespace["validate"]
    formats = {n: _format_check(n) for n in names}

    def valid(data: Any) -> bool:
        try:
            function(data, formats)
        except Exception:  # invalid (JsonSchemaValueException) or anything unforeseen: jsonschema decides
            return False
        return True

    return valid
