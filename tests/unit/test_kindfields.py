"""Tests for the kind fields: what each agreement kind requires, read from the schema, and which kinds each template serves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import THRESHOLDS

from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import AvtalError
from avtalsgenerator.kinds import FULL_KINDS, MAIN_TEMPLATES, TEMPLATE_FILES
from avtalsgenerator.paths import COST_FILE, PUB_FILE
from avtalsgenerator.prepare import prepare
from avtalsgenerator.templates.kindfields import KINDS, kind_requirements, required_in, template_kinds
from avtalsgenerator.templates.trial import minimal_agreement


def test_each_kind_requires_what_the_schema_says_for_it() -> None:
    requirements = kind_requirements()
    assert set(requirements) == set(KINDS) == set(MAIN_TEMPLATES)
    for kind in FULL_KINDS:
        assert {"uppgifter", "ekonomi", "personuppgifter", "parter[].roll"} <= requirements[kind]
    assert {"interim", "avtalstid.slut"} <= requirements["interimsavtal"]
    assert requirements["tillaggsavtal"] == {"andringar", "avtal.huvudavtal"}
    assert requirements["avsiktsforklaring"] == {"avsikt"}


@pytest.mark.parametrize(("kind", "path"), [(kind, path) for kind, paths in kind_requirements().items() for path in sorted(paths)])
def test_an_agreement_without_a_field_its_kind_requires_is_refused(tmp_path: Path, kind: str, path: str) -> None:
    data = json.loads(minimal_agreement(kind).read_text(encoding="utf-8"))
    steps = path.replace("[]", "").split(".")
    holders = [data]
    for step in steps[:-1]:
        holders = [item for h in holders for item in (h[step] if isinstance(h[step], list) else [h[step]])]
    del holders[0][steps[-1]]
    broken = tmp_path / f"{data['avtal']['id']}.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(AvtalError) as raised:
        prepare(broken, load_thresholds(THRESHOLDS))
    assert any(steps[-1] in f"{p.place} {p.message}" for p in raised.value.problems), raised.value.problems


def test_every_template_is_used_by_some_kind_and_the_annexes_only_by_kinds_with_their_section() -> None:
    for name in TEMPLATE_FILES:
        assert template_kinds(name), name
    assert template_kinds(PUB_FILE) == template_kinds(COST_FILE) == FULL_KINDS
    assert template_kinds("tillaggsavtal.docx") == ("tillaggsavtal",)
    assert template_kinds("ny-mall.docx") == ()
    assert required_in(template_kinds("avtal.docx")) >= {"uppgifter", "ekonomi", "personuppgifter", "parter[].roll"}
    assert "interim" not in required_in(template_kinds("avtal.docx"))
    assert required_in([]) == frozenset()


def test_the_interim_last_day_is_required_where_the_schema_is_read_for_it() -> None:
    from avtalsgenerator.web.form import form

    assert "avtalstid.slut" in required_in(["interimsavtal"])  # the template check's guards
    assert "avtalstid.slut" not in required_in(template_kinds("avtal.docx"))
    slut = form().child("avtalstid").child("slut")  # the form's red star
    assert slut.required_in("interimsavtal")
    assert not any(slut.required_in(kind) for kind in KINDS if kind != "interimsavtal")


def test_the_schema_lists_the_kinds_of_kinds_py_with_a_label_and_an_explanation_each() -> None:
    from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, load_schema
    from avtalsgenerator.kinds import KINDS

    typ = load_schema(AGREEMENT_SCHEMA)["properties"]["avtal"]["properties"]["typ"]
    assert typ["enum"] == list(KINDS)
    assert set(typ["x-etikett"]) == set(typ["x-forklaring"]) == set(KINDS)
