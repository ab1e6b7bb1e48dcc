"""A render failure as the author reads it: what went wrong, in Swedish, and where in the template (templates.places)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ..agreement.filters import FilterValueError
from ..errors import Problem, RenderError
from . import sandbox
from .numbering import ListNumbers
from .paragraphs import read_paragraphs
from .patching import Docx, templated_parts
from .places import paragraph_place, part_label, part_labels
from .sandbox import LimitError, RenderTimeout
from .sourcelines import jinja_source, line_paragraphs, numbered, paragraph_lines
from .syntax import short, swedish_syntax


def render_error(template: Path, source: bytes, partname: str, error: BaseException, env: SandboxedEnvironment,
                 data_file: str = "", *, split: bool = True) -> RenderError:
    """The RenderError for ``error`` raised while rendering (or compiling) ``partname`` of the template whose bytes are ``source``.

    ``split``: whether the part was compiled from sourcelines.jinja_source (one tag a line), or from docxtpl's own
    source (one paragraph a line), as plain docxtpl renders it.
    """
    place = template_place(source, partname, error_line(error), env, split=split)
    return RenderError(Problem(str(template), place, message(error, data_file)))


def template_place(source: bytes, partname: str, lineno: int | None, env: SandboxedEnvironment, *, split: bool = True) -> str:
    """Line ``lineno`` of a part's compiled source as the template check places it: part, paragraph, heading and excerpt."""
    if not partname:
        return "mallen"
    doc = _opened(source)
    label = part_label(partname, part_labels(doc.docx))
    xml = dict(templated_parts(doc)).get(partname)
    if xml is None or lineno is None:
        return label
    numbers = ListNumbers.of(doc.docx) if partname == "/word/document.xml" else None
    paragraphs = read_paragraphs(etree.fromstring(xml.encode("utf-8")), numbers)

    def compiled(text: str) -> str:
        patched = doc.patch_xml(text)
        return jinja_source(patched, env) if split else paragraph_lines(patched)

    found = line_paragraphs(compiled(xml), compiled(numbered(xml)), paragraphs)
    number = found[lineno - 1] if 0 < lineno <= len(found) else 0
    return paragraph_place(label, next((p for p in paragraphs if p.number == number), None))


def part_name(source: bytes, partname: str) -> str:
    """The Word name of a part of the template whose bytes are ``source`` (a header as ``sidhuvud på första sidan``)."""
    return part_label(partname, part_labels(_opened(source).docx))


def _opened(source: bytes) -> Docx:
    doc = Docx(io.BytesIO(source))
    doc.init_docx()
    return doc


def error_line(error: BaseException) -> int | None:
    """The template line an error happened on: Jinja's own for syntax errors, from the traceback for runtime ones."""
    lineno = getattr(error, "lineno", None)
    if lineno:
        return int(lineno)
    found = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def message(error: BaseException, data_file: str) -> str:
    """What went wrong, in Swedish, with the agreement being rendered."""
    text = str(getattr(error, "message", None) or error)
    suffix = f" (vid rendering av {data_file})" if data_file else ""
    if isinstance(error, jinja2.UndefinedError):
        hint = ("; ett fält som kan saknas skrivs inom {% if … is defined %} eller med default(\"…\") (mallar/LASMIG.md, Valfria fält)"
                if "has no attribute" in text else "")
        return f"mallen använder {_swedish_undefined(text)}, som inte finns{suffix}{hint}"
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"mallen försöker nå något som sandlådan förbjuder ({short(text, 80)}); en mall får bara läsa avtalsdata och beräknade värden"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"syntaxfel i mallen: {swedish_syntax(text)}"
    if isinstance(error, (LimitError, FilterValueError)):
        return f"{text}{suffix}"
    if isinstance(error, RenderTimeout):
        return (f"dokumentet tog mer än {sandbox.MAX_RENDER_SECONDS:.0f} sekunder att göra; en upprepning i mallen tar "
                f"troligen aldrig slut{suffix}")
    if isinstance(error, ZeroDivisionError):
        return f"mallen delar med noll{suffix}"
    if isinstance(error, RecursionError):
        return f"ett makro i mallen anropar sig självt utan slut{suffix}"
    if isinstance(error, MemoryError):
        return f"mallen bygger ett värde som är för stort för minnet{suffix}"
    if isinstance(error, jinja2.TemplateError):
        return f"fel i mallen: {text}{suffix}"
    return f"mallen kunde inte fyllas i ({type(error).__name__}: {short(text, 120)}){suffix}"


def _swedish_undefined(text: str) -> str:
    match = re.match(r"'(.+?)' has no attribute '(.+?)'", text)
    if match:
        return f"fältet \"{match.group(2)}\""
    match = re.match(r"'(.+?)' is undefined", text)
    if match:
        return f"variabeln \"{match.group(1)}\""
    return f"ett värde ({text})"
