"""Tests for the validate stage: every schema problem at once, in Swedish, with its JSON path; defaults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, example_paths

from avtalsgenerator.agreement import schema as schema_module
from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, apply_defaults, load_schema, schema_fields, validate
from avtalsgenerator.errors import LoadError, Problem, ValidationError
from avtalsgenerator.templates.trial import minimal_agreement as minimal_agreement_of


@pytest.fixture(autouse=True, params=["snabbvag", "jsonschema"])
def fast_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs twice: with the schema's fast path (quickcheck), and with jsonschema alone, as before it.

    The same assertions hold both ways: the fast path only ever says "valid"; what the user reads comes from jsonschema.
    """
    if request.param == "jsonschema":
        monkeypatch.setattr(schema_module, "_fast_validator", lambda path: None)
    return str(request.param)


def refused(data: dict[str, Any], file: str = "x.json") -> list[str]:
    """What the user reads when ``data`` is refused by the schema, one line per problem."""
    with pytest.raises(ValidationError) as caught:
        validate(data, file)
    return [str(p) for p in caught.value.problems]


def test_minimal_agreement_is_valid(minimal_agreement: dict[str, Any]) -> None:
    validate(minimal_agreement, "minsta.json")


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_examples_are_valid(path: Path) -> None:
    validate(json.loads(path.read_text(encoding="utf-8")), str(path))


def test_every_problem_reported_at_once(minimal_agreement: dict[str, Any]) -> None:
    del minimal_agreement["avtal"]["titel"]
    minimal_agreement["parter"][0]["typ"] = "aktiebolag"
    minimal_agreement["ekonomi"]["ersattning_ar"] = "100000"
    minimal_agreement["avtal"]["uppsagnig"] = 3
    with pytest.raises(ValidationError) as caught:
        validate(minimal_agreement, "x.json")
    messages = [str(p) for p in caught.value.problems]
    assert "x.json: $.avtal.titel: obligatoriskt fält saknas" in messages
    assert any(m.startswith('x.json: $.parter[0].typ: värdet "aktiebolag" är inte tillåtet') for m in messages)
    assert 'x.json: $.ekonomi.ersattning_ar: ska vara heltal, inte "100000"' in messages
    assert any(m.startswith('x.json: $.avtal.uppsagnig: okänt fält "uppsagnig"') for m in messages)
    assert len(messages) == 4


def test_unknown_key_suggests_the_near_one(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["forsakrig"] = {"text": "x"}
    with pytest.raises(ValidationError, match=r'\$\.forsakrig: okänt fält "forsakrig"; menade du "forsakring"\?'):
        validate(minimal_agreement, "x.json")


def test_bad_date_and_orgnr_form(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["avtal"]["datum"] = "2025-13-01"
    minimal_agreement["parter"][1]["organisationsnummer"] = "2120001355"
    with pytest.raises(ValidationError) as caught:
        validate(minimal_agreement, "x.json")
    text = str(caught.value)
    assert '$.avtal.datum: värdet "2025-13-01" ska vara ett datum ÅÅÅÅ-MM-DD' in text
    assert '$.parter[1].organisationsnummer: värdet "2120001355" har fel form' in text


def test_control_character_is_refused_with_path(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["parter"][0]["namn"] = "Stockholms\x0b kommun"
    with pytest.raises(ValidationError, match=r"\$\.parter\[0\]\.namn: texten innehåller tecknet U\+000B"):
        validate(minimal_agreement, "x.json")


def test_defaults_fill_standard_content(minimal_agreement: dict[str, Any]) -> None:
    data = apply_defaults(minimal_agreement)
    assert "brand" in data["force_majeure"]["handelser"]
    assert data["tvist"]["forum"] == "allmän domstol"
    assert data["uppsagning"]["manader"] == 12
    assert data["avtal"]["lagrum"] == "9 kap. 37 § kommunallagen (2017:725)"
    assert data["extern_delegering"]["forekommer"] is False
    assert "forsakring" not in data
    assert "force_majeure" not in minimal_agreement


def test_data_overrides_defaults(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["uppsagning"] = {"manader": 6}
    data = apply_defaults(minimal_agreement)
    assert data["uppsagning"]["manader"] == 6
    assert data["uppsagning"]["vid_arsskifte"] is True


def _properties(node: Any, path: str = "$"):
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            yield f"{path}.{key}", sub
            yield from _properties(sub, f"{path}.{key}")
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                yield from _properties(node[key], f"{path}[]")
        for key, sub in node.get("$defs", {}).items():
            yield f"$defs.{key}", sub
            yield from _properties(sub, f"$defs.{key}")


@pytest.mark.parametrize("schema_file", ["avtal.schema.json", "troskelvarden.schema.json"])
def test_every_property_has_swedish_title_and_description(schema_file: str) -> None:
    schema = json.loads((ROOT / "schema" / schema_file).read_text(encoding="utf-8"))
    missing = [path for path, node in _properties(schema) if not (node.get("title") and node.get("description"))]
    assert missing == []


def test_objects_refuse_unknown_keys() -> None:
    schema = load_schema(AGREEMENT_SCHEMA)
    open_objects = [
        path for path, node in _properties(schema) if node.get("type") == "object" and node.get("additionalProperties") is not False
    ]
    assert open_objects == []


def test_schema_fields_lists_nested_paths() -> None:
    fields = schema_fields()
    assert fields["parter[].beslut.datum"]["title"] == "Beslutsdatum"
    assert "personuppgifter.underbitraden.lista[].land" in fields


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


@pytest.mark.parametrize("schema_file", ["avtal.schema.json", "troskelvarden.schema.json"])
def test_every_number_date_and_list_is_bounded(schema_file: str) -> None:
    """A new property without bounds fails here: 10**40 inhabitants or the year 9999 must never be schema-valid."""
    schema = json.loads((ROOT / "schema" / schema_file).read_text(encoding="utf-8"))
    unbounded = []
    for path, node in _properties(schema):
        if _types(node) & {"integer", "number"} and "maximum" not in node:
            unbounded.append(f"{path}: maximum")
        if node.get("format") == "date" and not ("formatMinimum" in node and "formatMaximum" in node):
            unbounded.append(f"{path}: formatMinimum/formatMaximum")
        if "array" in _types(node) and "maxItems" not in node:
            unbounded.append(f"{path}: maxItems")
    assert unbounded == []


def test_two_missing_fields_are_two_problems(minimal_agreement: dict[str, Any]) -> None:
    del minimal_agreement["avtal"]["titel"]
    del minimal_agreement["avtal"]["syfte"]
    assert refused(minimal_agreement) == [
        "x.json: $.avtal.titel: obligatoriskt fält saknas",
        "x.json: $.avtal.syfte: obligatoriskt fält saknas",
    ]


@pytest.mark.parametrize("bad_id", ["abc\n", "abc\n\n", "\nabc", "ab c"])
def test_id_pattern_is_anchored_like_json_schema_means(minimal_agreement: dict[str, Any], bad_id: str) -> None:
    minimal_agreement["avtal"]["id"] = bad_id
    with pytest.raises(ValidationError, match=r"\$\.avtal\.id: värdet .* har fel form"):
        validate(minimal_agreement, "x.json")


def test_dates_outside_what_an_agreement_can_mean(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["avtalstid"]["slut"] = "9999-12-31"
    minimal_agreement["parter"][0]["beslut"]["datum"] = "1899-12-31"
    with pytest.raises(ValidationError) as caught:
        validate(minimal_agreement, "x.json")
    assert [str(p) for p in caught.value.problems] == [
        "x.json: $.avtalstid.slut: datumet 9999-12-31 är för sent för ett avtal; senast 2200-12-31",
        "x.json: $.parter[0].beslut.datum: datumet 1899-12-31 är för tidigt för ett avtal; tidigast 1900-01-01",
    ]
    minimal_agreement["avtalstid"]["slut"] = "2200-12-31"
    minimal_agreement["parter"][0]["beslut"]["datum"] = "1900-01-01"
    validate(minimal_agreement, "x.json")


def test_schema_is_checked_against_the_meta_schema_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jsonschema

    from avtalsgenerator import cache as usercache
    from avtalsgenerator.agreement import schema

    monkeypatch.setenv(usercache.ENV_VAR, str(tmp_path / "cache"))
    path = tmp_path / "egen.schema.json"
    path.write_text('{"type": "object"}', encoding="utf-8")
    checks: list[object] = []
    real = jsonschema.Draft202012Validator.check_schema
    monkeypatch.setattr(jsonschema.Draft202012Validator, "check_schema", lambda s: (checks.append(s), real(s)))
    for _ in range(2):
        schema.load_schema.cache_clear()  # a new process
        assert schema.load_schema(path) == {"type": "object"}
    assert len(checks) == 1
    path.write_text('{"type": 5}', encoding="utf-8")  # an edit that breaks the schema is checked, every time
    for _ in range(2):
        schema.load_schema.cache_clear()
        with pytest.raises(jsonschema.SchemaError):
            schema.load_schema(path)
    schema.load_schema.cache_clear()


def _minimal_of_kind(kind: str) -> dict[str, Any]:
    return json.loads(minimal_agreement_of(kind).read_text(encoding="utf-8"))


def test_interim_without_a_last_day_is_refused_by_the_schema_with_the_reason() -> None:
    data = _minimal_of_kind("interimsavtal")
    del data["avtalstid"]["slut"]
    assert refused(data, "interim.json") == [
        "interim.json: $.avtalstid.slut: obligatoriskt fält i ett interimsavtal saknas: ett interimsavtal är tillfälligt "
        "och ska ha ett sista datum som gäller om den nya samverkansformen dröjer (”Interimsavtal › Upphör när” anger händelsen "
        "som avslutar det tidigare); ange det sista datumet (ÅÅÅÅ-MM-DD)"
    ]


@pytest.mark.parametrize("kind", ["avtalssamverkan", "samverkansavtal", "tillaggsavtal", "avsiktsforklaring"])
def test_other_kinds_without_a_last_day_are_valid(kind: str) -> None:
    data = _minimal_of_kind(kind)
    data["avtal"]["typ"] = kind
    data["avtalstid"].pop("slut", None)
    validate(data, "x.json")


def test_a_required_field_without_its_own_message_is_only_missing() -> None:
    data = _minimal_of_kind("interimsavtal")
    del data["interim"]
    del data["avtalstid"]["start"]
    assert refused(data) == [
        "x.json: $.interim: obligatoriskt fält saknas",
        "x.json: $.avtalstid.start: obligatoriskt fält saknas",
    ]


def _schemas(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema node: the root, properties, items, $defs and the allOf/if/then/else branches."""
    if not isinstance(node, dict):
        return
    yield node
    for key in ("properties", "$defs"):
        for sub in node.get(key, {}).values():
            yield from _schemas(sub)
    for key in ("items", "additionalProperties", "if", "then", "else", "not"):
        yield from _schemas(node.get(key))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []):
            yield from _schemas(sub)


@pytest.mark.parametrize("schema_file", ["avtal.schema.json", "troskelvarden.schema.json", "berakning.schema.json"])
def test_every_error_message_is_text_on_a_node_that_only_requires(schema_file: str) -> None:
    """``errorMessage`` replaces every message of its node (as in ajv-errors and VS Code): only beside ``required``."""
    schema = json.loads((ROOT / "schema" / schema_file).read_text(encoding="utf-8"))
    found = [node for node in _schemas(schema) if "errorMessage" in node]
    for node in found:
        assert isinstance(node["errorMessage"], str) and node["errorMessage"].strip(), node
        assert set(node) - {"errorMessage", "description"} == {"required"}, node
    if schema_file == "avtal.schema.json":
        assert found  # the interimsavtal's last day


def test_schema_with_a_trailing_comma_names_file_and_line(tmp_path: Path) -> None:
    text = AGREEMENT_SCHEMA.read_text(encoding="utf-8")
    end = text.index("\n        }", text.index('"title": "Avtals-id",'))
    broken = tmp_path / "avtal.schema.json"
    broken.write_text(text[:end] + "," + text[end:], encoding="utf-8")
    with pytest.raises(LoadError) as raised:
        load_schema(broken)
    line = text[:end].count("\n") + 2
    assert raised.value.problems == [Problem(str(broken), f"rad {line}, kolumn 9", (
        "schemat är inte giltig JSON: nyckeln måste stå inom dubbla citattecken (eller ett kommatecken för mycket). Rätta filen; den "
        "används när alla avtal läses och mallarna kontrolleras"))]
