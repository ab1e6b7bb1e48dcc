"""Tests for the legal rules: one smallest breaking change per rule, the examples, and the Luhn property."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import THRESHOLDS, example_paths
from hypothesis import given
from hypothesis import strategies as st

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.load import load_json
from avtalsgenerator.agreement.schema import apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import Problem
from avtalsgenerator.legal import rules

FILE = "indata/avtal/test.json"
Data = dict[str, Any]


def _party(party_id: str, namn: str, orgnr: str, roll: str, **extra: Any) -> Data:
    return {
        "id": party_id,
        "namn": namn,
        "typ": "kommun",
        "organisationsnummer": orgnr,
        "roll": roll,
        "undertecknare": {"namn": "Eva Berg", "titel": "kommunstyrelsens ordförande"},
        "beslut": {"organ": "Kommunfullmäktige", "datum": "2024-10-01", "paragraf": "§ 45"},
        **extra,
    }


BASE: Data = {
    "avtal": {
        "id": "regeltest",
        "typ": "avtalssamverkan",
        "titel": "Avtal om familjebehandling",
        "diarienummer": "KS 2024/100",
        "datum": "2024-11-15",
        "syfte": "Att ge ungdomar strukturerad familjebehandling.",
    },
    "parter": [
        _party("norrstrom", "Norrströms kommun", "212000-1009", "uppdragstagare"),
        _party("fjallviken", "Fjällvikens kommun", "212000-2007", "uppdragsgivare", andel_procent=60),
        _party("ostanby", "Östanby kommun", "212000-0142", "uppdragsgivare", andel_procent=40),
    ],
    "uppgifter": [{"beskrivning": "Familjebehandling för 12–17 år", "utforare": "norrstrom", "mottagare": ["fjallviken", "ostanby"]}],
    "extern_delegering": {
        "forekommer": True,
        "namnder": [{"part": "fjallviken", "namnd": "Socialnämnden i Fjällvikens kommun"}],
        "arenden": ["Beslut om familjebehandling enligt 4 kap. 1 § socialtjänstlagen"],
        "mottagare_part": "norrstrom",
        "befattning": "enhetschef",
        "mottagare_kategori": "anstalld",
        "vidaredelegering": False,
    },
    "ekonomi": {
        "modell": "sjalvkostnad",
        "kostnad_ar": 100000,
        "fordelning": {"nyckel": "andel"},
        "tak": {"troskel": "direktupphandlingsgrans"},
        "avrakning": {"underlag": "de faktiska kostnaderna", "tidpunkt": "en gång per år", "reglering": "En skillnad regleras på nästa faktura."},
    },
    "personuppgifter": {
        "roll": "personuppgiftsbitrade",
        "ansvarig": ["fjallviken", "ostanby"],
        "bitrade": "norrstrom",
        "andamal": ["utföra familjebehandling"],
        "behandlingens_art": ["registrering", "lagring"],
        "registrerade": ["ungdomar och deras vårdnadshavare"],
        "kategorier": ["namn och personnummer"],
        "sakerhetsatgarder": ["behörighetsstyrning"],
        "underbitraden": {"tillstand": "sarskilt"},
    },
    "avtalstid": {"start": "2025-01-01", "slut": "2027-12-31"},
}


@pytest.fixture(scope="module")
def thresholds() -> Any:
    return load_thresholds(THRESHOLDS)


@pytest.fixture
def data() -> Data:
    """A valid agreement that uses every ruled feature: three municipalities, delegation, shares, a cap and a PUB."""
    return copy.deepcopy(BASE)


@pytest.fixture
def findings(thresholds: Any) -> Callable[..., list[Problem]]:
    """Validate, fill defaults, compute and run the rules; ``after`` changes the data once the context is built.

    ``after`` is for changes the schema or the compute stage would refuse before the rules ever ran.
    """

    def run(data: Data, after: Callable[[Data], None] | None = None) -> list[Problem]:
        validate(data, FILE)
        full = apply_defaults(data)
        context = build_context(full, thresholds, FILE)
        if after is not None:
            after(full)
        return rules.check(full, context, FILE, thresholds)

    return run


def one(problems: list[Problem], place: str, severity: str = "fel") -> str:
    """The message of the single problem at ``place``, which must have ``severity``."""
    at = [p for p in problems if p.place == place]
    assert len(at) == 1, f"expected one problem at {place}, got {problems}"
    assert at[0].severity == severity, at[0]
    assert at[0].file == FILE
    return at[0].message


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "fel"]


# --- the rule set ----------------------------------------------------------------------------------


def test_rule_ids_and_severities() -> None:
    assert {r.id: r.severity for r in rules.RULES} == {
        "parter.typ": "fel",
        "parter.samma_slag": "fel",
        "parter.samma_slag_delad": "varning",
        "parter.regionala_uppgifter": "fel",
        "parter.kommunalforbund": "varning",
        "parter.roller": "fel",
        "parter.dubbletter": "fel",
        "orgnr.form": "fel",
        "orgnr.kontrollsiffra": "fel",
        "orgnr.serie": "fel",
        "uppgifter.roller": "fel",
        "delegering.kategori": "fel",
        "delegering.befattning": "fel",
        "delegering.vidaredelegering": "fel",
        "delegering.arenden": "fel",
        "delegering.mottagare_part": "fel",
        "delegering.namnder": "fel",
        "delegering.forvaltningschef": "fel",
        "beslut.organ": "varning",
        "datum.avtalstid": "fel",
        "datum.betalning_fran": "fel",
        "datum.beslut": "fel",
        "datum.uppsagningstid": "fel",
        "ekonomi.sjalvkostnad": "varning",
        "ekonomi.direktupphandling": "fel",
        "ekonomi.direktupphandling_utan_tak": "varning",
        "ekonomi.hamburg": "fel",
        "ekonomi.myndighetsutovning": "varning",
        "ekonomi.andelar": "fel",
        "ekonomi.utforare_betalar": "varning",
        "ekonomi.avrakning": "fel",
        "ekonomi.betalning_villkor": "fel",
        "ekonomi.takperiod": "varning",
        "ekonomi.indexering_tak": "varning",
        "personuppgifter.pub_innehall": "fel",
        "personuppgifter.behandlingens_art": "varning",
        "personuppgifter.kansliga": "fel",
        "personuppgifter.tredjeland": "fel",
        "personuppgifter.tredjeland_underbitraden": "varning",
        "personuppgifter.parter": "fel",
        "personuppgifter.roll": "fel",
        "personuppgifter.organ": "fel",
        "personuppgifter.samma_ansvarige": "varning",
        "avtalstyp.delar": "fel",
        "avtalstyp.tomma_listor": "fel",
        "interim.upphorande": "fel",
        "omforhandling.avtalstid": "varning",
        "arkiv.overlamnande": "varning",
        "avtal.lagrum": "varning",
        "tillagg.andringar": "fel",
        "tillagg.parter": "fel",
        "tillagg.vissa_parter": "varning",
        "tillagg.bilagor": "fel",
        "tillagg.ekonomi": "fel",
        "tillagg.datum": "fel",
        "avsikt.bindande_ord": "varning",
        "avsikt.kostnader": "fel",
        "avsikt.datum": "fel",
    }


def test_the_base_agreement_breaks_no_rule(data: Data, findings: Callable[..., list[Problem]]) -> None:
    assert findings(data) == []


def test_rules_work_without_a_context(data: Data) -> None:
    """The rules read the data; the context only adds amounts, so they can also run before the compute stage."""
    assert rules.check(apply_defaults(data), {}, FILE) == []


@pytest.mark.skipif(not example_paths(), reason="inga exempel i indata/avtal än")
@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_examples_break_no_rule(path: Path, thresholds: Any) -> None:
    raw = load_json(path)
    validate(raw, str(path))
    full = apply_defaults(raw)
    found = rules.check(full, build_context(full, thresholds, str(path)), str(path))
    assert errors(found) == []


# --- parties ---------------------------------------------------------------------------------------


def test_a_company_cannot_be_a_party(data: Data, findings: Callable[..., list[Problem]]) -> None:
    found = findings(data, after=lambda d: d["parter"][1].update(typ="aktiebolag"))
    assert "\"aktiebolag\" kan inte vara part" in one(found, "$.parter[1].typ")


def test_kommun_and_region_do_not_mix_in_a_task_that_is_not_shared(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][2].update(typ="region", organisationsnummer="232100-0016", namn="Region Östanby")
    found = findings(data)
    message = one(found, "$.uppgifter[0]")
    assert "uppgiften utförs mellan 1 region och 2 kommuner" in message
    assert "inom varje parts kompetens" in message and "”Uppgifter › Uppgift 1 › Uppgift för både kommuner och regioner”" in message
    assert [p.place for p in found] == ["$.uppgifter[0]"]  # one message for the cause, not one per party


def test_kommun_and_region_may_share_a_health_care_task_with_one_warning(data: Data, findings: Callable[..., list[Problem]]) -> None:
    """Hjälpmedel under HSL is a task of both: 14 municipalities and a region give one warning, no error."""
    region = _party("region", "Region Norrbotten", "232100-0230", "uppdragstagare") | {"typ": "region"}
    municipalities = [
        _party(f"k{n}", f"Kommun {n}", f"212000-{n:03d}{d}", "uppdragsgivare", andel_procent=Decimal(100) / 14)
        for n, d in [(k, rules.luhn_check_digit(f"212000{k:03d}")) for k in range(1, 15)]
    ]
    data["parter"] = [region, *municipalities]
    data["uppgifter"] = [{"beskrivning": "Hjälpmedel", "utforare": "region", "mottagare": [p["id"] for p in municipalities],
                          "lagrum": "hälso- och sjukvårdslagen (2017:30)"}]
    data["extern_delegering"] = {"forekommer": False}
    data["personuppgifter"] = {"roll": "ingen", "bedomning": "Varje part behandlar bara personuppgifter i sina egna ärenden."}
    data["ekonomi"] = {"modell": "sjalvkostnad", "kostnad_ar": 100000, "avrakning": BASE["ekonomi"]["avrakning"]}
    found = findings(data)
    assert errors(found) == []
    assert "hälso- och sjukvårdslagen" in one(found, "$.parter", "varning")


def test_kommun_and_region_may_mix_in_another_agreement_type(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["avtal"]["typ"] = "samverkansavtal"
    data["parter"][2].update(typ="region", organisationsnummer="232100-0016", namn="Region Östanby")
    assert findings(data) == []


def _region(number: int, name: str) -> dict[str, Any]:
    digits = f"232100{number:03d}"
    return {"typ": "region", "organisationsnummer": f"232100-{number:03d}{rules.luhn_check_digit(digits)}", "namn": name}


def test_region_gotland_with_regions_is_tried_as_a_region(data: Data, findings: Callable[..., list[Problem]]) -> None:
    """Region Gotland is legally a kommun with a region's tasks: with regions only, no mixed-kinds error."""
    data["parter"][0].update(namn="Region Gotland", organisationsnummer="212000-0803", regionala_uppgifter=True)
    data["parter"][1].update(_region(1, "Region Fjällviken"))
    data["parter"][2].update(_region(2, "Region Östanby"))
    assert errors(findings(data)) == []


def test_region_gotland_without_the_field_is_told_how_to_mark_it(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][0].update(namn="Region Gotland", organisationsnummer="212000-0803")
    data["parter"][1].update(_region(1, "Region Fjällviken"))
    data["parter"][2].update(_region(2, "Region Östanby"))
    message = one(findings(data), "$.uppgifter[0]")
    assert "uppgiften utförs mellan 2 regioner och 1 kommun" in message
    assert message.endswith("; Region Gotland har också en regions uppgifter: ange ”Ja” i ”Parter › Part 1 › Har också en regions uppgifter”")


def test_region_gotland_with_a_kommun_and_a_region_still_mixes(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][0].update(namn="Region Gotland", organisationsnummer="212000-0803", regionala_uppgifter=True)
    data["parter"][2].update(_region(2, "Region Östanby"))
    message = one(findings(data), "$.uppgifter[0]")
    assert "uppgiften utförs mellan 1 region och 2 kommuner" in message and "regionala_uppgifter" not in message


def test_only_a_kommun_can_have_a_regions_tasks(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][2].update(_region(2, "Region Östanby") | {"regionala_uppgifter": True})
    data["parter"][1].update(_region(1, "Region Fjällviken"))
    data["parter"][0].update(namn="Region Gotland", organisationsnummer="212000-0803", regionala_uppgifter=True)
    message = one(findings(data), "$.parter[2].regionala_uppgifter")
    assert message.startswith("bara en kommun kan också ha en regions uppgifter (som Region Gotland), och Region Östanby har typen ”Region”")


def test_kommunalforbund_is_a_warning_to_confirm_its_mandate(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][2].update(typ="kommunalforbund", organisationsnummer="222000-1230", namn="Östanby räddningstjänstförbund")
    found = findings(data)
    assert "förbundsordning" in one(found, "$.parter[2].typ", "varning")
    assert errors(found) == []


def test_a_performing_party_is_needed(data: Data, findings: Callable[..., list[Problem]]) -> None:
    found = findings(data, after=lambda d: d["parter"][0].update(roll="uppdragsgivare"))
    assert "ingen part har rollen ”Uppdragstagare”" in one(found, "$.parter")


def test_a_commissioning_party_is_needed(data: Data, findings: Callable[..., list[Problem]]) -> None:
    def everyone_performs(d: Data) -> None:
        for party in d["parter"]:
            party["roll"] = "uppdragstagare"

    found = findings(data, after=everyone_performs)
    assert "ingen part har rollen ”Uppdragsgivare”" in one(found, "$.parter")


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [("id", "fjallviken", "fjallviken"), ("namn", " fjällvikens  KOMMUN", "fjällvikens"), ("organisationsnummer", "212000-2007", "212000-2007")],
)
def test_no_party_twice(data: Data, findings: Callable[..., list[Problem]], field: str, value: str, shown: str) -> None:
    found = findings(data, after=lambda d: d["parter"][2].update({field: value}))
    message = one(found, f"$.parter[2].{field}")
    assert "samma" in message and "som part 2, Fjällvikens kommun" in message and shown in message


# --- organisation numbers --------------------------------------------------------------------------


def test_orgnr_form(data: Data, findings: Callable[..., list[Problem]]) -> None:
    found = findings(data, after=lambda d: d["parter"][1].update(organisationsnummer="2120002007"))
    assert "NNNNNN-NNNN" in one(found, "$.parter[1].organisationsnummer")


def test_orgnr_check_digit(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][2]["organisationsnummer"] = "212000-0143"
    assert one(findings(data), "$.parter[2].organisationsnummer") == "kontrollsiffran stämmer inte (212000-0143); kontrollera numret"


def test_region_with_a_municipality_number(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["avtal"]["typ"] = "samverkansavtal"
    data["parter"][1]["typ"] = "region"
    message = one(findings(data), "$.parter[1].organisationsnummer")
    assert "numret 212000-2007 tillhör en kommun" in message and "Region Gotland" in message


def test_company_number_is_named_as_such(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][1]["organisationsnummer"] = "556000-0001"
    assert "tillhör ett bolag" in one(findings(data), "$.parter[1].organisationsnummer")


def test_federation_number_on_a_municipality(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][1]["organisationsnummer"] = "222000-1230"
    assert "tillhör ett kommunalförbund (222000-), inte en kommun" in one(findings(data), "$.parter[1].organisationsnummer")


def test_number_outside_every_series(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][1]["organisationsnummer"] = "202100-" + "000" + str(rules.luhn_check_digit("202100000"))
    assert "hör inte till serien för en kommun (212000-)" in one(findings(data), "$.parter[1].organisationsnummer")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_valid_numbers_pass_luhn(nine: str) -> None:
    number = f"{nine[:6]}-{nine[6:]}{rules.luhn_check_digit(nine)}"
    assert rules.orgnr_valid(number)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_change_fails_luhn(nine: str, position: int, shift: int) -> None:
    digits = list(nine + str(rules.luhn_check_digit(nine)))
    digits[position] = str((int(digits[position]) + shift) % 10)
    changed = "".join(digits)
    assert not rules.orgnr_valid(f"{changed[:6]}-{changed[6:]}")


# --- tasks -----------------------------------------------------------------------------------------


def test_task_performer_is_an_uppdragstagare(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["uppgifter"][0]["utforare"] = "fjallviken"
    assert one(findings(data), "$.uppgifter[0].utforare").startswith("Fjällvikens kommun har rollen ”Uppdragsgivare”, men den som utför "
                                                                      "en uppgift ska vara ”Uppdragstagare”")


def test_task_recipient_is_an_uppdragsgivare(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["uppgifter"][0]["mottagare"].append("norrstrom")
    assert "Norrströms kommun har rollen ”Uppdragstagare”, men den som uppgiften utförs åt ska vara ”Uppdragsgivare”" in one(
        findings(data), "$.uppgifter[0].mottagare[2]")


# --- external delegation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("category", "reason"), [("konsult", "konsult"), ("fortroendevald", "förtroendevalda"), ("bolag", "kommunalt bolag")])
def test_delegation_only_to_employees(data: Data, findings: Callable[..., list[Problem]], category: str, reason: str) -> None:
    data["extern_delegering"]["mottagare_kategori"] = category
    message = one(findings(data), "$.extern_delegering.mottagare_kategori")
    assert "bara delegeras till anställda hos uppdragstagaren" in message and reason in message


def test_delegation_names_a_post(data: Data, findings: Callable[..., list[Problem]]) -> None:
    del data["extern_delegering"]["befattning"]
    assert "befattning" in one(findings(data), "$.extern_delegering.befattning")


def test_delegation_states_further_delegation(data: Data, findings: Callable[..., list[Problem]]) -> None:
    del data["extern_delegering"]["vidaredelegering"]
    assert "delegeras vidare" in one(findings(data), "$.extern_delegering.vidaredelegering")


def test_delegation_lists_the_matters(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["extern_delegering"]["arenden"] = []
    assert "vilka ärenden" in one(findings(data), "$.extern_delegering.arenden")


def test_delegation_goes_to_an_uppdragstagare(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["extern_delegering"]["mottagare_part"] = "fjallviken"
    assert one(findings(data), "$.extern_delegering.mottagare_part").endswith("; välj Norrströms kommun")


def test_no_delegation_needs_nothing(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["extern_delegering"] = {"forekommer": False, "mottagare_kategori": "konsult"}
    assert findings(data) == []


# --- dates -----------------------------------------------------------------------------------------


def test_end_before_start(data: Data, findings: Callable[..., list[Problem]]) -> None:
    found = findings(data, after=lambda d: d["avtalstid"].update(slut="2024-12-31"))
    assert "slutdatum 2024-12-31 ligger inte efter startdatum 2025-01-01" in one(found, "$.avtalstid.slut")


def test_payment_starts_before_the_term(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["avtalstid"]["betalning_fran"] = "2024-12-01"
    assert "före avtalets start" in one(findings(data), "$.avtalstid.betalning_fran")


def test_payment_starts_after_the_term(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["avtalstid"]["betalning_fran"] = "2028-01-01"
    assert "efter avtalets slut" in one(findings(data), "$.avtalstid.betalning_fran")


def test_decision_after_signing(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][1]["beslut"]["datum"] = "2024-11-16"
    assert "efter avtalsdatum 2024-11-15" in one(findings(data), "$.parter[1].beslut.datum")


def test_decision_on_the_signing_day_is_fine(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][1]["beslut"]["datum"] = "2024-11-15"
    assert findings(data) == []


def test_notice_as_long_as_the_term(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["uppsagning"] = {"manader": 36}
    assert "inte kortare än avtalstiden" in one(findings(data), "$.uppsagning.manader")
    data["uppsagning"] = {"manader": 35}
    assert findings(data) == []


def test_notice_must_be_positive(data: Data, findings: Callable[..., list[Problem]]) -> None:
    found = findings(data, after=lambda d: d["uppsagning"].update(manader=0))
    assert "minst en månad" in one(found, "$.uppsagning.manader")


# --- money -----------------------------------------------------------------------------------------


def test_compensation_above_cost(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"]["ersattning_ar"] = 100001
    assert "självkostnadsprincipen" in one(findings(data), "$.ekonomi.ersattning_ar", "varning")


def test_each_payer_against_the_limit(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"]["kostnad_ar"] = 1000000
    found = findings(data)
    message = one(found, "$.parter[1]")
    assert "Fjällvikens kommun betalar 1\xa0800\xa0000\xa0kr enligt avtalet under beräkningsperioden (3 år)" in message
    assert "700\xa0000\xa0kr den 2024-11-15" in message and "”Ekonomi › Undantag från upphandling”" in message
    assert "1\xa0200\xa0000\xa0kr" in one(found, "$.parter[2]")


def _single_payer(data: Data, cost: int) -> None:
    data["parter"][1]["andel_procent"] = 100
    data["ekonomi"].update(kostnad_ar=cost, berakningsperiod_ar=1, fordelning={"nyckel": "andel", "betalande": ["fjallviken"]})


def test_amount_at_the_limit_is_not_below_it(data: Data, findings: Callable[..., list[Problem]]) -> None:
    _single_payer(data, 700000)
    assert "inte är under" in one(findings(data), "$.parter[1]")
    _single_payer(data, 699999)
    assert errors(findings(data)) == []


def test_the_cap_names_the_limit_that_applies(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"]["kostnad_ar"] = 1000000
    data["ekonomi"]["tak"] = {"troskel": "direktupphandlingsgrans_sociala_tjanster"}
    assert findings(data) == []


def test_without_a_cap_the_general_limit_gives_a_warning(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"]["kostnad_ar"] = 1000000
    del data["ekonomi"]["tak"]
    found = findings(data)
    assert "”Ekonomi › Tak”" in one(found, "$.parter[1]", "varning")
    assert errors(found) == []


HAMBURG: Data = {
    "grund": "hamburg",
    "endast_upphandlande_myndigheter": True,
    "gemensamma_mal": True,
    "allmanintresse": True,
    "andel_oppen_marknad_procent": 19.9,
}


def test_a_stated_hamburg_exception_allows_more(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"].update(kostnad_ar=1000000, undantag=dict(HAMBURG))
    del data["ekonomi"]["tak"]
    assert findings(data) == []


def test_a_cap_stated_beside_an_exception_must_still_hold(data: Data, findings: Callable[..., list[Problem]]) -> None:
    """The document prints the cap, so an exception does not excuse an amount over it: the cap goes, or the amount."""
    data["ekonomi"].update(kostnad_ar=1000000, undantag=dict(HAMBURG))
    message = one(findings(data), "$.parter[1]")
    assert "ta bort taket (”Ekonomi › Tak”)" in message


@pytest.mark.parametrize("criterion", ["endast_upphandlande_myndigheter", "gemensamma_mal", "allmanintresse"])
def test_hamburg_criterion_missing_or_false(data: Data, findings: Callable[..., list[Problem]], criterion: str) -> None:
    undantag = dict(HAMBURG)
    del undantag[criterion]
    data["ekonomi"]["undantag"] = undantag
    assert "saknas; Hamburgundantaget" in one(findings(data), f"$.ekonomi.undantag.{criterion}")
    data["ekonomi"]["undantag"] = dict(HAMBURG, **{criterion: False})
    assert "utan det gäller inte undantaget" in one(findings(data), f"$.ekonomi.undantag.{criterion}")


def test_hamburg_open_market_share_under_20(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"]["undantag"] = dict(HAMBURG, andel_oppen_marknad_procent=20)
    assert "20\xa0% av verksamheten på den öppna marknaden" in one(findings(data), "$.ekonomi.undantag.andel_oppen_marknad_procent")
    del data["ekonomi"]["undantag"]["andel_oppen_marknad_procent"]
    assert "saknas" in one(findings(data), "$.ekonomi.undantag.andel_oppen_marknad_procent")


def test_public_authority_exception_is_a_warning(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["ekonomi"].update(kostnad_ar=1000000, undantag={"grund": "myndighetsutovning"})
    del data["ekonomi"]["tak"]
    found = findings(data)
    assert "bekräfta att uppgifterna" in one(found, "$.ekonomi.undantag.grund", "varning")
    assert errors(found) == []


def test_shares_sum_to_100(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][2]["andel_procent"] = 30
    assert "blir tillsammans 90\xa0%, inte 100 %" in one(findings(data), "$.ekonomi.fordelning")


def test_decimal_shares_that_sum_to_100(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["parter"][1]["andel_procent"] = 66.7
    data["parter"][2]["andel_procent"] = 33.3
    assert findings(data) == []


# --- personal data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["andamal", "kategorier", "registrerade", "sakerhetsatgarder"])
def test_processor_agreement_content(data: Data, findings: Callable[..., list[Problem]], field: str) -> None:
    del data["personuppgifter"][field]
    assert "artikel 28.3" in one(findings(data), f"$.personuppgifter.{field}")


def test_processor_agreement_duration(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["personuppgifter"]["varaktighet"] = " "
    assert "varaktighet" in one(findings(data), "$.personuppgifter.varaktighet")


def test_processor_agreement_sub_processor_rule(data: Data, findings: Callable[..., list[Problem]]) -> None:
    del data["personuppgifter"]["underbitraden"]
    assert "regeln för underbiträden" in one(findings(data), "$.personuppgifter.underbitraden")


def test_processor_agreement_nature_is_a_warning(data: Data, findings: Callable[..., list[Problem]]) -> None:
    del data["personuppgifter"]["behandlingens_art"]
    assert "behandlingens art" in one(findings(data), "$.personuppgifter.behandlingens_art", "varning")


def test_no_processor_role_needs_no_pub_content(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["personuppgifter"] = {"roll": "ingen", "bedomning": "Varje part behandlar bara personuppgifter i sina egna ärenden."}
    assert findings(data) == []


def test_sensitive_data_needs_a_safeguard(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["personuppgifter"]["kansliga_uppgifter"] = {"forekommer": True, "kategorier": ["hälsa"]}
    assert "skyddsåtgärderna" in one(findings(data), "$.personuppgifter.kansliga_uppgifter.skyddsatgarder")


def test_third_country_needs_basis_and_countries(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["personuppgifter"]["tredjeland"] = {"forekommer": True}
    found = findings(data)
    assert "kapitel V" in one(found, "$.personuppgifter.tredjeland.grund")
    assert "mottagare, land och ändamål" in one(found, "$.personuppgifter.tredjeland.overforingar")


def test_processor_is_not_a_controller(data: Data, findings: Callable[..., list[Problem]]) -> None:
    data["personuppgifter"]["bitrade"] = "fjallviken"
    assert "både personuppgiftsansvarig och personuppgiftsbiträde" in one(findings(data), "$.personuppgifter.bitrade")


# --- the pipeline ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d["parter"][2].update(organisationsnummer="212000-0143"), "$.parter[2].organisationsnummer"),
        (lambda d: d["parter"][1].update(typ="region"), "$.parter[1].organisationsnummer"),
    ],
)
def test_pipeline_stops_on_a_rule_error(data: Data, write_agreement: Callable[..., Path], change: Callable[[Data], None], place: str) -> None:
    from avtalsgenerator.output import pipeline

    change(data)
    path = write_agreement(data)
    result = pipeline.check([path], troskelvarden=THRESHOLDS)
    assert not result.ok
    assert place in [p.place for p in result.failed[str(path)] if p.severity == "fel"]


# --- unknown parties: decided once, in the compute stage -------------------------------------------


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d["uppgifter"][0].update(utforare="sodertorp"), "$.uppgifter[0].utforare"),
        (lambda d: d["uppgifter"][0]["mottagare"].append("sodertorp"), "$.uppgifter[0].mottagare[2]"),
        (lambda d: d["extern_delegering"].update(mottagare_part="sodertorp"), "$.extern_delegering.mottagare_part"),
        (lambda d: d["personuppgifter"]["ansvarig"].append("sodertorp"), "$.personuppgifter.ansvarig[2]"),
        (lambda d: d["personuppgifter"].update(bitrade="sodertorp"), "$.personuppgifter.bitrade"),
        (lambda d: d["ekonomi"]["fordelning"].update(betalande=["fjallviken", "sodertorp"]), "$.ekonomi.fordelning.betalande[1]"),
    ],
)
def test_an_unknown_party_is_reported_once(data: Data, write_agreement: Callable[..., Path], change: Callable[[Data], None], place: str) -> None:
    from avtalsgenerator.output import pipeline

    change(data)
    path = write_agreement(data)
    problems = pipeline.check([path], troskelvarden=THRESHOLDS).failed[str(path)]
    about = [p for p in problems if "sodertorp" in p.message]
    assert [(p.place, p.message) for p in about] == [
        (place, 'det finns ingen part med id "sodertorp"; ange ett av: norrstrom, fjallviken, ostanby')
    ]


def test_rules_do_not_restate_schema_defaults() -> None:
    """The rules read defaults from the data (filled from the schema), never their own copy of a default value."""
    source = Path(rules.__file__).read_text(encoding="utf-8")
    assert '.get("manader", 12)' not in source and "parts_index" not in source
