"""Heading numbers as Word shows them in a template ("3.2"): the list numbering of numbering.xml through the styles."""

from __future__ import annotations

from typing import Any

from ..docx.namespaces import W

_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
          (5, "v"), (4, "iv"), (1, "i"))


class ListNumbers:
    """Counts the numbered paragraphs of a document in order and gives each its number as Word shows it (``2.1``)."""

    def __init__(self, styles: Any, numbering: Any) -> None:
        """``styles`` and ``numbering``: the root elements of styles.xml and numbering.xml (None when the part is missing)."""
        self._abstract: dict[str, str] = {}  # numId -> abstractNumId
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId -> level -> (start, format, text)
        self._style_levels: dict[str, int] = {}  # style id -> level, from a level that names its style (w:pStyle)
        self._styles: dict[str, Any] = {}
        self._counters: dict[str, dict[int, int]] = {}
        if numbering is not None:
            for abstract in numbering.iter(f"{W}abstractNum"):
                levels = self._levels.setdefault(abstract.get(f"{W}abstractNumId", ""), {})
                for level in abstract.iter(f"{W}lvl"):
                    index = int(level.get(f"{W}ilvl", "0"))
                    levels[index] = (int(_value(level, "start") or "1"), _value(level, "numFmt") or "decimal", _value(level, "lvlText") or "")
                    if style := _value(level, "pStyle"):
                        self._style_levels[style] = index
            for num in numbering.iter(f"{W}num"):
                self._abstract[num.get(f"{W}numId", "")] = _value(num, "abstractNumId") or ""
        if styles is not None:
            self._styles = {style.get(f"{W}styleId", ""): style for style in styles.iter(f"{W}style")}

    @classmethod
    def of(cls, document: Any) -> ListNumbers:
        """The numbering of a python-docx ``document``."""
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        return cls(document.styles.element, numbering)

    def number(self, paragraph: Any) -> str:
        """The number Word shows before ``paragraph`` (``3.2.``), "" when it has none; call for every paragraph in order."""
        num_id, level = self._list_of(paragraph)
        abstract = self._abstract.get(num_id or "")
        levels = self._levels.get(abstract or "", {})
        if level not in levels or abstract is None:
            return ""
        counters = self._counters.setdefault(abstract, {})
        counters[level] = counters.get(level, levels[level][0] - 1) + 1
        for deeper in [key for key in counters if key > level]:
            del counters[deeper]
        kind, text = levels[level][1:]
        if kind in ("bullet", "none"):
            return ""
        for index in range(9, -1, -1):
            value = counters.get(index, levels.get(index, (1, "decimal", ""))[0])
            text = text.replace(f"%{index + 1}", _formatted(value, levels.get(index, (1, "decimal", ""))[1]))
        return text.strip()

    def _list_of(self, paragraph: Any) -> tuple[str | None, int]:
        """(numId, level) of a paragraph: its own w:numPr, else its style's (through w:basedOn)."""
        properties = paragraph.find(f"{W}pPr")
        own = properties.find(f"{W}numPr") if properties is not None else None
        style_element = properties.find(f"{W}pStyle") if properties is not None else None
        style = style_element.get(f"{W}val", "") if style_element is not None else ""
        if own is not None and _value(own, "numId") is not None:
            return _value(own, "numId"), int(_value(own, "ilvl") or "0")
        seen: set[str] = set()
        current = style
        while current and current not in seen and current in self._styles:
            seen.add(current)
            numbered = self._styles[current].find(f"{W}pPr/{W}numPr")
            if numbered is not None and _value(numbered, "numId") is not None:
                level = _value(numbered, "ilvl")
                return _value(numbered, "numId"), int(level) if level is not None else self._style_levels.get(current, 0)
            current = _value(self._styles[current], "basedOn") or ""
        return None, 0


def _value(element: Any, name: str) -> str | None:
    child = element.find(f"{W}{name}")
    return child.get(f"{W}val") if child is not None else None


def _formatted(value: int, kind: str) -> str:
    if kind in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if kind == "upperLetter" else letter
    if kind in ("lowerRoman", "upperRoman"):
        roman, rest = "", value
        for amount, digits in _ROMAN:
            while rest >= amount:
                roman, rest = roman + digits, rest - amount
        return roman.upper() if kind == "upperRoman" else roman
    if kind == "decimalZero":
        return f"{value:02d}"
    return str(value)
