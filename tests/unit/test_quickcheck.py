"""Tests for the schema check's fast path: it never accepts what jsonschema refuses, and the user reads the same errors."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import example_paths

from avtalsgenerator import cache as usercache
from avtalsgenerator.agreement import quickcheck, schema

# Values put in place of every leaf in turn: wrong types, empty, impossible and out-of-range dates, a trailing newline
# (Python's "$" would let it through a pattern), a boolean where a number is (1 == True in Python), huge and negative numbers.
REPLACEMENTS: list[Any] = [None, True, 1, 1.5, -1, 10**12, "", "x", "2026-02-30", "1899-12-31", "2300-01-01", "abc\n", [], {}]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    yield path


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(data)
    if not path:
        return value
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return changed


def _removed(data: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(data)
    parent = changed
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return changed


def _variants(data: dict[str, Any]) -> Iterator[Any]:
    """Every leaf of ``data`` replaced (each by a few of REPLACEMENTS, in turn), every key removed, an unknown key added."""
    for number, path in enumerate(_leaves(data)):
        for value in (REPLACEMENTS[number % len(REPLACEMENTS)], REPLACEMENTS[(number * 5 + 3) % len(REPLACEMENTS)]):
            yield _replaced(data, path, value)
        if path and isinstance(path[-1], str):
            yield _removed(data, path)
            yield _replaced(data, (*path[:-1], path[-1] + "x"), 1)


@pytest.fixture
def fast() -> Any:
    checker = schema._fast_validator(schema.AGREEMENT_SCHEMA)
    assert checker is not None, "the agreement schema should have a fast path"
    return checker


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_fast_path_never_accepts_what_jsonschema_refuses(path: Path, fast: Any) -> None:
    validator = schema._validator(schema.AGREEMENT_SCHEMA)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert fast(data)
    checked = refused = 0
    for variant in _variants(data):
        jsonschema_refuses = next(iter(validator.iter_errors(variant)), None) is not None
        checked += 1
        refused += jsonschema_refuses
        if jsonschema_refuses:
            assert not fast(variant), f"the fast path accepted what jsonschema refuses: {json.dumps(variant, ensure_ascii=False)[:300]}"
    assert refused > checked // 3  # the variants do reach the schema's checks


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_the_errors_read_are_those_of_jsonschema_alone(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    variants = list(_variants(data))[::7]
    with_fast = [schema.schema_problems(v, "x.json") for v in variants]
    monkeypatch.setattr(schema, "_fast_validator", lambda path: None)
    assert [schema.schema_problems(v, "x.json") for v in variants] == with_fast
    assert sum(bool(p) for p in with_fast) > len(variants) // 3


def _validator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, definition: dict[str, Any]) -> Any:
    monkeypatch.setenv(usercache.ENV_VAR, str(tmp_path / "cache"))
    return quickcheck.validator(json.dumps(definition).encode("utf-8"), schema._ecma_pattern)


def test_ref_beside_other_keywords_checks_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    definition = {"$defs": {"kontakt": {"type": "object"}}, "properties": {"k": {"$ref": "#/$defs/kontakt", "required": ["namn"]}}}
    valid = _validator(tmp_path, monkeypatch, definition)
    assert valid({"k": {"namn": "A"}})
    assert not valid({"k": {}})  # fastjsonschema alone lets $ref override "required"
    assert not valid({"k": "text"})


def test_date_bounds_and_patterns_as_the_schema_means_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    definition = {"properties": {"d": {"type": "string", "format": "date", "formatMinimum": "1900-01-01", "formatMaximum": "2200-12-31"},
                                 "id": {"type": "string", "pattern": "^[a-z]+$"}, "e": {"type": "string", "format": "email"}}}
    valid = _validator(tmp_path, monkeypatch, definition)
    assert valid({"d": "2026-01-31", "id": "abc", "e": "a@b"})
    for bad in ({"d": "2026-02-30"}, {"d": "1899-12-31"}, {"d": "2201-01-01"}, {"d": "2026-1-1"}, {"id": "abc\n"}, {"e": "ingen"}):
        assert not valid(bad), bad


@pytest.mark.parametrize("keyword", [{"not": {"type": "string"}}, {"uniqueItems": True}, {"format": "uri"}, {"oneOf": [{"type": "string"}]},
                                     {"if": {"properties": {"a": {"pattern": "^x$"}}}, "then": {"required": ["b"]}}])
def test_a_keyword_it_cannot_check_exactly_leaves_every_agreement_to_jsonschema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                                 keyword: dict[str, Any]) -> None:
    assert _validator(tmp_path, monkeypatch, {"type": "object", **keyword}) is None


def test_compiled_once_per_schema_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    definition = {"type": "object", "required": ["a"]}
    calls: list[object] = []
    real = quickcheck._compile
    monkeypatch.setattr(quickcheck, "_compile", lambda *args: (calls.append(args), real(*args))[1])
    for _ in range(2):
        quickcheck.validator.cache_clear()  # a new process
        valid = _validator(tmp_path, monkeypatch, definition)
        assert valid({"a": 1}) and not valid({})
    assert len(calls) == 1
