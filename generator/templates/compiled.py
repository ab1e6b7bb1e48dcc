"""A template compiled once and rendered for many agreements: one Jinja render per templated part and one zip write."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..docx.properties import CORE_PART, issued_core_xml
from ..docx.zipwriter import Deflated, deflate, write_zip
from ..errors import RenderError
from . import sandbox
from .blocks import Scan
from .completeness import check_output
from .failure import render_error
from .finish import Finisher
from .patching import Docx
from .plain import render_docx_plain
from .prepared import prepared


class CompiledTemplate:
    """A template prepared once (prepared.Prepared): its templated parts compiled by Jinja, the parts that never change kept as bytes.

    Rendering then costs one Jinja render per templated part and one zip write, the same output as
    plain docxtpl without re-parsing and re-compiling the document for every agreement. Every document
    is checked before it is returned (completeness.check_output).
    """

    def __init__(self, path: Path, env: SandboxedEnvironment, source: bytes | None = None, generator: str | None = None) -> None:
        """``source``: the template's bytes when the caller has read them already (Renderer), else read here;
        ``generator``: the fingerprint of the generator's source, when the caller has it."""
        self.path = path
        self.source = path.read_bytes() if source is None else source
        self.digest = hashlib.sha256(self.source).hexdigest()
        self.env = env
        found = prepared(path, self.source, self.digest, env, generator)
        self.fallback = found.fallback
        self.core = found.core
        self.tagged = frozenset(found.tagged)
        # Parts that never change were compressed once, when the template was prepared, and are copied as they are.
        self.compressed = [(name, Deflated(*member)) for name, member in found.compressed]
        self.scans = {part.name: Scan(static_paragraphs=part.static_paragraphs, static_texts=list(part.static_texts))
                      for part in found.parts}
        globals_ = env.make_globals(None)
        self.parts: dict[str, jinja2.Template] = {
            part.name: env.template_class.from_code(env, part.code, globals_, None) for part in found.parts
        }
        # docxtpl's XML helpers, on the template never opened as a document
        self._finisher = Finisher(Docx(io.BytesIO(self.source)), found.document_xml)

    def render(self, context: dict[str, Any], data_file: str = "", issued: dt.date | None = None) -> bytes:
        """The finished .docx for ``context`` as normalised bytes; RenderError naming template, part, place and agreement.

        ``issued`` (default today) becomes the document's creation and modification date.
        """
        if self.fallback:
            data = render_docx_plain(self.path, context, self.env, data_file, issued)
            package = zipfile.ZipFile(io.BytesIO(data))
            check_output(self.path, self.source, self.scans, {name.lstrip("/"): package.read(name.lstrip("/")) for name in self.parts},
                         data_file, context)
            return data
        rendered: dict[str, bytes] = {}
        started = time.monotonic()
        for partname, template in self.parts.items():
            try:
                with sandbox.deadline(max(0.5, sandbox.MAX_RENDER_SECONDS - (time.monotonic() - started))):
                    xml = sandbox.bounded_render(template, context)
                rendered[partname.lstrip("/")] = self._finisher.finish(partname, xml)
            except RenderError:
                raise
            except Exception as e:
                raise render_error(self.path, self.source, partname, e, self.env, data_file) from e
        check_output(self.path, self.source, self.scans, rendered, data_file, context)
        if self.core is not None:
            rendered[CORE_PART] = issued_core_xml(self.core, context, issued or dt.date.today(), self.tagged)
        return write_zip([deflate(name, rendered[name]) if name in rendered else member for name, member in self.compressed])
