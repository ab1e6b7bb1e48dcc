"""Tests for the template-author tools: the rendering context as JSON and the preview."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, example_paths
from docx import Document
from test_templatecheck import make_template
from test_templatefields import berakning_validator

from avtalsgenerator.errors import AvtalError, Problem
from avtalsgenerator.templates.tools import context_json, preview


def test_context_json_is_the_rendering_context(write_agreement: Callable[..., Path], minimal_agreement: dict[str, Any]) -> None:
    path = write_agreement(minimal_agreement)
    text = context_json(path, THRESHOLDS)
    context = json.loads(text)
    assert context["berakning"]["ersattning_period"] == "200000"
    assert context["forsakring"] is None
    assert context["uppsagning"]["manader"] == 12
    assert '"Göteborgs kommun"' in text
    assert text.endswith("}\n")
    berakning_validator().validate(context["berakning"])


def test_context_json_amounts_are_strings_with_ore() -> None:
    paths = example_paths()
    for path in paths:
        context = json.loads(context_json(path, THRESHOLDS))
        berakning_validator().validate(context["berakning"])
        for row in (context["berakning"]["fordelning"] or {}).get("rader", []):
            assert isinstance(row["belopp_ar"], str) and "." in row["belopp_ar"]


def test_preview_renders_one_template(tmp_path: Path, write_agreement: Callable[..., Path], minimal_agreement: dict[str, Any]) -> None:
    template = make_template(tmp_path / "prov.docx", ["{{ berakning.rubrik }}: {{ avtal.titel }}"])
    out = preview(template, write_agreement(minimal_agreement), THRESHOLDS, tmp_path / "ut")
    assert out == tmp_path / "ut" / "prov-minsta-avtalet.docx"
    assert [p.text for p in Document(str(out)).paragraphs] == ["Avtal om avtalssamverkan: Avtal om gemensam familjerådgivning"]


def test_preview_picks_an_example_that_has_the_document(tmp_path: Path) -> None:
    template = TEMPLATES / "pub-bilaga.docx"
    out = preview(template, None, THRESHOLDS, tmp_path, EXAMPLES)
    assert out.exists() and out.name.startswith("pub-bilaga-")




def test_trying_an_annex_with_an_agreement_that_has_no_such_annex_is_refused(tmp_path: Path, write_agreement: Callable[..., Path],
                                                                             minimal_agreement: dict[str, Any]) -> None:
    agreement = write_agreement(minimal_agreement)
    with pytest.raises(AvtalError) as raised:
        preview(TEMPLATES / "pub-bilaga.docx", agreement, THRESHOLDS, tmp_path / "ut")
    assert raised.value.problems == [Problem(str(agreement), "", (
        'avtalet får inget dokument av mallen pub-bilaga.docx, så provet skulle visa värden som saknas (till exempel "Bilaga None"); '
        "ange ett avtal som har det dokumentet, eller inget avtal så väljs ett exempel som har det"))]
    assert not (tmp_path / "ut").exists()
