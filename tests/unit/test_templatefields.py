"""Tests for the field catalogue: the computed-values schema matches what compute builds."""

from __future__ import annotations

import decimal
import json
from typing import Any

from conftest import THRESHOLDS, example_paths
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from test_templatecheck import context_for

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.templates.fields import BERAKNING_SCHEMA

# --------------------------------------------------------------------------------------------------
# The schema of the computed values
# --------------------------------------------------------------------------------------------------


def berakning_validator() -> Draft202012Validator:
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in (BERAKNING_SCHEMA, AGREEMENT_SCHEMA)]
    registry: Registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas])
    Draft202012Validator.check_schema(schemas[0])
    return Draft202012Validator(schemas[0], registry=registry, format_checker=FormatChecker())


def test_berakning_schema_documents_every_property() -> None:
    schema = json.loads(BERAKNING_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "urn:avtalsgenerator:schema:berakning"

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                assert node.get("additionalProperties") is False, where
                assert sorted(node["required"]) == sorted(node["properties"]), where
                for key, sub in node["properties"].items():
                    assert sub.get("title") and sub.get("description"), f"{where}.{key}"
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for sub in node:
                walk(sub, where)

    walk(schema, "$")


def test_berakning_schema_matches_build_context_for_every_example() -> None:
    paths = example_paths()
    validator = berakning_validator()
    thresholds = load_thresholds(THRESHOLDS)
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=decimal.Decimal)
        validate(data, str(path))
        berakning = build_context(apply_defaults(data), thresholds, str(path))["berakning"]
        assert [e.message for e in validator.iter_errors(berakning)] == [], path.name


def test_berakning_schema_matches_a_cost_allocation_with_support(minimal_agreement: dict[str, Any]) -> None:
    data = minimal_agreement
    data["parter"][1]["invanare"] = 1000
    data["parter"][1]["anvandare"] = 10
    data["ekonomi"] = {"modell": "per_invanare", "kostnad_ar": 50000, "fordelning": {"nyckel": "invanare"},
                       "support": {"kostnad_ar": 1000, "anvandare_totalt": 100}}
    data["extern_delegering"] = {"forekommer": True}
    berakning = context_for(data)["berakning"]
    assert berakning["support"] is not None and berakning["fordelning"] is not None
    assert [e.message for e in berakning_validator().iter_errors(berakning)] == []
