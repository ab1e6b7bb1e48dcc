"""Every rule message reads as Swedish prose: enum values by their labels, booleans as Ja/Nej."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import THRESHOLDS, example_paths

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.load import load_json
from avtalsgenerator.agreement.schema import AGREEMENT_SCHEMA, apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.legal import rules

Data = dict[str, Any]
PATH = re.compile(r"\$[.\w\[\]]*")
BOOLEAN = re.compile(r"\b(true|false)\b")


def _fold(word: str) -> str:
    return word.translate(str.maketrans("åäöé", "aaoe"))


def _folded_values(node: Any, found: set[str]) -> set[str]:
    """Every enum value that is a key, not a word: ``utgar`` for Utgår, ``per_invanare``; not ``ny`` or ``andel``."""
    if isinstance(node, dict):
        for value, label in (node.get("x-etikett") or {}).items():
            if "_" in value or any(_fold(word) == value and word != value for word in label.casefold().split()):
                found.add(value)
        for child in node.values():
            _folded_values(child, found)
    elif isinstance(node, list):
        for child in node:
            _folded_values(child, found)
    return found


FOLDED = _folded_values(json.loads(AGREEMENT_SCHEMA.read_text(encoding="utf-8")), set())


def _breakers() -> list[Callable[[Data], None]]:
    """Changes made after compute that make the rules speak about enums and booleans."""

    def no_further_delegation(d: Data) -> None:
        d["extern_delegering"].update(forekommer=True)
        d["extern_delegering"].pop("vidaredelegering", None)

    def further_delegation_by_clerk(d: Data) -> None:
        d["extern_delegering"].update(forekommer=True, vidaredelegering=True, befattning="Handläggare", forvaltningschef=False)

    def no_subprocessor_rule(d: Data) -> None:
        d.get("personuppgifter", {}).pop("underbitraden", None)

    def wrong_change_fields(d: Data) -> None:
        for change in d.get("andringar", []):
            change.update(atgard="utgar", lydelse="Ny text.", bilaga="Bilaga")

    def cost_change_not_by_annex(d: Data) -> None:
        for change in d.get("andringar", []):
            change.update(atgard="ersatts", kostnadsfordelning=True)

    def interim_without_early_notice(d: Data) -> None:
        if "interim" in d:
            d["interim"]["fortida_uppsagning"] = False

    return [no_further_delegation, further_delegation_by_clerk, no_subprocessor_rule, wrong_change_fields,
            cost_change_not_by_annex, interim_without_early_notice]


def _messages(path: Path, after: Callable[[Data], None] | None) -> list[str]:
    thresholds = load_thresholds(THRESHOLDS)
    raw = load_json(path)
    validate(raw, str(path))
    full = apply_defaults(raw)
    context = build_context(full, thresholds, str(path))
    if after is not None:
        after(full)
    return [p.message for p in rules.check(full, context, str(path), thresholds)]


def _raw_words(message: str) -> list[str]:
    prose = PATH.sub("", message)
    words = set(re.findall(r"[\w]+", prose))
    return sorted((words & FOLDED) | set(BOOLEAN.findall(prose)))


def test_the_scan_knows_the_folded_values() -> None:
    assert {"utgar", "ersatts", "sarskilt", "allmant", "ersatts_av_bilaga"} <= FOLDED
    assert _raw_words("ange tillstand sarskilt eller allmant: true") == ["allmant", "sarskilt", "true"]
    assert _raw_words("ange ”Ja” i ”Tillstånd” ($.personuppgifter.underbitraden.tillstand)") == []


@pytest.mark.skipif(not example_paths(), reason="inga exempel i indata/avtal än")
def test_no_rule_message_shows_json_values() -> None:
    seen: list[str] = []
    for path in example_paths():
        for after in [None, *_breakers()]:
            seen += _messages(path, after)
    raw = {m: _raw_words(m) for m in seen if _raw_words(m)}
    assert raw == {}
    joined = "\n".join(seen)
    # the broken agreements did reach the messages that name enums and booleans
    for expected in ("”Utgår”", "”Ersätts av bilaga”", "”Särskilt tillstånd”", "”Ja”", "”Nej”"):
        assert expected in joined, expected
