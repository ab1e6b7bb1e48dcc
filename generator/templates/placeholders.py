"""Text meant to be filled in by hand ("[Kommunens namn]", «Motpart», "XXXX-XX-XX", "NN"), refused in templates and documents."""

from __future__ import annotations

import html
import re
from typing import Any

from ..agreement.labels import where
from .syntax import short

# Square brackets round a capitalised phrase, French quotes (Word's mail-merge look), runs of X or N, a date pattern.
PLACEHOLDER = re.compile(r"\[[A-ZÅÄÖ][^\[\]{}\n]{1,60}\]|«[^«»\n]{1,60}»|\b[Xx]{2,}(?:[-/.][Xx]{2,})+\b|\b[Xx]{4,}\b"
                         r"|\bÅÅÅÅ-MM-DD\b|\bN{2,}\b")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def placeholders(text: str) -> list[str]:
    """The placeholders in ``text``, its template tags left out, each once."""
    return list(dict.fromkeys(m.group() for m in PLACEHOLDER.finditer(TAG.sub(" ", text))))


def placeholder_message(found: list[str]) -> str:
    """What the author is told about placeholders left in a template or an agreement."""
    shown = ", ".join(f"\"{short(p, 40)}\"" for p in found)
    return (f"texten {shown} ser ut som en platshållare som skulle fyllas i för hand, och den skulle stå så i avtalet; "
            "skriv en tagg i stället (till exempel \"{{ parter[0].namn }}\") eller ta bort texten")


def document_placeholders(xml: str, text_pattern: re.Pattern[str]) -> list[str]:
    """The placeholders in a rendered part's XML, its paragraphs read one by one (``text_pattern`` finds a w:t's text)."""
    return placeholders("\n".join(html.unescape("".join(text_pattern.findall(p))) for p in xml.split("</w:p>")))


def data_paths(context: Any, found: list[str], path: str = "$") -> list[str]:
    """The JSON paths (``$.avtal.syfte``) of the agreement's texts that hold one of ``found``; computed values left out."""
    if isinstance(context, str):
        return [path] if any(mark in TAG.sub(" ", context) for mark in found) else []
    if isinstance(context, dict):
        return [hit for key, value in context.items() if not (path == "$" and key == "berakning")
                for hit in data_paths(value, found, f"{path}.{key}")]
    if isinstance(context, list):
        return [hit for index, value in enumerate(context) for hit in data_paths(value, found, f"{path}[{index}]")]
    return []


def issued_message(found: list[str], paths: list[str]) -> str:
    """What the user is told when an agreement would be issued with a placeholder in it, with the fields that hold it."""
    shown = ", ".join(f"\"{short(p, 40)}\"" for p in found)
    if paths:
        return (f"det färdiga dokumentet innehåller {shown}, som ser ut som en platshållare som skulle fyllas i för hand; den står i "
                f"avtalsdata ({'; '.join(_titled(p) for p in paths)}): skriv den riktiga texten där så att inget avtal utfärdas med platshållaren")
    return (f"det färdiga dokumentet innehåller {shown}, som ser ut som en platshållare som skulle fyllas i för hand; "
            "skriv den riktiga texten i avtalsdata (eller mallen) så att inget avtal utfärdas med platshållaren")


def _titled(path: str) -> str:
    """``$.avtal.syfte`` by the form's titles (``”Avtalet › Syfte”``), as every rule names a field; the path when the schema has no title for it."""
    try:
        return where(path)
    except KeyError:
        return path
