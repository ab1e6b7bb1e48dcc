"""Tests for the trial renders: every template with the minimal agreement and every example, and what a failure names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS

from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, load_schema, schema_fields
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.kinds import MAIN_TEMPLATES, TEMPLATE_FILES
from avtalsgenerator.paths import MAIN_FILE
from avtalsgenerator.prepare import prepare
from avtalsgenerator.templates.check import check_templates
from avtalsgenerator.templates.kindfields import KINDS, kind_requirements, template_kinds
from avtalsgenerator.templates.trial import minimal_agreement, minimal_agreements, trial_agreements, trial_render


def shipped() -> list[Path]:
    return [TEMPLATES / name for name in TEMPLATE_FILES if (TEMPLATES / name).exists()]


@pytest.mark.parametrize("kind", KINDS)
def test_each_minimal_agreement_has_only_what_its_kind_requires(kind: str) -> None:
    path = minimal_agreement(kind)
    data = json.loads(path.read_text(encoding="utf-8"))
    fields = schema_fields()
    required = kind_requirements()[kind]
    top = load_schema(AGREEMENT_SCHEMA)["required"]

    def required_only(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}" if path else key
                parent = fields.get(path, {}) if path else {}
                if path:
                    assert key in parent.get("required", []) or child in required, f"{child} krävs inte för {kind}"
                required_only(value, child)
        elif isinstance(node, list):
            for item in node:
                required_only(item, f"{path}[]")

    assert data["avtal"]["typ"] == kind
    assert sorted(data) == sorted({*top, *(p for p in required if "." not in p and "[" not in p)})
    required_only(data, "")
    for field in required:  # and everything the kind requires is there
        steps = field.replace("[]", "").split(".")
        holders = [data]
        for step in steps[:-1]:
            holders = [item for h in holders for item in (h[step] if isinstance(h[step], list) else [h[step]])]
        assert all(steps[-1] in h for h in holders), f"{field} saknas i {path.name}"
    documents = prepare(path, load_thresholds(THRESHOLDS)).documents
    assert documents[MAIN_FILE] == MAIN_TEMPLATES[kind]


def test_every_template_is_tried_with_a_minimal_agreement_of_each_kind_that_makes_it() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    tried: dict[str, set[str]] = {}
    for path in trial_agreements(EXAMPLES):
        agreement = prepare(path, thresholds)
        for template in agreement.documents.values():
            tried.setdefault(template, set()).add(agreement.context["avtal"]["typ"])
    minimal = {name for path in minimal_agreements() for name in prepare(path, thresholds).documents.values()}
    assert set(MAIN_TEMPLATES.values()) <= minimal
    for name in TEMPLATE_FILES:
        assert tried.get(name), f"{name} provas inte med något avtal"
        if name in MAIN_TEMPLATES.values():
            assert tried[name] >= set(template_kinds(name)), name


def test_every_shipped_template_renders_with_the_minimal_agreements_and_every_example() -> None:
    assert trial_agreements(EXAMPLES)[:len(KINDS)] == minimal_agreements()
    assert len(trial_agreements(EXAMPLES)) == len(KINDS) + len(list(EXAMPLES.glob("*.json")))
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
    assert minimal[0].message.endswith('; ett fält som kan saknas skrivs inom {% if … is defined %} eller med default("…") (mallar/LASMIG.md, Valfria fält)')
    assert minimal[0].place.endswith(' (under rubriken "21. Underskrifter"): "Bakgrund: …"')


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
