"""Each agreement kind is its own document: what the generated text of each kind must and must not say."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, read_example
from docx.oxml.ns import qn
from test_golden import docx_text

from avtalsgenerator.agreement.filters import ar, manader, tidsperiod
from avtalsgenerator.agreement.schema import schema_problems
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.cli import main
from avtalsgenerator.kinds import MAIN_TEMPLATES, TEMPLATE_FILES
from avtalsgenerator.output import pipeline
from avtalsgenerator.output.batch import Built
from avtalsgenerator.output.records import Records
from avtalsgenerator.paths import MAIN_FILE
from avtalsgenerator.prepare import prepare
from avtalsgenerator.templates.trial import minimal_agreement

Data = dict[str, Any]
INTENT = "norrbotten-hjalpmedel-avsiktsforklaring"
INTERIM = "norrbotten-hjalpmedel-interimsavtal"
SUPPLEMENT = "vgr-digitala-hjalpmedel-tillagg"
FULL = "norrstrom-fjallviken-familjebehandling"


@pytest.fixture
def intent() -> Data:
    """The Norrbotten letter of intent (seed 004): 15 parties, three things to investigate, no roles."""
    return copy.deepcopy(read_example(INTENT))


@pytest.fixture
def interim() -> Data:
    """The Norrbotten interim agreement (seed 004): six months, ends when the new form starts, PUB and cost annex."""
    return copy.deepcopy(read_example(INTERIM))


@pytest.fixture
def supplement() -> Data:
    """The VGR supplement on digital assistive devices (seed 003): three changes to the main agreement."""
    return copy.deepcopy(read_example(SUPPLEMENT))


def text(built: Built, name: str = MAIN_FILE) -> str:
    return "\n".join(docx_text(built.outputs[name]))


def sentences(body: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.:])\s+|\n", body) if s.strip()]


# --- avsiktsförklaring -----------------------------------------------------------------------------


def test_letter_of_intent_binds_no_one(intent: Data, generate: Callable[[Data], Built]) -> None:
    built = generate(intent)
    assert list(built.outputs) == [MAIN_FILE]  # no PUB annex, no cost annex
    body = text(built)
    assert "[Title] Avsiktsförklaring" in body
    assert "Den är inte ett avtal och binder inte parterna." in body
    assert "Parterna avser att gemensamt verka för följande" in body
    forbidden = ("åtar sig", " ska ", "skyldig", "dröjsmålsränta", "force majeure", "tvist", "domstol",
                 "personuppgiftsbiträde", "kostnadsfördelning", "fakturer", "uppsägning", "uppdragstagare")
    binding = [s for s in sentences(body) if any(word in f" {s.casefold()} " for word in forbidden)]
    assert binding == []


def test_letter_of_intent_names_what_who_when_and_the_cost_of_the_investigation(intent: Data, generate: Callable[[Data], Built]) -> None:
    body = text(generate(intent))
    assert ("| ett förslag till interimsavtal om hjälpmedel och medicinskt förbrukningsmaterial som gäller från den 1 januari 2022 "
            "| Den gemensamma arbetsgruppen för hjälpmedel | 2021-10-01 |") in body
    assert "[Heading 1] Kostnader för utredningen\n[Normal] Varje part bär sina egna kostnader" in body
    del intent["avsikt"]["kostnader"]
    assert "Varje part bär sina egna kostnader för arbetet enligt avsiktsförklaringen." in text(generate(intent))


@pytest.mark.parametrize("section", ["ekonomi", "personuppgifter", "uppgifter", "force_majeure", "tvist", "uppsagning"])
def test_letter_of_intent_refuses_binding_sections(intent: Data, problems: Callable[[Data], list[str]], section: str) -> None:
    given = {"force_majeure": {"handelser": ["krig"]}, "tvist": {"nivaer": ["kommundirektörerna"]}, "uppsagning": {"manader": 3}}
    intent[section] = given.get(section) or read_example(FULL)[section]
    found = [p for p in problems(intent) if p.startswith(f"$.{section}:")]
    assert len(found) == 1
    assert "kommer inte med i en avsiktsförklaring" in found[0] and "binder inte parterna" in found[0]


def test_letter_of_intent_without_what_to_investigate_is_refused_once(intent: Data, problems: Callable[[Data], list[str]]) -> None:
    del intent["avsikt"]
    assert problems(intent) == ["$.avsikt: obligatoriskt fält saknas"]


# --- tilläggsavtal ---------------------------------------------------------------------------------


def test_supplement_is_short_and_says_what_changes(supplement: Data, generate: Callable[[Data], Built]) -> None:
    built = generate(supplement)
    assert list(built.outputs) == [MAIN_FILE]
    body = text(built)
    full = text(generate(read_example(FULL)))
    assert len(body) < len(full) / 3
    assert ("Tilläggsavtalet ändrar avtalet ”Samarbetsavtal om personligt förskrivna hjälpmedel i Västra Götaland” "
            "med diarienummer RS 2019/0412, daterat den 18 juni 2019") in body
    assert "[Normal] 1. I huvudavtalet ersätts punkt 3.1 med följande lydelse.\n[Quote] Avtalet omfattar" in body
    assert "[Normal] 2. I huvudavtalet införs en ny punkt 3.4 med följande lydelse." in body
    assert ("3. I huvudavtalet ersätts bilaga 2 (Sortiment) av en ny bilaga 2 (Sortiment av hjälpmedel, med digitala hjälpmedel, "
            "version 2023), som bifogas tilläggsavtalet.") in body
    assert ("[List Bullet] Bilaga 2: Sortiment av hjälpmedel, med digitala hjälpmedel, version 2023 (ersätter bilaga 2 (Sortiment) "
            "i huvudavtalet)") in body
    assert "Ändringarna gäller från och med den 1 mars 2023." in body
    assert "I övrigt gäller huvudavtalet oförändrat." in body
    for forbidden in ("Force majeure", "Tvister", "dröjsmålsränta", "Uppsägning", "personuppgift", "Betalning ska ske", "Avtalstid"):
        assert forbidden.casefold() not in body.casefold(), forbidden


def test_a_removed_clause_is_stated_without_text(supplement: Data, generate: Callable[[Data], Built]) -> None:
    supplement["andringar"] = [{"avser": "punkt 9.3", "atgard": "utgar"}]
    assert "[Normal] 1. I huvudavtalet utgår punkt 9.3." in text(generate(supplement))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["avtal"].pop("huvudavtal"), "$.avtal.huvudavtal: obligatoriskt fält saknas"),
        (lambda d: d["avtal"].update(huvudavtal="Samarbetsavtalet RS 2019/0412"), "$.avtal.huvudavtal: ska vara objekt"),
        (lambda d: d["andringar"][0].pop("lydelse"), "$.andringar[0].lydelse: saknas; ange den nya lydelsen för punkt 3.1"),
        (lambda d: d["andringar"][2].pop("bilaga"), "$.andringar[2].bilaga: saknas"),
        (lambda d: d.update(force_majeure={"handelser": ["krig"]}), "$.force_majeure: används bara i avtal med uppgifter"),
        (lambda d: d.update(uppgifter=[{"beskrivning": "x", "utforare": "vgr", "mottagare": ["goteborg"]}]),
         "$.uppgifter: används bara i avtal med uppgifter"),
        (lambda d: d["avtal"]["huvudavtal"].update(datum="2023-01-10"), "$.avtal.huvudavtal.datum: huvudavtalet (2023-01-10) är daterat efter"),
    ],
)
def test_supplement_mistakes_are_named(supplement: Data, problems: Callable[[Data], list[str]], change: Callable[[Data], Any], expected: str) -> None:
    change(supplement)
    found = problems(supplement)
    assert [p for p in found if p.startswith(expected)], found


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda d: d["avtalstid"].update(betalning_fran="2023-04-01"), "$.avtalstid.betalning_fran"),
        (lambda d: d["avtalstid"].update(forlangning={"ar": 1}), "$.avtalstid.forlangning"),
        (lambda d: d["avtal"].update(lagrum="3 kap. 17 § LOU"), "$.avtal.lagrum"),
    ],
)
def test_fields_a_short_document_would_leave_out_are_refused(supplement: Data, intent: Data, problems: Callable[[Data], list[str]],
                                                             change: Callable[[Data], Any], place: str) -> None:
    for data in (supplement, intent):
        change(data)
        assert any(p.startswith(f"{place}: ") and "kommer inte med i" in p for p in problems(data)), problems(data)


def test_an_interim_is_not_extended_by_itself(interim: Data, problems: Callable[[Data], list[str]]) -> None:
    interim["avtalstid"]["forlangning"] = {"ar": 1}
    assert any(p.startswith("$.avtalstid.forlangning: ett interimsavtal är tillfälligt") for p in problems(interim))


def test_main_agreement_is_only_for_a_supplement(problems: Callable[[Data], list[str]], supplement: Data) -> None:
    data = read_example(FULL)
    data["avtal"]["huvudavtal"] = supplement["avtal"]["huvudavtal"]
    assert any(p.startswith("$.avtal.huvudavtal: huvudavtal anges bara för ett tilläggsavtal") for p in problems(data))


# --- interimsavtal ---------------------------------------------------------------------------------


def test_interim_says_how_it_ends_and_where_everything_goes(interim: Data, generate: Callable[[Data], Built]) -> None:
    built = generate(interim)
    body = text(built)
    assert ("Det upphör när den nya samverkansformen för hjälpmedel och medicinskt förbrukningsmaterial i Norrbotten har börjat gälla, "
            "dock senast vid utgången av den 30 juni 2022.") in body
    assert "[Heading 1] Övergång när avtalet upphör" in body
    assert "tar Region Norrbotten över verksamheten, som därefter bedrivs i den nya samverkansformen" in body
    assert "återgår alltså inte till uppdragsgivarna" in body
    for heading in ("Uppgifter", "Personal", "Utrustning", "Lager", "Information och handlingar"):
        assert f"[Heading 2] {heading}\n" in body
    assert "Interimsavtalet kan inte sägas upp i förtid." in body
    assert "återgå till uppdragsgivaren" not in body
    assert "lämnas handlingarna över till uppdragsgivaren" not in body
    assert "uppsägningstid om" not in body
    # part-year cost allocation
    cost = text(built, "kostnadsfordelning.docx")
    assert "Beräkningen avser en period om 6 månader." in cost and "Totalt för perioden (6 månader)" in cost


def test_interim_may_be_ended_early_only_when_the_data_says_so(interim: Data, generate: Callable[[Data], Built],
                                                               problems: Callable[[Data], list[str]]) -> None:
    interim["uppsagning"] = {"manader": 1, "vid_arsskifte": False}
    assert any(p.startswith("$.uppsagning: ett interimsavtal kan inte sägas upp i förtid") for p in problems(interim))
    interim["interim"]["fortida_uppsagning"] = True
    body = text(generate(interim))
    assert "med en uppsägningstid om 1 månad." in body  # not "1 månader"
    assert "kan inte sägas upp i förtid" not in body


# What the user reads when an interimsavtal has no last day: one error, from the schema, that says why.
NO_LAST_DAY = ("$.avtalstid.slut: obligatoriskt fält i ett interimsavtal saknas: ett interimsavtal är tillfälligt och ska ha "
               "ett sista datum som gäller om den nya samverkansformen dröjer (”Interimsavtal › Upphör när” anger händelsen som "
               "avslutar det tidigare); ange det sista datumet (ÅÅÅÅ-MM-DD)")


def test_interim_needs_a_last_day(interim: Data, problems: Callable[[Data], list[str]]) -> None:
    del interim["avtalstid"]["slut"]
    assert problems(interim) == [NO_LAST_DAY]


def test_interim_without_a_last_day_is_refused_by_validera_and_generera(interim: Data, tmp_path: Path) -> None:
    del interim["avtalstid"]["slut"]
    bad = tmp_path / "interim-utan-slut.json"
    bad.write_text(json.dumps(interim, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(main, ["validera", str(bad), "--troskelvarden", str(THRESHOLDS)])
    assert checked.exit_code == 1, checked.output
    assert [line for line in checked.stderr.splitlines() if line.startswith(str(bad))] == [f"{bad}: {NO_LAST_DAY}"]
    utdata = tmp_path / "utdata"
    generated = runner.invoke(main, ["generera", str(bad), "--utdata", str(utdata), "--mallar", str(TEMPLATES),
                                     "--troskelvarden", str(THRESHOLDS)])
    assert generated.exit_code == 1, generated.output
    assert [line for line in generated.stderr.splitlines() if line.startswith(str(bad))] == [f"{bad}: {NO_LAST_DAY}"]
    assert "Traceback" not in checked.output + generated.output
    # No document, manifest or report: only the run's lock and the template check's cache (hidden) may be there.
    assert [p.name for p in utdata.iterdir() if not p.name.startswith(".")] == []


@pytest.mark.parametrize("kind", [kind for kind in MAIN_TEMPLATES if kind != "interimsavtal"])
def test_other_kinds_need_no_last_day(kind: str, write_agreement: Callable[..., Path]) -> None:
    data = json.loads(minimal_agreement(kind).read_text(encoding="utf-8"))
    data["avtalstid"].pop("slut", None)
    assert prepare(write_agreement(data), load_thresholds(THRESHOLDS)).agreement_id == data["avtal"]["id"]


def test_interim_of_five_months_with_an_uneven_end_gets_a_period_it_can_express(interim: Data, problems: Callable[[Data], list[str]],
                                                                                 generate: Callable[[Data], Built]) -> None:
    interim["avtalstid"]["slut"] = "2022-05-20"
    found = problems(interim)
    assert "$.ekonomi.berakningsperiod_manader: avtalstiden 2022-01-01 – 2022-05-20 är inte ett helt antal månader" in found[0]
    assert not any("inget slutdatum" in p for p in found)
    interim["ekonomi"]["berakningsperiod_manader"] = 5
    assert "Beräkningen avser en period om 5 månader." in text(generate(interim), "kostnadsfordelning.docx")


def test_interim_without_its_end_rules_is_refused_once(interim: Data, problems: Callable[[Data], list[str]]) -> None:
    del interim["interim"]
    assert problems(interim)[:1] == ["$.interim: obligatoriskt fält saknas"]


# --- also found on the way -------------------------------------------------------------------------


def test_numbers_and_units_agree() -> None:
    assert [manader(1), manader(3), ar(1), ar(8)] == ["1 månad", "3 månader", "1 år", "8 år"]
    assert [tidsperiod(5), tidsperiod(12), tidsperiod(18), tidsperiod(96)] == ["5 månader", "1 år", "1 år och 6 månader", "8 år"]


def test_notice_of_one_month_reads_1_manad(generate: Callable[[Data], Built]) -> None:
    data = read_example(FULL)
    data["uppsagning"] = {"manader": 1, "vid_arsskifte": False}
    assert "med en uppsägningstid om 1 månad." in text(generate(data))


def test_each_missing_required_field_is_reported_once() -> None:
    data = read_example(FULL)
    del data["avtal"]["titel"], data["avtal"]["syfte"]
    assert [f"{p.place}: {p.message}" for p in schema_problems(data, "x.json")] == [
        "$.avtal.titel: obligatoriskt fält saknas",
        "$.avtal.syfte: obligatoriskt fält saknas",
    ]


@pytest.mark.parametrize(("section", "key"), [("force_majeure", "handelser"), ("tvist", "nivaer")])
def test_empty_clause_lists_are_refused(problems: Callable[[Data], list[str]], section: str, key: str) -> None:
    data = read_example(FULL)
    data[section] = {key: []}
    assert any(p.startswith(f"$.{section}.{key}: listan är tom") for p in problems(data))


def test_fourteen_municipalities_without_a_shared_task_get_one_error(interim: Data, problems: Callable[[Data], list[str]]) -> None:
    for task in interim["uppgifter"]:
        task["lagrum"] = "socialtjänstlagen (2001:453)"
    found = [p for p in problems(interim) if "kompetens" in p]
    assert [p.split(":")[0] for p in found] == ["$.uppgifter[0]", "$.uppgifter[1]"]  # one per task, not one per municipality
    assert "mellan 1 region och 14 kommuner" in found[0]


# --- templates per kind and layout -----------------------------------------------------------------


def test_each_kind_has_its_template_and_every_template_is_used() -> None:
    thresholds = load_thresholds(THRESHOLDS)
    for stem, template in ((INTENT, "avsiktsforklaring.docx"), (SUPPLEMENT, "tillaggsavtal.docx"), (INTERIM, "avtal.docx")):
        assert prepare(EXAMPLES / f"{stem}.json", thresholds).documents[MAIN_FILE] == template
    assert set(MAIN_TEMPLATES.values()) <= set(TEMPLATE_FILES)
    assert {p.name for p in TEMPLATES.glob("*.docx")} == set(TEMPLATE_FILES)


@pytest.mark.parametrize("stem", [FULL, INTERIM, SUPPLEMENT, INTENT])
def test_layout_header_on_one_line_and_background_as_paragraphs(stem: str, generate: Callable[[Data], Built]) -> None:
    data = read_example(stem)
    document = docx.Document(io.BytesIO(generate(data).outputs[MAIN_FILE]))
    header = document.sections[0].header.paragraphs[0].text
    assert len(header.split("\t")[0]) <= 70 and "Dnr" in header
    body = document.element.body
    assert not body.findall(f".//{qn('w:br')}"), "line breaks inside a paragraph instead of paragraphs"
    first_line = data["avtal"]["bakgrund"].splitlines()[0]
    assert first_line in [p.text for p in document.paragraphs]
    for table in body.iter(qn("w:tbl")):
        lead = table.getprevious()
        assert lead is not None and lead.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None, "table not kept with its lead-in"


def test_pub_annex_organisation_number_column_fits(generate: Callable[[Data], Built]) -> None:
    document = docx.Document(io.BytesIO(generate(read_example(FULL)).outputs["pub-bilaga.docx"]))
    for table in document.tables:
        for cell in table.rows[0].cells:
            if cell.text == "Organisationsnummer":
                assert cell.width is not None and cell.width.cm >= 4.5


def test_a_kind_template_change_regenerates_only_that_kind(tmp_path: Path) -> None:
    mallar, indata, utdata = tmp_path / "mallar", tmp_path / "indata", tmp_path / "utdata"
    shutil.copytree(TEMPLATES, mallar)
    indata.mkdir()
    for stem in (SUPPLEMENT, FULL):
        shutil.copy(EXAMPLES / f"{stem}.json", indata)
    first = pipeline.generate(indata=indata, mallar=mallar, utdata=utdata, troskelvarden=THRESHOLDS, workers=1)
    assert first.ok, first.problems
    with Records.load(utdata) as records:
        assert any(doc.mall == str(mallar / "tillaggsavtal.docx") for _, entry in records.entries() for doc in entry.dokument.values())
    template = mallar / "tillaggsavtal.docx"
    document = docx.Document(str(template))
    document.add_paragraph("Tilläggsavtalet har upprättats på svenska.")
    document.save(str(template))
    second = pipeline.generate(indata=indata, mallar=mallar, utdata=utdata, troskelvarden=THRESHOLDS, workers=1)
    assert second.written == [utdata / SUPPLEMENT / MAIN_FILE]
    assert [c.reasons for c in second.changes] == [["mallen tillaggsavtal.docx har ändrats"]]
    assert "Tilläggsavtalet har upprättats på svenska." in text(Built("", outputs={MAIN_FILE: second.written[0].read_bytes()}))
