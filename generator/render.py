"""Render stage: merge a context into a Word template with docxtpl in a strict, sandboxed, escaping Jinja."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from .errors import Problem, RenderError
from .filters import FILTERS

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


def render_docx_plain(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "") -> bytes:
    """Render with plain docxtpl (a new DocxTemplate per document); the baseline the compiled path must equal."""
    doc = DocxTemplate(str(template))
    try:
        doc.render(context, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as e:
        part = getattr(getattr(doc, "current_rendering_part", None), "partname", "")
        raise RenderError(Problem(str(template), _place(part, e), _message(e, data_file))) from e
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


class CompiledTemplate:
    """A template prepared once: docxtpl's patched XML compiled by Jinja, the parts that never change kept as bytes.

    Rendering then costs one Jinja render per templated part and one zip write, the same output as
    plain docxtpl without re-parsing and re-compiling the document for every agreement.
    """

    def __init__(self, path: Path, env: SandboxedEnvironment) -> None:
        self.path = path
        self.source = path.read_bytes()
        self.digest = hashlib.sha256(self.source).hexdigest()
        self.env = env
        doc = DocxTemplate(io.BytesIO(self.source))
        doc.init_docx()
        self._helper = doc
        self.parts: dict[str, jinja2.Template] = {}
        self.sources: dict[str, str] = {}
        self.document_xml = b""
        package = zipfile.ZipFile(io.BytesIO(self.source))
        self.members = [(info.filename, package.read(info.filename)) for info in package.infolist()]
        # Parts that never change are compressed once, here, and copied into every document as they are.
        self.compressed = [(name, _deflate(name, data)) for name, data in self.members]
        self.fallback = any("{" in (getattr(doc.core_properties, name) or "") for name in _CORE_PROPERTIES)
        body = doc.patch_xml(doc.get_xml())
        self._compile("/word/document.xml", body)
        self.document_xml = dict(self.members)["word/document.xml"]
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _, part in doc.get_headers_footers(uri):
                self._compile(str(part.partname), doc.patch_xml(doc.get_part_xml(part)))
        for part in doc.docx.part.package.parts:
            if part.content_type == _FOOTNOTES:
                blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
                self._compile(str(part.partname), doc.patch_xml(blob))

    def _compile(self, partname: str, xml: str) -> None:
        source = self.sources[partname] = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        try:
            self.parts[partname] = self.env.from_string(source)
        except jinja2.TemplateError as e:
            raise RenderError(Problem(str(self.path), _place(partname, e, source), _message(e, ""))) from e

    def render(self, context: dict[str, Any], data_file: str = "") -> bytes:
        """The finished .docx for ``context`` as normalised bytes; RenderError naming template, part and place."""
        if self.fallback:
            return render_docx_plain(self.path, context, self.env, data_file)
        rendered: dict[str, bytes] = {}
        for partname, template in self.parts.items():
            try:
                xml = template.render(context)
            except jinja2.TemplateError as e:
                raise RenderError(Problem(str(self.path), _place(partname, e, self.sources[partname]), _message(e, data_file))) from e
            rendered[partname.lstrip("/")] = self._finish(partname, xml)
        return write_zip([_deflate(name, rendered[name]) if name in rendered else member for name, member in self.compressed])

    def _resolve_listing(self, xml: str) -> str:
        """docxtpl's resolve_listing, run only on the paragraphs that hold a tab, newline, bell or form feed.

        docxtpl applies it paragraph by paragraph and it changes nothing in a paragraph without those
        characters, so skipping the others gives the same XML in a fraction of the time.
        """
        if not _LISTING_CHARS.search(xml):
            return xml
        return _PARAGRAPH.sub(lambda m: self._helper.resolve_listing(m.group(0)) if _LISTING_CHARS.search(m.group(0)) else m.group(0), xml)

    def _finish(self, partname: str, xml: str) -> bytes:
        """docxtpl's post-processing of one rendered part, as its ``render`` does it."""
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        xml = self._resolve_listing(xml)
        if partname == "/word/document.xml":
            body = self._helper.fix_tables(xml)
            self._helper.docx_ids_index = 1000
            self._helper.fix_docpr_ids(body)
            root = etree.fromstring(self.document_xml)
            old_body = root.find(f"{{{_W}}}body")
            root.replace(old_body, body)
            return etree.tostring(root, encoding="UTF-8", standalone=True)
        if partname.startswith("/word/header") or partname.startswith("/word/footer"):
            return etree.tostring(etree.fromstring(xml.encode("utf-8")), encoding="UTF-8", standalone=True)
        return xml.encode("utf-8")


_LISTING_CHARS = re.compile("[\t\a\n\f]")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


class Renderer:
    """Renders agreements, compiling each template once and again only when its file changes."""

    def __init__(self, env: SandboxedEnvironment | None = None) -> None:
        self.env = env or make_environment()
        self._cache: dict[Path, CompiledTemplate] = {}

    def template(self, path: Path) -> CompiledTemplate:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        cached = self._cache.get(path)
        if cached is None or cached.digest != digest:
            cached = self._cache[path] = CompiledTemplate(path, self.env)
        return cached

    def render(self, path: Path, context: dict[str, Any], data_file: str = "") -> bytes:
        return self.template(path).render(context, data_file)


def render_docx(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "") -> bytes:
    """Render one template once (compiled for this call); use a Renderer to reuse the compiled template."""
    return CompiledTemplate(template, env).render(context, data_file)


def _place(partname: str, error: jinja2.TemplateError, source: str = "") -> str:
    """Part and paragraph of a template error: ``brödtext, stycke 12 "Titel: {{ avtal.undertitel }}"``."""
    label = part_label(str(partname)) if partname else "mallen"
    lineno = error_line(error)
    if source and lineno:
        lines = source.splitlines()
        if 0 < lineno <= len(lines):
            text = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()
            return f"{label}, stycke {lineno - 1}" + (f" \"{_short(text)}\"" if text else "")
    lines = [line.strip() for line in getattr(error, "docx_context", []) if line.strip()]
    if lines:
        return f"{label}, vid texten \"{_short(' '.join(lines))}\""
    return label


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


def _message(error: jinja2.TemplateError, data_file: str) -> str:
    text = str(error.message or error)
    suffix = f" (vid rendering av {data_file})" if data_file else ""
    if isinstance(error, jinja2.UndefinedError):
        return f"mallen använder {_swedish_undefined(text)}, som inte finns{suffix}"
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"mallen försöker nå något som sandlådan förbjuder: {text}"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"syntaxfel i mallen: {text}"
    return f"fel i mallen: {text}{suffix}"


def _swedish_undefined(text: str) -> str:
    match = re.match(r"'(.+?)' has no attribute '(.+?)'", text)
    if match:
        return f"fältet \"{match.group(2)}\""
    match = re.match(r"'(.+?)' is undefined", text)
    if match:
        return f"variabeln \"{match.group(1)}\""
    return f"ett värde ({text})"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a .docx package with fixed timestamps and attributes so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    return write_zip([_deflate(info.filename, source.read(info.filename)) for info in source.infolist()])


@dataclass(frozen=True)
class Deflated:
    """One zip member, compressed, with what its headers need."""

    name: bytes
    data: bytes
    crc: int
    size: int


def _deflate(name: str, data: bytes) -> Deflated:
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return Deflated(name.encode("utf-8"), compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


# DOS date of 1980-01-01, time 00:00: fixed so equal content gives equal bytes.
_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 1, 0
_EXTERNAL_ATTR = 0o600 << 16


def write_zip(members: list[Deflated]) -> bytes:
    """A zip package of already-deflated members, with fixed timestamps (the subset of the format .docx uses)."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, _DOS_TIME, _DOS_DATE, member.crc, len(member.data), member.size, len(member.name), 0))
        out.write(member.name)
        out.write(member.data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0, 8, _DOS_TIME, _DOS_DATE, member.crc, len(member.data), member.size,
                len(member.name), 0, 0, 0, 0, _EXTERNAL_ATTR, offset,
            )
        )
        central.write(member.name)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0))
    return out.getvalue()
