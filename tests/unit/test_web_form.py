"""Tests for the form's structure read from the schema, and for the file text a save writes."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, MINIMAL, THRESHOLDS

from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, load_schema
from avtalsgenerator.web.form import KIND_RULE, MISSING, Node, fits, form, in_schema_order, kinds, number_text
from avtalsgenerator.web.store import Store, to_json_text


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
    assert labels["tillaggsavtal"] == "Tilläggsavtal" and labels["avsiktsforklaring"] == "Avsiktsförklaring"


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
    assert category is not None and category.kind == "choice" and category.default_text() == "Anställd"
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


# ---- what each kind requires and uses -------------------------------------------------------------


def kind_parts(node: Node, path: str = "$") -> Iterator[tuple[str, Node]]:
    """Every node marked per kind, with its JSON path (``[0]`` for a list's rows)."""
    if node.kind_specific:
        yield path, node
    for child in node.children:
        yield from kind_parts(child, f"{path}.{child.key}" if path else child.key)
    if node.item is not None:
        yield from kind_parts(node.item, f"{path}[0]")


def value_at(data: Any, path: str) -> Any:
    for key in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        data = data[key[0]] if key[0] else data[int(key[1])]
    return data


def test_each_kinds_required_sections_come_from_the_schemas_if_then_rules() -> None:
    schema = load_schema(AGREEMENT_SCHEMA)
    root = form()
    for entry in schema["allOf"]:
        typ = entry["if"]["properties"]["avtal"]["properties"]["typ"]
        chosen = set(typ["enum"]) if "enum" in typ else {typ["const"]}
        for name in entry["then"].get("required", []):
            node = root.child(name)
            assert node is not None and chosen <= node.required_for, name
    changes, economy = root.child("andringar"), root.child("ekonomi")
    assert changes is not None and economy is not None
    assert changes.required_in("tillaggsavtal") and not changes.used_in("avtalssamverkan")
    assert economy.required_in("interimsavtal") and not economy.used_in("tillaggsavtal") and not economy.used_in("avsiktsforklaring")
    agreement = root.child("avtal")
    main = agreement.child("huvudavtal") if agreement else None
    assert main is not None and main.required_in("tillaggsavtal") and not main.optional_in("tillaggsavtal")
    assert main.optional_in("avtalssamverkan") and not main.used_in("avtalssamverkan")
    parties = root.child("parter")
    role = parties.item.child("roll") if parties and parties.item else None
    assert role is not None and role.required_in("avtalssamverkan") and not role.required_in("tillaggsavtal")
    assert role.used_in("tillaggsavtal")  # optional there, not refused
    assert [k for k in ("avtal", "parter", "avtalstid", "bilagor") if not root.child(k).used_in("avsiktsforklaring")] == []  # type: ignore[union-attr]
    period = root.child("avtalstid")
    assert period is not None and agreement is not None
    for node in (agreement.child("lagrum"), period.child("betalning_fran"), period.child("forlangning")):
        assert node is not None and node.used_in("avtalssamverkan") and not node.used_in("tillaggsavtal"), node.key


def test_the_form_hides_what_the_kind_rule_refuses_and_nothing_in_a_kind_the_rules_do_not_know(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import avtalsgenerator.legal.rules as rules

    original = next(r for r in rules.RULES if r.id == KIND_RULE)

    def stricter(a: rules.Agreement) -> Iterator[tuple[str, str]]:
        yield from original.check(a)
        if a.kind == "avsiktsforklaring":
            yield "$.bilagor", "används inte i en avsiktsförklaring"

    monkeypatch.setattr(rules, "RULES", [rules.Rule(r.id, r.severity, stricter) if r is original else r for r in rules.RULES])
    monkeypatch.setattr("avtalsgenerator.web.form.RULES", rules.RULES)
    root = form(schema_copy(tmp_path, lambda schema: schema["properties"]["avtal"]["properties"]["typ"]["enum"].append("ramavtal")))
    attachments, economy = root.child("bilagor"), root.child("ekonomi")
    assert attachments is not None and not attachments.used_in("avsiktsforklaring") and attachments.used_in("tillaggsavtal")
    assert economy is not None and economy.used_in("ramavtal") and not economy.used_in("tillaggsavtal")


def test_a_kind_rule_added_to_the_schema_changes_the_form_without_code(tmp_path: Path) -> None:
    def change(schema: dict) -> None:
        schema["allOf"].append({"if": {"properties": {"avtal": {"properties": {"typ": {"const": "samverkansavtal"}}}}},
                                "then": {"required": ["forsakring"], "properties": {"parter": {"items": {"required": ["adress"]}}}},
                                "else": {"properties": {"avtal": {"required": ["bakgrund"]}}}})

    root = form(schema_copy(tmp_path, change))
    insurance, parties, agreement = root.child("forsakring"), root.child("parter"), root.child("avtal")
    assert insurance is not None and insurance.required_in("samverkansavtal") and not insurance.required_in("avtalssamverkan")
    address = parties.item.child("adress") if parties and parties.item else None
    assert address is not None and address.required_in("samverkansavtal") and not address.optional_in("samverkansavtal")
    assert address.optional_in("interimsavtal")
    background = agreement.child("bakgrund") if agreement else None
    assert background is not None and background.required_in("tillaggsavtal") and not background.required_in("samverkansavtal")


@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_the_form_hides_nothing_an_example_of_its_kind_holds(example: str) -> None:
    data = json.loads((EXAMPLES / f"{example}.json").read_text(encoding="utf-8"))
    kind = data["avtal"]["typ"]
    hidden = [path for path, node in kind_parts(form()) if not node.used_in(kind)]
    for path in hidden:
        with pytest.raises((KeyError, IndexError)):
            value_at(data, path)


def test_every_part_the_form_hides_for_a_kind_is_refused_by_the_rules_in_that_kind(tmp_path: Path) -> None:
    examples = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))}
    store = Store(tmp_path, THRESHOLDS)
    tried = set()
    for path, node in kind_parts(form()):
        if node.used_by is None or "[" in path:
            continue
        samples = [value_at(d, path) for d in examples.values() if d["avtal"]["typ"] in node.used_by and _has(d, path)]
        if not samples:
            continue  # no example holds the part (forsakring, upphovsratt ...): the parts tried below stand for the rule
        for other in examples.values():
            if other["avtal"]["typ"] in node.used_by:
                continue
            data = copy.deepcopy(other)
            *parents, last = path.removeprefix("$.").split(".")
            target = data
            for key in parents:
                target = target[key]
            target[last] = samples[0]
            errors = {p.place for p in store.check(data, None) if p.severity == "fel"}
            assert path in errors, f"{path} i {other['avtal']['typ']}: {errors}"
            tried.add(path)
    assert {"$.ekonomi", "$.personuppgifter", "$.uppgifter", "$.andringar", "$.avsikt", "$.interim", "$.avtal.huvudavtal"} <= tried


def _has(data: Any, path: str) -> bool:
    try:
        value_at(data, path)
    except (KeyError, IndexError):
        return False
    return True


def _string_enums(node: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if "enum" in node and "title" in node:
            found.append((path, node))
        for key, value in node.items():
            found += _string_enums(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _string_enums(value, f"{path}[{index}]")
    return found


def test_every_choice_in_the_schema_has_a_swedish_label_for_each_value() -> None:
    from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, load_schema

    enums = _string_enums(load_schema(AGREEMENT_SCHEMA))
    assert len(enums) >= 10
    for path, node in enums:
        labels = node.get("x-etikett", {})
        assert sorted(labels) == sorted(node["enum"]), f"{path}: x-etikett ska ge en etikett för varje värde"
        assert all(label[0].isupper() and "_" not in label for label in labels.values()), path


def test_choices_show_the_schemas_labels_with_swedish_letters() -> None:
    root = form()
    model = root.child("ekonomi").child("modell")  # type: ignore[union-attr]
    assert dict(model.choices)["sjalvkostnad"] == "Självkostnad"  # type: ignore[union-attr]
    change = root.child("andringar").item.child("atgard")  # type: ignore[union-attr]
    assert [label for _, label in change.choices] == ["Ersätts", "Ny", "Utgår", "Ersätts av bilaga"]  # type: ignore[union-attr]
    assert dict(kinds())["tillaggsavtal"] == "Tilläggsavtal"


def test_descriptions_in_the_form_write_enum_values_as_their_swedish_labels() -> None:
    root = form()
    permission = root.child("personuppgifter").child("underbitraden").child("tillstand")  # type: ignore[union-attr]
    assert permission.description.startswith("Särskilt tillstånd: varje underbiträde")  # type: ignore[union-attr]
    assert "; allmänt tillstånd: biträdet" in permission.description  # type: ignore[union-attr]
    assert root.child("avtal").child("huvudavtal").description.endswith("Krävs när typen är tilläggsavtal.")  # type: ignore[union-attr]
    for word in ("sarskilt", "allmant", "tillaggsavtal", "ersatts_av_bilaga", "kommunalforbund"):
        assert not re.search(rf"\b{word}\b", json.dumps([n.description for n in _all_nodes(root)], ensure_ascii=False)), word


def _all_nodes(node: Node) -> list[Node]:
    found = [node]
    for child in node.children:
        found += _all_nodes(child)
    if node.item is not None:
        found += _all_nodes(node.item)
    return found


def test_a_yes_no_field_is_explained_with_ja_and_nej_and_descriptions_name_fields_by_title() -> None:
    def nodes(node: Any) -> Any:
        yield node
        for child in node.children:
            yield from nodes(child)
        if node.item is not None:
            yield from nodes(node.item)

    every = list(nodes(form()))
    bools = [n for n in every if n.kind == "bool" and n.description]
    assert bools and not [n.description for n in bools if re.search(r"\b(Sant|Falskt|true|false)\b", n.description)]
    sensitive = next(n for n in every if n.key == "kansliga_uppgifter").child("forekommer")
    assert sensitive is not None and sensitive.description == "”Ja” om känsliga personuppgifter behandlas."
    interim_notice = next(n for n in every if n.key == "fortida_uppsagning")
    assert "uppsägningstiden i ”Uppsägning”" in interim_notice.description
