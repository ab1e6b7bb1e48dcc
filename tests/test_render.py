"""Tests for the render stage: the compiled path equals plain docxtpl, caches follow file changes, escaping."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import TEMPLATES, THRESHOLDS, example_paths
from lxml import etree

from avtalsgenerator.errors import RenderError
from avtalsgenerator.prepare import prepare
from avtalsgenerator.render import Renderer, make_environment, render_docx_plain
from avtalsgenerator.thresholds import load_thresholds


def parts(data: bytes) -> dict[str, bytes]:
    """Every XML part of a package, canonicalised so that equal content compares equal."""
    package = zipfile.ZipFile(io.BytesIO(data))
    return {
        name: etree.tostring(etree.fromstring(package.read(name)), method="c14n")
        for name in package.namelist()
        if name.endswith(".xml") and name != "docProps/core.xml"
    }


def contexts() -> list[tuple[str, Path, dict[str, Any]]]:
    thresholds = load_thresholds(THRESHOLDS)
    cases = []
    for path in example_paths():
        agreement = prepare(path, thresholds)
        cases.extend((f"{path.stem}/{name}", TEMPLATES / template, agreement.context) for name, template in agreement.documents.items())
    return cases


@pytest.mark.parametrize(("case", "template", "context"), contexts(), ids=lambda v: v if isinstance(v, str) else "")
def test_compiled_output_equals_plain_docxtpl(case: str, template: Path, context: dict[str, Any]) -> None:
    env = make_environment()
    plain = parts(render_docx_plain(template, context, env))
    compiled = parts(Renderer(env).render(template, context))
    assert compiled.keys() == plain.keys()
    for name in plain:
        assert compiled[name] == plain[name], f"{case}: {name}"


def test_changed_template_is_picked_up_in_the_same_process(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("Första: {{ avtal.titel }}")
    document.save(str(template))
    renderer = Renderer()
    context = {"avtal": {"titel": "Avtal A"}}
    first = docx.Document(io.BytesIO(renderer.render(template, context)))
    assert first.paragraphs[0].text == "Första: Avtal A"
    document = docx.Document()
    document.add_paragraph("Andra: {{ avtal.titel }}")
    document.save(str(template))
    second = docx.Document(io.BytesIO(renderer.render(template, context)))
    assert second.paragraphs[0].text == "Andra: Avtal A"


def test_data_text_is_escaped_literally(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    shutil.copy(TEMPLATES / "avtal.docx", template)
    document = docx.Document()
    document.add_paragraph("{{ namn }}")
    document.save(str(template))
    hostile = 'X & Co <b>"x"</b> </w:t></w:r><w:r><w:t>'
    rendered = docx.Document(io.BytesIO(Renderer().render(template, {"namn": hostile})))
    assert rendered.paragraphs[0].text == hostile


def test_line_breaks_become_real_breaks(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("{{ text }}")
    document.save(str(template))
    data = Renderer().render(template, {"text": "Rad ett\nRad två"})
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:br/>" in xml
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == "Rad ett\nRad två"


def test_undefined_value_names_template_and_place(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("Inledning")
    document.add_paragraph("Titel: {{ avtal.undertitel }}")
    document.save(str(template))
    expected = (
        r'mall\.docx: brödtext, stycke 2 "Titel: \{\{ avtal\.undertitel \}\}": '
        r'mallen använder fältet "undertitel", som inte finns \(vid rendering av indata/avtal/x\.json\)'
    )
    with pytest.raises(RenderError, match=expected):
        Renderer().render(template, {"avtal": {"titel": "x"}}, "indata/avtal/x.json")


def test_sandbox_refuses_internals(tmp_path: Path) -> None:
    template = tmp_path / "mall.docx"
    document = docx.Document()
    document.add_paragraph("{{ avtal.__class__.__mro__ }}")
    document.save(str(template))
    with pytest.raises(RenderError, match="sandlådan förbjuder"):
        Renderer().render(template, {"avtal": {}})
