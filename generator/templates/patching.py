"""A template as docxtpl patches it for Jinja: tags unescaped as typed, one paragraph a line, literal-tag escapes."""

from __future__ import annotations

import re
from pathlib import Path

from docxtpl import DocxTemplate
from lxml import etree

from ..docx.namespaces import DC_NS
from ..docx.safety import STRICT_PARSER, package_problems
from ..errors import RenderError

_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_TAG_BODY = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})", re.DOTALL)

# docxtpl's escapes for a literal tag in a template's text: printed as the tag. They are turned into Jinja output when
# the template is compiled, not replaced in the finished XML, where agreement data that holds "{_{" would change too.
_ESCAPED = {"{_{": "{{", "}_}": "}}", "{_%": "{%", "%_}": "%}"}
_ESCAPES = re.compile("|".join(re.escape(escape) for escape in _ESCAPED))


def _unescape_tags(xml: str) -> str:
    """Inside tags, the XML escapes that docxtpl leaves (``&amp;``, ``&quot;``, ``&apos;``) as the author typed them.

    Without this ``default("A & B")`` would be escaped twice and print ``A &amp; B`` in the agreement.
    """
    return _TAG_BODY.sub(lambda m: m.group(0).replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&"), xml)


class Docx(DocxTemplate):  # type: ignore[misc]  # docxtpl ships no type information
    """docxtpl's DocxTemplate with the tags' text unescaped as the author typed it (see _unescape_tags)."""

    def patch_xml(self, src_xml: str) -> str:
        return _unescape_tags(super().patch_xml(src_xml))


def refuse_unsafe(template: Path) -> None:
    """RenderError when the file is too large, not a package, or has a DOCTYPE or XML that would need recovering."""
    problems = package_problems(template)
    if problems:
        raise RenderError(problems)


def templated_parts(template: DocxTemplate) -> list[tuple[str, str]]:
    """(part name, XML text) of every part docxtpl renders (body, headers, footers, footnotes), before docxtpl patches it."""
    parts = [("/word/document.xml", template.get_xml())]
    seen = set()
    for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
        found = sorted(((str(p.partname), p) for _, p in template.get_headers_footers(uri)), key=lambda item: item[0])
        for name, part in found:
            if name not in seen:
                seen.add(name)
                parts.append((name, template.get_part_xml(part)))
    for part in template.docx.part.package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob
            parts.append((str(part.partname), blob.decode("utf-8") if isinstance(blob, bytes) else blob))
    return parts


def with_literal_tags(source: str) -> str:
    """The Jinja source with docxtpl's escapes (``{_{``) turned into output of the tag they stand for."""
    return _ESCAPES.sub(lambda m: "{{ " + repr(_ESCAPED[m.group(0)]) + " }}", source)


def unescaped(text: str) -> str:
    """A text of the template with docxtpl's escapes (``{_{``) as they are printed (``{{``)."""
    return _ESCAPES.sub(lambda m: _ESCAPED[m.group(0)], text)


def tagged_properties(core: bytes) -> frozenset[str]:
    """Which of title, subject and description hold a tag in the template (they are filled in, not replaced)."""
    root = etree.fromstring(core, STRICT_PARSER)
    found = set()
    for name in ("title", "subject", "description"):
        element = root.find(f"{{{DC_NS}}}{name}")
        if element is not None and element.text and re.search(r"\{[{%]", element.text):
            found.add(name)
    return frozenset(found)
