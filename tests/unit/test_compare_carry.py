"""Tests for removed content that points outside its paragraph: images and links carried into the comparison, other objects refused."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from lxml import etree

from avtalsgenerator.compare.document import compare_documents
from avtalsgenerator.docx.namespaces import PKG_RELS, R_NS, W
from avtalsgenerator.errors import CompareError

WHEN = dt.datetime(2026, 11, 20, 10, 0)
LINK = "https://www.example.se/avtal"


def _png() -> bytes:
    """A one-pixel PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


def _document(middle: Callable[[Any], object] | None = None) -> bytes:
    """Two kept paragraphs, with what ``middle`` adds between them (the earlier version's removed content)."""
    document = docx.Document()
    document.add_paragraph("Avtalet gäller från den 1 januari.")
    if middle is not None:
        middle(document)
    document.add_paragraph("Slut.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _kept_only() -> bytes:
    return _document()


def _link(document: Any) -> None:
    paragraph = document.add_paragraph("Läs mer på ")
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), document.part.relate_to(LINK, RT.HYPERLINK, is_external=True))
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "webbplatsen"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


@pytest.fixture
def old_with_a_logo() -> bytes:
    """The earlier version: a paragraph with an image between the two kept ones."""
    return _document(lambda document: document.add_paragraph().add_run("Logga: ").add_picture(io.BytesIO(_png())))


@pytest.fixture
def old_with_a_link() -> bytes:
    """The earlier version: a paragraph with a link to a web page between the two kept ones."""
    return _document(_link)


def _relations(data: bytes) -> dict[str, tuple[str, str, str | None]]:
    rels = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/_rels/document.xml.rels"))
    return {rel.get("Id"): (rel.get("Type"), rel.get("Target"), rel.get("TargetMode")) for rel in rels.iter(f"{{{PKG_RELS}}}Relationship")}


def _ids_in_body(data: bytes) -> list[str]:
    """The relationship ids the body uses (the kept paragraphs use none: these are the removed content's)."""
    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")).find(f"{W}body")
    return [value for node in body.iter() for name, value in node.attrib.items() if name.startswith(f"{{{R_NS}}}")]


def comparison_text(data: bytes, tag: str) -> str:
    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    return "".join(node.text or "" for node in body.iter(f"{W}{tag}"))


def test_a_removed_image_is_carried_into_the_comparison(old_with_a_logo: bytes) -> None:
    comparison = compare_documents(old_with_a_logo, _kept_only(), when=WHEN)  # checks itself: accept = new, reject = old
    ids = _ids_in_body(comparison.data)
    assert ids and "Logga:" in comparison_text(comparison.data, "delText"), "the removed image is shown deleted with its paragraph"
    kind, target, _ = _relations(comparison.data)[ids[0]]
    assert kind == RT.IMAGE and target == "media/jamforelse1.png"
    assert zipfile.ZipFile(io.BytesIO(comparison.data)).read("word/media/jamforelse1.png") == _png()
    assert "Default Extension=\"png\"" in zipfile.ZipFile(io.BytesIO(comparison.data)).read("[Content_Types].xml").decode()


def test_a_removed_link_keeps_its_address(old_with_a_link: bytes) -> None:
    comparison = compare_documents(old_with_a_link, _kept_only(), when=WHEN)
    ids = _ids_in_body(comparison.data)
    assert ids and "webbplatsen" in comparison_text(comparison.data, "delText")
    assert _relations(comparison.data)[ids[0]] == (RT.HYPERLINK, LINK, "External")


def test_a_removed_object_that_cannot_be_shown_deleted_is_refused(old_with_a_logo: bytes) -> None:
    source = zipfile.ZipFile(io.BytesIO(old_with_a_logo))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "word/_rels/document.xml.rels":  # the image's relationship made a chart's
                content = content.replace(RT.IMAGE.encode(), RT.CHART.encode())
            target.writestr(info, content)
    with pytest.raises(CompareError, match=r"borttaget innehåll innehåller ett objekt som inte kan visas som borttaget \(chart\)") as raised:
        compare_documents(out.getvalue(), _kept_only(), when=WHEN, old_name="tidigare.docx")
    assert raised.value.problems[0].file == "tidigare.docx"
