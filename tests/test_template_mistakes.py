"""Template authors' everyday mistakes made in a real .docx as Word stores it (issue 26): each refused with its place."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from conftest import TEMPLATES

from avtalsgenerator.errors import Problem
from avtalsgenerator.templates.check import check_templates

Edit = tuple[str, str, str]  # (part, XML as the template has it, XML after the author's change)
DOCUMENT = "word/document.xml"
CELL = '<w:p><w:pPr><w:pStyle w:val="Tabelltext"/></w:pPr><w:r><w:t>{}</w:t></w:r></w:p>'
BODY = "<w:p><w:r><w:t>{}</w:t></w:r></w:p>"


def word_copy(folder: Path, *edits: Edit, name: str = "avtal.docx", added: dict[str, bytes] | None = None) -> Path:
    """A copy of the shipped template ``name`` in ``folder`` with its XML changed as Word stores the author's edit."""
    with zipfile.ZipFile(TEMPLATES / name) as source:
        members = {member: source.read(member) for member in source.namelist()}
    for part, old, new in edits:
        text = members[part].decode("utf-8")
        assert old in text, f"{old[:80]} finns inte i {part}"
        members[part] = text.replace(old, new, 1).encode("utf-8")
    members.update(added or {})
    target = folder / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as package:
        for member, data in members.items():
            package.writestr(member, data)
    return target


def errors_in(template: Path) -> list[Problem]:
    return [p for p in check_templates([template]) if p.severity == "fel"]


def the_error(template: Path) -> Problem:
    found = errors_in(template)
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


# --------------------------------------------------------------------------------------------------
# 1, 2: a block that leaves a cell, row or table and ends in the next
# --------------------------------------------------------------------------------------------------

PARTY_ORGNR = CELL.format("{{ p.organisationsnummer|orgnr }}")
PARTY_ROLE_CELL = '</w:p></w:tc><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1587"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="Tabelltext"/></w:pPr><w:r><w:t>{{ p.roll }}'
TASK_TABLE_ROW = '<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="510"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="Tabelltext"/></w:pPr><w:r><w:t>{%tr for u in'


def tag_row(tag: str) -> str:
    return f'<w:tr><w:tc><w:tcPr><w:tcW w:type="dxa" w:w="1871"/></w:tcPr>{CELL.format(tag)}</w:tc></w:tr>'


def test_paragraph_condition_from_one_cell_to_the_next_is_refused(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTY_ORGNR, CELL.format("{%p if p.adress is defined %}") + PARTY_ORGNR),
                         (DOCUMENT, PARTY_ROLE_CELL, PARTY_ROLE_CELL.replace("</w:p></w:tc>", "</w:p>" + CELL.format("{%p endif %}") + "</w:tc>", 1)))
    problem = the_error(template)
    assert problem.place.startswith('brödtext, stycke 21 (tabell 1, rad 3, cell 3), under rubriken "Parter"')
    assert problem.message == ('"{%p if p.adress is defined %}" och "{%p endif %}" står i olika celler i samma tabellrad; när villkoret inte '
                               "är uppfyllt eller listan är tom slås cellerna ihop och raden tappar celler. Låt båda taggarna stå i samma "
                               "cell, eller använd {%tc … %} eller {%tr … %} för hela celler och rader")


def test_row_condition_from_one_table_to_the_next_is_refused(tmp_path: Path) -> None:
    start = DOCUMENT, "</w:tr></w:tbl>", "</w:tr>" + tag_row("{%tr if avtal.bakgrund is defined %}") + "</w:tbl>"
    template = word_copy(tmp_path, start, (DOCUMENT, TASK_TABLE_ROW, tag_row("{%tr endif %}") + TASK_TABLE_ROW))
    problem = the_error(template)
    assert re.match(r'brödtext, stycke \d+ \(tabell 1, rad 5, cell 1\), under rubriken "Parter"', problem.place)
    assert problem.message.startswith('"{%tr if avtal.bakgrund is defined %}" och "{%tr endif %}" står i olika tabeller; när villkoret inte är '
                                      "uppfyllt eller listan är tom försvinner allt mellan taggarna, också texten mellan tabellerna.")


# --------------------------------------------------------------------------------------------------
# 6: the parts every agreement of a kind must have
# --------------------------------------------------------------------------------------------------


def shipped_xml(name: str = "avtal.docx", part: str = DOCUMENT) -> str:
    with zipfile.ZipFile(TEMPLATES / name) as package:
        return package.read(part).decode("utf-8")


def test_deleted_signature_section_is_refused(tmp_path: Path) -> None:
    xml = shipped_xml("tillaggsavtal.docx")
    start = xml.index('<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Underskrifter</w:t>')
    section = xml[start: xml.index("<w:sectPr", start)]
    template = word_copy(tmp_path, (DOCUMENT, section, ""), name="tillaggsavtal.docx")
    assert errors_in(template) == [Problem(str(template), "", (
        "mallen saknar underskrifterna, som varje avtal av typen tillaggsavtal måste ha; avtalet skulle utfärdas utan dem. Det här är en "
        'kontroll av hela mallen: lägg tillbaka avsnittet Underskrifter med en underskrift för varje part: "{%p for p in parter %}" '
        'med "{{ p.undertecknare.namn }}" och "{{ p.undertecknare.titel }}"'))]


def test_signature_for_the_first_party_only_and_no_annex_list_are_refused(tmp_path: Path) -> None:
    xml = shipped_xml()
    start = xml.index("<w:p><w:r><w:t>{%p if berakning.bilagor %}")
    annexes = xml[start: xml.index('<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Underskrifter', start)]
    loop = "<w:p><w:r><w:t>{%p for p in parter %}</w:t></w:r></w:p><w:p><w:pPr><w:pStyle w:val=\"Underskrift\"/>"
    signatures = xml[xml.rindex(loop):xml.index("<w:sectPr")]
    first_only = re.sub(r"<w:p>(?:(?!<w:p>).)*?\{%p (?:end)?for[^<]*</w:t></w:r></w:p>", "", signatures).replace("{{ p.", "{{ parter[0].")
    template = word_copy(tmp_path, (DOCUMENT, annexes, ""), (DOCUMENT, signatures, first_only))
    assert [p.message.split(";")[0] for p in errors_in(template)] == [
        "mallen saknar underskrifterna, som varje avtal av typen avtalssamverkan, samverkansavtal, interimsavtal måste ha",
        "mallen saknar bilageförteckningen, som varje avtal av typen avtalssamverkan, samverkansavtal, interimsavtal måste ha",
    ]
