"""Tests for the generated field reference: Swedish, from the schemas, and the committed docs/falt.md current."""

from __future__ import annotations

from conftest import ROOT

from avtalsgenerator.templates.fieldref import REFERENCE_FILE, field_reference_markdown
from avtalsgenerator.templates.fields import field_catalogue


def test_committed_field_reference_is_current() -> None:
    committed = (ROOT / REFERENCE_FILE).read_text(encoding="utf-8")
    assert committed == field_reference_markdown(), "docs/falt.md är inaktuell: kör make fornya (eller avtal mallar falt --markdown > docs/falt.md)"


def test_reference_lists_every_field_with_its_swedish_title() -> None:
    text = field_reference_markdown()
    catalogue = field_catalogue()
    for path in catalogue:
        if "." in path or "[]" in path:
            assert f"| `{path}` |" in text
    assert ("| `avtal.huvudavtal` | objekt; krävs för `tillaggsavtal`, kan annars saknas: testa med `is defined` i en mall som "
            "andra avtalstyper använder | Huvudavtal.") in text
    assert "| `avtal.bakgrund` | text; kan saknas: testa med `is defined` |" in text
    uppgifter = text.split("## `uppgifter`", 1)[1].split("|", 1)[0]
    assert "Krävs för `avtalssamverkan`, `samverkansavtal`, `interimsavtal`; saknas annars" in uppgifter
    assert "`personuppgiftsbitrade`" in text
    assert "Rendering context" not in text
