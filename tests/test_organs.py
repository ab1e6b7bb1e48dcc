"""Who decides and who answers, read in the generated documents: delegation, controllers, archive, default clauses."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from conftest import read_example
from test_golden import docx_text

from avtalsgenerator.output.batch import Built
from avtalsgenerator.paths import MAIN_FILE

Data = dict[str, Any]
FULL = "norrstrom-fjallviken-familjebehandling"
REGIONS = "region-internetbehandling"
STOCKHOLM = "region-stockholm-vardovergangar"
INTERIM = "norrbotten-hjalpmedel-interimsavtal"
SUPPLEMENT = "vgr-digitala-hjalpmedel-tillagg"
INTENT = "norrbotten-hjalpmedel-avsiktsforklaring"
NO_DELEGATION = "Ingen beslutanderätt delegeras inom ramen för avtalet."


@pytest.fixture
def family() -> Data:
    """Norrström and Fjällviken (seed 001): Fjällviken's social committee may delegate to Norrström's unit head."""
    return copy.deepcopy(read_example(FULL))


def text(built: Built, name: str = MAIN_FILE) -> str:
    return "\n".join(docx_text(built.outputs[name]))


def section(body: str, heading: str) -> str:
    """The lines of one Heading 1 section, without its heading."""
    lines = body.splitlines()
    start = lines.index(f"[Heading 1] {heading}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[Heading 1] ")), len(lines))
    return "\n".join(lines[start:end])


# --- 1. delegation: the agreement provides that the nämnd MAY delegate ------------------------------


def test_the_agreement_provides_that_the_committee_may_delegate_and_never_delegates_itself(
        family: Data, generate: Callable[[Data], Built]) -> None:
    clause = section(text(generate(family)), "Extern delegering")
    assert ("Enligt avtalet får Socialnämnden i Fjällvikens kommun uppdra åt anställda hos Norrströms kommun med befattningen "
            "enhetschef för familjebehandlingen att besluta på nämndens vägnar") in clause
    assert "Avtalet delegerar inte i sig någon beslutanderätt." in clause
    assert "uppdrar åt anställda" not in clause  # the old wording read as the delegation itself
    assert "6 kap. 38 § kommunallagen" in clause and "någon annan lag eller förordning inte får delegeras" in clause
    assert "Beslut om delegeringen för Fjällvikens kommun: Socialnämnden i Fjällvikens kommun den 20 mars 2024, § 31." in clause
    assert "anmäls till Socialnämnden i Fjällvikens kommun" in clause
    assert "jävig" in clause
    assert NO_DELEGATION not in clause


def test_a_committee_that_has_not_yet_decided_is_said_so(family: Data, generate: Callable[[Data], Built]) -> None:
    del family["extern_delegering"]["namnder"][0]["beslut"]
    clause = section(text(generate(family)), "Extern delegering")
    assert ("Socialnämnden i Fjällvikens kommun har ännu inte beslutat om delegeringen. Till dess får inga beslut fattas på "
            "nämndens vägnar enligt avtalet.") in clause


def test_two_commissioning_parties_each_with_its_committee_and_decision(generate: Callable[[Data], Built]) -> None:
    data = read_example(REGIONS)
    data["extern_delegering"] = {
        "forekommer": True,
        "namnder": [
            {"part": "norrbotten", "namnd": "Hälso- och sjukvårdsnämnden i Region Norrbotten",
             "beslut": {"organ": "Hälso- och sjukvårdsnämnden", "datum": "2026-02-10", "paragraf": "§ 8"}},
            {"part": "jamtland", "namnd": "Hälso- och sjukvårdsnämnden i Region Jämtland Härjedalen"},
        ],
        "arenden": ["beslut om att avsluta en behandling i programmet"],
        "befattning": "verksamhetschef",
        "vidaredelegering": False,
    }
    clause = section(text(generate(data)), "Extern delegering")
    assert ("Enligt avtalet får Hälso- och sjukvårdsnämnden i Region Norrbotten och Hälso- och sjukvårdsnämnden i Region Jämtland "
            "Härjedalen uppdra åt anställda hos Region Västerbotten") in clause
    assert "på den delegerande nämndens vägnar" in clause and "Varje nämnd beslutar för sin del om delegeringen" in clause
    assert "Beslut om delegeringen för Region Norrbotten: Hälso- och sjukvårdsnämnden den 10 februari 2026, § 8." in clause
    assert "Hälso- och sjukvårdsnämnden i Region Jämtland Härjedalen har ännu inte beslutat om delegeringen." in clause


def test_only_a_committee_of_a_commissioning_party_delegates(family: Data, problems: Callable[[Data], list[str]]) -> None:
    family["extern_delegering"]["namnder"][0]["part"] = "norrstrom"
    found = [p for p in problems(family) if p.startswith("$.extern_delegering.namnder[0].part: ")]
    assert found and "har rollen uppdragstagare" in found[0] and "ange en av: fjallviken" in found[0]
    del family["extern_delegering"]["namnder"]
    assert any(p.startswith("$.extern_delegering.namnder: saknas; ange den eller de nämnder") for p in problems(family))


def test_further_delegation_only_through_an_administrative_head(family: Data, problems: Callable[[Data], list[str]],
                                                                generate: Callable[[Data], Built]) -> None:
    family["extern_delegering"]["vidaredelegering"] = True
    found = [p for p in problems(family) if p.startswith("$.extern_delegering.vidaredelegering: ")]
    assert len(found) == 1
    assert "bara tillåten när beslutanderätten har lämnats till en förvaltningschef (7 kap. 6 § kommunallagen)" in found[0]
    assert "enhetschef för familjebehandlingen" in found[0]
    family["extern_delegering"]["befattning"] = "socialchef"
    family["extern_delegering"]["forvaltningschef"] = True
    assert not [p for p in problems(family) if p.startswith("$.extern_delegering.vidaredelegering")]
    clause = section(text(generate(family)), "Extern delegering")
    assert "vidaredelegering enligt 7 kap. 6 § kommunallagen" in clause and "anmäls till förvaltningschefen" in clause


# --- 2. no delegation is said --------------------------------------------------------------------


@pytest.mark.parametrize("stem", [REGIONS, STOCKHOLM, INTERIM])
def test_an_agreement_without_delegation_says_so(stem: str, generate: Callable[[Data], Built]) -> None:
    clause = section(text(generate(read_example(stem))), "Extern delegering")
    assert clause == f"[Normal] {NO_DELEGATION} " + (
        "Anställda hos uppdragstagaren fattar inga beslut på en uppdragsgivares vägnar; beslut i ärenden som hör till en "
        "uppdragsgivares nämnder fattas av nämnderna själva eller enligt deras egna delegationsordningar.")
