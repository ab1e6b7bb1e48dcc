"""Render stage: merge a context into a Word template with docxtpl in a strict, sandboxed, escaping Jinja."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from .errors import Problem, RenderError
from .filters import FILTERS

# Fixed zip timestamp so the same inputs give byte-identical documents.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

PART_NAMES = {
    "/word/document.xml": "brödtext",
    "/word/footnotes.xml": "fotnoter",
}


def make_environment() -> SandboxedEnvironment:
    """The one Jinja environment templates run in: sandboxed, StrictUndefined, autoescaping, Swedish filters."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    return env


def part_label(partname: str) -> str:
    """Swedish name of a package part: ``brödtext``, ``sidhuvud (header1.xml)``, ``sidfot (footer2.xml)``."""
    if partname in PART_NAMES:
        return PART_NAMES[partname]
    base = partname.rsplit("/", 1)[-1]
    if base.startswith("header"):
        return f"sidhuvud ({base})"
    if base.startswith("footer"):
        return f"sidfot ({base})"
    return base


def render_docx(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "") -> bytes:
    """Render ``template`` with ``context``; the finished .docx as normalised bytes, or RenderError naming the place."""
    doc = DocxTemplate(str(template))
    try:
        doc.render(context, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as e:
        part = getattr(getattr(doc, "current_rendering_part", None), "partname", "")
        raise RenderError(Problem(str(template), _place(part, e), _message(e, data_file))) from e
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


def _place(partname: str, error: jinja2.TemplateError) -> str:
    label = part_label(str(partname)) if partname else "mallen"
    lines = [line.strip() for line in getattr(error, "docx_context", []) if line.strip()]
    if lines:
        return f"{label}, vid texten \"{_short(' '.join(lines))}\""
    return label


def _message(error: jinja2.TemplateError, data_file: str) -> str:
    text = str(error.message or error)
    suffix = f" (vid rendering av {data_file})" if data_file else ""
    if isinstance(error, jinja2.UndefinedError):
        return f"mallen använder ett värde som inte finns: {_swedish_undefined(text)}{suffix}"
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"mallen försöker nå något som sandlådan förbjuder: {text}"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"syntaxfel i mallen: {text}"
    return f"fel i mallen: {text}{suffix}"


def _swedish_undefined(text: str) -> str:
    match = re.match(r"'(.+?)' has no attribute '(.+?)'", text)
    if match:
        return f"fältet \"{match.group(2)}\" finns inte"
    match = re.match(r"'(.+?)' is undefined", text)
    if match:
        return f"variabeln \"{match.group(1)}\" är inte definierad"
    return text


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a .docx package with fixed timestamps and attributes so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
