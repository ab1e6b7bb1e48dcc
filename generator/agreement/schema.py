"""Validate stage: JSON Schema checks with Swedish messages, XML-safe text, and schema defaults."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import cache as usercache
from ..errors import LoadError, Problem, ValidationError, did_you_mean
from . import quickcheck

if TYPE_CHECKING:  # jsonschema is imported when a schema is checked or data has errors to describe, not on every start
    import jsonschema

SCHEMA_DIR = Path(str(resources.files("avtalsgenerator.schemas")))
AGREEMENT_SCHEMA = SCHEMA_DIR / "avtal.schema.json"
THRESHOLD_SCHEMA = SCHEMA_DIR / "troskelvarden.schema.json"

# Characters XML 1.0 cannot hold: a Word document with one of them is corrupt.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# About a thousand pages: longer than any text an agreement holds (a pasted file, not data). The 1 MB background
# of the 300-party stress test in test_pipeline still passes.
MAX_TEXT_CHARS = 2_000_000

_TYPE_NAMES = {
    "string": "text",
    "integer": "heltal",
    "number": "tal",
    "boolean": "sant eller falskt (true/false)",
    "object": "objekt",
    "array": "lista",
    "null": "null",
}


_JSON_MESSAGES = {
    "Expecting value": "ett värde saknas",
    "Expecting ',' delimiter": "kommatecken saknas",
    "Expecting ':' delimiter": "kolon saknas",
    "Expecting property name enclosed in double quotes": "nyckeln måste stå inom dubbla citattecken (eller ett kommatecken för mycket)",
    "Unterminated string starting at": "en sträng avslutas aldrig",
    "Invalid control character at": "otillåtet styrtecken i en sträng",
    "Invalid \\escape": "ogiltig escape-sekvens med \\",
    "Extra data": "text efter JSON-dokumentets slut",
    "Unexpected UTF-8 BOM": "filen börjar med ett BOM-tecken (byte order mark), som JSON inte tillåter; spara den som UTF-8 utan BOM",
    "Invalid \\uXXXX escape": "ogiltig \\u-sekvens (fyra hexadecimala siffror ska följa)",
}


def swedish_json_message(msg: str) -> str:
    """Python's JSON syntax error in Swedish; never the parser's English words (every message json raises is listed)."""
    for english, swedish in _JSON_MESSAGES.items():
        if msg.startswith(english):
            return swedish
    return "felaktig JSON-syntax"


def _as_given(path: Path) -> str:
    """The path relative to the current folder when it lies inside it (``schema/avtal.schema.json``), else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


@cache
def load_schema(path: Path) -> dict[str, Any]:
    """Read a schema file once per process, checked against JSON Schema 2020-12 once per content (output.cache).

    Raises LoadError naming the file, line and column when it is not valid JSON (an author adding a field).
    """
    text = path.read_bytes()
    try:
        schema: dict[str, Any] = json.loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(Problem(_as_given(path), f"rad {e.lineno}, kolumn {e.colno}", f"schemat är inte giltig JSON: {swedish_json_message(e.msg)}. "
                                           "Rätta filen; den används när alla avtal läses och mallarna kontrolleras")) from e
    checked = usercache.key("schema-check", text, usercache.installed_version("jsonschema"))
    if usercache.read("schema-checks", checked) is None:
        from jsonschema import Draft202012Validator

        Draft202012Validator.check_schema(schema)
        usercache.write("schema-checks", checked, b"ok")
    return schema


def _ecma_pattern(pattern: str) -> str:
    """``pattern`` with each ``$`` outside a character class made ``\\Z``: in ECMA 262 (the regex dialect of JSON Schema)
    ``$`` matches only at the end, in Python also before a final newline, which let the id ``"abc\\n"`` through."""
    out: list[str] = []
    escaped = in_class = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append("\\Z")
            continue
        out.append(char)
    return "".join(out)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_ecma_pattern(pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    if isinstance(instance, str) and not _compiled(pattern).search(instance):
        from jsonschema import ValidationError as Error

        yield Error(f"{instance!r} does not match {pattern!r}")


def _date_bound(earliest: bool) -> Any:
    def check(validator: Any, bound: str, instance: Any, schema: dict[str, Any]) -> Any:
        if not isinstance(instance, str) or not validator.format_checker.conforms(instance, "date") or len(instance) != len(bound):
            return
        if (instance < bound) if earliest else (instance > bound):
            from jsonschema import ValidationError as Error

            yield Error(f"{instance} is outside {bound}")

    return check


@cache
def _validator(path: Path) -> Any:
    """Draft 2020-12 with ECMA anchors in "pattern" and bounds on dates ("formatMinimum"/"formatMaximum", as in ajv)."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    extended = validators.extend(Draft202012Validator, {"pattern": _pattern, "formatMinimum": _date_bound(True), "formatMaximum": _date_bound(False)})
    return extended(load_schema(path), format_checker=FormatChecker())


_FAST: dict[int, tuple[dict[str, Any], Any]] = {}  # by id of a loaded schema, which it keeps alive


def _fast_validator(path: Path) -> Any:
    """The fast path (quickcheck) of the schema as load_schema gives it, or None where it has none; made once per loaded schema."""
    loaded = load_schema(path)
    known = _FAST.get(id(loaded))
    if known is None or known[0] is not loaded:
        if len(_FAST) > 16:  # only when load_schema gives new objects (a test changing the schema)
            _FAST.clear()
        text = json.dumps(loaded, ensure_ascii=False, sort_keys=True).encode("utf-8")
        known = _FAST[id(loaded)] = (loaded, quickcheck.validator(text, _ecma_pattern))
    return known[1]


def validate(data: Any, file: str, schema_path: Path = AGREEMENT_SCHEMA) -> None:
    """Check ``data`` against the schema; raise ValidationError listing every problem with its JSON path."""
    problems = schema_problems(data, file, schema_path) + text_problems(data, file)
    if problems:
        raise ValidationError(problems)


def schema_problems(data: Any, file: str, schema_path: Path = AGREEMENT_SCHEMA) -> list[Problem]:
    """Every schema error in ``data``, sorted by place, in Swedish.

    Valid data is recognised by the schema compiled to Python (quickcheck); only data it does not accept is checked
    by jsonschema, whose errors are the ones reported, so the messages are the same as without the fast path.
    """
    fast = _fast_validator(schema_path)
    if fast is not None and fast(data):
        return []
    errors = sorted(_validator(schema_path).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    problems: list[Problem] = []
    for error in errors:
        problems.extend(_own_message(_describe(error, file), error.schema))
    # jsonschema reports "required" once per missing key, each naming the whole list: keep each problem once.
    return list(dict.fromkeys(problems))


def text_problems(data: Any, file: str, path: str = "$") -> list[Problem]:
    """Strings holding characters a Word document cannot contain (XML 1.0), each with its JSON path."""
    return [] if _all_text_clean(data) else _text_problems(data, file, path)


def _all_text_clean(data: Any) -> bool:
    """True when no string in ``data`` (keys included) is too long or holds a character XML 1.0 cannot; no paths built."""
    if isinstance(data, str):
        return len(data) <= MAX_TEXT_CHARS and not _XML_INVALID.search(data)
    if isinstance(data, dict):
        return all(_all_text_clean(key) and _all_text_clean(value) for key, value in data.items())
    if isinstance(data, list):
        return all(_all_text_clean(value) for value in data)
    return True


def _text_problems(data: Any, file: str, path: str) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(data, str):
        match = _XML_INVALID.search(data)
        if len(data) > MAX_TEXT_CHARS:
            problems.append(Problem(file, path, f"texten har {len(data)} tecken; högst {MAX_TEXT_CHARS} tillåts"))
        elif match:
            code = f"U+{ord(match.group()):04X}"
            problems.append(Problem(file, path, f"texten innehåller tecknet {code}, som inte kan stå i ett Word-dokument; ta bort det"))
    elif isinstance(data, dict):
        for key, value in data.items():
            problems.extend(_text_problems(key, file, path))
            problems.extend(_text_problems(value, file, _child(path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            problems.extend(_text_problems(value, file, f"{path}[{index}]"))
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
    if kind == "maxItems":
        return [Problem(file, path, f"listan har {len(instance)} element; högst {value} tillåts")]
    if kind == "maxProperties":
        return [Problem(file, path, f"objektet har {len(instance)} fält; högst {value} tillåts")]
    if kind == "minLength":
        return [Problem(file, path, "texten får inte vara tom")]
    if kind == "maxLength":
        return [Problem(file, path, f"texten har {len(instance)} tecken; högst {value} tillåts")]
    if kind == "formatMinimum":
        return [Problem(file, path, f"datumet {instance} är för tidigt för ett avtal; tidigast {value}")]
    if kind == "formatMaximum":
        return [Problem(file, path, f"datumet {instance} är för sent för ett avtal; senast {value}")]
    if kind in ("minimum", "exclusiveMinimum"):
        return [Problem(file, path, f"värdet {instance} är för litet; minst {value}")]
    if kind in ("maximum", "exclusiveMaximum"):
        return [Problem(file, path, f"värdet {instance} är för stort; högst {value}")]
    if kind == "propertyNames":
        return [Problem(file, path, f"namnet {_json_short(instance)} har fel form")]
    return [Problem(file, path, f"ogiltigt värde ({error.message})")]


def _own_message(problems: list[Problem], node: Any) -> list[Problem]:
    """The problems with the message of the schema node's ``errorMessage`` (a Swedish text, as in ajv-errors), if it has one.

    A node that says why its fields are required (``avtalstid.slut`` in an interimsavtal) gives the user that reason in
    place of a bare "obligatoriskt fält saknas"; editors that read the schema (VS Code) show the same text.
    """
    message = node.get("errorMessage") if isinstance(node, dict) else None
    return [dataclasses.replace(p, message=message) for p in problems] if isinstance(message, str) else problems


def _pattern_hint(error: jsonschema.ValidationError) -> str:
    description = error.schema.get("description")
    return f"väntat: {description}" if description else f"mönster {error.validator_value}"


def _json_short(instance: Any) -> str:
    text = json.dumps(instance, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def apply_defaults(data: dict[str, Any], schema_path: Path = AGREEMENT_SCHEMA) -> dict[str, Any]:
    """A deep copy of valid ``data`` with the schema's ``default`` values filled in where fields are absent."""
    schema = load_schema(schema_path)
    result: dict[str, Any] = _json_copy(data)
    _fill(result, schema, schema)
    return result


def _json_copy(value: Any) -> Any:
    """A deep copy of data as JSON gives it (dicts, lists and immutable values), several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


def resolve_ref(node: dict[str, Any], root: dict[str, Any], documents: dict[str, dict[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Follow ``node``'s ``$ref`` (``#/$defs/x`` in ``root``, or ``<$id>#/$defs/x`` in one of ``documents``) until none is left.

    The keywords beside ``$ref`` (title, description) win over the target's. Returns the node and the schema it is in.
    """
    while "$ref" in node:
        base, _, pointer = node["$ref"].partition("#")
        target_root = (documents or {})[base] if base else root
        target: Any = target_root
        for step in pointer.strip("/").split("/"):
            if step:
                target = target[step]
        node, root = {**target, **{k: v for k, v in node.items() if k != "$ref"}}, target_root
    return node, root


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    return resolve_ref(node, root)[0]


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
