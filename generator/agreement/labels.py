"""Swedish words for schema values in rule messages: enum labels (x-etikett), field titles, places and Ja/Nej."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from .schema import AGREEMENT_SCHEMA, resolve_ref

LABELS_KEY = "x-etikett"
# One step of a JSON path as the rules write them: ``.key``, ``[3]``, or ``[]`` (every row of a list).
_STEP = re.compile(r"\.(\w+)|\[(\d*)\]")
# A JSON path in a schema description: ``$.ekonomi``, or dotted keys such as ``interim.upphor_nar``.
_PATH_IN_TEXT = re.compile(r"\$(?:\.\w+|\[\d*\])+|\b[a-z]\w*(?:\.[a-z]\w*)+\b")
_FOLD = str.maketrans("åäöéü", "aaoeu")


def _walk(node: Any, labels: dict[str, dict[str, str]], titles: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, child in (node.get("properties") or {}).items():
            if isinstance(child, dict):
                if LABELS_KEY in child:
                    labels.setdefault(key, {}).update(child[LABELS_KEY])
                if "title" in child:
                    titles.setdefault(key, child["title"])
        for child in node.values():
            _walk(child, labels, titles)
    elif isinstance(node, list):
        for child in node:
            _walk(child, labels, titles)


@functools.cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(AGREEMENT_SCHEMA.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _schema_words() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    titles: dict[str, str] = {}
    _walk(_schema(), labels, titles)
    return labels, titles


def label(field: str, value: str) -> str:
    """The Swedish label of enum ``value`` of the schema field named ``field``, quoted for a sentence."""
    return f"”{plain_label(field, value)}”"


def plain_label(field: str, value: Any) -> str:
    """The Swedish label of enum ``value`` of the schema field named ``field``, unquoted; a value without one as it is."""
    labels = _schema_words()[0].get(field, {})
    if value not in labels:
        raise KeyError(f"schemat saknar etikett för {field} = {value}")
    return labels[value]


def value_label(field: str, value: Any) -> str:
    """The label of a value the data holds (it may be one the schema refuses): quoted, the value itself when it has none."""
    labels = _schema_words()[0].get(field, {})
    return f"”{labels[value]}”" if isinstance(value, str) and value in labels else f"”{value}”"


def title(field: str) -> str:
    """The Swedish title of the schema field named ``field``, quoted for a sentence."""
    return f"”{_schema_words()[1][field]}”"


@functools.cache
def where(path: str) -> str:
    """The field at the JSON path ``path`` by the titles the form shows, quoted for a sentence.

    ``$.parter[1].beslut.mandat`` is ``”Parter › Part 2 › Beslut › Mandat”``; a list's rows are numbered from 1 and
    ``[]`` (any row) leaves the number out. KeyError for a path the schema does not have, so a misspelt place fails
    in the tests rather than reaching a user.
    """
    root = _schema()
    node, doc = resolve_ref(root, root)
    words: list[str] = []
    position = 1  # after "$"
    for step in _STEP.finditer(path, 1):
        if step.start() != position:
            raise KeyError(f"ogiltig plats {path}")
        position = step.end()
        if step.group(1) is not None:
            node, doc = resolve_ref(node["properties"][step.group(1)], doc)
            words.append(str(node.get("title", step.group(1))))
        else:
            node, doc = resolve_ref(node["items"], doc)
            row = str(node.get("title", "Rad"))
            words.append(f"{row} {int(step.group(2)) + 1}" if step.group(2) else row)
    if position != len(path) or not words:
        raise KeyError(f"ogiltig plats {path}")
    return "”" + " › ".join(words) + "”"


@functools.cache
def _json_keys() -> dict[str, str]:
    """Field keys that are written as JSON and not as Swedish (``bedomning``, ``kostnad_ar``), with their titles."""
    labels, titles = _schema_words()
    words = {w for text in [*titles.values(), *(v for value in labels.values() for v in value.values())]
             for w in re.findall(r"\w+", text.casefold())}
    folded = {w.translate(_FOLD) for w in words}
    return {key: text for key, text in titles.items() if "_" in key or (key in folded and key not in words)}


def in_prose(text: str) -> str:
    """``text`` (a schema description, written for JSON authors too) with JSON paths and field keys written as the
    form's titles: ``interim.upphor_nar`` becomes ``”Interimsavtal › Upphör när”``, ``bedomning`` ``”Bedömning”``."""

    def path(match: re.Match[str]) -> str:
        try:
            return where(match[0] if match[0].startswith("$") else "$." + match[0])
        except KeyError:  # not a path of the schema (an abbreviation, an address): as written
            return match[0]

    text = _PATH_IN_TEXT.sub(path, text)
    keys = _json_keys()
    return re.sub(r"\b(?:" + "|".join(sorted(map(re.escape, keys), key=len, reverse=True)) + r")\b",
                  lambda match: f"”{keys[match[0]]}”", text)


def yes_no(value: bool) -> str:
    """A boolean as the form shows it: Ja or Nej."""
    return "”Ja”" if value else "”Nej”"
