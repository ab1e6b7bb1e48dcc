"""A template part being checked: its paragraphs, the problems found with their places (see templates.places), the fields used."""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import Problem
from ..fields import Use
from ..paragraphs import Para
from ..places import paragraph_place


@dataclass(frozen=True)
class Line:
    paragraph: int  # 0: before the first paragraph, or not in a paragraph
    tag: str | None  # the tag as written in Word, when the line holds one


class Part:
    """One templated part of a .docx (body, a header, a footer, footnotes or a document property) being checked."""

    def __init__(self, file: str, name: str, label: str, paragraphs: list[Para], fixed_text: str = "") -> None:
        self.file = file
        self.name = name
        self.label = label
        self.paragraphs = {p.number: p for p in paragraphs}
        self.fixed_text = fixed_text
        self.found: list[tuple[int, int, Problem]] = []
        self.uses: list[tuple[str, Use]] = []
        self.party_uses: set[str] = set()  # fields used inside a loop over parter
        self.silenced: set[int] = set()

    def place(self, paragraph: int) -> str:
        return paragraph_place(self.label, self.paragraphs.get(paragraph), self.fixed_text)

    def report(self, paragraph: int, message: str, severity: str = "fel", *, raw: bool = False) -> None:
        if not raw and paragraph in self.silenced:
            return
        para = self.paragraphs.get(paragraph)
        if para is not None and para.fallback:
            return
        problem = Problem(self.file, self.place(paragraph), message, "varning" if severity == "varning" else "fel")
        if all(p != problem for _, _, p in self.found):
            self.found.append((paragraph, len(self.found), problem))

    def problems(self) -> list[Problem]:
        return [p for _, _, p in sorted(self.found, key=lambda item: (item[0], item[1]))]


def line_at(lines: list[Line], lineno: int | None) -> Line:
    if lineno is None or lineno < 1:
        return lines[0]
    return lines[min(lineno, len(lines)) - 1]
