"""Jinja blocks in docxtpl's XML: which blocks open in one XML element and close in another, and what is always there."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Block tags and their middle and end tags.
OPENERS = {"if", "for", "macro", "call", "filter", "with", "set", "block", "autoescape", "trans", "raw"}
BRANCHES = {"if": {"elif", "else"}, "for": {"else"}, "trans": {"pluralize"}}
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_STATEMENT = re.compile(r"\{%[-+]?\s*(\w+)(.*?)[-+]?%\}", re.DOTALL)
_XML = re.compile(r"<(/?)([A-Za-z_][\w:.-]*)[^>]*?(/?)>")
_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
# Leaving out a stretch that closes one of these and opens the next would merge two cells, rows or tables.
_WHOLE = ("w:tbl", "w:tr", "w:tc")


@dataclass
class Mismatch:
    """A block whose part between two of its tags is not whole XML: a paragraph, row or cell opened and not closed."""

    opener: int  # offset of the block's first tag in the source
    start: int  # offset of the tag where the broken stretch begins
    end: int  # offset of the tag where it ends
    name: str  # if, for, …
    crossing: str = ""  # "w:tc", "w:tr" or "w:tbl" when the stretch leaves a cell, row or table and enters the next


@dataclass
class _Frame:
    name: str
    opener: int
    marker: int
    elements: list[str] = field(default_factory=list)  # opened in this stretch and not yet closed
    closed: list[str] = field(default_factory=list)  # closed in this stretch without being opened in it
    broken: bool = False


@dataclass
class Scan:
    """What a scan of a part's Jinja source found."""

    mismatches: list[Mismatch] = field(default_factory=list)
    static_paragraphs: int = 0  # paragraphs outside every block: each must be in every document
    static_texts: list[str] = field(default_factory=list)  # their text runs without tags, as XML text


def _statement(tag: str) -> tuple[str, str]:
    match = _STATEMENT.match(tag)
    return (match.group(1), match.group(2)) if match else ("", "")


def scan(source: str) -> Scan:
    """Walk docxtpl's patched XML with its Jinja tags: mismatched blocks, and what stands outside every block."""
    result = Scan()
    frames: list[_Frame] = []
    position = 0
    length = len(source)
    while position < length:
        next_xml = source.find("<", position)
        next_jinja = _next_jinja(source, position)
        if next_xml < 0 and next_jinja < 0:
            break
        if next_jinja >= 0 and (next_xml < 0 or next_jinja < next_xml):
            match = _JINJA.match(source, next_jinja)
            if match is None:
                position = next_jinja + 2
                continue
            position = match.end()
            if match.group().startswith("{%"):
                _block_tag(match.group(), match.start(), frames, result)
            continue
        match = _XML.match(source, next_xml)
        if match is None:
            position = next_xml + 1
            continue
        position = match.end()
        closing, name, empty = match.group(1) == "/", match.group(2), match.group(3) == "/"
        if not frames:
            if name == "w:p" and not closing:
                result.static_paragraphs += 1
            if name == "w:t" and not closing and not empty:
                text = _TEXT.match(source, match.start())
                if text and text.group(1).strip() and "{" not in text.group(1) and "}" not in text.group(1):
                    # docxtpl turns tabs and line breaks into their own elements: each piece is looked for alone.
                    result.static_texts.extend(piece for piece in re.split("[\t\n\a\f]", text.group(1)) if piece.strip())
            continue
        if empty or name.startswith("?") or name.startswith("!"):
            continue
        frame = frames[-1]
        if not closing:
            frame.elements.append(name)
        elif frame.elements and frame.elements[-1] == name:
            frame.elements.pop()
        elif not frame.elements:
            frame.closed.append(name)
        else:
            frame.broken = True
    return result


_OPENER = re.compile(r"\{[{%#]")


def _next_jinja(source: str, position: int) -> int:
    """Where the next tag opens; one search, so that a scan stays linear when one kind of tag is absent (``{#``)."""
    match = _OPENER.search(source, position)
    return match.start() if match else -1


def _block_tag(tag: str, offset: int, frames: list[_Frame], result: Scan) -> None:
    name, rest = _statement(tag)
    if name == "set" and "=" in rest:
        return
    if name in OPENERS:
        frames.append(_Frame(name, offset, offset))
        return
    if not frames:
        return
    frame = frames[-1]
    if name in BRANCHES.get(frame.name, set()) or name == f"end{frame.name}":
        # Leaving the stretch out must leave whole XML: what it closes it opens again, in reverse order
        # (``</w:t></w:r><w:r><w:t>`` between two runs is fine; ``<w:p><w:r><w:t>`` alone is not).
        # A stretch that closes a paragraph, cell, row or table and opens the next would merge the two when left
        # out (a row losing cells, two tables becoming one): also refused.
        crossing = next((name for name in _WHOLE if name in frame.closed), "")
        if frame.broken or frame.closed != list(reversed(frame.elements)) or "w:p" in frame.closed or crossing:
            result.mismatches.append(Mismatch(frame.opener, frame.marker, offset, frame.name, crossing))
        frame.elements, frame.closed, frame.broken, frame.marker = [], [], False, offset
        if name == f"end{frame.name}":
            frames.pop()
