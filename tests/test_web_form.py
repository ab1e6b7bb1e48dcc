"""Tests for the form's structure read from the schema, and for the file text a save writes."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

from conftest import MINIMAL

from avtalsgenerator.schema import AGREEMENT_SCHEMA, load_schema
from avtalsgenerator.web.form import MISSING, fits, form, in_schema_order, kinds, number_text
from avtalsgenerator.web.store import to_json_text


def schema_copy(tmp_path: Path, change) -> Path:
    schema = copy.deepcopy(load_schema(AGREEMENT_SCHEMA))
    change(schema)
    path = tmp_path / "avtal.schema.json"
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    return path


def test_kinds_are_the_schemas_enum_in_swedish_spelling() -> None:
    enum = load_schema(AGREEMENT_SCHEMA)["properties"]["avtal"]["properties"]["typ"]["enum"]
    assert [value for value, _ in kinds()] == enum
    labels = dict(kinds())
    assert labels["tillaggsavtal"] == "tilläggsavtal" and labels["avsiktsforklaring"] == "avsiktsförklaring"


def test_a_field_and_a_kind_added_to_the_schema_appear_in_the_form_without_code(tmp_path: Path) -> None:
    def change(schema: dict) -> None:
        schema["properties"]["avtal"]["properties"]["typ"]["enum"].append("ramavtal")
        schema["properties"]["avtal"]["properties"]["huvudavtal"] = {
            "title": "Huvudavtal", "description": "Det avtal som tillägget gäller.", "type": "object", "required": ["titel"],
            "properties": {"titel": {"title": "Titel", "type": "string"}, "datum": {"title": "Datum", "type": "string", "format": "date"}}}
        schema["properties"]["exempelbilaga"] = {"title": "Exempelbilaga", "type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}}

    path = schema_copy(tmp_path, change)
    root = form(path)
    assert ("ramavtal", "ramavtal") in kinds(path)
    agreement = root.child("avtal")
    assert agreement is not None
    main = agreement.child("huvudavtal")
    assert main is not None and main.kind == "object" and main.optional_object
    assert [(c.key, c.kind, c.required) for c in main.children] == [("titel", "text", True), ("datum", "date", False)]
    changes = root.child("exempelbilaga")
    assert changes is not None and changes.item is not None and changes.item.kind == "json"  # no widget: edited as JSON
    assert [c.key for c in root.children][-1] == "exempelbilaga"


def test_nodes_carry_titles_defaults_units_and_references_from_the_schema() -> None:
    root = form()
    economy = root.child("ekonomi")
    assert economy is not None
    cost = economy.child("kostnad_ar")
    assert cost is not None and (cost.kind, cost.unit, cost.title) == ("integer", "kr", "Kostnad per år")
    days = economy.child("betalningsvillkor_dagar")
    assert days is not None and days.default == 30 and days.default_text() == "30"
    tasks = root.child("uppgifter")
    assert tasks is not None and tasks.item is not None
    performer = tasks.item.child("utforare")
    assert performer is not None and performer.reference
    delegation = root.child("extern_delegering")
    assert delegation is not None and not delegation.optional_object  # it has a default: always there
    category = delegation.child("mottagare_kategori")
    assert category is not None and category.kind == "choice" and category.default_text() == "anställd"
    parties = root.child("parter")
    assert parties is not None and parties.min_items == 2 and parties.item is not None and parties.item.kind == "object"
    assert parties.item.child("organisationsnummer") is not None
    attachments = root.child("bilagor")
    assert attachments is not None and attachments.default is MISSING  # an empty standard list is no list


def test_values_that_do_not_fit_a_widget_are_recognised() -> None:
    root = form()
    agreement = root.child("avtal")
    assert agreement is not None
    date, kind = agreement.child("datum"), agreement.child("typ")
    assert date is not None and kind is not None
    assert fits(date, "2025-05-02") and not fits(date, "2025-02-30") and not fits(date, "2 maj 2025")
    assert fits(kind, "interimsavtal") and not fits(kind, "hyresavtal")
    economy = root.child("ekonomi")
    assert economy is not None
    cost = economy.child("kostnad_ar")
    assert cost is not None and fits(cost, 100) and not fits(cost, "100") and not fits(cost, True)


def test_numbers_are_written_the_swedish_way() -> None:
    assert number_text(1250000) == "1\u00a0250\u00a0000"
    assert number_text(Decimal("12.5")) == "12,5"
    assert number_text(30) == "30"


def test_saved_text_has_keys_in_schema_order_unknown_last_and_ends_with_a_newline() -> None:
    data = copy.deepcopy(MINIMAL)
    data = {"okand": 1, **{k: data[k] for k in reversed(list(data))}, "$schema": "../../schema/avtal.schema.json"}
    data["parter"][0] = {k: data["parter"][0][k] for k in reversed(list(data["parter"][0]))}
    ordered = in_schema_order(data, form())
    assert list(ordered)[:3] == ["$schema", "avtal", "parter"] and list(ordered)[-1] == "okand"
    assert list(ordered["parter"][0]) == list(MINIMAL["parter"][0])
    text = to_json_text(data)
    assert text.endswith("}\n") and "Göteborgs kommun" in text and '\n  "avtal": {\n    "id"' in text
