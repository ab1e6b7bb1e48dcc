"""Every place the template check or a render error can give in a shipped template is found in LibreOffice's text of it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import TEMPLATES, requires_program
from lxml import etree

from avtalsgenerator.templates.numbering import ListNumbers
from avtalsgenerator.templates.paragraphs import read_paragraphs
from avtalsgenerator.templates.patching import Docx, templated_parts
from avtalsgenerator.templates.places import paragraph_place
from avtalsgenerator.templates.syntax import INVISIBLE

SHIPPED = sorted(TEMPLATES.glob("*.docx"))
_HEADING = re.compile(r'\(under rubriken "(.*?)"\)')
_EXCERPT = re.compile(r': "(.*)"$')
_HIDDEN = re.compile(r"\s*\(dold text: .*?\)\s*")


@pytest.fixture(scope="module")
def office_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each shipped template as LibreOffice exports it to plain text, whitespace made single on every line."""
    soffice = requires_program("soffice")
    folder = tmp_path_factory.mktemp("text")
    subprocess.run([soffice, f"-env:UserInstallation={(folder / 'profil').as_uri()}", "--headless", "--convert-to",
                    "txt:Text (encoded):UTF8", "--outdir", str(folder), *map(str, SHIPPED)],
                   check=True, capture_output=True, timeout=600)
    return {path.name: "\n".join(" ".join(line.split()) for line in (folder / f"{path.stem}.txt").read_text(encoding="utf-8-sig").splitlines())
            for path in SHIPPED}


def body_places(template: Path) -> list[str]:
    """The place our code gives for every paragraph of a template's body."""
    doc = Docx(str(template))
    doc.init_docx()
    xml = dict(templated_parts(doc))["/word/document.xml"]
    paragraphs = read_paragraphs(etree.fromstring(xml.encode("utf-8")), ListNumbers.of(doc.docx))
    return [paragraph_place("brödtext", para) for para in paragraphs]


def findable(quoted: str) -> re.Pattern[str]:
    """A pattern for a quoted heading or excerpt in the exported text: each "…" (a tag, or the cut end) any text on the line."""
    for character, name in INVISIBLE.items():
        quoted = quoted.replace(name, character)
    pieces = [re.escape(" ".join(piece.split())) for piece in _HIDDEN.sub("…", quoted).split("…")]
    return re.compile(r"[^\n]*?".join(pieces))


def test_the_shipped_templates_are_exported(office_texts: dict[str, str]) -> None:
    assert set(office_texts) == {path.name for path in SHIPPED} and len(SHIPPED) >= 5
    assert all(len(text) > 500 for text in office_texts.values())
    assert not any(findable("Parter: … står inte i mallen").search(text) for text in office_texts.values()), "the matching can fail"
    assert findable("1. Parter").search(office_texts["avtal.docx"]), "LibreOffice shows the heading numbers"


@pytest.mark.parametrize("template", SHIPPED, ids=lambda path: path.name)
def test_every_heading_and_excerpt_of_a_place_is_in_the_text_libreoffice_shows(template: Path, office_texts: dict[str, str]) -> None:
    text = office_texts[template.name]
    places = body_places(template)
    missing = []
    for place in places:
        assert "{{" not in place and "{%" not in place and ".xml" not in place, place
        quoted = [m.group(1) for m in (_HEADING.search(place), _EXCERPT.search(place)) if m]
        missing += [f"{place}  [{q}]" for q in quoted if not findable(q).search(text)]
    assert len(places) > 20
    assert missing == []
