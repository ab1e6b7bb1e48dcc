"""Render stage: merge a context into a Word template with docxtpl in a strict, sandboxed, escaping Jinja."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import marshal
import re
import signal
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from ..agreement.filters import FILTERS, FilterValueError
from ..docx.properties import CORE_PART, issued_core_xml
from ..docx.safety import MAX_TEMPLATE_BYTES, STRICT_PARSER, package_problems
from ..errors import Problem, RenderError
from ..output import usercache
from ..output.fingerprint import fingerprint, library_versions
from .blocks import Scan, scan
from .placeholders import document_placeholders, issued_message
from .syntax import short as _short
from .syntax import swedish_syntax

# Bounds on one document: a template that loops or multiplies without end fails with a message instead of
# filling the disk or stopping the batch.
MAX_RENDER_SECONDS = 30.0
MAX_OUTPUT_CHARS = 50_000_000
MAX_TEXT = 1_000_000  # the longest text or list an operator in a template may build

PART_NAMES = {
    "/word/document.xml": "brödtext",
    "/word/footnotes.xml": "fotnoter",
}


class LimitError(jinja2.TemplateRuntimeError):
    """Raised inside a template when it would build a text, list or number too large for an agreement, or runs too long."""


_PADDING_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs"}
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d{7,})|\{[^{}]*:[^{}]*?(\d{7,})[^{}]*\}")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox with bounds on ``*``, ``**`` and ``%`` and on padding: a template cannot ask for gigabytes.

    Intercepted operators are also never folded into constants when a template is compiled, so
    ``{{ 'x' * 10**9 }}`` fails with a message at render time instead of exhausting memory in the check.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _number(left) and _number(right) and abs(left) > 1 and abs(right) > 64:
            raise LimitError(f"talet {left}**{right} är för stort för ett avtal")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) and len(sequence) * count > MAX_TEXT:
                    raise LimitError(f"en text eller lista med {len(sequence) * count} tecken eller element är för lång för ett avtal")
        if operator == "%" and isinstance(left, str) and _FORMAT_WIDTH.search(left):
            raise LimitError("en fältbredd i formatet är för stor för ett avtal")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        name = getattr(__obj, "__name__", "")
        if (isinstance(getattr(__obj, "__self__", None), str) and name in _PADDING_METHODS
                and any(isinstance(a, int) and a > MAX_TEXT for a in (*args, *kwargs.values()))):
                raise LimitError(f"\"{name}\" med en bredd över {MAX_TEXT} tecken är för stort för ett avtal")
        if name == "format" and isinstance(getattr(__obj, "__self__", None), str) and _FORMAT_WIDTH.search(__obj.__self__):
            raise LimitError("en fältbredd i formatet är för stor för ett avtal")
        return super().call(__context, __obj, *args, **kwargs)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bounded_filter(name: str, filter_function: Any) -> Any:
    def bounded(value: Any, width: Any = 80, *args: Any, **kwargs: Any) -> Any:
        if isinstance(width, int) and width > MAX_TEXT:
            raise LimitError(f"filtret \"{name}\" med bredden {width} är för stort för ett avtal")
        return filter_function(value, width, *args, **kwargs)

    return bounded


def make_environment() -> SandboxedEnvironment:
    """The one Jinja environment templates run in: sandboxed, bounded, StrictUndefined, autoescaping, Swedish filters."""
    env = BoundedEnvironment(undefined=StrictUndefined, autoescape=True, keep_trailing_newline=True)
    env.filters.update(FILTERS)
    for name in ("center", "indent", "truncate", "wordwrap"):
        env.filters[name] = _bounded_filter(name, env.filters[name])
    return env


class _Timeout(Exception):
    """Raised by the alarm when one document takes longer than MAX_RENDER_SECONDS."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise _Timeout in the block after ``seconds`` (main thread only, where signals arrive; elsewhere no bound)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, expire)
    remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    signal.setitimer(signal.ITIMER_REAL, seconds if not remaining else min(seconds, remaining))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _bounded_render(template: jinja2.Template, context: dict[str, Any]) -> str:
    """``template.render(context)`` that stops with LimitError when the output grows beyond MAX_OUTPUT_CHARS."""
    pieces: list[str] = []
    size = 0
    for piece in template.generate(context):
        size += len(piece)
        if size > MAX_OUTPUT_CHARS:
            raise LimitError(f"dokumentet blir större än {MAX_OUTPUT_CHARS // 1_000_000} miljoner tecken; "
                             "en upprepning i mallen tar troligen aldrig slut")
        pieces.append(piece)
    return "".join(pieces)


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


_TAG_BODY = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})", re.DOTALL)


def _unescape_tags(xml: str) -> str:
    """Inside tags, the XML escapes that docxtpl leaves (``&amp;``, ``&quot;``, ``&apos;``) as the author typed them.

    Without this ``default("A & B")`` would be escaped twice and print ``A &amp; B`` in the agreement.
    """
    return _TAG_BODY.sub(lambda m: m.group(0).replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&"), xml)


class Docx(DocxTemplate):  # type: ignore[misc]  # docxtpl ships no type information
    """docxtpl's DocxTemplate with the tags' text unescaped as the author typed it (see _unescape_tags)."""

    def patch_xml(self, src_xml: str) -> str:
        return _unescape_tags(super().patch_xml(src_xml))


def _refuse_unsafe(template: Path) -> None:
    """RenderError when the file is too large, not a package, or has a DOCTYPE or XML that would need recovering."""
    problems = package_problems(template)
    if problems:
        raise RenderError(problems)


def _render_error(template: Path, partname: str, error: BaseException, source: str, data_file: str) -> RenderError:
    place = _place(partname, error, source)
    return RenderError(Problem(str(template), place, _message(error, data_file)))


def render_docx_plain(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "",
                      issued: dt.date | None = None) -> bytes:
    """Render with plain docxtpl (a new DocxTemplate per document); the baseline the compiled path must equal."""
    _refuse_unsafe(template)
    doc = Docx(str(template))
    try:
        with deadline(MAX_RENDER_SECONDS):
            doc.render(context, jinja_env=env, autoescape=True)
    except Exception as e:
        part = getattr(getattr(doc, "current_rendering_part", None), "partname", "")
        raise _render_error(template, str(part), e, "", data_file) from e
    buffer = io.BytesIO()
    doc.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    original = zipfile.ZipFile(str(template))
    core = source.read(CORE_PART) if CORE_PART in source.namelist() else None
    tagged = _tagged_properties(original.read(CORE_PART)) if CORE_PART in original.namelist() else frozenset()
    members = []
    for info in source.infolist():
        data = source.read(info.filename)
        if info.filename == CORE_PART and core is not None:
            data = issued_core_xml(data, context, issued or dt.date.today(), tagged)
        members.append(_deflate(info.filename, data))
    return write_zip(members)


def _tagged_properties(core: bytes) -> frozenset[str]:
    """Which of title, subject and description hold a tag in the template (they are filled in, not replaced)."""
    root = etree.fromstring(core, STRICT_PARSER)
    found = set()
    for name in ("title", "subject", "description"):
        element = root.find(f"{{http://purl.org/dc/elements/1.1/}}{name}")
        if element is not None and element.text and re.search(r"\{[{%]", element.text):
            found.add(name)
    return frozenset(found)


@dataclass(frozen=True)
class _Part:
    """One templated part of a template: its Jinja source, the compiled code, and what it always holds (blocks.Scan)."""

    name: str
    source: str
    code: CodeType
    static_paragraphs: int
    static_texts: tuple[str, ...]


@dataclass(frozen=True)
class _Prepared:
    """Everything a CompiledTemplate takes from its .docx; only plain values, so it can be kept in the usercache."""

    fallback: bool
    core: bytes | None
    tagged: tuple[str, ...]
    document_xml: bytes
    compressed: tuple[tuple[str, tuple[bytes, bytes, int, int]], ...]
    parts: tuple[_Part, ...]

    def dump(self) -> bytes:
        parts = tuple((p.name, p.source, p.code, p.static_paragraphs, p.static_texts) for p in self.parts)
        return marshal.dumps((_PREPARED_FORMAT, self.fallback, self.core, self.tagged, self.document_xml, self.compressed, parts))

    @classmethod
    def load(cls, data: bytes) -> _Prepared | None:
        try:
            version, fallback, core, tagged, document_xml, compressed, parts = marshal.loads(data)
            if version != _PREPARED_FORMAT:
                return None
            return cls(fallback, core, tagged, document_xml, compressed, tuple(_Part(*part) for part in parts))
        except (ValueError, EOFError, TypeError):
            return None


_PREPARED_FORMAT = 1
_MEMO: dict[str, _Prepared] = {}  # by usercache key: templates prepared in this process
_MEMO_SIZE = 32  # a long-running form whose templates are edited keeps only the latest


def _prepared(path: Path, source: bytes, digest: str, env: SandboxedEnvironment, generator: str | None = None) -> _Prepared:
    """The prepared template for ``source`` (whose sha256 is ``digest``) under ``env``: from this process, the usercache, or made now.

    The key covers the template's bytes (by their digest), the environment's settings and filters, the generator's source
    and the library versions, so a change to any of them prepares the template again. Only a template
    that passed the package checks and compiled is ever stored.
    """
    generator = generator if generator is not None else fingerprint()["generator"]
    name = usercache.key("compiled-template", digest, _environment_key(env), json.dumps(generator),
                         json.dumps(library_versions(), sort_keys=True))
    found = _MEMO.get(name)
    if found is None:
        data = usercache.read("templates", name)
        found = _Prepared.load(data) if data is not None else None
        if found is None:
            found = _prepare(path, source, env)
            usercache.write("templates", name, found.dump())
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[name] = found
    return found


def _environment_key(env: SandboxedEnvironment) -> str:
    """What in an environment changes the code Jinja compiles: its class, syntax settings, and filters and tests."""
    def marks(functions: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((name, str(getattr(f, "jinja_pass_arg", ""))) for name, f in functions.items())

    autoescape = env.autoescape if isinstance(env.autoescape, bool) else getattr(env.autoescape, "__qualname__", "?")
    return repr((
        type(env).__module__, type(env).__qualname__, env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
        env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
        env.optimized, autoescape, getattr(env.undefined, "__qualname__", "?"), sorted(env.extensions),
        sorted(getattr(env, "intercepted_binops", ())), sorted(getattr(env, "intercepted_unops", ())),
        marks(env.filters), marks(env.tests),
    ))


def _prepare(path: Path, source: bytes, env: SandboxedEnvironment) -> _Prepared:
    """Open the template with python-docx and docxtpl, patch and scan each templated part and compile it with Jinja."""
    _refuse_unsafe(path)
    doc = Docx(io.BytesIO(source))
    doc.init_docx()
    package = zipfile.ZipFile(io.BytesIO(source))
    members = {info.filename: package.read(info.filename) for info in package.infolist()}
    compressed = tuple((name, astuple(_deflate(name, data))) for name, data in members.items())
    core = members.get(CORE_PART)
    parts: list[_Part] = []

    def add(partname: str, xml: str) -> None:
        jinja_source = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        found = scan(xml)
        try:
            code = env.compile(jinja_source)
        except Exception as e:
            raise _render_error(path, partname, e, jinja_source, "") from e
        parts.append(_Part(partname, jinja_source, code, found.static_paragraphs, tuple(found.static_texts)))

    add("/word/document.xml", doc.patch_xml(doc.get_xml()))
    for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
        for _, part in doc.get_headers_footers(uri):
            add(str(part.partname), doc.patch_xml(doc.get_part_xml(part)))
    for part in doc.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            add(str(part.partname), doc.patch_xml(blob))
    return _Prepared(
        fallback=any("{" in (getattr(doc.core_properties, name) or "") for name in _CORE_PROPERTIES),
        core=core,
        tagged=tuple(sorted(_tagged_properties(core))) if core is not None else (),
        document_xml=members["word/document.xml"],
        compressed=compressed,
        parts=tuple(parts),
    )


class CompiledTemplate:
    """A template prepared once: docxtpl's patched XML compiled by Jinja, the parts that never change kept as bytes.

    Rendering then costs one Jinja render per templated part and one zip write, the same output as
    plain docxtpl without re-parsing and re-compiling the document for every agreement. Every document
    is checked before it is returned: each part whole XML without recovery, every paragraph and text
    that stands outside all blocks of the template still there.
    """

    def __init__(self, path: Path, env: SandboxedEnvironment, source: bytes | None = None, generator: str | None = None) -> None:
        """``source``: the template's bytes when the caller has read them already (Renderer), else read here;
        ``generator``: the fingerprint of the generator's source, when the caller has it."""
        self.path = path
        self.source = path.read_bytes() if source is None else source
        self.digest = hashlib.sha256(self.source).hexdigest()
        self.env = env
        self._helper = Docx(io.BytesIO(self.source))  # for docxtpl's XML helpers in _finish; never opened
        prepared = _prepared(path, self.source, self.digest, env, generator)
        self.fallback = prepared.fallback
        self.core = prepared.core
        self.tagged = frozenset(prepared.tagged)
        self.document_xml = prepared.document_xml
        # Parts that never change are compressed once, in _prepare, and copied into every document as they are.
        self.compressed = [(name, Deflated(*member)) for name, member in prepared.compressed]
        self.sources = {part.name: part.source for part in prepared.parts}
        self.scans = {part.name: Scan(static_paragraphs=part.static_paragraphs, static_texts=list(part.static_texts))
                      for part in prepared.parts}
        globals_ = env.make_globals(None)
        self.parts: dict[str, jinja2.Template] = {
            part.name: env.template_class.from_code(env, part.code, globals_, None) for part in prepared.parts
        }

    def render(self, context: dict[str, Any], data_file: str = "", issued: dt.date | None = None) -> bytes:
        """The finished .docx for ``context`` as normalised bytes; RenderError naming template, part, place and agreement.

        ``issued`` (default today) becomes the document's creation and modification date.
        """
        if self.fallback:
            data = render_docx_plain(self.path, context, self.env, data_file, issued)
            self._check_output({name.lstrip("/"): zipfile.ZipFile(io.BytesIO(data)).read(name.lstrip("/")) for name in self.parts},
                               context, data_file)
            return data
        rendered: dict[str, bytes] = {}
        started = time.monotonic()
        for partname, template in self.parts.items():
            try:
                with deadline(max(0.5, MAX_RENDER_SECONDS - (time.monotonic() - started))):
                    xml = _bounded_render(template, context)
                rendered[partname.lstrip("/")] = self._finish(partname, xml)
            except RenderError:
                raise
            except Exception as e:
                raise _render_error(self.path, partname, e, self.sources[partname], data_file) from e
        self._check_output(rendered, context, data_file)
        if self.core is not None:
            rendered[CORE_PART] = issued_core_xml(self.core, context, issued or dt.date.today(), self.tagged)
        return write_zip([_deflate(name, rendered[name]) if name in rendered else member for name, member in self.compressed])

    def _check_output(self, rendered: dict[str, bytes], context: dict[str, Any], data_file: str) -> None:
        """RenderError when a document lost paragraphs or text that the template has outside every block."""
        for partname, found in self.scans.items():
            xml = rendered.get(partname.lstrip("/"))
            if xml is None:
                continue
            text = xml.decode("utf-8")
            paragraphs = len(re.findall(r"<w:p[ >]", text))
            missing = _first_missing([html.unescape(t) for t in found.static_texts], html.unescape("".join(_TEXT.findall(text))))
            if paragraphs < found.static_paragraphs or missing is not None:
                detail = (f"texten \"{_short(missing, 60)}\" saknas" if missing is not None
                          else f"{paragraphs} stycken i stället för minst {found.static_paragraphs}")
                suffix = f" (vid rendering av {data_file})" if data_file else ""
                raise RenderError(Problem(str(self.path), part_label(partname),
                                          f"det färdiga dokumentet blev kortare än mallen ({detail}); ett block i mallen "
                                          f"avslutas troligen med fel sorts tagg. Kör avtal mallar kontrollera{suffix}"))
            if marks := document_placeholders(text, _TEXT):
                suffix = f" (vid rendering av {data_file})" if data_file else ""
                raise RenderError(Problem(str(self.path), part_label(partname), issued_message(marks) + suffix))

    def _resolve_listing(self, xml: str) -> str:
        """docxtpl's resolve_listing, run only on the paragraphs that hold a tab, newline, bell or form feed.

        docxtpl applies it paragraph by paragraph and it changes nothing in a paragraph without those
        characters, so skipping the others gives the same XML in a fraction of the time.
        """
        if not _LISTING_CHARS.search(xml):
            return xml
        return _PARAGRAPH.sub(lambda m: self._helper.resolve_listing(m.group(0)) if _LISTING_CHARS.search(m.group(0)) else m.group(0), xml)

    def _finish(self, partname: str, xml: str) -> bytes:
        """docxtpl's post-processing of one rendered part, as its ``render`` does it; the XML must be whole first."""
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        try:
            etree.fromstring(xml.encode("utf-8"), STRICT_PARSER)
        except etree.XMLSyntaxError as e:
            raise LimitError(f"det färdiga dokumentet blir trasig XML ({e.msg}); ett block i mallen börjar och slutar "
                             "på olika ställen (stycke, tabellrad eller cell). Kör avtal mallar kontrollera") from e
        xml = self._resolve_listing(xml)
        if partname == "/word/document.xml":
            body = self._helper.fix_tables(xml)
            self._helper.docx_ids_index = 1000
            self._helper.fix_docpr_ids(body)
            root = etree.fromstring(self.document_xml)
            old_body = root.find(f"{{{_W}}}body")
            root.replace(old_body, body)
            data: bytes = etree.tostring(root, encoding="UTF-8", standalone=True)
            return data
        if partname.startswith("/word/header") or partname.startswith("/word/footer"):
            part: bytes = etree.tostring(etree.fromstring(xml.encode("utf-8")), encoding="UTF-8", standalone=True)
            return part
        return xml.encode("utf-8")


def _first_missing(fragments: list[str], text: str) -> str | None:
    """The first of ``fragments`` not found in ``text`` after the one before it, or None when all are there in order."""
    position = 0
    for fragment in fragments:
        found = text.find(fragment, position)
        if found < 0:
            return fragment
        position = found + len(fragment)
    return None


_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
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
        self._generator = fingerprint()["generator"]  # the source cannot change while this renderer is used

    def template(self, path: Path) -> CompiledTemplate:
        if not path.is_file() or path.stat().st_size > MAX_TEMPLATE_BYTES:
            _refuse_unsafe(path)
        source = path.read_bytes()
        cached = self._cache.get(path)
        if cached is None or cached.digest != hashlib.sha256(source).hexdigest():
            cached = self._cache[path] = CompiledTemplate(path, self.env, source, self._generator)
        return cached

    def render(self, path: Path, context: dict[str, Any], data_file: str = "", issued: dt.date | None = None) -> bytes:
        return self.template(path).render(context, data_file, issued)


def render_docx(template: Path, context: dict[str, Any], env: SandboxedEnvironment, data_file: str = "",
                issued: dt.date | None = None) -> bytes:
    """Render one template once (compiled for this call); use a Renderer to reuse the compiled template."""
    return CompiledTemplate(template, env).render(context, data_file, issued)


def _place(partname: str, error: BaseException, source: str = "") -> str:
    """Part and paragraph of a template error: ``brödtext, stycke 12 "Titel: {{ avtal.undertitel }}"``."""
    label = part_label(str(partname)) if partname else "mallen"
    lineno = error_line(error)
    if source and lineno:
        lines = source.splitlines()
        if 0 < lineno <= len(lines):
            text = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()
            heading = _heading_before(lines, lineno - 1)
            under = f", under rubriken \"{_short(heading, 60)}\"" if heading else ""
            return f"{label}, stycke {lineno - 1}{under}" + (f", vid texten \"{_short(text)}\"" if under and text else f" \"{_short(text)}\"" if text else "")
    lines = [line.strip() for line in getattr(error, "docx_context", []) if line.strip()]
    if lines:
        return f"{label}, vid texten \"{_short(' '.join(lines))}\""
    return label


_HEADING_STYLE = re.compile(r'<w:pStyle w:val="(?:Heading|Rubrik|Title|Rubrik)\d*"|<w:outlineLvl ')


def _heading_before(lines: list[str], index: int) -> str:
    """The text of the nearest heading paragraph at or before line ``index`` of a compiled part, or ""."""
    for line in reversed(lines[: index + 1]):
        if _HEADING_STYLE.search(line):
            return re.sub(r"<[^>]+>", "", line).strip()
    return ""


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


def _message(error: BaseException, data_file: str) -> str:
    text = str(getattr(error, "message", None) or error)
    suffix = f" (vid rendering av {data_file})" if data_file else ""
    if isinstance(error, jinja2.UndefinedError):
        hint = ("; ett fält som kan saknas skrivs inom {% if … is defined %} eller med default(\"…\") (mallar/LASMIG.md, Valfria fält)"
                if "has no attribute" in text else "")
        return f"mallen använder {_swedish_undefined(text)}, som inte finns{suffix}{hint}"
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"mallen försöker nå något som sandlådan förbjuder ({_short(text, 80)}); en mall får bara läsa avtalsdata och beräknade värden"
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"syntaxfel i mallen: {swedish_syntax(text)}"
    if isinstance(error, (LimitError, FilterValueError)):
        return f"{text}{suffix}"
    if isinstance(error, _Timeout):
        return f"dokumentet tog mer än {MAX_RENDER_SECONDS:.0f} sekunder att göra; en upprepning i mallen tar troligen aldrig slut{suffix}"
    if isinstance(error, ZeroDivisionError):
        return f"mallen delar med noll{suffix}"
    if isinstance(error, RecursionError):
        return f"ett makro i mallen anropar sig självt utan slut{suffix}"
    if isinstance(error, MemoryError):
        return f"mallen bygger ett värde som är för stort för minnet{suffix}"
    if isinstance(error, jinja2.TemplateError):
        return f"fel i mallen: {text}{suffix}"
    return f"mallen kunde inte fyllas i ({type(error).__name__}: {_short(text, 120)}){suffix}"


def _swedish_undefined(text: str) -> str:
    match = re.match(r"'(.+?)' has no attribute '(.+?)'", text)
    if match:
        return f"fältet \"{match.group(2)}\""
    match = re.match(r"'(.+?)' is undefined", text)
    if match:
        return f"variabeln \"{match.group(1)}\""
    return f"ett värde ({text})"


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
