"""Every rule message reads as Swedish prose: fields by their titles, enum values by their labels, booleans as Ja/Nej.

The place (JSON path) of a finding is given beside the message, for the CLI's "fil: plats"; the sentence itself never
holds a path, a snake_case key, true/false or an enum value written as a JSON key.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

import pytest
from broken_agreements import BREAKERS, FOLDED, Breaker, raw_json
from conftest import THRESHOLDS, example_paths

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.labels import where
from avtalsgenerator.agreement.load import load_json
from avtalsgenerator.agreement.schema import apply_defaults
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import AvtalError
from avtalsgenerator.kinds import KINDS
from avtalsgenerator.legal import rules

# Rules no change a user can make in the form reaches: the schema's own enum and pattern keep them from firing
# on a saved file, and they stay as defence for data written by hand (the scan still reads their wording).
UNREACHABLE: set[str] = set()


def _findings(path: Path, breaker: Breaker | None) -> list[tuple[str, str]]:
    """(rule id, message) of every finding for the example ``path`` changed by ``breaker``, each rule run on its own
    as the form runs them on a draft (a rule that cannot read the changed shape finds nothing)."""
    thresholds = load_thresholds(THRESHOLDS)
    data = copy.deepcopy(load_json(path))
    if breaker is not None:
        breaker(data)
    with contextlib.suppress(LookupError, TypeError, AttributeError, ValueError):
        data = apply_defaults(data)
    try:
        context = build_context(copy.deepcopy(data), thresholds, str(path))
    except (AvtalError, LookupError, TypeError, AttributeError, ValueError, ArithmeticError):
        context = {}
    agreement = rules.Agreement(data, context, thresholds)
    found = []
    for rule in rules.RULES:
        try:
            found += [(rule.id, message) for _, message in rule.check(agreement)]
        except (LookupError, TypeError, AttributeError, ValueError, ArithmeticError):
            continue
    return found


@pytest.fixture(scope="module")
def every_finding() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in example_paths():
        for breaker in [None, *BREAKERS.values()]:
            found += _findings(path, breaker)
    return found


def test_the_scan_knows_the_folded_words() -> None:
    assert {"utgar", "ersatts", "sarskilt", "allmant", "ersatts_av_bilaga", "kommunalforbund", "anstalld", "omforhandling"} <= FOLDED
    assert not {"ny", "kommun", "region", "mandat", "lagrum"} & FOLDED
    assert raw_json("ange tillstand sarskilt eller allmant: true") == ["allmant", "sarskilt", "tillstand", "true"]
    assert raw_json("ändra $.avtal.typ eller ansluter_fran") == ["$.", "ansluter_fran"]
    assert raw_json("ange ”Ja” i ”Personuppgifter › Underbiträden › Tillstånd” för Lerums kommun (lerums-kommun)") == []


def test_a_place_is_named_by_the_titles_the_form_shows() -> None:
    assert where("$.parter[1].beslut.mandat") == "”Parter › Part 2 › Beslut › Mandat”"
    assert where("$.ekonomi.tak") == "”Ekonomi › Tak”"
    assert where("$.parter[].andel_procent") == "”Parter › Part › Andel i procent”"
    for wrong in ("$.ekonomi.tack", "$.parter.namn", "ekonomi", "$"):
        with pytest.raises(KeyError):
            where(wrong)


def test_what_a_kind_says_instead_names_the_section_by_its_title() -> None:
    assert where("$.andringar") in str(KINDS["tillaggsavtal"].instead)
    assert where("$.avsikt.utredning") in str(KINDS["avsiktsforklaring"].instead)


@pytest.mark.skipif(not example_paths(), reason="inga exempel i indata/avtal än")
def test_no_rule_message_shows_json(every_finding: list[tuple[str, str]]) -> None:
    raw = {message: raw_json(message) for _, message in every_finding if raw_json(message)}
    assert raw == {}
    joined = "\n".join(message for _, message in every_finding)
    # the broken agreements did reach the messages that name fields, enums and booleans
    for expected in ("”Utgår”", "”Ersätts av bilaga”", "”Särskilt tillstånd”", "”Ja”", "”Nej”", "”Kommunalförbund”", "”Anställd”",
                     "”Ekonomi › Tak”", "”Avtalet › Avtalstyp”"):
        assert expected in joined, expected


@pytest.mark.skipif(not example_paths(), reason="inga exempel i indata/avtal än")
def test_the_broken_agreements_reach_every_rule(every_finding: list[tuple[str, str]]) -> None:
    fired = {rule_id for rule_id, _ in every_finding}
    assert {r.id for r in rules.RULES} - fired - UNREACHABLE == set()
