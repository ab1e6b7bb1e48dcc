"""A template rendered with plain docxtpl: the baseline the compiled path must equal, and the path for tagged core properties."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from ..docx.properties import CORE_PART, issued_core_xml
from ..docx.zipwriter import deflate, write_zip
from . import sandbox
from .failure import render_error
from .patching import Docx, refuse_unsafe, tagged_properties


def render_docx_plain(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "",
                      issued: dt.date | None = None) -> bytes:
    """Render with plain docxtpl (a new DocxTemplate per document); the baseline the compiled path must equal."""
    refuse_unsafe(template)
    doc = Docx(str(template))
    try:
        with sandbox.deadline(sandbox.MAX_RENDER_SECONDS):
            doc.render(context, jinja_env=env, autoescape=True)
    except Exception as e:
        part = getattr(getattr(doc, "current_rendering_part", None), "partname", "")
        raise render_error(template, template.read_bytes(), str(part), e, env, data_file, split=False) from e
    buffer = io.BytesIO()
    doc.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    original = zipfile.ZipFile(str(template))
    core = source.read(CORE_PART) if CORE_PART in source.namelist() else None
    tagged = tagged_properties(original.read(CORE_PART)) if CORE_PART in original.namelist() else frozenset()
    members = []
    for info in source.infolist():
        data = source.read(info.filename)
        if info.filename == CORE_PART and core is not None:
            data = issued_core_xml(data, context, issued or dt.date.today(), tagged)
        members.append(deflate(info.filename, data))
    return write_zip(members)
