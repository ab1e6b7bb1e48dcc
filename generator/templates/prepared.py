"""A template prepared for rendering: each templated part patched, scanned and compiled once, kept in the per-user cache."""

from __future__ import annotations

import io
import json
import marshal
import zipfile
from dataclasses import astuple, dataclass
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

from .. import cache
from ..docx.properties import CORE_PART
from ..docx.zipwriter import deflate
from ..fingerprint import fingerprint, library_versions
from .blocks import scan
from .failure import render_error
from .patching import Docx, refuse_unsafe, tagged_properties, templated_parts, unescaped, with_literal_tags
from .sandbox import environment_key
from .sourcelines import jinja_source

_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


@dataclass(frozen=True)
class PreparedPart:
    """One templated part of a template: its compiled code, and what it always holds (blocks.Scan)."""

    name: str
    code: CodeType
    static_paragraphs: int
    static_texts: tuple[str, ...]


@dataclass(frozen=True)
class Prepared:
    """Everything a CompiledTemplate takes from its .docx; only plain values, so it can be kept in the per-user cache."""

    fallback: bool  # a core property holds a tag: rendered with plain docxtpl, which fills them in
    core: bytes | None
    tagged: tuple[str, ...]
    document_xml: bytes
    compressed: tuple[tuple[str, tuple[bytes, bytes, int, int]], ...]
    parts: tuple[PreparedPart, ...]

    def dump(self) -> bytes:
        parts = tuple((p.name, p.code, p.static_paragraphs, p.static_texts) for p in self.parts)
        return marshal.dumps((_FORMAT, self.fallback, self.core, self.tagged, self.document_xml, self.compressed, parts))

    @classmethod
    def load(cls, data: bytes) -> Prepared | None:
        try:
            version, fallback, core, tagged, document_xml, compressed, parts = marshal.loads(data)
            if version != _FORMAT or not _well_formed(fallback, core, tagged, document_xml, compressed, parts):
                return None  # not what dump() writes: prepared again from the template, never blamed on it
            return cls(fallback, core, tagged, document_xml, compressed, tuple(PreparedPart(*part) for part in parts))
        except (ValueError, EOFError, TypeError):
            return None


def _well_formed(fallback: Any, core: Any, tagged: Any, document_xml: Any, compressed: Any, parts: Any) -> bool:
    """True when loaded values have the types ``Prepared.dump`` writes (a checksum only shows the bytes were not damaged)."""
    def strings(value: Any) -> bool:
        return isinstance(value, tuple) and all(isinstance(item, str) for item in value)

    def member(value: Any) -> bool:
        return (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], tuple)
                and len(value[1]) == 4 and all(isinstance(x, t) for x, t in zip(value[1], (bytes, bytes, int, int), strict=True)))

    def part(value: Any) -> bool:
        return (isinstance(value, tuple) and len(value) == 4 and isinstance(value[0], str) and isinstance(value[1], CodeType)
                and isinstance(value[2], int) and strings(value[3]))

    return (isinstance(fallback, bool) and (core is None or isinstance(core, bytes)) and strings(tagged) and isinstance(document_xml, bytes)
            and isinstance(compressed, tuple) and all(member(m) for m in compressed) and isinstance(parts, tuple) and all(part(p) for p in parts))


_FORMAT = 3  # 2: docxtpl's {_{ escapes compiled into the code; 3: one tag a line (sourcelines)
_MEMO: dict[str, Prepared] = {}  # by cache key: templates prepared in this process
_MEMO_SIZE = 32  # a long-running form whose templates are edited keeps only the latest


def prepared(path: Path, source: bytes, digest: str, env: SandboxedEnvironment, generator: str | None = None) -> Prepared:
    """The prepared template for ``source`` (whose sha256 is ``digest``) under ``env``: from this process, the per-user cache, or made now.

    The key covers the template's bytes (by their digest), the environment's settings and filters, the generator's source
    and the library versions, so a change to any of them prepares the template again. Only a template
    that passed the package checks and compiled is ever stored.
    """
    generator = generator if generator is not None else fingerprint()["generator"]
    name = cache.key("compiled-template", digest, environment_key(env), json.dumps(generator),
                     json.dumps(library_versions(), sort_keys=True))
    found = _MEMO.get(name)
    if found is None:
        data = cache.read("templates", name)
        found = Prepared.load(data) if data is not None else None
        if found is None:
            found = prepare(path, source, env)
            cache.write("templates", name, found.dump())
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[name] = found
    return found


def prepare(path: Path, source: bytes, env: SandboxedEnvironment) -> Prepared:
    """Open the template with python-docx and docxtpl, patch and scan each templated part and compile it with Jinja."""
    refuse_unsafe(path)
    doc = Docx(io.BytesIO(source))
    doc.init_docx()
    package = zipfile.ZipFile(io.BytesIO(source))
    members = {info.filename: package.read(info.filename) for info in package.infolist()}
    core = members.get(CORE_PART)
    parts: list[PreparedPart] = []
    for partname, xml in templated_parts(doc):
        patched = doc.patch_xml(xml)
        try:
            code = env.compile(with_literal_tags(jinja_source(patched, env)))
        except Exception as e:
            raise render_error(path, source, partname, e, env) from e
        found = scan(patched)
        static = tuple(unescaped(text) for text in found.static_texts)
        parts.append(PreparedPart(partname, code, found.static_paragraphs, static))
    return Prepared(
        fallback=any("{" in (getattr(doc.core_properties, name) or "") for name in _CORE_PROPERTIES),
        core=core,
        tagged=tuple(sorted(tagged_properties(core))) if core is not None else (),
        document_xml=members["word/document.xml"],
        compressed=tuple((name, astuple(deflate(name, data))) for name, data in members.items()),
        parts=tuple(parts),
    )
