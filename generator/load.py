"""Load stage: read a JSON file, reporting syntax errors with line and column."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import LoadError, Problem

MAX_INPUT_BYTES = 20 * 1024 * 1024


def load_json(path: Path) -> Any:
    """Read ``path`` as JSON with decimals kept exact; raise LoadError naming file, line and column."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise LoadError(Problem(name, "", f"filen är för stor ({size // (1024 * 1024)} MB); högst {MAX_INPUT_BYTES // (1024 * 1024)} MB tillåts"))
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise LoadError(Problem(name, "", "filen finns inte")) from e
    except UnicodeDecodeError as e:
        raise LoadError(Problem(name, f"byte {e.start}", "filen är inte kodad i UTF-8")) from e
    except OSError as e:
        raise LoadError(Problem(name, "", f"filen kan inte läsas ({e.strerror})")) from e
    try:
        return json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as e:
        raise LoadError(Problem(name, f"rad {e.lineno}, kolumn {e.colno}", f"ogiltig JSON: {_swedish_json_message(e.msg)}")) from e
    except _DuplicateKey as e:
        raise LoadError(Problem(name, "", f"nyckeln \"{e.key}\" förekommer två gånger i samma objekt")) from e


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


_JSON_MESSAGES = {
    "Expecting value": "ett värde saknas",
    "Expecting ',' delimiter": "kommatecken saknas",
    "Expecting ':' delimiter": "kolon saknas",
    "Expecting property name enclosed in double quotes": "nyckeln måste stå inom dubbla citattecken (eller ett kommatecken för mycket)",
    "Unterminated string starting at": "en sträng avslutas aldrig",
    "Invalid control character at": "otillåtet styrtecken i en sträng",
    "Invalid \\escape": "ogiltig escape-sekvens med \\",
    "Extra data": "text efter JSON-dokumentets slut",
}


def _swedish_json_message(msg: str) -> str:
    for english, swedish in _JSON_MESSAGES.items():
        if msg.startswith(english):
            return swedish
    return msg
