"""A mistake made in the real main template is placed by text the author can search for in Word."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from test_template_mistakes import DOCUMENT, PARTIES_INTRO, the_error, word_copy


def visible_paragraphs(template: Path) -> list[str]:
    return [" ".join(p.text.split()) for p in Document(str(template)).paragraphs]


def test_unknown_field_in_a_sentence_is_placed_by_its_visible_text(tmp_path: Path) -> None:
    written = "<w:t>Avtalet ingås mellan följande parter enligt {{ avtal.okant_falt }} nedan.</w:t>"
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, written))
    place = the_error(template).place
    excerpt = place.split(': "', 1)[1].rstrip('"')
    assert place.startswith('brödtext, stycke 8 (under rubriken "Parter"): ')
    assert "{{" not in place and "{%" not in place
    assert excerpt == "Avtalet ingås mellan följande parter enligt … nedan."
    assert any(all(piece.strip() in text for piece in excerpt.split("…")) for text in visible_paragraphs(template))


def test_paragraph_of_only_a_tag_is_placed_by_its_number_and_heading(tmp_path: Path) -> None:
    template = word_copy(tmp_path, (DOCUMENT, PARTIES_INTRO, "<w:t>{{ okand_variabel_xyz }}</w:t>"))
    place = the_error(template).place
    assert place == 'brödtext, stycke 8 (under rubriken "Parter") (stycket har bara mallkod)'
    assert "{{" not in place
