"""Render stage: merge a context into a Word template with docxtpl in a strict, sandboxed, escaping Jinja."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import html
import io
import json
import marshal
import re
import signal
import threading
import time
import zipfile
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

from .. import cache
from ..agreement.filters import FILTERS, FilterValueError
from ..docx.namespaces import DC_NS, W_NS
from ..docx.properties import CORE_PART, issued_core_xml
from ..docx.safety import MAX_TEMPLATE_BYTES, STRICT_PARSER, package_problems
from ..docx.zipwriter import Deflated, deflate, write_zip
from ..errors import Problem, RenderError
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
        members.append(deflate(info.filename, data))
    return write_zip(members)


def _tagged_properties(core: bytes) -> frozenset[str]:
    """Which of title, subject and description hold a tag in the template (they are filled in, not replaced)."""
    root = etree.fromstring(core, STRICT_PARSER)
    found = set()
    for name in ("title", "subject", "description"):
        element = root.find(f"{{{DC_NS}}}{name}")
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
    """Everything a CompiledTemplate takes from its .docx; only plain values, so it can be kept in the per-user cache."""

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
            if version != _PREPARED_FORMAT or not _well_formed(fallback, core, tagged, document_xml, compressed, parts):
                return None  # not what dump() writes: prepared again from the template, never blamed on it
            return cls(fallback, core, tagged, document_xml, compressed, tuple(_Part(*part) for part in parts))
        except (ValueError, EOFError, TypeError):
            return None


def _well_formed(fallback: Any, core: Any, tagged: Any, document_xml: Any, compressed: Any, parts: Any) -> bool:
    """True when loaded values have the types ``_Prepared.dump`` writes (a checksum only shows the bytes were not damaged)."""
    def strings(value: Any) -> bool:
        return isinstance(value, tuple) and all(isinstance(item, str) for item in value)

    def member(value: Any) -> bool:
        return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], tuple)
                and len(value[1]) == 4 and all(isinstance(x, t) for x, t in zip(value[1], (bytes, bytes, int, int), strict=True)))

    def part(value: Any) -> bool:
        return (isinstance(value, tuple) and len(value) == 5 and isinstance(value[0], str) and isinstance(value[1], str)
                and isinstance(value[2], CodeType) and isinstance(value[3], int) and strings(value[4]))

    return (isinstance(fallback, bool) and (core is None or isinstance(core, bytes)) and strings(tagged) and isinstance(document_xml, bytes)
            and isinstance(compressed, tuple) and all(member(m) for m in compressed) and isinstance(parts, tuple) and all(part(p) for p in parts))


_PREPARED_FORMAT = 2  # 2: docxtpl's {_{ escapes compiled into the code
_MEMO: dict[str, _Prepared] = {}  # by cache key: templates prepared in this process
_MEMO_SIZE = 32  # a long-running form whose templates are edited keeps only the latest


def _prepared(path: Path, source: bytes, digest: str, env: SandboxedEnvironment, generator: str | None = None) -> _Prepared:
    """The prepared template for ``source`` (whose sha256 is ``digest``) under ``env``: from this process, the per-user cache, or made now.

    The key covers the template's bytes (by their digest), the environment's settings and filters, the generator's source
    and the library versions, so a change to any of them prepares the template again. Only a template
    that passed the package checks and compiled is ever stored.
    """
    generator = generator if generator is not None else fingerprint()["generator"]
    name = cache.key("compiled-template", digest, _environment_key(env), json.dumps(generator),
                         json.dumps(library_versions(), sort_keys=True))
    found = _MEMO.get(name)
    if found is None:
        data = cache.read("templates", name)
        found = _Prepared.load(data) if data is not None else None
        if found is None:
            found = _prepare(path, source, env)
            cache.write("templates", name, found.dump())
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


# docxtpl's escapes for a literal tag in a template's text: printed as the tag. They are turned into Jinja output when
# the template is compiled, not replaced in the finished XML, where agreement data that holds "{_{" would change too.
_ESCAPED = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}
_ESCAPES = re.compile("|".join(re.escape(escape) for escape in _ESCAPED))


def _prepare(path: Path, source: bytes, env: SandboxedEnvironment) -> _Prepared:
    """Open the template with python-docx and docxtpl, patch and scan each templated part and compile it with Jinja."""
    _refuse_unsafe(path)
    doc = Docx(io.BytesIO(source))
    doc.init_docx()
    package = zipfile.ZipFile(io.BytesIO(source))
    members = {info.filename: package.read(info.filename) for info in package.infolist()}
    compressed = tuple((name, astuple(deflate(name, data))) for name, data in members.items())
    core = members.get(CORE_PART)
    parts: list[_Part] = []

    def add(partname: str, xml: str) -> None:
        jinja_source = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        found = scan(xml)
        try:
            code = env.compile(_ESCAPES.sub(lambda m: "{{ " + repr(_ESCAPED[m.group(0)]) + " }}", jinja_source))
        except Exception as e:
            raise _render_error(path, partname, e, jinja_source, "") from e
        static = tuple(_ESCAPES.sub(lambda m: _ESCAPED[m.group(0)], text) for text in found.static_texts)
        parts.append(_Part(partname, jinja_source, code, found.static_paragraphs, static))

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
        self._root: Any = None
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
        return write_zip([deflate(name, rendered[name]) if name in rendered else member for name, member in self.compressed])

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
        """docxtpl's post-processing of one rendered part, as its ``render`` does it; the XML must be whole first.

        The strict parse that checks the part is whole is also the tree that is written: docxtpl's table fix
        parses again only when a table's columns need fixing or a tab or line break changed the XML, and the
        document around the body is the template's, parsed once (_skeleton), not for every document.
        """
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        # A CR in data (a text pasted from Windows) is a line break as LF is; left alone, the XML parser would make it
        # an LF after the line breaks were made, and Word would show it as a space.
        xml = xml.replace("\r\n", "\n").replace("\r", "\n")
        try:
            tree = etree.fromstring(xml.encode("utf-8"), STRICT_PARSER)
        except etree.XMLSyntaxError as e:
            raise LimitError(f"det färdiga dokumentet blir trasig XML ({e.msg}); ett block i mallen börjar och slutar "
                             "på olika ställen (stycke, tabellrad eller cell). Kör avtal mallar kontrollera") from e
        listed = self._resolve_listing(xml)
        unchanged = listed is xml
        xml = listed
        if partname == "/word/document.xml":
            body = tree if unchanged and not _tables_need_fixing(tree) else self._helper.fix_tables(xml)
            self._helper.docx_ids_index = 1000
            self._helper.fix_docpr_ids(body)
            root = copy.deepcopy(self._skeleton())
            root.replace(root.find(f"{{{_W}}}body"), body)
            data: bytes = etree.tostring(root, encoding="UTF-8", standalone=True)
            return data
        if partname.startswith("/word/header") or partname.startswith("/word/footer"):
            part: bytes = etree.tostring(tree if unchanged else etree.fromstring(xml.encode("utf-8")), encoding="UTF-8", standalone=True)
            return part
        return xml.encode("utf-8")

    def _skeleton(self) -> Any:
        """The template's document.xml with an empty body, parsed once: each document gets a copy with its own body."""
        if self._root is None:
            root = etree.fromstring(self.document_xml)
            body = root.find(f"{{{_W}}}body")
            for child in list(body):
                body.remove(child)
            self._root = root
        return self._root


def _tables_need_fixing(body: Any) -> bool:
    """True when docxtpl's fix_tables would change a table: a row with more cells, or every row with fewer, than its grid has columns."""
    for table in body.iter(f"{{{_W}}}tbl"):
        grid = table.find(f"{{{_W}}}tblGrid")
        if grid is None:
            return True  # let docxtpl deal with it as it always did
        columns = len(grid.findall(f"{{{_W}}}gridCol"))
        widest = 0
        for row in table.iter(f"{{{_W}}}tr"):
            cells = row.findall(f"{{{_W}}}tc")
            if len(cells) > columns:
                return True
            spans = [cell.find(f"{{{_W}}}tcPr/{{{_W}}}gridSpan") for cell in cells]
            widest = max(widest, sum(int(span.get(f"{{{_W}}}val")) if span is not None else 1 for span in spans))
        if widest < columns:
            return True
    return False


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
_W = W_NS


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
