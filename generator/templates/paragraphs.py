"""Paragraphs and tags of a template part as the author sees them in Word: text, tags, table place, heading."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..docx.namespaces import MC_NS, W
from .numbering import ListNumbers

P, T, R, RPR, PROOF = f"{W}p", f"{W}t", f"{W}r", f"{W}rPr", f"{W}proofErr"


TBL, TR, TC = f"{W}tbl", f"{W}tr", f"{W}tc"


PPR, PSTYLE = f"{W}pPr", f"{W}pStyle"


_FALLBACK = f"{{{MC_NS}}}Fallback"


_HEADING = re.compile(r"(?i)heading|rubrik|^title$")


_BREAKS = {f"{W}tab", f"{W}br", f"{W}cr"}


_FORMAT_NOISE = {f"{W}lang", f"{W}noProof"}  # run properties Word changes without the author seeing it


_OFF = {"0", "false", "off"}


OPENER = re.compile(r"\{[{%#]")


CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


_PREFIX = re.compile(r"^(\{[{%#])(?:tr|tc|p|r) ")


CURLY = {"“": '"', "”": '"', "‘": "'", "’": "'"}  # what docxtpl's patch_xml straightens inside tags


OTHER_QUOTES = {"„": '"', "«": '"', "»": '"', "″": '"', "‚": "'", "‹": "'", "›": "'", "′": "'", "´": "'", "`": "'"}


@dataclass
class Tag:
    text: str  # as written, the text of its runs put together
    start: int
    closed: bool
    pieces: int  # how many w:t elements it is spread over
    proof: bool  # a spell-check mark (w:proofErr) inside it
    formats: int  # how many different run formats it has


@dataclass
class Para:
    number: int
    element: Any
    text: str  # the text of its w:t elements, where tags are looked for
    shown: str  # the text as Word shows it, tabs and line breaks as spaces, hidden text as "(dold text: …)"
    table: str  # " (tabell 1, rad 2, cell 3)" or ""
    row: Any
    cell: Any
    tags: list[Tag]
    openers: list[tuple[int, int]]  # (place in the document, offset in text) of every {{, {% and {#
    heading: str = ""  # the text of the nearest heading before it with its number, as Word shows it ("3.2 Ekonomi")
    fallback: bool = False  # inside a text box's copy for old Word versions (mc:Fallback): reported once, in the first copy


def own_elements(element: Any) -> Iterator[Any]:
    """Descendants of a paragraph in document order, leaving out paragraphs nested in it (text boxes)."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag == P:
            continue
        yield child
        yield from own_elements(child)


def _format_key(text_element: Any) -> str:
    run = text_element.getparent()
    properties = run.find(RPR) if run is not None and run.tag == R else None
    if properties is None:
        return ""
    return "".join(etree.tostring(child, encoding="unicode") for child in properties if child.tag not in _FORMAT_NOISE)


def read_paragraphs(root: Any, numbers: ListNumbers | None = None) -> list[Para]:
    """The paragraphs of a part in document order; ``numbers``: the document's list numbering, to give headings their number."""
    tables = {table: n for n, table in enumerate(root.iter(TBL), start=1)}
    order = {element: n for n, element in enumerate(root.iter())}
    rows: dict[Any, list[Any]] = {}
    cells: dict[Any, list[Any]] = {}
    result = []
    heading = ""
    for number, paragraph in enumerate(root.iter(P), start=1):
        segments: list[tuple[int, int, Any]] = []
        proofs: list[int] = []
        texts: list[str] = []
        shown: list[tuple[str, bool]] = []
        offset = 0
        for element in own_elements(paragraph):
            if element.tag == T:
                piece = element.text or ""
                segments.append((offset, offset + len(piece), element))
                texts.append(piece)
                shown.append((piece, is_hidden(element)))
                offset += len(piece)
            elif element.tag == PROOF:
                proofs.append(offset)
            elif element.tag in _BREAKS:
                shown.append((" ", is_hidden(element)))
        text = "".join(texts)
        tags = []
        for start, end, closed in scan_tags(text):
            spanned = [el for s, e, el in segments if s < end and e > start]
            tags.append(Tag(text[start:end], start, closed, len(spanned), any(start < o < end for o in proofs),
                             len({_format_key(el) for el in spanned})))
        table, row, cell = "", None, None
        cell = next(paragraph.iterancestors(TC), None)
        if cell is not None:
            row = next(cell.iterancestors(TR))
            grid = next(row.iterancestors(TBL))
            if grid not in rows:
                rows[grid] = [r for r in grid.iter(TR) if next(r.iterancestors(TBL)) is grid]
            if row not in cells:
                cells[row] = [c for c in row.iter(TC) if next(c.iterancestors(TR)) is row]
            table = f" (tabell {tables[grid]}, rad {rows[grid].index(row) + 1}, cell {cells[row].index(cell) + 1})"
        openers = [(next((order[el] for s, e, el in segments if s <= m.start() < e), 0), m.start()) for m in OPENER.finditer(text)]
        fallback = next(paragraph.iterancestors(_FALLBACK), None) is not None
        words = as_shown(shown)
        result.append(Para(number, paragraph, text, words, table, row, cell, tags, openers, heading, fallback))
        shown_number = numbers.number(paragraph) if numbers is not None and not fallback else ""
        if is_heading(paragraph) and words.strip() and not fallback:
            heading = " ".join(f"{shown_number} {words}".split())
    return result


def is_hidden(element: Any) -> bool:
    """True when the run of a text or break is formatted as hidden (Dold text): Word does not show it and Find skips it."""
    run = element.getparent()
    properties = run.find(RPR) if run is not None and run.tag == R else None
    vanish = properties.find(f"{W}vanish") if properties is not None else None
    return vanish is not None and vanish.get(f"{W}val", "true") not in _OFF


def as_shown(pieces: list[tuple[str, bool]]) -> str:
    """A paragraph's text pieces as (text, hidden) put together, each stretch of hidden text as "(dold text: …)"."""
    shown: list[str] = []
    for hidden, stretch in itertools.groupby(pieces, key=lambda piece: piece[1]):
        text = "".join(piece for piece, _ in stretch)
        shown.append(f" (dold text: {text.strip()}) " if hidden and text.strip() else text)
    return "".join(shown)


def is_heading(paragraph: Any) -> bool:
    properties = paragraph.find(PPR)
    style = properties.find(PSTYLE) if properties is not None else None
    return style is not None and bool(_HEADING.search(style.get(f"{W}val", "")))


def scan_tags(text: str) -> list[tuple[int, int, bool]]:
    """Tags in a paragraph's text as (start, end, closed); an unclosed tag runs to the end of the paragraph."""
    found = []
    position = 0
    while match := OPENER.search(text, position):
        close = text.find(CLOSER[match.group()], match.end())
        if close < 0:
            found.append((match.start(), len(text), False))
            break
        found.append((match.start(), close + 2, True))
        position = close + 2
    return found


def straight(text: str, quotes: dict[str, str] = CURLY) -> str:
    return "".join(quotes.get(ch, ch) for ch in text)


def without_prefix(tag: str) -> str:
    return _PREFIX.sub(r"\1 ", tag)
