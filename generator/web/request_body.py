"""The JSON body of a form request, bounded: size, nesting depth and text the rest of the program can encode."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, request

MAX_BODY_BYTES = 2 * 1024 * 1024
# Far deeper than any agreement (the schema nests about six levels); deeper bodies are refused before anything recurses on them.
MAX_DEPTH = 64
_CHUNK = 64 * 1024


def _reject_constant(_value: str) -> Any:
    raise ValueError("NaN och Infinity är inga tal i JSON")


def _read_bounded() -> bytes:
    """The body's bytes; 413 when there are more than MAX_BODY_BYTES, also for a chunked body without a length.

    Werkzeug cuts a chunked body silently at the limit (the JSON then looks broken), so such a body is read
    from the WSGI stream here, at most one byte past the limit.
    """
    if request.content_length is not None:
        return request.get_data(cache=False)  # over the limit: Werkzeug answers 413 itself
    stream = request.environ["wsgi.input"]
    parts: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        part = stream.read(min(_CHUNK, MAX_BODY_BYTES + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > MAX_BODY_BYTES:
        abort(413)
    return b"".join(parts)


def _problem(value: Any) -> str | None:
    """Why ``value`` cannot be taken: nested deeper than MAX_DEPTH or a string with a lone surrogate; None when it can."""
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return f"Begäran är nästlad i fler än {MAX_DEPTH} nivåer; ett avtal har långt färre."
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            todo.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "Begäran innehåller ett ogiltigt tecken (ett ensamt surrogattecken, \\ud800–\\udfff); skriv texten igen."
    return None


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 for another content type, 413 for too large, 400 for JSON that cannot be taken."""
    if request.mimetype != "application/json":
        abort(415)
    raw = _read_bounded()
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        abort(400, f"Begäran är nästlad i fler än {MAX_DEPTH} nivåer; ett avtal har långt färre.")
    except (ValueError, UnicodeDecodeError):
        abort(400, "Begäran innehåller ogiltig JSON.")
    if not isinstance(body, dict):
        abort(400, "Begäran ska vara ett JSON-objekt.")
    problem = _problem(body)
    if problem:
        abort(400, problem)
    return body
