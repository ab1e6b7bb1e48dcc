"""Tests for tracked-change helpers: the one-pass accept/reject structures agree with accepting and rejecting a copy."""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from lxml import etree
from test_compare import _edited, generated_documents  # noqa: F401  (the module fixture of generated example documents)

from avtalsgenerator.compare.document import compare_documents
from avtalsgenerator.compare.revisions import accept_all, reject_all, resolved_structures, structure
from avtalsgenerator.docx.namespaces import W

WHEN = dt.datetime(2026, 11, 20, 10, 0)
STORIES = ("word/document.xml", "word/header1.xml", "word/footer1.xml")


def body(content: str) -> Any:
    return etree.fromstring(f'<w:body xmlns:w="{W[1:-1]}">{content}</w:body>')


def by_copying(container: Any) -> tuple[list[Any], list[Any]]:
    """What the comparison checked before: accept and reject a copy each, then read its structure."""
    return structure(accept_all(copy.deepcopy(container))), structure(reject_all(copy.deepcopy(container)))


def para(text: str, mark: str = "", wrap: str = "") -> str:
    run = f'<w:r><w:{"delText" if wrap == "del" else "t"} xml:space="preserve">{text}</w:{"delText" if wrap == "del" else "t"}></w:r>'
    content = f"<w:{wrap}>{run}</w:{wrap}>" if wrap else run
    properties = f"<w:pPr><w:rPr><w:{mark}/></w:rPr></w:pPr>" if mark else ""
    return f"<w:p>{properties}{content}</w:p>"


def row(text: str, mark: str = "") -> str:
    properties = f"<w:trPr><w:{mark}/></w:trPr>" if mark else ""
    return f"<w:tr>{properties}<w:tc>{para(text)}</w:tc></w:tr>"


HAND_WRITTEN = {
    "changed words": para("Betala ") + '<w:p><w:del><w:r><w:delText>100</w:delText></w:r></w:del><w:ins><w:r><w:t>200</w:t></w:r></w:ins></w:p>',
    "inserted and deleted paragraphs": para("Ny", "ins", "ins") + para("Gammal", "del", "del") + para("Slut."),
    "deleted mark joins the next paragraph": para("Början ", "del") + para("slutet."),
    "join carries on over several marks": para("a ", "del") + para("b ", "del") + para("c"),
    "empty paragraph whose mark goes is removed": para("", "ins") + para("Kvar."),
    "mark before a table stays": para("Före tabellen", "del") + f"<w:tbl>{row('cell')}</w:tbl>",
    "mark at the end stays": para("Sist", "del"),
    "removed rows and a table left empty": f"<w:tbl>{row('kvar')}{row('ny', 'ins')}{row('gammal', 'del')}</w:tbl>"
    + f"<w:tbl>{row('helt ny', 'ins')}</w:tbl>" + para("efter"),
    "join over a table that goes": para("Före ", "ins") + f"<w:tbl>{row('ny', 'ins')}</w:tbl>" + para("efter"),
    "join over a content control": para("Före ", "del") + f"<w:sdt><w:sdtContent>{para('inuti')}</w:sdtContent></w:sdt>" + para("efter"),
    "tab, break and field code": '<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t><w:br/><w:instrText>PAGE</w:instrText></w:r>'
    '<w:del><w:r><w:delInstrText>NUMPAGES</w:delInstrText></w:r></w:del></w:p>',
    "nested table in a cell": f"<w:tbl><w:tr><w:tc><w:tbl>{row('inre', 'del')}{row('kvar')}</w:tbl>{para('x', 'del')}{para('y')}</w:tc></w:tr></w:tbl>",
}


@pytest.mark.parametrize("content", list(HAND_WRITTEN.values()), ids=list(HAND_WRITTEN))
def test_one_pass_gives_what_accepting_and_rejecting_a_copy_gives(content: str) -> None:
    container = body(content)
    before = etree.tostring(container)
    assert resolved_structures(container) == by_copying(container)
    assert etree.tostring(container) == before, "the container is read, never changed"


def test_one_pass_joins_as_word_does() -> None:
    accepted, rejected = resolved_structures(body(para("Början ", "del") + para("slutet.")))
    assert accepted == ["Början slutet."] and rejected == ["Början ", "slutet."]


@pytest.mark.parametrize("seed", range(20))
def test_one_pass_agrees_on_comparisons_of_edited_examples(generated_documents: list[bytes], seed: int) -> None:  # noqa: F811
    old = generated_documents[seed % len(generated_documents)]
    new = _edited(old, seed)
    for first, second in ((old, new), (new, old)):
        package = zipfile.ZipFile(io.BytesIO(compare_documents(first, second, when=WHEN).data))
        for name in STORIES:
            if name in package.namelist():
                root = etree.fromstring(package.read(name))
                container = root.find(f"{W}body")
                container = root if container is None else container
                assert resolved_structures(container) == by_copying(container), name
