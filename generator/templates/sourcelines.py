"""The Jinja source a template part is compiled from, one paragraph and one tag a line, and the paragraph each line comes from."""

from __future__ import annotations

# Jinja tells where a render error happened only by line. A line break put right after the opener of every tag
# (``{{`` + newline + `` avtal.titel }}``, which Jinja reads as the same tag) gives each tag a line of its own, so an
# error is traced to the tag and from there to the paragraph the author wrote it in.
import itertools
import re

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .paragraphs import Para

_OPENER = re.compile(r"\{([{%#])([-+]?)")
_CLOSER = {"{": "}}", "%": "%}", "#": "#}"}
_RAW = re.compile(r"\{%[-+]?\s*raw\s*[-+]?%\}")
_ENDRAW = re.compile(r"\{%[-+]?\s*endraw\s*[-+]?%\}")
_STRING = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'|\"[^\"\\]*(?:\\.[^\"\\]*)*\"", re.DOTALL)
_PARAGRAPH = re.compile(r"<w:p([ >/])")
_NUMBER = re.compile(r' data-avtal-stycke="(\d+)"')
_SPLIT = re.compile(r"\{[{%][-+]?$")


def paragraph_lines(patched: str) -> str:
    """docxtpl's patched XML with each paragraph on a line of its own, as docxtpl gives it to Jinja."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)


def jinja_source(patched: str, env: SandboxedEnvironment) -> str:
    """The source to compile: one paragraph a line (paragraph_lines) and every ``{{`` and ``{%`` tag on a line of its own.

    The tags are split only when Jinja reads the same tokens from both sources; otherwise (a tag Jinja cannot read,
    which the check reports) the paragraph lines are kept.
    """
    lines = paragraph_lines(patched)
    starts = _tag_body_starts(lines)
    if not starts:
        return lines
    pieces, last = [], 0
    for start in starts:
        pieces += [lines[last:start], "\n"]
        last = start
    pieces.append(lines[last:])
    split = "".join(pieces)
    tokens = _tokens(env, lines)
    return split if tokens is not None and tokens == _tokens(env, split) else lines


def _tokens(env: SandboxedEnvironment, source: str) -> list[tuple[str, str]] | None:
    try:
        return [(token.type, str(token.value)) for token in env.lexer.tokenize(source)]
    except jinja2.TemplateSyntaxError:
        return None


def _tag_body_starts(source: str) -> list[int]:
    """Offsets just after the opener (with its ``-`` or ``+``) of every ``{{`` and ``{%`` tag Jinja reads, raw blocks left out."""
    starts = []
    position = 0
    while match := _OPENER.search(source, position):
        if match.group(1) == "#":
            end = source.find("#}", match.end())
            position = len(source) if end < 0 else end + 2
        elif raw := _RAW.match(source, match.start()):
            end_raw = _ENDRAW.search(source, raw.end())
            position = len(source) if end_raw is None else end_raw.end()
        else:
            starts.append(match.end())
            position = _tag_end(source, match.end(), _CLOSER[match.group(1)])
    return starts


def _tag_end(source: str, position: int, closer: str) -> int:
    """Where the tag whose body starts at ``position`` ends, string literals (which may hold a closer) skipped."""
    while position < len(source):
        if source.startswith(closer, position):
            return position + len(closer)
        string = _STRING.match(source, position) if source[position] in "'\"" else None
        position = string.end() if string else position + 1
    return position


def numbered(xml: str) -> str:
    """A part's XML with every paragraph marked by its number (as read_paragraphs counts them), to follow it through docxtpl."""
    counter = itertools.count(1)

    def mark(match: re.Match[str]) -> str:
        number = next(counter)
        return match.group(0) if match.group(1) == "/" else f"<w:p data-avtal-stycke=\"{number}\"{match.group(1)}"

    return _PARAGRAPH.sub(mark, xml)


def line_paragraphs(source: str, marked: str, paragraphs: list[Para]) -> list[int]:
    """The template paragraph of every line of ``source`` (0: none), from ``marked``, the same source made from numbered().

    A tag's line belongs to the paragraph the tag was written in (a ``{%p if %}`` paragraph that docxtpl takes away too),
    when docxtpl kept every tag; else to the paragraph before it. Empty when ``marked`` is not ``source`` with marks.
    """
    if _NUMBER.sub("", marked) != source:
        return []
    lines = marked.split("\n")
    tag_lines = [index for index in range(1, len(lines)) if _SPLIT.search(lines[index - 1])]
    openers = sorted((key, offset, para.number) for para in paragraphs for key, offset in para.openers
                     if not para.text.startswith("{#", offset))
    written = [number for _, _, number in openers]
    by_tag = dict(zip(tag_lines, written, strict=True)) if len(tag_lines) == len(written) else {}
    found, current = [], 0
    for index, line in enumerate(lines):
        mark = _NUMBER.match(line, 4) if line.startswith("<w:p") else None
        current = int(mark.group(1)) if mark else current
        found.append(by_tag.get(index, current))
    return found
