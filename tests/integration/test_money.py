"""Issue 21: every figure an agreement prints holds on its own numbers (tables, caps, prices, payment start, thresholds).

The documents are generated as a user would get them and read back with python-docx: every table must add up, to
the öre, to the amount the text states, and no cap sentence may be printed when a payer's total is over the cap.
"""

from __future__ import annotations

import copy
import io
import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import EXAMPLES, TEMPLATES, THRESHOLDS, example_paths, read_example

from avtalsgenerator.agreement.compute import build_context
from avtalsgenerator.agreement.filters import dagar, kr, procent, rakneord, timmar
from avtalsgenerator.agreement.money import largest_remainder
from avtalsgenerator.agreement.schema import apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import ThresholdError
from avtalsgenerator.output.batch import Built, Settings, build
from avtalsgenerator.output.pipeline import generate
from avtalsgenerator.templates.render import Renderer

AMOUNT = r"(\d{1,3}(?:[\u00a0 ]\d{3})*(?:,\d{2})?)"


def amount(text: str) -> Decimal:
    """``615 312,80 kr`` (or kronor) as a Decimal."""
    match = re.search(AMOUNT, text)
    assert match, text
    return Decimal(match.group(1).replace("\u00a0", "").replace(" ", "").replace(",", "."))


def tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def body(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


@cache
def built(path: Path) -> Built:
    return build(path, Settings(TEMPLATES, load_thresholds(THRESHOLDS)), Renderer())


def built_data(tmp_path: Path, data: dict[str, Any], name: str = "avtal.json") -> Built:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return build(path, Settings(TEMPLATES, load_thresholds(THRESHOLDS)), Renderer())


def generated_as_the_cli_does(tmp_path: Path, data: dict[str, Any], name: str) -> tuple[Path, Any]:
    """``data`` written to indata/``name`` and generated into utdata/ as ``avtal generera`` does; (source, result)."""
    indata = tmp_path / "indata"
    indata.mkdir()
    source = indata / name
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return source, generate([source], utdata=tmp_path / "utdata", indata=indata, mallar=TEMPLATES, troskelvarden=THRESHOLDS)


def with_cost_annex() -> list[Path]:
    return [p for p in example_paths() if "kostnadsfordelning.docx" in built(p).outputs]


def _column(rows: list[list[str]], header: str) -> tuple[list[str], str]:
    """The body cells of the column headed ``header`` and its Summa cell."""
    index = next(i for i, h in enumerate(rows[0]) if h.startswith(header))
    return [r[index] for r in rows[1:-1]], rows[-1][index]


# --- the allocation annex of every example adds up --------------------------------------------------


@pytest.mark.parametrize("path", with_cost_annex(), ids=lambda p: p.stem)
def test_every_allocation_table_sums_exactly_to_the_amount_in_the_text(path: Path) -> None:
    annex = built(path).outputs["kostnadsfordelning.docx"]
    text = body(annex)
    stated = re.search(f"Den kostnad som fördelas uppgår till {AMOUNT} kronor per år och {AMOUNT} kronor för hela perioden", text)
    assert stated, text
    per_year, per_period = amount(stated.group(1)), amount(stated.group(2))
    allocation = tables(annex)[0]
    assert allocation[-1][0] == "Summa"
    for header, stated_total in (("Belopp per år", per_year), ("Totalt för perioden", per_period)):
        cells, total = _column(allocation, header)
        assert sum(amount(c) for c in cells) == amount(total) == stated_total, (header, cells, total)
        with_ore = [bool(re.search(r",\d{2}\u00a0kr$", c)) for c in [*cells, total]]
        assert all(with_ore) or not any(with_ore), f"kolumnen {header} blandar format: {cells}"
    shares, total_share = _column(allocation, "Andel")
    assert all(re.fullmatch(r"\d+,\d\u00a0%", s) for s in [*shares, total_share]), shares
    assert sum(Decimal(s.split("\u00a0")[0].replace(",", ".")) for s in shares) == Decimal("100.0") == Decimal(total_share.split("\u00a0")[0].replace(",", "."))
    assert "läggs ett i taget på de parter vars belopp avrundades ned mest" in text


@pytest.mark.parametrize("path", with_cost_annex(), ids=lambda p: p.stem)
def test_every_total_per_party_is_its_parts_and_under_its_cap(path: Path) -> None:
    """The table of everything a party pays: use plus support, and each total under the cap the text states."""
    outputs = built(path).outputs
    annex = outputs["kostnadsfordelning.docx"]
    found = [t for t in tables(annex) if t[0][:2] == ["Part", "Enligt kostnadsfördelningen"]]
    if "Kostnadstak" not in body(annex):
        assert not found
        return
    (totals,) = found
    assert totals[0] == ["Part", "Enligt kostnadsfördelningen", "Support och förvaltning", "Övriga avgifter", "Totalt för perioden", "Tak"]
    for name, use, support, fees, total, cap in totals[1:]:
        parts = [amount(x) for x in (use, support, fees) if x != "–"]
        assert sum(parts) == amount(total), name
        if cap != "–":
            assert amount(total) < amount(cap), f"{name} betalar {total}, inte under taket {cap}"
    text = body(outputs["avtal.docx"])
    if "har bestämts så att det som varje betalande part betalar" in text:
        limit = amount(re.search(f"uppgår gränsen till {AMOUNT} kronor", text).group(1))
        assert all(amount(row[4]) < limit for row in totals[1:] if row[5] != "–")


def test_the_support_table_is_users_times_the_stated_price() -> None:
    annex = built(EXAMPLES / "region-stockholm-vardovergangar.json").outputs["kostnadsfordelning.docx"]
    price = amount(re.search(f"vilket ger {AMOUNT} kronor per användare och år", body(annex)).group(1))
    support = next(t for t in tables(annex) if t[0] == ["Part", "Användare", "Belopp per år"])
    for _, users, fee in support[1:-1]:
        assert amount(fee) == int(users.replace("\u00a0", "")) * price
    assert sum(amount(r[2]) for r in support[1:-1]) == amount(support[-1][2])


def test_the_interim_allocation_is_42_million_to_the_ore_with_a_rounded_price_said_so() -> None:
    """42 000 000 kr over 250 900 inhabitants: the rows sum to 42 000 000,00, and the price is shown rounded."""
    outputs = built(EXAMPLES / "norrbotten-hjalpmedel-interimsavtal.json").outputs
    allocation = tables(outputs["kostnadsfordelning.docx"])[0]
    assert allocation[-1][3] == "42\u00a0000\u00a0000,00\u00a0kr"
    assert "Priset är 167,40 kronor per invånare och år (avrundat till hela ören)." in body(outputs["avtal.docx"])
    assert "167,3973" not in body(outputs["avtal.docx"]) + body(outputs["kostnadsfordelning.docx"])


def test_an_equal_three_way_split_of_a_million_sums_to_a_million() -> None:
    parts = largest_remainder(Decimal(1000000), [Decimal(1)] * 3)
    assert parts == [Decimal("333333.34"), Decimal("333333.33"), Decimal("333333.33")]
    assert sum(parts) == Decimal("1000000.00")


def test_largest_remainder_gives_the_leftover_ore_to_the_largest_remainders() -> None:
    parts = largest_remainder(Decimal("100.00"), [Decimal(1), Decimal(1), Decimal(1), Decimal(3)])
    assert parts == [Decimal("16.67"), Decimal("16.67"), Decimal("16.66"), Decimal("50.00")]
    assert largest_remainder(Decimal(100), [Decimal(2), Decimal(1)], Decimal("0.1")) == [Decimal("66.7"), Decimal("33.3")]


# --- point 1: the cap counts everything a payer pays ------------------------------------------------


@pytest.fixture
def support_over_the_cap() -> dict[str, Any]:
    """The discharge example as it stood: 420 users at 250 kr for 8 years is 840 000 kr, over 615 312 kr alone."""
    data = read_example("region-stockholm-vardovergangar")
    data["parter"][1]["anvandare"] = 420
    return data


def test_a_cap_exceeded_by_use_and_support_refuses_the_agreement(
    support_over_the_cap: dict[str, Any], tmp_path: Path,
) -> None:
    source, result = generated_as_the_cli_does(tmp_path, support_over_the_cap, "stockholm.json")
    assert not result.ok
    messages = [str(p) for p in result.problems]
    huddinge = next(m for m in messages if "$.parter[1]" in m)
    assert huddinge.startswith(str(source))
    assert "Huddinge kommun betalar 840\u00a0000\u00a0kr enligt avtalet under beräkningsperioden (8 år)" in huddinge
    assert "0\u00a0kr enligt kostnadsfördelningen och 840\u00a0000\u00a0kr för support och förvaltning" in huddinge
    assert "615\u00a0312\u00a0kr den 2020-09-01" in huddinge
    assert not (tmp_path / "utdata" / "region-stockholm-vardovergangar" / "avtal.docx").exists()


def test_no_cap_sentence_is_printed_when_a_payer_is_over_the_cap(support_over_the_cap: dict[str, Any]) -> None:
    """Even rendered without the rules (as if an exception excused it), the template does not claim the cap holds."""
    validate(support_over_the_cap, "x.json")
    data = apply_defaults(support_over_the_cap)
    context = build_context(data, load_thresholds(THRESHOLDS), "x.json")
    assert context["berakning"]["betalningar"]["alla_inom"] is False
    text = body(Renderer().render(TEMPLATES / "avtal.docx", context))
    assert "Taket omfattar allt som en betalande part betalar enligt avtalet" in text
    assert "har bestämts så att" not in text


def test_support_under_another_agreement_is_left_out_of_the_cap_and_the_text_says_so(
    support_over_the_cap: dict[str, Any], tmp_path: Path,
) -> None:
    support_over_the_cap["ekonomi"]["support"]["annat_avtal"] = "förvaltningsavtalet för Samverkan vid vårdövergångar (HSN 2019-0001)"
    result = built_data(tmp_path, support_over_the_cap)
    assert not [p for p in result.problems if p.severity == "fel"], result.problems
    text = body(result.outputs["avtal.docx"])
    assert ("Avgiften för support och förvaltning betalas enligt förvaltningsavtalet för Samverkan vid vårdövergångar "
            "(HSN 2019-0001) och ingår inte i taket.") in text
    totals = tables(result.outputs["kostnadsfordelning.docx"])[-1]
    assert all(row[2] == "–" for row in totals[1:])


# --- other fees (ekonomi.avgifter) count against the cap ---------------------------------------------

FEE_HEADER = ["Part", "Belopp per år", "Totalt för perioden"]
CONNECTION = "avgiften för anslutning till behandlingsplattformen"


def fee_tables(annex: bytes) -> list[list[list[str]]]:
    return [t for t in tables(annex) if t[0] == FEE_HEADER]


@pytest.mark.parametrize("path", [p for p in example_paths() if read_example(p.stem).get("ekonomi", {}).get("avgifter")], ids=lambda p: p.stem)
def test_every_fee_table_sums_and_each_payers_fees_reach_the_totals_table(path: Path) -> None:
    """Each fee's rows add up to its Summa row, and the column Övriga avgifter is each party's fees over the period."""
    outputs = built(path).outputs
    annex = outputs["kostnadsfordelning.docx"]
    fees = read_example(path.stem)["ekonomi"]["avgifter"]
    found = fee_tables(annex)
    assert len(found) == len(fees)
    per_party: dict[str, Decimal] = {}
    for table, fee in zip(found, fees, strict=True):
        for column in (1, 2):
            cells = [row[column] for row in table[1:-1]]
            if table[-1][column] != "–":
                assert sum(amount(c) for c in cells) == amount(table[-1][column]), (fee["benamning"], cells)
        if fee.get("annat_avtal"):
            continue
        for name, _, period in table[1:-1]:
            per_party[name] = per_party.get(name, Decimal(0)) + amount(period)
    totals = next(t for t in tables(annex) if t[0][:2] == ["Part", "Enligt kostnadsfördelningen"])
    assert {row[0]: amount(row[3]) for row in totals[1:] if row[3] != "–"} == per_party
    text = body(outputs["avtal.docx"])
    covered = re.search(r"Taket omfattar allt som en betalande part betalar enligt avtalet: ([^.]*)\.", text)
    assert covered, text
    for fee in fees:
        assert (fee["benamning"] in covered.group(1)) is not bool(fee.get("annat_avtal")), covered.group(1)


def test_the_connection_fee_is_stated_once_per_region_and_the_cap_still_holds() -> None:
    """20 000 kr leaves Region Norrbotten 34 079,60 kr under the cap: room for some yearly PKV indexing of its share."""
    outputs = built(EXAMPLES / "region-internetbehandling.json").outputs
    text = body(outputs["avtal.docx"])
    assert ("Avgiften för anslutning till behandlingsplattformen är ett engångsbelopp om 20\u00a0000 kronor och betalas av "
            "var och en av Region Norrbotten, Region Jämtland Härjedalen och Region Västernorrland.") in text
    assert ("Taket omfattar allt som en betalande part betalar enligt avtalet: den kostnad som fördelas enligt "
            "kostnadsfördelningen och avgiften för anslutning till behandlingsplattformen.") in text
    (fee,) = fee_tables(outputs["kostnadsfordelning.docx"])
    assert fee[1:] == [
        ["Region Norrbotten", "–", "20\u00a0000\u00a0kr"],
        ["Region Jämtland Härjedalen", "–", "20\u00a0000\u00a0kr"],
        ["Region Västernorrland", "–", "20\u00a0000\u00a0kr"],
        ["Summa", "–", "60\u00a0000\u00a0kr"],
    ]
    totals = tables(outputs["kostnadsfordelning.docx"])[-1]
    assert totals[1] == ["Region Norrbotten", "645\u00a0920,40\u00a0kr", "–", "20\u00a0000,00\u00a0kr", "665\u00a0920,40\u00a0kr", "700\u00a0000\u00a0kr"]


@pytest.fixture
def fee_over_the_cap() -> dict[str, Any]:
    """The internet treatment example with a connection fee of 60 000 kr: Region Norrbotten then pays 705 920,40 kr."""
    data = read_example("region-internetbehandling")
    data["ekonomi"]["avgifter"][0]["belopp"] = 60000
    return data


def test_a_fee_that_takes_a_payer_over_the_cap_refuses_the_agreement(fee_over_the_cap: dict[str, Any], tmp_path: Path) -> None:
    source, result = generated_as_the_cli_does(tmp_path, fee_over_the_cap, "internetbehandling.json")
    assert not result.ok
    norrbotten = next(str(p) for p in result.problems if p.place == "$.parter[1]")
    assert norrbotten.startswith(str(source))
    assert ("Region Norrbotten betalar 705\u00a0920,40\u00a0kr enligt avtalet under beräkningsperioden (3 år): "
            "645\u00a0920,40\u00a0kr enligt kostnadsfördelningen och 60\u00a0000\u00a0kr för avgiften för anslutning till "
            "behandlingsplattformen (”Ekonomi › Övriga avgifter › Avgift 1”)") in norrbotten
    assert "inte är under direktupphandlingsgränsen" in norrbotten and "700\u00a0000\u00a0kr den 2026-01-15" in norrbotten
    assert not [p for p in result.problems if p.place in ("$.parter[2]", "$.parter[3]")]
    assert not list((tmp_path / "utdata").rglob("*.docx"))


def test_a_fee_under_another_agreement_is_outside_the_cap_and_the_text_says_so(fee_over_the_cap: dict[str, Any], tmp_path: Path) -> None:
    fee_over_the_cap["ekonomi"]["avgifter"][0]["annat_avtal"] = "anslutningsavtalet för behandlingsplattformen (RS 2025-01001)"
    result = built_data(tmp_path, fee_over_the_cap)
    assert not [p for p in result.problems if p.severity == "fel"], result.problems
    text = body(result.outputs["avtal.docx"])
    assert ("Taket omfattar allt som en betalande part betalar enligt avtalet: den kostnad som fördelas enligt "
            "kostnadsfördelningen.") in text
    assert ("Avgiften för anslutning till behandlingsplattformen betalas enligt anslutningsavtalet för "
            "behandlingsplattformen (RS 2025-01001) och ingår inte i taket.") in text
    totals = tables(result.outputs["kostnadsfordelning.docx"])[-1]
    assert [row[3] for row in totals[1:]] == ["–", "–", "–"]


# --- point 4: the performer among the payers --------------------------------------------------------


def test_the_performer_among_the_payers_has_no_cap_and_a_warning() -> None:
    result = built(EXAMPLES / "norrstrom-fjallviken-familjebehandling.json")
    totals = tables(result.outputs["kostnadsfordelning.docx"])[-1]
    norrstrom = next(r for r in totals if r[0] == "Norrströms kommun")
    assert norrstrom[5] == "–"
    assert "Taket gäller inte Norrströms kommun, som utför uppgifterna" in body(result.outputs["avtal.docx"])
    warning = next(p for p in result.warnings if p.place == "$.ekonomi.fordelning.betalande[0]")
    assert warning.severity == "varning"
    assert "en part köper inte av sig själv" in warning.message and "faktiska användningen" in warning.message


# --- point 3: what the amount is --------------------------------------------------------------------


def test_the_yearly_cost_is_named_for_what_it_is(tmp_path: Path) -> None:
    text = body(built(EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").outputs["avtal.docx"])
    assert "Den kostnad som fördelas enligt bilaga 2 uppgår till 1\u00a0250\u00a0000 kronor per år." in text
    assert "Uppdragstagarens kostnad för uppdraget" not in text
    data = read_example("norrstrom-fjallviken-familjebehandling")
    data["ekonomi"]["kostnad_benamning"] = "familjebehandlingsenhetens beräknade kostnad"
    text = body(built_data(tmp_path, data).outputs["avtal.docx"])
    assert "Familjebehandlingsenhetens beräknade kostnad uppgår till 1\u00a0250\u00a0000 kronor per år." in text


# --- point 5: a price set in advance is reconciled --------------------------------------------------


def test_a_budgeted_cost_without_reconciliation_is_refused(tmp_path: Path) -> None:
    data = read_example("norrstrom-fjallviken-familjebehandling")
    del data["ekonomi"]["avrakning"]
    problem = next(p for p in built_data(tmp_path, data).problems if p.place == "$.ekonomi.avrakning")
    assert problem.severity == "fel"
    assert "kostnaden 1\u00a0250\u00a0000\u00a0kr per år (”Ekonomi › Kostnad per år”) är en beräkning" in problem.message
    assert "”Ekonomi › Grund för priset”" in problem.message


def test_the_reconciliation_clause_is_printed() -> None:
    text = body(built(EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").outputs["avtal.docx"])
    assert ("Ersättningen stäms av mot familjebehandlingsenhetens faktiska kostnader en gång per år, senast den 31 mars "
            "för det föregående året. En skillnad") in text


# --- point 6: a conditional payment start -----------------------------------------------------------


def test_a_conditional_payment_start_is_printed_as_earliest_and_on_condition(tmp_path: Path) -> None:
    text = body(built(EXAMPLES / "region-stockholm-vardovergangar.json").outputs["avtal.docx"])
    assert ("Ersättning enligt avsnittet Ekonomi betalas tidigast från och med den 1 januari 2021 och under förutsättning "
            "att Region Stockholm har tecknat avtal med systemleverantören och tilldelningsbeslutet inte längre kan "
            "överprövas.") in text
    data = read_example("region-stockholm-vardovergangar")
    del data["avtalstid"]["betalning_fran"]
    problem = next(p for p in built_data(tmp_path, data).problems if p.place == "$.ekonomi.betalning_villkor")
    assert "”Avtalstid › Betalning från”" in problem.message


# --- point 7: a cap period in an open-ended agreement -----------------------------------------------


def test_an_open_ended_agreement_with_a_cap_period_is_warned(tmp_path: Path) -> None:
    data = read_example("region-stockholm-vardovergangar")
    del data["ekonomi"]["tak"]["omforhandling_vid_periodens_slut"]
    problem = next(p for p in built_data(tmp_path, data).warnings if p.place == "$.ekonomi.tak")
    assert problem.severity == "varning"
    assert "avtalet gäller tills vidare" in problem.message and "som slutar 2028-12-31" in problem.message
    assert "”Avtalstid › Slutdatum”" in problem.message and "”Ekonomi › Tak › Omförhandling när perioden slutar”" in problem.message


def test_renegotiation_at_the_end_of_the_cap_period_is_printed() -> None:
    text = body(built(EXAMPLES / "region-stockholm-vardovergangar.json").outputs["avtal.docx"])
    assert "Beräkningsperioden slutar den 31 december 2028. Parterna ska omförhandla avtalet före dess" in text


# --- point 8: thresholds ----------------------------------------------------------------------------


def test_the_direct_procurement_source_is_chapter_19_a() -> None:
    value = load_thresholds(THRESHOLDS).values["direktupphandlingsgrans"][-1]
    assert value.kalla.startswith("19 a kap. LOU") and "prop. 2021/22:5" in value.kalla
    assert "19 kap. 3 §" not in THRESHOLDS.read_text(encoding="utf-8")


def test_a_2026_social_services_cap_is_refused_naming_the_missing_value_and_where_to_add_it(tmp_path: Path) -> None:
    data = read_example("norrstrom-fjallviken-familjebehandling")
    data["avtal"]["datum"] = "2026-03-02"
    for party in data["parter"]:
        party["beslut"]["datum"] = "2026-02-01"
    problems = built_data(tmp_path, data).problems
    problem = next(p for p in problems if p.place == "$.ekonomi.tak.troskel")
    assert "\"direktupphandlingsgrans_sociala_tjanster\" har inget belopp för 2026-03-02" in problem.message
    assert "$.troskelvarden.direktupphandlingsgrans_sociala_tjanster.varden" in problem.message
    assert str(THRESHOLDS) in problem.message and "750 000 euro" in problem.message


def test_a_missing_threshold_value_says_which_periods_there_are() -> None:
    with pytest.raises(ThresholdError, match=r"perioder med belopp: .*2024-01-01 – 2025-12-31"):
        load_thresholds(THRESHOLDS).value("eu_troskel_varor_tjanster", __import__("datetime").date(2026, 1, 1))


# --- point 9: numbers and nouns ---------------------------------------------------------------------


def test_numbers_agree_with_their_nouns_and_small_counts_are_words() -> None:
    assert (dagar(1), dagar(30), timmar(1), timmar(24)) == ("1 dag", "30 dagar", "1 timme", "24 timmar")
    assert (rakneord(2), rakneord(1, "ett"), rakneord(1), rakneord(12), rakneord(15)) == ("två", "ett", "en", "tolv", "15")
    assert kr(47858, True) == "47\u00a0858,00\u00a0kr" and kr(47858) == "47\u00a0858\u00a0kr"
    assert procent(16, 1) == "16,0\u00a0%" and procent(16) == "16\u00a0%"


def test_one_day_of_payment_terms_and_two_copies_read_right(tmp_path: Path) -> None:
    data = copy.deepcopy(read_example("norrstrom-fjallviken-familjebehandling"))
    data["ekonomi"]["betalningsvillkor_dagar"] = 1
    text = body(built_data(tmp_path, data).outputs["avtal.docx"])
    assert "Betalning ska ske senast 1 dag efter fakturadatum." in text
    assert "Avtalet har upprättats i två likalydande exemplar" in text


def test_a_three_way_equal_split_of_a_million_reads_a_million_in_the_annex(minimal_agreement: dict[str, Any], tmp_path: Path) -> None:
    """The issue's case: 1 000 000 kr split in three equal parts, which summed to 999 999,99 kr before."""
    malmo = dict(minimal_agreement["parter"][1], id="malmo", namn="Malmö kommun", organisationsnummer="212000-1124")
    minimal_agreement["parter"].append(malmo)
    minimal_agreement["uppgifter"][0]["mottagare"].append("malmo")
    minimal_agreement["ekonomi"] = {
        "modell": "sjalvkostnad",
        "kostnad_ar": 1000000,
        "fordelning": {"nyckel": "lika", "betalande": ["stockholm", "goteborg", "malmo"]},
        "avrakning": minimal_agreement["ekonomi"]["avrakning"],
    }
    result = built_data(tmp_path, minimal_agreement)
    assert not [p for p in result.problems if p.severity == "fel"], result.problems
    allocation = tables(result.outputs["kostnadsfordelning.docx"])[0]
    assert [row[3] for row in allocation[1:]] == [
        "333\u00a0333,34\u00a0kr", "333\u00a0333,33\u00a0kr", "333\u00a0333,33\u00a0kr", "1\u00a0000\u00a0000,00\u00a0kr",
    ]
    assert [row[2] for row in allocation[1:]] == ["33,4\u00a0%", "33,3\u00a0%", "33,3\u00a0%", "100,0\u00a0%"]


def test_several_payers_each_pay_their_share_never_the_whole_cost() -> None:
    """The agreement applies what it says of "uppdragsgivaren" to each of several: each would owe the whole cost."""
    text = body(built(EXAMPLES / "region-internetbehandling.json").outputs["avtal.docx"])
    assert ("Uppdragsgivarna ersätter uppdragstagaren, var och en med sin andel enligt bilaga 2, för dennes faktiska "
            "kostnader för att utföra uppgifterna (självkostnad).") in text
    assert "Uppdragsgivaren ersätter" not in text


def test_a_performer_that_bears_a_share_is_not_among_those_who_pay_it() -> None:
    """Norrström performs and bears a share of its unit's cost; Fjällviken, the one commissioning party, pays it its share."""
    text = body(built(EXAMPLES / "norrstrom-fjallviken-familjebehandling.json").outputs["avtal.docx"])
    assert ("Uppdragsgivaren ersätter uppdragstagaren, med sin andel enligt bilaga 2, för dennes faktiska kostnader") in text


def test_a_fixed_compensation_from_several_payers_is_split_not_owed_by_each(tmp_path: Path) -> None:
    data = read_example("region-internetbehandling")
    data["ekonomi"]["modell"] = "fast_belopp"
    data["ekonomi"]["ersattning_ar"] = data["ekonomi"].pop("kostnad_ar")
    text = body(built_data(tmp_path, data).outputs["avtal.docx"])
    assert "Uppdragsgivarna betalar, var och en med sin andel enligt bilaga 2, en fast ersättning till uppdragstagaren om 540" in text


def test_a_recalculated_amount_is_capped_too_and_a_thin_margin_is_warned_of() -> None:
    """Stockholm recalculates the support every year, with 9,20 kr left under the limit for Huddinge over eight years."""
    result = built(EXAMPLES / "region-stockholm-vardovergangar.json")
    warnings = [w.message for w in result.warnings if w.place == "$.ekonomi.indexering"]
    assert len(warnings) == 1
    assert "Huddinge kommun betalar mest, 615\u00a0302,80\u00a0kr" in warnings[0]
    assert "en marginal på 9,20\u00a0kr (under 0,1 %)" in warnings[0]
    text = body(result.outputs["avtal.docx"])
    assert ("Taket gäller också de belopp som räknas om enligt avtalet. En omräkning som skulle leda till att någon part "
            "sammanlagt betalar mer än gränsen tillämpas inte förrän parterna har omförhandlat avtalet.") in text
    # the cap section comes after the sections whose amounts it counts
    headings = [p.text for p in docx.Document(io.BytesIO(result.outputs["avtal.docx"])).paragraphs if p.style.name.startswith("Heading")]
    assert headings.index("Kostnadstak") > headings.index("Support och förvaltning")


def test_without_recalculation_the_cap_section_says_nothing_of_it(tmp_path: Path) -> None:
    data = read_example("region-stockholm-vardovergangar")
    del data["ekonomi"]["indexering"]
    result = built_data(tmp_path, data)
    assert "Taket gäller också de belopp som räknas om" not in body(result.outputs["avtal.docx"])
    assert not [w for w in result.warnings if w.place == "$.ekonomi.indexering"]


@pytest.mark.parametrize("path", with_cost_annex(), ids=lambda p: p.stem)
def test_the_cap_is_stated_after_every_section_whose_amounts_it_counts(path: Path) -> None:
    """The cap says what it covers (support, each fee): the reader has met them by then, in the agreement and the annex."""
    for name, counted in (("avtal.docx", ("Support och förvaltning", "Övriga avgifter")),
                          ("kostnadsfordelning.docx", ("Fördelning per part", "Support per användare", "Övriga avgifter"))):
        headings = [p.text for p in docx.Document(io.BytesIO(built(path).outputs[name])).paragraphs if p.style.name.startswith("Heading")]
        if "Kostnadstak" in headings:
            assert all(headings.index(h) < headings.index("Kostnadstak") for h in counted if h in headings), (name, headings)
