"""Validate stage: JSON Schema checks with Swedish messages, XML-safe text, and schema defaults."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from .errors import Problem, ValidationError, did_you_mean

SCHEMA_DIR = Path(str(resources.files("avtalsgenerator.schemas")))
AGREEMENT_SCHEMA = SCHEMA_DIR / "avtal.schema.json"
THRESHOLD_SCHEMA = SCHEMA_DIR / "troskelvarden.schema.json"

# Characters XML 1.0 cannot hold: a Word document with one of them is corrupt.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

_TYPE_NAMES = {
    "string": "text",
    "integer": "heltal",
    "number": "tal",
    "boolean": "sant eller falskt (true/false)",
    "object": "objekt",
    "array": "lista",
    "null": "null",
}


@cache
def load_schema(path: Path) -> dict[str, Any]:
    """Read a schema file once per process."""
    with path.open(encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def _validator(path: Path) -> Draft202012Validator:
    return Draft202012Validator(load_schema(path), format_checker=FormatChecker())


def validate(data: Any, file: str, schema_path: Path = AGREEMENT_SCHEMA) -> None:
    """Check ``data`` against the schema; raise ValidationError listing every problem with its JSON path."""
    problems = schema_problems(data, file, schema_path) + text_problems(data, file)
    if problems:
        raise ValidationError(problems)


def schema_problems(data: Any, file: str, schema_path: Path = AGREEMENT_SCHEMA) -> list[Problem]:
    """Every schema error in ``data``, sorted by place, in Swedish."""
    errors = sorted(_validator(schema_path).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    problems: list[Problem] = []
    for error in errors:
        # jsonschema reports one "required" error per missing field, each listing all of them: keep each problem once
        problems.extend(p for p in _describe(error, file) if p not in problems)
    return problems


def text_problems(data: Any, file: str, path: str = "$") -> list[Problem]:
    """Strings holding characters a Word document cannot contain (XML 1.0), each with its JSON path."""
    problems: list[Problem] = []
    if isinstance(data, str):
        match = _XML_INVALID.search(data)
        if match:
            code = f"U+{ord(match.group()):04X}"
            problems.append(Problem(file, path, f"texten innehåller tecknet {code}, som inte kan stå i ett Word-dokument; ta bort det"))
    elif isinstance(data, dict):
        for key, value in data.items():
            problems.extend(text_problems(key, file, path))
            problems.extend(text_problems(value, file, _child(path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            problems.extend(text_problems(value, file, f"{path}[{index}]"))
    return problems


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _describe(error: jsonschema.ValidationError, file: str) -> list[Problem]:
    path = error.json_path
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    if kind == "required":
        missing = [k for k in value if isinstance(instance, dict) and k not in instance]
        return [Problem(file, _child(path, k), "obligatoriskt fält saknas") for k in missing]
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        problems = []
        for key in extra:
            problems.append(Problem(file, _child(path, key), f"okänt fält \"{key}\"{did_you_mean(key, allowed)}"))
        return problems
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        names = " eller ".join(_TYPE_NAMES.get(str(t), str(t)) for t in wanted)
        return [Problem(file, path, f"ska vara {names}, inte {_json_short(instance)}")]
    if kind == "enum":
        allowed_values = ", ".join(json.dumps(v, ensure_ascii=False) for v in value)
        return [Problem(file, path, f"värdet {_json_short(instance)} är inte tillåtet; tillåtna värden: {allowed_values}")]
    if kind == "pattern":
        return [Problem(file, path, f"värdet {_json_short(instance)} har fel form; {_pattern_hint(error)}")]
    if kind == "format":
        hint = {"date": "ett datum ÅÅÅÅ-MM-DD", "email": "en e-postadress"}.get(str(value), str(value))
        return [Problem(file, path, f"värdet {_json_short(instance)} ska vara {hint}")]
    if kind == "minItems":
        return [Problem(file, path, f"listan ska ha minst {value} element, den har {len(instance)}")]
    if kind == "minLength":
        return [Problem(file, path, "texten får inte vara tom")]
    if kind in ("minimum", "exclusiveMinimum"):
        return [Problem(file, path, f"värdet {instance} är för litet; minst {value}")]
    if kind in ("maximum", "exclusiveMaximum"):
        return [Problem(file, path, f"värdet {instance} är för stort; högst {value}")]
    if kind == "propertyNames":
        return [Problem(file, path, f"namnet {_json_short(instance)} har fel form")]
    return [Problem(file, path, f"ogiltigt värde ({error.message})")]


def _pattern_hint(error: jsonschema.ValidationError) -> str:
    description = error.schema.get("description")
    return f"väntat: {description}" if description else f"mönster {error.validator_value}"


def _json_short(instance: Any) -> str:
    text = json.dumps(instance, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def apply_defaults(data: dict[str, Any], schema_path: Path = AGREEMENT_SCHEMA) -> dict[str, Any]:
    """A deep copy of valid ``data`` with the schema's ``default`` values filled in where fields are absent."""
    schema = load_schema(schema_path)
    result = copy.deepcopy(data)
    _fill(result, schema, schema)
    return result


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not ref:
        return node
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _fill(value: Any, node: dict[str, Any], root: dict[str, Any]) -> None:
    node = _resolve(node, root)
    if isinstance(value, dict):
        for key, sub in node.get("properties", {}).items():
            sub = _resolve(sub, root)
            if key not in value and "default" in sub:
                value[key] = copy.deepcopy(sub["default"])
            if key in value:
                _fill(value[key], sub, root)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for item in value:
            _fill(item, node["items"], root)


def schema_fields(schema_path: Path = AGREEMENT_SCHEMA) -> dict[str, dict[str, Any]]:
    """Every field path in the schema (``parter[].namn``) mapped to its resolved schema node."""
    root = load_schema(schema_path)
    fields: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        node = _resolve(node, root)
        for key, sub in node.get("properties", {}).items():
            if key == "$schema":
                continue
            sub = _resolve(sub, root)
            path = f"{prefix}.{key}" if prefix else key
            fields[path] = sub
            walk(sub, path)
        items = node.get("items")
        if isinstance(items, dict):
            items = _resolve(items, root)
            fields[f"{prefix}[]"] = items
            walk(items, f"{prefix}[]")

    walk(root, "")
    return fields
