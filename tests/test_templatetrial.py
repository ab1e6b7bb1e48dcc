"""Tests for the trial renders: every template with the minimal agreement and every example, and what a failure names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.paths import TEMPLATE_FILES
from avtalsgenerator.prepare import prepare
from avtalsgenerator.schema import schema_fields
from avtalsgenerator.templatecheck import check_templates
from avtalsgenerator.templatetrial import minimal_agreement, trial_agreements, trial_render
from avtalsgenerator.thresholds import load_thresholds


def shipped() -> list[Path]:
    return [TEMPLATES / name for name in TEMPLATE_FILES if (TEMPLATES / name).exists()]


def test_minimal_agreement_has_only_required_fields() -> None:
    data = json.loads(minimal_agreement().read_text(encoding="utf-8"))
    fields = schema_fields()

    def required_only(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}" if path else key
                parent = fields.get(path, {}) if path else {}
                if path:
                    assert key in parent.get("required", []), f"{child} är inte obligatoriskt"
                required_only(value, child)
        elif isinstance(node, list):
            for item in node:
                required_only(item, f"{path}[]")

    from avtalsgenerator.schema import AGREEMENT_SCHEMA, load_schema

    top = load_schema(AGREEMENT_SCHEMA)["required"]
    assert sorted(data) == sorted(top)
    required_only(data, "")
    assert prepare(minimal_agreement(), load_thresholds(THRESHOLDS)).documents


def test_every_shipped_template_renders_with_the_minimal_agreement_and_every_example() -> None:
    assert trial_agreements(EXAMPLES)[0] == minimal_agreement()
    assert len(trial_agreements(EXAMPLES)) == 1 + len(list(EXAMPLES.glob("*.json")))
    assert trial_render(shipped(), EXAMPLES, THRESHOLDS) == []


def test_unguarded_optional_field_fails_the_trial_with_the_agreement_named(tmp_path: Path) -> None:
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    doc = docx.Document(str(mallar / "avtal.docx"))
    doc.add_paragraph("Bakgrund: {{ avtal.bakgrund }}")
    doc.save(str(mallar / "avtal.docx"))
    assert any('"avtal.bakgrund" kan saknas' in p.message for p in check_templates([mallar / "avtal.docx"]))
    found = trial_render([mallar / "avtal.docx"], EXAMPLES, THRESHOLDS)
    minimal = [p for p in found if str(minimal_agreement()) in p.message]
    assert minimal and minimal[0].severity == "fel"
    assert minimal[0].file == str(mallar / "avtal.docx")
    assert 'mallen använder fältet "bakgrund", som inte finns' in minimal[0].message
    assert "Bakgrund: {{ avtal.bakgrund }}" in minimal[0].place


def test_filter_on_none_fails_the_trial_for_the_agreements_without_the_value(tmp_path: Path) -> None:
    mallar = tmp_path / "mallar"
    shutil.copytree(TEMPLATES, mallar)
    doc = docx.Document(str(mallar / "kostnadsfordelning.docx"))
    doc.add_paragraph("Pris: {{ berakning.fordelning.pris_per_enhet_ar|pris }}")
    doc.save(str(mallar / "kostnadsfordelning.docx"))
    thresholds = load_thresholds(THRESHOLDS)
    without = [p for p in sorted(EXAMPLES.glob("*.json"))
               if (a := prepare(p, thresholds)).context["berakning"]["fordelning"] is not None
               and a.context["berakning"]["fordelning"]["pris_per_enhet_ar"] is None]
    assert without, "ett exempel med kostnadsfördelning utan pris per enhet behövs för testet"
    found = trial_render([mallar / "kostnadsfordelning.docx"], EXAMPLES, THRESHOLDS)
    assert {p.message.rsplit("(vid rendering av ", 1)[1].rstrip(")") for p in found} == {str(p) for p in without}
    assert all('filtret "pris" fick inget värde (none)' in p.message for p in found)
