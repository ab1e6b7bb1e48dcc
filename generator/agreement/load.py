"""Load stage: read a JSON file (bounded in size, depth and number length), then validate it and fill defaults."""

from __future__ import annotations

import json
import re
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import LoadError, Problem, os_reason
from .schema import AGREEMENT_SCHEMA, apply_defaults, validate
from .schema import swedish_json_message as _swedish_json_message

MAX_INPUT_BYTES = 20 * 1024 * 1024
# Deeper than any agreement or threshold file can be (the deepest field is five levels down).
MAX_DEPTH = 16
# More digits than any amount, count or percentage an agreement can hold; Python refuses 4 300 anyway.
MAX_NUMBER_CHARS = 100

_FILE_KINDS = {stat.S_IFDIR: "en mapp", stat.S_IFIFO: "en namngiven rörledning (FIFO)", stat.S_IFCHR: "en enhet",
               stat.S_IFBLK: "en enhet", stat.S_IFSOCK: "en socket"}
# A string literal, or one of the tokens JSON does not allow but Python's parser accepts.
_STRING_OR_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)')
_STRING_OR_LONG_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|(-?[0-9][0-9.eE+-]{' + str(MAX_NUMBER_CHARS - 1) + ',})')


def load_agreement(path: Path, schema_path: Path = AGREEMENT_SCHEMA) -> dict[str, Any]:
    """Load, validate and fill defaults of one agreement file: the one way in for agreement data.

    Raises LoadError (unreadable, not JSON) or ValidationError (breaks the schema), naming file and place.
    """
    return apply_defaults(load_valid(path, schema_path), schema_path)


def load_valid(path: Path, schema_path: Path) -> Any:
    """Load ``path`` and check it against the schema (and for text a Word document cannot hold); ValidationError otherwise."""
    raw = load_json(path)
    validate(raw, str(path), schema_path)
    return raw


def load_json(path: Path) -> Any:
    """Read ``path`` as JSON with decimals kept exact; raise LoadError naming file, line and column.

    Only regular files are read (a FIFO or device named ``*.json`` would block or never end), at most
    MAX_INPUT_BYTES; NaN and Infinity, numbers longer than MAX_NUMBER_CHARS and nesting deeper than
    MAX_DEPTH are refused.
    """
    name = str(path)
    try:
        info = path.stat()
        kind = stat.S_IFMT(info.st_mode)
        if kind != stat.S_IFREG:
            raise LoadError(Problem(name, "", f"är {_FILE_KINDS.get(kind, 'inte en vanlig fil')}, inte en JSON-fil"))
        if info.st_size > MAX_INPUT_BYTES:
            raise LoadError(Problem(name, "", f"filen är för stor ({info.st_size // (1024 * 1024)} MB); högst {MAX_INPUT_BYTES // (1024 * 1024)} MB tillåts"))
        with path.open("rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise LoadError(Problem(name, "", f"filen är för stor; högst {MAX_INPUT_BYTES // (1024 * 1024)} MB tillåts"))
        text = data.decode("utf-8")
    except FileNotFoundError as e:
        raise LoadError(Problem(name, "", "filen finns inte")) from e
    except UnicodeDecodeError as e:
        raise LoadError(Problem(name, f"byte {e.start}", "filen är inte kodad i UTF-8")) from e
    except OSError as e:
        raise LoadError(Problem(name, "", f"filen kan inte läsas: {os_reason(e)}")) from e
    try:
        value = json.loads(text, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_refuse_constant, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise LoadError(Problem(name, f"rad {e.lineno}, kolumn {e.colno}", f"ogiltig JSON: {_swedish_json_message(e.msg)}")) from e
    except _DuplicateKey as e:
        raise LoadError(Problem(name, "", f"nyckeln \"{e.key}\" förekommer två gånger i samma objekt")) from e
    except _Constant as e:
        raise LoadError(Problem(name, _place(text, _STRING_OR_CONSTANT), f"ogiltig JSON: {e.token} är inget tal i JSON; skriv ett tal")) from e
    except _LongNumber as e:
        message = f"talet har {e.length} tecken; ett värde i ett avtal har högst {MAX_NUMBER_CHARS}"
        raise LoadError(Problem(name, _place(text, _STRING_OR_LONG_NUMBER), message)) from e
    except RecursionError as e:
        raise LoadError(Problem(name, "", f"filen är för djupt nästlad; högst {MAX_DEPTH} nivåer tillåts")) from e
    deep = _too_deep(value)
    if deep is not None:
        raise LoadError(Problem(name, deep, f"värdet är för djupt nästlat; högst {MAX_DEPTH} nivåer tillåts"))
    return value


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _Constant(ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


class _LongNumber(ValueError):
    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _refuse_constant(token: str) -> Any:
    raise _Constant(token)


def _parse_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _LongNumber(len(text))
    return int(text)


def _parse_float(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise _LongNumber(len(text))
    return Decimal(text)


def _place(text: str, pattern: re.Pattern[str]) -> str:
    """``rad N, kolumn M`` of the first match of ``pattern``'s group 1 outside string literals."""
    for match in pattern.finditer(text):
        if match.group(1):
            start = match.start(1)
            line = text.count("\n", 0, start) + 1
            return f"rad {line}, kolumn {start - (text.rfind(chr(10), 0, start) + 1) + 1}"
    return ""


def _too_deep(value: Any) -> str | None:
    """The JSON path of the first value nested deeper than MAX_DEPTH, or None."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return path
        if isinstance(item, dict):
            stack.extend((sub, f"{path}.{key}" if re.fullmatch(r"\w+", key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]", depth + 1)
                         for key, sub in item.items())
        elif isinstance(item, list):
            stack.extend((sub, f"{path}[{index}]", depth + 1) for index, sub in enumerate(item))
    return None
