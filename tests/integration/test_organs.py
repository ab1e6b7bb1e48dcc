"""Who decides and who answers, read in the generated documents: delegation, controllers, archive, default clauses."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import ROOT, read_example
from test_golden import docx_text

from avtalsgenerator.output.batch import Built
from avtalsgenerator.paths import MAIN_FILE, PUB_FILE

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
    assert found and "har rollen ”Uppdragstagare”" in found[0] and found[0].endswith("välj Fjällvikens kommun")
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


# --- 7. archive: a neutral default, hand-over only after a decision ------------------------------

OLD_ARCHIVE = "När avtalet upphör lämnas handlingarna över till uppdragsgivaren."


@pytest.mark.parametrize("stem", [REGIONS, INTERIM])
def test_archive_default_keeps_each_partys_archive_and_hands_over_only_after_a_decision(
        stem: str, generate: Callable[[Data], Built]) -> None:
    clause = section(text(generate(read_example(stem))), "Informationshantering och arkiv")
    assert "Handlingar som kommer in till eller upprättas hos en part i uppdraget ingår i den partens arkiv" in clause
    assert "(2 kap. 10 § tryckfrihetsförordningen)" in clause
    assert "lämnas över från en part till en annan endast efter beslut enligt arkivlagen och parternas arkivreglementen" in clause
    assert OLD_ARCHIVE not in clause and "uppdragsgivarens dokumenthanteringsplan" not in clause


def test_the_archive_responsible_authority_is_printed_when_named(family: Data, generate: Callable[[Data], Built]) -> None:
    clause = section(text(generate(family)), "Informationshantering och arkiv")
    assert ("Parterna har kommit överens om att Socialnämnden i Fjällvikens kommun ansvarar för arkivet med handlingarna i "
            "uppdraget.") in clause


def test_a_hand_over_without_a_decision_is_warned_with_its_place(problems: Callable[[Data], list[str]]) -> None:
    data = read_example(REGIONS)
    data["informationshantering"] = {"arkiv": f"Handlingarna bevaras enligt arkivlagen. {OLD_ARCHIVE}"}
    found = [p for p in problems(data) if p.startswith("$.informationshantering.arkiv: ")]
    assert len(found) == 1 and "3 § arkivlagen" in found[0] and "beslut enligt arkivlagen" in found[0]


# --- 8. renegotiation: limited by term and notice, allowed in an interim -------------------------

RENEGOTIATION_LIMIT = "dock längst till dess det upphör enligt bestämmelserna om avtalstid och uppsägning"


def test_renegotiation_default_never_outlives_the_term(generate: Callable[[Data], Built]) -> None:
    data = read_example(REGIONS)
    del data["uppsagning"]["omforhandling"]
    clause = section(text(generate(data)), "Uppsägning och omförhandling")
    assert f"Under omförhandlingen gäller avtalet med oförändrade villkor, {RENEGOTIATION_LIMIT}." in clause
    assert "till dess ett nytt avtal har börjat gälla" not in clause


def test_an_interim_prints_the_renegotiation_default_and_may_change_it(generate: Callable[[Data], Built],
                                                                      problems: Callable[[Data], list[str]]) -> None:
    data = read_example(INTERIM)
    assert RENEGOTIATION_LIMIT in section(text(generate(data)), "Uppsägning och omförhandling")
    data["uppsagning"] = {"omforhandling": "En part som vill omförhandla interimsavtalet begär det skriftligen. "
                                           "Under omförhandlingen gäller det oförändrat, dock längst till den dag det upphör enligt avsnittet Avtalstid."}
    assert not [p for p in problems(data) if p.startswith("$.uppsagning")]
    clause = section(text(generate(data)), "Uppsägning och omförhandling")
    assert "dock längst till den dag det upphör enligt avsnittet Avtalstid." in clause
    assert "Interimsavtalet kan inte sägas upp i förtid." in clause


def test_a_renegotiation_clause_that_outlives_the_term_is_warned(problems: Callable[[Data], list[str]]) -> None:
    data = read_example(REGIONS)
    data["uppsagning"]["omforhandling"] = "Avtalet gäller med oförändrade villkor till dess ett nytt avtal har börjat gälla."
    found = [p for p in problems(data) if p.startswith("$.uppsagning.omforhandling: ")]
    assert len(found) == 1 and "efter slutdatum eller uppsägning" in found[0]


# --- 9. lagstöd: the avtalssamverkan paragraph only under 9 kap. 37 § KL -------------------------

EXPLAINS_COOPERATION = "Avtalssamverkan innebär att en kommun eller en region genom avtal låter en annan kommun"


def test_the_cooperation_paragraph_only_under_9_kap_37_kl(generate: Callable[[Data], Built],
                                                          problems: Callable[[Data], list[str]]) -> None:
    data = read_example(STOCKHOLM)
    assert EXPLAINS_COOPERATION in section(text(generate(data)), "Lagstöd")
    data["avtal"]["lagrum"] = "lagen (2017:612) om samverkan vid utskrivning från sluten hälso- och sjukvård"
    clause = section(text(generate(data)), "Lagstöd")
    assert "Avtalet ingås med stöd av lagen (2017:612)" in clause
    assert EXPLAINS_COOPERATION not in clause and "ta tillbaka uppgifterna" not in clause
    family = read_example(FULL)
    family["avtal"]["lagrum"] = "lagen (2017:612) om samverkan vid utskrivning från sluten hälso- och sjukvård"
    assert any(p.startswith("$.avtal.lagrum: avtalstypen är avtalssamverkan, som vilar på 9 kap. 37 §")
               for p in problems(family))


# --- 4. one controller in the agreement and the PUB annex ---------------------------------------


def test_the_same_controller_organ_in_agreement_and_processor_annex(family: Data, generate: Callable[[Data], Built]) -> None:
    built = generate(family)
    agreement = section(text(built), "Personuppgifter")
    annex = text(built, PUB_FILE)
    assert "personuppgiftsansvaret ligger hos Socialnämnden i Fjällvikens kommun" in agreement
    assert "| Personuppgiftsansvarig | Socialnämnden i Fjällvikens kommun | 212000-9986 |" in annex
    assert "I biträdesavtalet kallas Socialnämnden i Fjällvikens kommun den personuppgiftsansvarige" in annex
    assert ("[List Bullet] Socialnämnden i Fjällvikens kommun, som hör till Fjällvikens kommun, organisationsnummer 212000-9986"
            in annex)
    assert "| Personuppgiftsansvarig | Fjällvikens kommun |" not in annex


def test_a_comment_naming_another_controller_than_the_annex_is_warned(family: Data, problems: Callable[[Data], list[str]],
                                                                     generate: Callable[[Data], Built]) -> None:
    del family["personuppgifter"]["organ"]
    family["personuppgifter"]["kommentar"] = "Socialnämnden i Fjällvikens kommun är personuppgiftsansvarig för ärendena."
    found = [p for p in problems(family) if p.startswith("$.personuppgifter.kommentar: ")]
    assert len(found) == 1 and "nämner Fjällvikens kommun som personuppgiftsansvarig" in found[0]
    assert "”Personuppgifter › Personuppgiftsansvariga organ”" in found[0]
    # without an organ both documents name the party itself: still one controller
    built = generate(family)
    assert "personuppgiftsansvaret ligger hos Fjällvikens kommun" in text(built)
    assert "| Personuppgiftsansvarig | Fjällvikens kommun | 212000-9986 |" in text(built, PUB_FILE)


def test_an_organ_belongs_to_a_controller(family: Data, problems: Callable[[Data], list[str]]) -> None:
    family["personuppgifter"]["organ"][0]["part"] = "norrstrom"
    assert any(p.startswith("$.personuppgifter.organ[0].part: Norrströms kommun är inte personuppgiftsansvarig") for p in problems(family))


# --- 5. "ingen" is the parties' assessment, with its reason; or a separate agreement -------------


def test_no_processing_for_another_is_printed_as_the_parties_assessment_with_its_reason(
        generate: Callable[[Data], Built], problems: Callable[[Data], list[str]]) -> None:
    data = read_example(REGIONS)
    data["personuppgifter"] = {"roll": "ingen"}
    assert any(p.startswith("$.personuppgifter.bedomning: saknas; att ingen part behandlar personuppgifter") for p in problems(data))
    data["personuppgifter"]["bedomning"] = "Varje region behandlar bara uppgifter om sina egna patienter i sin egen journal."
    clause = section(text(generate(data)), "Personuppgifter")
    assert ("Parterna har bedömt att ingen part behandlar personuppgifter för en annan parts räkning inom ramen för avtalet, av "
            "följande skäl: Varje region behandlar bara uppgifter om sina egna patienter i sin egen journal.") in clause
    assert "[Normal] Ingen part behandlar personuppgifter" not in clause


def test_processing_regulated_in_a_separate_agreement(generate: Callable[[Data], Built], problems: Callable[[Data], list[str]]) -> None:
    data = read_example(STOCKHOLM)
    clause = section(text(generate(data)), "Personuppgifter")
    assert ("regleras i de personuppgiftsbiträdesavtal som tecknas när Region Stockholms avtal med systemleverantören är klart."
            in clause)
    assert "Ingen part får behandla personuppgifter för en annan parts räkning innan det avtalet har ingåtts." in clause
    assert "Ingen part behandlar personuppgifter för en annan parts räkning" not in clause
    del data["personuppgifter"]["separat_avtal"]
    assert any(p.startswith("$.personuppgifter.separat_avtal: saknas") for p in problems(data))


# --- 3. the decision organ of a large agreement ---------------------------------------------------


def test_a_large_agreement_decided_by_the_board_is_warned_until_the_mandate_is_stated(problems: Callable[[Data], list[str]]) -> None:
    data = read_example(INTERIM)
    data["parter"][11]["beslut"]["organ"] = "Kommunstyrelsen"  # Piteå kommun
    found = [p for p in problems(data) if p.startswith("$.parter[11].beslut.organ: ")]
    assert len(found) == 1
    assert "per år för Piteå kommun och beslutas av Kommunstyrelsen" in found[0]
    assert "5 kap. 1 § kommunallagen" in found[0] and "gränsen 1\xa0000\xa0000\xa0kr per år är generatorns riktvärde, inte en lagregel" in found[0]
    assert "”Parter › Part 12 › Beslut › Mandat”" in found[0]
    data["parter"][11]["beslut"]["beloppsgrans"] = 50_000_000
    assert not [p for p in problems(data) if p.startswith("$.parter[11].beslut.organ")]
    data["parter"][11]["beslut"]["beloppsgrans"] = 2_000_000
    found = [p for p in problems(data) if p.startswith("$.parter[11].beslut.organ")]
    assert found and "partens egen gräns i ”Parter › Part 12 › Beslut › Beloppsgräns för beslut utan fullmäktige”" in found[0]
    data["parter"][11]["beslut"]["mandat"] = "Kommunfullmäktiges uppdrag till kommunstyrelsen den 15 november 2021, § 120."
    assert not [p for p in problems(data) if p.startswith("$.parter[11].beslut.organ")]


def test_a_small_agreement_decided_by_a_committee_is_not_warned(problems: Callable[[Data], list[str]]) -> None:
    assert not [p for p in problems(read_example(REGIONS)) if ".beslut.organ" in p]


def test_goteborg_signs_the_supplement_on_the_fullmaktige_decision(generate: Callable[[Data], Built]) -> None:
    body = text(generate(read_example(SUPPLEMENT)))
    assert "[Titeluppgift] Beslut: Kommunfullmäktige 8 december 2022, § 22" in body
    assert "Beslut: Kommunstyrelsen" not in body


# --- 12. the interim names the legal person that takes over, and settles the costs ----------------


def test_the_interim_names_who_takes_over_and_settles_the_costs(generate: Callable[[Data], Built],
                                                               problems: Callable[[Data], list[str]]) -> None:
    data = read_example(INTERIM)
    body = text(generate(data))
    handover = section(body, "Övergång när avtalet upphör")
    assert ("När interimsavtalet upphör tar Region Norrbotten över verksamheten, som därefter bedrivs i den nya samverkansformen. "
            "Region Norrbotten är den juridiska person som tar över verksamheten och dess åtaganden, också om verksamheten ska "
            "bedrivas av en gemensam nämnd, som ingår i Region Norrbotten och inte är en egen juridisk person.") in handover
    assert ("När interimsavtalet har upphört stäms de faktiska kostnaderna för hela avtalstiden av mot det som har fakturerats. "
            "En skillnad regleras mellan uppdragstagaren och de betalande parterna efter samma fördelning som kostnaderna (avräkning) "
            "och betalas inom 30 dagar från det att avräkningen har lämnats.") in section(body, "Ekonomi")
    data["interim"]["overtagare"] = {"namn": "Kommunalförbundet Hjälpmedel i Norrbotten", "typ": "kommunalforbund"}
    handover = section(text(generate(data)), "Övergång när avtalet upphör")
    assert "Kommunalförbundet Hjälpmedel i Norrbotten är den juridiska person som tar över verksamheten och dess åtaganden. " in handover
    del data["interim"]["overtagare"]
    assert "$.interim.overtagare: obligatoriskt fält saknas" in problems(data)


def test_other_kinds_have_no_settlement_sentence(generate: Callable[[Data], Built]) -> None:
    assert "(avräkning)" not in text(generate(read_example(REGIONS)))


# --- 11. the letter of intent: binding words warned, a binding clause under its own heading -------


def test_binding_words_in_a_letter_of_intent_are_warned_with_the_place(problems: Callable[[Data], list[str]]) -> None:
    data = read_example(INTENT)
    data["avsikt"]["nasta_steg"] = "betala dröjsmålsränta om beslutet dröjer."
    data["avsikt"]["utredning"][1]["vad"] = "en översyn av abonnemangskostnaden, som kommunerna åtar sig att betala"
    found = problems(data)
    assert any(p.startswith('$.avsikt.nasta_steg: "dröjsmålsränta" binder parterna, men en avsiktsförklaring binder inte') for p in found)
    assert any(p.startswith('$.avsikt.utredning[1].vad: "åtar sig" binder parterna') and "”Avsiktsförklaring › Bindande åtagande”" in p
               for p in found)


def test_a_letter_of_intent_without_a_binding_clause_says_one_needs_its_own_agreement(generate: Callable[[Data], Built]) -> None:
    clause = section(text(generate(read_example(INTENT))), "Avsiktsförklaringens verkan")
    assert "Den är inte ett avtal och binder inte parterna." in clause
    assert "Vill parterna binda sig vid något, till exempel betalning för leveranser medan samverkan utreds, kräver det ett eget avtal." in clause


def test_seed_004_payment_bridge_is_a_separately_headed_binding_clause(generate: Callable[[Data], Built],
                                                                      problems: Callable[[Data], list[str]]) -> None:
    data = read_example(INTENT)
    data["avsikt"]["bindande_atagande"] = {
        "rubrik": "Betalning för leveranser under utredningen",
        "text": "Kommunerna betalar Region Norrbotten för de hjälpmedel och det förbrukningsmaterial som regionen levererar från den "
                "29 september 2021 till dess att ett interimsavtal har börjat gälla, till de priser som gällde enligt det tidigare "
                "samverkansavtalet.",
    }
    assert not [p for p in problems(data) if p.startswith("$.avsikt")]
    body = text(generate(data))
    bridge = section(body, "Betalning för leveranser under utredningen")
    assert "Till skillnad från avsiktsförklaringen i övrigt är det som står i detta avsnitt ett bindande åtagande" in bridge
    assert "Kommunerna betalar Region Norrbotten för de hjälpmedel" in bridge
    effect = section(body, "Avsiktsförklaringens verkan")
    assert "Med undantag för avsnittet Betalning för leveranser under utredningen uttrycker avsiktsförklaringen" in effect
    assert "Den är inte ett avtal och binder inte parterna." not in effect


def test_a_cost_split_beside_binds_no_one_is_refused(problems: Callable[[Data], list[str]]) -> None:
    data = read_example(INTENT)
    data["avsikt"]["kostnader"] = "Kostnaderna för utredningen delas mellan parterna efter invånarantal."
    found = [p for p in problems(data) if p.startswith("$.avsikt.kostnader: ")]
    assert len(found) == 1 and '("delas")' in found[0] and "”Avsiktsförklaring › Bindande åtagande”" in found[0]


# --- 6. third-country transfers: recipient, country and purpose, agreeing with the sub-processors --

US_SUPPORT = {"mottagare": "Nordic Support Inc.", "land": "USA", "andamal": "support och felsökning av behandlingsplattformen",
              "grund": "kommissionens beslut om adekvat skyddsnivå för EU–US Data Privacy Framework"}


def test_each_transfer_is_printed_with_recipient_country_purpose_and_basis(generate: Callable[[Data], Built]) -> None:
    data = read_example(REGIONS)
    data["personuppgifter"]["underbitraden"]["lista"].append(
        {"namn": "Nordic Support Inc.", "behandling": "support och felsökning", "land": "USA"})
    data["personuppgifter"]["tredjeland"] = {"forekommer": True, "overforingar": [US_SUPPORT]}
    annex = text(generate(data), PUB_FILE)
    assert ("[List Bullet] Till Nordic Support Inc. i USA, för support och felsökning av behandlingsplattformen. Grund: kommissionens "
            "beslut om adekvat skyddsnivå för EU–US Data Privacy Framework.") in annex
    assert "endast till de mottagare, i de länder och för de ändamål som anges för varje överföring i bilaga II" in annex
    assert "i den omfattning som anges i bilaga II" not in annex and "Uppgifter förs över till USA" not in annex


def test_transfers_and_sub_processor_locations_that_disagree_are_warned(problems: Callable[[Data], list[str]]) -> None:
    data = read_example(REGIONS)
    data["personuppgifter"]["underbitraden"]["lista"].append(
        {"namn": "Nordic Support Inc.", "behandling": "support och felsökning", "land": "Indien"})
    found = problems(data)
    assert any(p.startswith("$.personuppgifter.underbitraden.lista[1].land: underbiträdet Nordic Support Inc. behandlar uppgifterna "
                            "i Indien, som inte är ett EU/EES-land") for p in found)
    data["personuppgifter"]["tredjeland"] = {"forekommer": True, "overforingar": [US_SUPPORT]}
    found = problems(data)
    assert any(p.startswith("$.personuppgifter.tredjeland.overforingar[0].land: överföringen till Nordic Support Inc. anger USA, "
                            "men underbiträdet står med landet Indien") for p in found)
    data["personuppgifter"]["tredjeland"] = {"forekommer": True}
    assert any(p.startswith("$.personuppgifter.tredjeland.overforingar: saknas") for p in problems(data))


# --- 10. the supplement: joining parties, and a supplement between some of the main agreement's parties


def test_a_joining_party_accedes_from_a_date_and_the_others_approve(generate: Callable[[Data], Built],
                                                                    problems: Callable[[Data], list[str]]) -> None:
    data = read_example(SUPPLEMENT)
    data["parter"].append({
        "id": "alingsas", "namn": "Alingsås kommun", "typ": "kommun", "organisationsnummer": "212000-1561",
        "ansluter_fran": "2023-03-01",
        "undertecknare": {"namn": "Anna Ek", "titel": "kommunstyrelsens ordförande"},
        "beslut": {"organ": "Kommunfullmäktige", "datum": "2022-12-05", "paragraf": "§ 140"},
    })
    body = text(generate(data))
    assert "[Normal] Tilläggsavtalet ingås mellan följande parter.\n" in body
    assert "som är parter i huvudavtalet" not in body
    assert "[Normal] Västra Götalandsregionen och Göteborgs kommun är parter i huvudavtalet." in body
    assert ("Alingsås kommun ansluter genom tilläggsavtalet till huvudavtalet från och med den 1 mars 2023 och blir från den dagen "
            "part i huvudavtalet") in body
    assert "Övriga parter godkänner genom sina underskrifter att Alingsås kommun blir part i huvudavtalet." in body
    data["parter"][2]["ansluter_fran"] = "2019-01-01"
    assert any(p.startswith("$.parter[2].ansluter_fran: 2019-01-01 ligger före huvudavtalets datum") for p in problems(data))


def test_a_supplement_between_some_parties_binds_only_them(generate: Callable[[Data], Built],
                                                           problems: Callable[[Data], list[str]]) -> None:
    data = read_example(SUPPLEMENT)
    body = text(generate(data))
    assert ("Huvudavtalet har fler parter än tilläggsavtalet (50 parter). Tilläggsavtalet gäller därför endast i förhållandet mellan "
            "parterna i tilläggsavtalet. För huvudavtalets övriga parter gäller huvudavtalet oförändrat.") in body
    del data["avtal"]["huvudavtal"]["endast_mellan_parterna"]
    found = [p for p in problems(data) if p.startswith("$.avtal.huvudavtal.antal_parter: ")]
    assert len(found) == 1 and "huvudavtalet har 50 parter men tilläggsavtalet 2 av dem" in found[0]
    assert "i förhållandet mellan parterna i tilläggsavtalet" in text(generate(data))


def test_no_two_different_annexes_share_a_number_in_a_supplement(generate: Callable[[Data], Built],
                                                                 problems: Callable[[Data], list[str]]) -> None:
    data = read_example(SUPPLEMENT)
    data["andringar"].append({"avser": "bilaga 1 (Kontaktpersoner)", "atgard": "utgar"})
    data["bilagor"] = [{"titel": "Förteckning över digitala hjälpmedel"}]
    body = text(generate(data))
    annexes = [line for line in body.splitlines() if line.startswith("[List Bullet] Bilaga ")]
    assert annexes == [
        "[List Bullet] Bilaga 2: Sortiment av hjälpmedel, med digitala hjälpmedel, version 2023 (ersätter bilaga 2 (Sortiment) i huvudavtalet)",
        "[List Bullet] Bilaga 3: Förteckning över digitala hjälpmedel",  # 1 and 2 are the main agreement's annexes named in the changes
    ]
    data["andringar"][2]["avser"] = "sortimentsbilagan"
    assert any(p.startswith('$.andringar[2].avser: "sortimentsbilagan" säger inte vilken bilaga') for p in problems(data))


def _price_change(data: Data) -> Data:
    """The VGR supplement with a change of the price: the main agreement's cost annex (bilaga 3) replaced by a computed one."""
    data["andringar"].append({"avser": "bilaga 3 (Kostnadsfördelning)", "atgard": "ersatts_av_bilaga", "kostnadsfordelning": True})
    data["parter"][0]["invanare"] = 400_000
    data["parter"][1]["invanare"] = 600_000
    data["avtalstid"]["slut"] = "2025-02-28"
    data["ekonomi"] = {"modell": "sjalvkostnad", "kostnad_ar": 300_000, "tak": {"troskel": "direktupphandlingsgrans"},
                       "fordelning": {"nyckel": "invanare", "betalande": ["vgr", "goteborg"]},
                       "avrakning": {"underlag": "de faktiska kostnaderna", "tidpunkt": "en gång per år",
                                     "reglering": "En skillnad regleras på nästa faktura."}}
    return data


def test_a_supplement_that_changes_the_price_gets_the_replacement_cost_annex_with_its_number(generate: Callable[[Data], Built]) -> None:
    built = generate(_price_change(read_example(SUPPLEMENT)))
    body = text(built)
    assert ("4. I huvudavtalet ersätts bilaga 3 (Kostnadsfördelning) av en ny bilaga 3 (Kostnadsfördelning), som bifogas "
            "tilläggsavtalet.") in body
    assert "[List Bullet] Bilaga 3: Kostnadsfördelning (ersätter bilaga 3 (Kostnadsfördelning) i huvudavtalet)" in body
    annex = text(built, "kostnadsfordelning.docx")
    assert "[Title] Bilaga 3: Kostnadsfördelning" in annex
    assert ("Bilagan ersätter bilaga 3 (Kostnadsfördelning) i huvudavtalet ”Samarbetsavtal om personligt förskrivna hjälpmedel i "
            "Västra Götaland” från och med den 1 mars 2023.") in annex
    plain = annex.replace("\xa0", " ").replace("\u202f", " ")
    assert "| Göteborgs kommun | 600 000 | 60,0 % | 180 000 kr | 360 000 kr |" in plain


def test_the_price_change_gets_the_same_cap_check_and_needs_its_economy(problems: Callable[[Data], list[str]]) -> None:
    data = _price_change(read_example(SUPPLEMENT))
    data["ekonomi"]["kostnad_ar"] = 3_000_000
    assert any(p.startswith("$.parter[1]: Göteborgs kommun betalar") for p in problems(data))
    del data["ekonomi"]["fordelning"]["betalande"]
    assert any(p.startswith("$.ekonomi.fordelning.betalande: saknas; parterna i ett tilläggsavtal har inga roller") for p in problems(data))
    plain = read_example(SUPPLEMENT)
    plain["ekonomi"] = data["ekonomi"]
    assert any(p.startswith("$.ekonomi: används bara i avtal med uppgifter") for p in problems(plain))


# --- LASMIG.md: every default clause text is named with its legal source -----------------------


def _clause_defaults(node: dict[str, Any], path: str = "") -> list[str]:
    """Schema paths whose default is a clause text (a sentence, not a code or a number)."""
    found = [path] if isinstance(node.get("default"), str) and " " in node["default"] else []
    for key, child in node.get("properties", {}).items():
        found += _clause_defaults(child, f"{path}.{key}" if path else key)
    return found


def test_lasmig_names_every_default_clause_with_its_legal_source() -> None:
    schema = json.loads((ROOT / "schema" / "avtal.schema.json").read_text(encoding="utf-8"))
    guide = (ROOT / "mallar" / "LASMIG.md").read_text(encoding="utf-8")
    table = guide.split("## Standardtexter och deras rättsliga grund", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    for path in _clause_defaults(schema):
        parent, leaf = path.rsplit(".", 1)
        assert any(f"`{path}`" in row or (f"`{parent}." in row and f"`.{leaf}`" in row) for row in rows), f"{path} saknas i LASMIG.md"
