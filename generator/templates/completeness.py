"""The check of every finished document: nothing the template always holds is lost, no placeholder is left in it."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from ..errors import Problem, RenderError
from .blocks import Scan
from .failure import part_name
from .placeholders import data_paths, document_placeholders, issued_message
from .syntax import short

_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")


def check_output(template: Path, source: bytes, scans: dict[str, Scan], rendered: dict[str, bytes], data_file: str,
                 context: dict[str, Any]) -> None:
    """RenderError when a document lost paragraphs or text that the template (whose bytes are ``source``) has outside every
    block, or holds a placeholder (``[Kommunens namn]``) that came from the agreement's data (``context``: named by its fields)."""
    suffix = f" (vid rendering av {data_file})" if data_file else ""
    for partname, found in scans.items():
        xml = rendered.get(partname.lstrip("/"))
        if xml is None:
            continue
        text = xml.decode("utf-8")
        paragraphs = len(re.findall(r"<w:p[ >]", text))
        missing = _first_missing([html.unescape(t) for t in found.static_texts], html.unescape("".join(_TEXT.findall(text))))
        if paragraphs < found.static_paragraphs or missing is not None:
            detail = (f"texten \"{short(missing, 60)}\" saknas" if missing is not None
                      else f"{paragraphs} stycken i stället för minst {found.static_paragraphs}")
            raise RenderError(Problem(str(template), part_name(source, partname),
                                      f"det färdiga dokumentet blev kortare än mallen ({detail}); ett block i mallen "
                                      f"avslutas troligen med fel sorts tagg. Kör avtal mallar kontrollera{suffix}"))
        if marks := document_placeholders(text, _TEXT):
            raise RenderError(Problem(str(template), part_name(source, partname), issued_message(marks, data_paths(context, marks)) + suffix))


def _first_missing(fragments: list[str], text: str) -> str | None:
    """The first of ``fragments`` not found in ``text`` after the one before it, or None when all are there in order."""
    position = 0
    for fragment in fragments:
        found = text.find(fragment, position)
        if found < 0:
            return fragment
        position = found + len(fragment)
    return None
