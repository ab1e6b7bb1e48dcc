"""What a run changed for each agreement, kept in the records until a change report has shown it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ComparisonEntry:
    """The comparison document made for one document of an agreement, or why none could be made."""

    document: str
    path: Path | None
    inserted_words: int = 0
    deleted_words: int = 0
    problem: str = ""
    replaced_whole: int = 0

    def to_json(self) -> dict[str, Any]:
        """The entry as the manifest keeps it until it has been in a report."""
        return {"dokument": self.document, "fil": str(self.path) if self.path else None, "tillagda": self.inserted_words,
                "borttagna": self.deleted_words, "problem": self.problem, "ersatta_hela": self.replaced_whole}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ComparisonEntry:
        return cls(raw["dokument"], Path(raw["fil"]) if raw.get("fil") else None, int(raw.get("tillagda", 0)),
                   int(raw.get("borttagna", 0)), str(raw.get("problem", "")), int(raw.get("ersatta_hela", 0)))


@dataclass
class Change:
    """What changed for one agreement in a run."""

    agreement_id: str
    file: str
    reasons: list[str]
    new: bool = False
    amounts: list[tuple[str, str, str]] = field(default_factory=list)
    sentences: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    archived: list[Path] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)
    earlier_run: bool = False
    comparisons: list[ComparisonEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The change as the manifest keeps it until it has been in a report."""
        return {
            "id": self.agreement_id, "fil": self.file, "skal": self.reasons, "nytt": self.new,
            "belopp": [list(row) for row in self.amounts],
            "meningar": {name: [list(pair) for pair in pairs] for name, pairs in self.sentences.items()},
            "sparade": [str(p) for p in self.archived], "flyttade": [str(p) for p in self.moved],
            "jamforelser": [entry.to_json() for entry in self.comparisons],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any], earlier_run: bool = False) -> Change:
        return cls(
            raw["id"], raw["fil"], list(raw["skal"]), bool(raw.get("nytt")),
            [(a, b, c) for a, b, c in raw.get("belopp", [])],
            {name: [(a, b) for a, b in pairs] for name, pairs in raw.get("meningar", {}).items()},
            [Path(p) for p in raw.get("sparade", [])], [Path(p) for p in raw.get("flyttade", [])], earlier_run,
            [ComparisonEntry.from_json(entry) for entry in raw.get("jamforelser", [])],
        )
