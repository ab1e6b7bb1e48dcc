"""The record of one agreement: what its documents were made from, with every field's type checked when read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .identity import InputId


@dataclass
class Document:
    """One generated file: the template it came from (with hash) and the hash of what was written (empty: not written)."""

    mall: str
    mall_hash: str
    hash: str
    pdf_hash: str | None = None

    @classmethod
    def from_json(cls, raw: Any) -> Document:
        checked = _fields(raw, {"mall": str, "mall_hash": str, "hash": str}, {"pdf_hash": (str, type(None))})
        return cls(**checked)


@dataclass
class Entry:
    """One agreement's record; ``beroenden`` is the fingerprint of schemas, generator and libraries it was made with."""

    fil: InputId
    data_hash: str
    generator: str
    genererad: str
    troskelvarden: dict[str, dict[str, Any]] = field(default_factory=dict)
    dokument: dict[str, Document] = field(default_factory=dict)
    belopp: dict[str, str] = field(default_factory=dict)
    varningar: list[str] = field(default_factory=list)
    beroenden: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Any) -> Entry:
        """The entry of JSON data; ValueError (in Swedish) naming the field when a field is missing or of the wrong type."""
        checked = _fields(raw, {"fil": str, "data_hash": str, "generator": str, "genererad": str},
                          {"troskelvarden": dict, "dokument": dict, "belopp": dict, "varningar": list, "beroenden": dict})
        for name in ("troskelvarden", "dokument"):
            if not all(isinstance(value, dict) for value in checked.get(name, {}).values()):
                raise ValueError(f"fältet {name} har fel typ")
        if not all(isinstance(value, str) for value in [*checked.get("belopp", {}).values(), *checked.get("varningar", [])]):
            raise ValueError("fältet belopp eller varningar har fel typ")
        documents = {name: Document.from_json(doc) for name, doc in checked.get("dokument", {}).items()}
        return cls(**{**checked, "fil": InputId(checked["fil"]), "dokument": documents})

    def to_json(self) -> dict[str, Any]:
        return {**vars(self), "dokument": {name: vars(doc) for name, doc in self.dokument.items()}}


def _fields(raw: Any, required: dict[str, Any], optional: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("posten är inte ett objekt")
    for name, kind in required.items():
        if name not in raw:
            raise ValueError(f"fältet {name} saknas")
        if not isinstance(raw[name], kind):
            raise ValueError(f"fältet {name} har fel typ")
    for name, kind in optional.items():
        if name in raw and not isinstance(raw[name], kind):
            raise ValueError(f"fältet {name} har fel typ")
    unknown = sorted(set(raw) - set(required) - set(optional))
    if unknown:
        raise ValueError(f"okänt fält {unknown[0]}")
    return dict(raw)
