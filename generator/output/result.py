"""What a run did: the documents written, the agreements that failed and why, the warnings and the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from ..prepare import Prepared
from .changes import Change


@dataclass
class Result:
    """What a run did: documents written, agreements that failed with their problems, warnings and the report."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    archived: list[Path] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    agreements: list[Prepared] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    report: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def problems(self) -> list[Problem]:
        return [p for problems in self.failed.values() for p in problems]
