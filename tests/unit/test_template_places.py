"""Template places as the author finds them in Word: the check and render errors alike, headers by Word's names, hidden text."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.enum.section import WD_SECTION
from test_template_mistakes import DOCUMENT, PARTIES_INTRO, the_error, word_copy

from avtalsgenerator.errors import RenderError
from avtalsgenerator.templates.check import check_templates
from avtalsgenerator.templates.places import part_labels
from avtalsgenerator.templates.render import Renderer


def visible_paragraphs(template: Path) -> list[str]:
    return [" ".join(p.text.split()) for p in Document(str(template)).paragraphs]


def test_unknown_field_in_a_sentence_is_placed_by_its_visible_text(tmp_path: Path) -> None:
    written = "<w:t>Avtalet ingås mellan följande parter enligt {{ avtal.okant_falt }} nedan.</w:t>"
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, written))
    place = the_error(template).place
    excerpt = place.split(': "', 1)[1].rstrip('"')
    assert place.startswith('brödtext, stycke 8 (under rubriken "1. Parter"): ')
    assert "{{" not in place and "{%" not in place
    assert excerpt == "Avtalet ingås mellan följande parter enligt … nedan."
    assert any(all(piece.strip() in text for piece in excerpt.split("…")) for text in visible_paragraphs(template))


def test_paragraph_of_only_a_tag_is_placed_by_its_number_and_heading(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, "<w:t>{{ okand_variabel_xyz }}</w:t>"))
    place = the_error(template).place
    assert place == 'brödtext, stycke 8 (under rubriken "1. Parter") (stycket har bara mallkod)'
    assert "{{" not in place


# --------------------------------------------------------------------------------------------------
# One numbering: a render error is placed as the check places the same paragraph (issue 26, places)
# --------------------------------------------------------------------------------------------------


def template_of(path: Path, *paragraphs: str, heading: str = "") -> Path:
    document = Document()
    if heading:
        document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def render_place(template: Path, context: dict[str, Any]) -> str:
    with pytest.raises(RenderError) as raised:
        Renderer().render(template, context, "a.json")
    [problem] = raised.value.problems
    return problem.place


def check_place(template: Path) -> str:
    [problem] = [p for p in check_templates([template]) if "okänt fält" in p.message]
    return problem.place


def test_error_in_a_paragraph_docxtpl_takes_away_is_placed_at_that_paragraph_not_the_one_before(tmp_path: Path) -> None:
    # The {%p if %} paragraph is removed by docxtpl: its tag ends up after the paragraph before, which also has a tag.
    template = template_of(tmp_path / "mall.docx", "Parterna är {{ avtal.titel }}.", "{%p if avtal.saknas.villkor %}",
                           "Villkoret gäller.", "{%p endif %}", heading="Ekonomi")
    place = render_place(template, {"avtal": {"titel": "A"}})
    assert place == 'brödtext, stycke 3 (under rubriken "Ekonomi") (stycket har bara mallkod)'


def test_render_error_and_check_name_the_same_place(tmp_path: Path) -> None:
    template = template_of(tmp_path / "mall.docx", "Inledning {{ avtal.titel }}", "{%p if avtal.typ == 'tillaggsavtal' %}",
                           "Priset är {{ avtal.okant_falt }} kronor.", "{%p endif %}", heading="Pris")
    place = render_place(template, {"avtal": {"titel": "A", "typ": "tillaggsavtal"}})
    assert place == 'brödtext, stycke 4 (under rubriken "Pris"): "Priset är … kronor."'
    assert check_place(template) == place


def test_two_tags_in_the_same_paragraph_and_a_filter_error_keep_the_paragraph(tmp_path: Path) -> None:
    template = template_of(tmp_path / "mall.docx", "Start", "Från {{ avtal.titel }} till {{ avtal.titel|datum }}.")
    assert render_place(template, {"avtal": {"titel": "inte ett datum"}}) == 'brödtext, stycke 2: "Från … till …."'


def test_a_string_holding_a_tag_opener_is_not_split(tmp_path: Path) -> None:
    template = template_of(tmp_path / "mall.docx", "Start", "{{ avtal.titel|default('{{ x }}') }} och {{ 1/0 }}")
    assert render_place(template, {"avtal": {}}).startswith("brödtext, stycke 2: ")
    rendered = Document(io.BytesIO(Renderer().render(template_of(tmp_path / "ok.docx", "{{ avtal.x|default('{{ y }}') }}"), {"avtal": {}})))
    assert rendered.paragraphs[0].text == "{{ y }}"


def test_hidden_text_in_an_excerpt_is_marked_as_hidden(tmp_path: Path) -> None:
    document = Document()
    paragraph = document.add_paragraph("Kontaktperson ")
    paragraph.add_run("ring {{ avtal.saknas.telefon }}").font.hidden = True
    paragraph.add_run(" före avtalet.")
    document.save(str(tmp_path / "mall.docx"))
    place = render_place(tmp_path / "mall.docx", {"avtal": {}})
    assert place == 'brödtext, stycke 1: "Kontaktperson (dold text: ring …) före avtalet."'


# --------------------------------------------------------------------------------------------------
# Headers and footers by Word's names (issue 26, places)
# --------------------------------------------------------------------------------------------------


def two_section_template(path: Path) -> Path:
    """Section 1 with a first-page header and a default footer, section 2 (new page) with its own header, as Word stores them."""
    document = Document()
    document.add_paragraph("Första avsnittet")
    first = document.sections[0]
    first.different_first_page_header_footer = True
    first.first_page_header.paragraphs[0].text = "Försättsblad {{ avtal.okand_rubrik }}"
    first.header.paragraphs[0].text = "Löpande sidhuvud"
    first.footer.paragraphs[0].text = "Sida i avsnitt ett"
    second = document.add_section(WD_SECTION.NEW_PAGE)
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "Bilaga {{ avtal.okand_bilaga }}"
    document.add_paragraph("Andra avsnittet")
    document.save(str(path))
    return path


def test_headers_are_named_as_word_names_them(tmp_path: Path) -> None:
    template = two_section_template(tmp_path / "mall.docx")
    document = Document(str(template))
    labels = part_labels(document)
    assert sorted(labels.values()) == ["sidfot, avsnitt 1", "sidhuvud på första sidan, avsnitt 1", "sidhuvud, avsnitt 1",
                                       "sidhuvud, avsnitt 2"]
    places = sorted(p.place for p in check_templates([template]) if "okänt fält" in p.message)
    assert places == ['sidhuvud på första sidan, avsnitt 1, stycke 1: "Försättsblad …"', 'sidhuvud, avsnitt 2, stycke 1: "Bilaga …"']
    assert all(".xml" not in place for place in places)


def test_render_error_in_a_first_page_header_names_it(tmp_path: Path) -> None:
    template = two_section_template(tmp_path / "mall.docx")
    place = render_place(template, {"avtal": {"okand_bilaga": "B"}})
    assert place == 'sidhuvud på första sidan, avsnitt 1, stycke 1: "Försättsblad …"'


def test_one_section_needs_no_section_number_and_even_pages_are_named(tmp_path: Path) -> None:
    document = Document()
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    section.header.paragraphs[0].text = "Udda"
    section.even_page_header.paragraphs[0].text = "Jämna {{ avtal.okand }}"
    document.save(str(tmp_path / "mall.docx"))
    assert sorted(part_labels(Document(str(tmp_path / "mall.docx"))).values()) == ["sidhuvud på jämna sidor", "sidhuvud på udda sidor"]
