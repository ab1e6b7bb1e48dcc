"""Swedish words for schema values in rule messages: enum labels (x-etikett), field titles and Ja/Nej."""

from __future__ import annotations

import functools
import json
from typing import Any

from ..agreement.schema import AGREEMENT_SCHEMA

LABELS_KEY = "x-etikett"


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
def _schema_words() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    titles: dict[str, str] = {}
    _walk(json.loads(AGREEMENT_SCHEMA.read_text(encoding="utf-8")), labels, titles)
    return labels, titles


def label(field: str, value: str) -> str:
    """The Swedish label of enum ``value`` of the schema field named ``field``, quoted for a sentence."""
    labels = _schema_words()[0].get(field, {})
    if value not in labels:
        raise KeyError(f"schemat saknar etikett för {field} = {value}")
    return f"”{labels[value]}”"


def title(field: str) -> str:
    """The Swedish title of the schema field named ``field``, quoted for a sentence."""
    return f"”{_schema_words()[1][field]}”"


def yes_no(value: bool) -> str:
    """A boolean as the form shows it: Ja or Nej."""
    return "”Ja”" if value else "”Nej”"
