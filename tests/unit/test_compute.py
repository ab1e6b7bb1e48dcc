"""Tests for the compute stage: shares, amounts in Decimal, caps from dated thresholds, periods and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from conftest import THRESHOLDS

from avtalsgenerator.agreement.compute import build_context, join_names
from avtalsgenerator.agreement.periods import add_months, earliest_end, whole_years
from avtalsgenerator.agreement.schema import apply_defaults, validate
from avtalsgenerator.agreement.thresholds import load_thresholds
from avtalsgenerator.errors import ComputeError


def _context(data: dict[str, Any]) -> dict[str, Any]:
    validate(data, "x.json")
    return build_context(apply_defaults(data), load_thresholds(THRESHOLDS), "x.json")


def _refused(data: dict[str, Any]) -> str:
    """The compute stage's refusal of ``data``, every problem in one text."""
    with pytest.raises(ComputeError) as caught:
        _context(data)
    return str(caught.value)


@pytest.fixture
def per_inhabitant_capped(minimal_agreement: dict[str, Any]) -> dict[str, Any]:
    """Seed 002's model: price per inhabitant capped by the 2020 limit over 8 years, plus support per user.

    The support is marked as paid under another agreement, so the cap covers only the use, as in the seed's arithmetic
    (615 312 / 130 365 / 8); tests/integration/test_money.py covers support counted against the cap.
    """
    data = minimal_agreement
    data["avtal"]["datum"] = "2020-09-01"
    data["avtalstid"] = {"start": "2020-09-01", "betalning_fran": "2021-01-01"}
    for party in data["parter"]:
        party["beslut"]["datum"] = "2020-06-01"
    extra = dict(data["parter"][1], id="huddinge", namn="Huddinge kommun", organisationsnummer="212000-0076")
    data["parter"].append(extra)
    data["parter"][1]["invanare"] = 130365
    data["parter"][1]["anvandare"] = 1000
    data["parter"][2]["invanare"] = 113000
    data["parter"][2]["anvandare"] = 700
    data["ekonomi"] = {
        "modell": "per_invanare",
        "fordelning": {"nyckel": "invanare"},
        "tak": {"troskel": "direktupphandlingsgrans"},
        "berakningsperiod_ar": 8,
        "support": {"kostnad_ar": 3250000, "anvandare_totalt": 13000, "annat_avtal": "förvaltningsavtalet HSN 2019-0001"},
    }
    return data


def test_price_per_inhabitant_follows_seed_002(per_inhabitant_capped: dict[str, Any]) -> None:
    berakning = _context(per_inhabitant_capped)["berakning"]
    fordelning = berakning["fordelning"]
    assert berakning["troskel"]["belopp"] == 615312
    assert fordelning["pris_per_enhet_ar"] == Decimal("0.5899")
    largest = fordelning["rader"][0]
    assert largest["belopp_ar"] == Decimal("76902.31")
    assert largest["belopp_period"] == Decimal("615218.48")
    assert largest["inom_tak"] is True
    assert all(isinstance(r["belopp_ar"], Decimal) for r in fordelning["rader"])
    assert fordelning["summa_underlag"] == 243365


def test_support_per_user(per_inhabitant_capped: dict[str, Any]) -> None:
    support = _context(per_inhabitant_capped)["berakning"]["support"]
    assert support["pris_per_anvandare_ar"] == Decimal("250.00")
    assert support["summa_anvandare"] == 1700
    assert support["summa_ar"] == Decimal("425000.00")


def test_threshold_follows_the_agreement_date(per_inhabitant_capped: dict[str, Any]) -> None:
    per_inhabitant_capped["avtal"]["datum"] = "2023-03-01"
    berakning = _context(per_inhabitant_capped)["berakning"]
    assert berakning["troskel"]["belopp"] == 700000
    assert berakning["fordelning"]["pris_per_enhet_ar"] == Decimal("0.6711")


def test_cap_date_overrides_agreement_date(per_inhabitant_capped: dict[str, Any]) -> None:
    per_inhabitant_capped["ekonomi"]["tak"]["datum"] = "2022-01-15"
    assert _context(per_inhabitant_capped)["berakning"]["troskel"]["belopp"] == 626284


def test_self_cost_split_by_inhabitants(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["ekonomi"] = {
        "modell": "sjalvkostnad",
        "kostnad_ar": 1000000,
        "fordelning": {"nyckel": "invanare", "betalande": ["stockholm", "goteborg"]},
    }
    minimal_agreement["parter"][0]["invanare"] = 3000
    minimal_agreement["parter"][1]["invanare"] = 1000
    fordelning = _context(minimal_agreement)["berakning"]["fordelning"]
    assert [r["andel_procent"] for r in fordelning["rader"]] == [Decimal(75), Decimal(25)]
    assert [r["belopp_ar"] for r in fordelning["rader"]] == [Decimal("750000.00"), Decimal("250000.00")]
    assert fordelning["period_ar"] == 2
    assert fordelning["summa_period"] == Decimal("2000000.00")


def test_missing_basis_and_unknown_payer_reported_together(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["ekonomi"] = {
        "modell": "sjalvkostnad",
        "kostnad_ar": 1000,
        "fordelning": {"nyckel": "invanare", "betalande": ["goteborg", "malmo"]},
    }
    text = _refused(minimal_agreement)
    assert '$.ekonomi.fordelning.betalande[1]: det finns ingen part med id "malmo"' in text
    assert "$.parter[1].invanare: saknas; behövs när kostnaden fördelas efter invånare" in text


def test_open_ended_allocation_needs_a_period(minimal_agreement: dict[str, Any]) -> None:
    del minimal_agreement["avtalstid"]["slut"]
    minimal_agreement["ekonomi"] = {"modell": "sjalvkostnad", "kostnad_ar": 1000, "fordelning": {"nyckel": "lika"}}
    with pytest.raises(ComputeError, match=r"\$\.ekonomi\.berakningsperiod_ar: avtalet gäller tills vidare.*”Ekonomi › Beräkningsperiod i månader”"):
        _context(minimal_agreement)


def test_a_part_year_allocation_is_computed_over_its_months(minimal_agreement: dict[str, Any]) -> None:
    """An interim of five months: each party pays five twelfths of its yearly share, and the text says "5 månader"."""
    minimal_agreement["avtalstid"] = {"start": "2022-01-01", "slut": "2022-05-31"}
    minimal_agreement["ekonomi"] = {"modell": "sjalvkostnad", "kostnad_ar": 120000, "fordelning": {"nyckel": "lika"}}
    fordelning = _context(minimal_agreement)["berakning"]["fordelning"]
    assert (fordelning["period_manader"], fordelning["period_ar"]) == (5, None)
    assert fordelning["rader"][0]["belopp_ar"] == Decimal("120000.00")
    assert fordelning["rader"][0]["belopp_period"] == Decimal("50000.00")


def test_a_term_that_is_not_whole_months_asks_for_the_period_in_months(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["avtalstid"] = {"start": "2022-01-01", "slut": "2022-05-20"}
    minimal_agreement["ekonomi"] = {"modell": "sjalvkostnad", "kostnad_ar": 120000, "fordelning": {"nyckel": "lika"}}
    with pytest.raises(ComputeError, match=r"berakningsperiod_manader: avtalstiden 2022-01-01 – 2022-05-20 är inte ett helt antal månader"):
        _context(minimal_agreement)
    minimal_agreement["ekonomi"]["berakningsperiod_manader"] = 5
    assert _context(minimal_agreement)["berakning"]["fordelning"]["summa_period"] == Decimal("50000.00")


@pytest.fixture
def three_payers_with_fees(minimal_agreement: dict[str, Any]) -> dict[str, Any]:
    """Three commissioning municipalities over a five-month interim, split by inhabitants, with two fees."""
    data = minimal_agreement
    data["avtalstid"] = {"start": "2022-01-01", "slut": "2022-05-31"}
    malmo = dict(data["parter"][1], id="malmo", namn="Malmö kommun", organisationsnummer="212000-1124")
    uppsala = dict(data["parter"][1], id="uppsala", namn="Uppsala kommun", organisationsnummer="212000-3005")
    data["parter"] += [malmo, uppsala]
    for party, inhabitants in zip(data["parter"][1:], (1, 1, 1), strict=True):
        party["invanare"] = inhabitants
    data["ekonomi"] = {
        "modell": "sjalvkostnad",
        "kostnad_ar": 120000,
        "fordelning": {"nyckel": "invanare"},
        "avgifter": [
            {"benamning": "avgiften för drift", "belopp": 100000, "avser": "ar", "fordelning": "som_kostnaden"},
            {"benamning": "avgiften för anslutning", "belopp": 5000, "avser": "engangs", "fordelning": "per_part",
             "betalande": ["goteborg", "malmo"]},
        ],
    }
    return data


def test_a_yearly_fee_is_split_to_the_ore_per_year_and_over_a_part_year(three_payers_with_fees: dict[str, Any]) -> None:
    """100 000 kr a year in three: 33 333,34 + 33 333,33 + 33 333,33; five months of it (41 666,67) split the same way."""
    berakning = _context(three_payers_with_fees)["berakning"]
    drift, anslutning = berakning["avgifter"]["rader"]
    assert [r["belopp_ar"] for r in drift["rader"]] == [Decimal("33333.34"), Decimal("33333.33"), Decimal("33333.33")]
    assert drift["summa_ar"] == Decimal("100000.00")
    assert [r["belopp_period"] for r in drift["rader"]] == [Decimal("13888.89"), Decimal("13888.89"), Decimal("13888.89")]
    assert drift["summa_period"] == Decimal("41666.67")
    assert drift["betalas"] == "fördelas mellan Göteborgs kommun, Malmö kommun och Uppsala kommun efter antalet invånare, på samma sätt som kostnaden"
    assert [r["belopp_ar"] for r in anslutning["rader"]] == [None, None]
    assert [r["belopp_period"] for r in anslutning["rader"]] == [Decimal("5000.00"), Decimal("5000.00")]
    assert anslutning["betalas"] == "betalas av var och en av Göteborgs kommun och Malmö kommun"
    rows = {r["id"]: r for r in berakning["betalningar"]["rader"]}
    assert rows["goteborg"]["avgifter_period"] == Decimal("18888.89")
    assert rows["uppsala"]["avgifter_period"] == Decimal("13888.89")
    assert rows["goteborg"]["summa_period"] == rows["goteborg"]["fordelning_period"] + Decimal("18888.89")
    assert berakning["betalningar"]["omfattar"] == [
        "den kostnad som fördelas enligt kostnadsfördelningen", "avgiften för drift", "avgiften för anslutning",
    ]


def test_a_fee_split_as_the_cost_without_an_allocation_and_an_unknown_payer_are_refused_together(
    minimal_agreement: dict[str, Any],
) -> None:
    minimal_agreement["ekonomi"]["avgifter"] = [
        {"benamning": "avgiften för drift", "belopp": 1000, "avser": "ar", "fordelning": "som_kostnaden"},
        {"benamning": "avgiften för anslutning", "belopp": 500, "avser": "engangs", "fordelning": "lika", "betalande": ["lund"]},
    ]
    text = _refused(minimal_agreement)
    assert '$.ekonomi.avgifter[0].fordelning: avgiften "avgiften för drift" ska fördelas som kostnaden, men avtalet har ingen kostnadsfördelning' in text
    assert '$.ekonomi.avgifter[1].betalande[0]: det finns ingen part med id "lund"' in text


def test_a_cap_on_a_fixed_compensation_needs_to_say_who_pays_it(minimal_agreement: dict[str, Any]) -> None:
    """Without an allocation the 100 000 kr a year would be left out of every payer's total against the cap."""
    minimal_agreement["ekonomi"]["tak"] = {"troskel": "direktupphandlingsgrans"}
    text = _refused(minimal_agreement)
    assert ("$.ekonomi.fordelning: avtalet har ett tak (”Ekonomi › Tak”) och 100\u00a0000\u00a0kr per år i "
            "”Ekonomi › Ersättning per år”, men ingen kostnadsfördelning") in text
    minimal_agreement["ekonomi"]["fordelning"] = {"nyckel": "lika"}
    rows = _context(minimal_agreement)["berakning"]["betalningar"]["rader"]
    assert [(r["id"], r["summa_period"]) for r in rows] == [("goteborg", Decimal("200000.00"))]


def test_a_price_from_the_cap_leaves_room_for_the_fees(per_inhabitant_capped: dict[str, Any]) -> None:
    """A yearly fee of 10 000 kr per party over 8 years takes 80 000 kr of the cap: the price is set from what is left."""
    per_inhabitant_capped["ekonomi"]["avgifter"] = [{"benamning": "avgiften för drift", "belopp": 10000, "avser": "ar", "fordelning": "per_part"}]
    berakning = _context(per_inhabitant_capped)["berakning"]
    price = berakning["fordelning"]["pris_per_enhet_ar"]
    assert price == Decimal("0.5132")  # (615 312 - 80 000) / 130 365 / 8, rounded down
    largest = next(r for r in berakning["betalningar"]["rader"] if r["id"] == "goteborg")
    assert largest["avgifter_period"] == Decimal("80000.00")
    assert largest["summa_period"] < 615312 and largest["inom_tak"] is True


def test_a_task_for_all_of_many_commissioning_parties_says_so(minimal_agreement: dict[str, Any]) -> None:
    extra = [dict(minimal_agreement["parter"][1], id=f"k{n}", namn=f"Kommun {n}", organisationsnummer=f"212000-000{n}") for n in (1, 2)]
    minimal_agreement["parter"].extend(extra)
    minimal_agreement["uppgifter"][0]["mottagare"] = ["goteborg", "k1", "k2"]
    minimal_agreement["uppgifter"].append({"beskrivning": "Annat", "utforare": "stockholm", "mottagare": ["goteborg", "k1"]})
    tasks = _context(minimal_agreement)["berakning"]["uppgifter"]
    assert [t["mottagare_namn"] for t in tasks] == ["samtliga uppdragsgivare", "Göteborgs kommun och Kommun 1"]


def test_internal_party_index_does_not_reach_templates(per_inhabitant_capped: dict[str, Any]) -> None:
    rows = _context(per_inhabitant_capped)["berakning"]["fordelning"]["rader"]
    assert rows and all("parts_index" not in row for row in rows)


def test_background_lines_become_paragraphs_and_long_titles_are_shortened(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["avtal"]["bakgrund"] = "Första stycket.\n\nAndra stycket.\n"
    minimal_agreement["avtal"]["titel"] = "Avtal om " + "mycket lång samverkan " * 6
    berakning = _context(minimal_agreement)["berakning"]
    assert berakning["bakgrund"] == ["Första stycket.", "Andra stycket."]
    short = berakning["kort_titel"]
    title = " ".join(minimal_agreement["avtal"]["titel"].split())
    assert len(short) <= 70 and short.endswith("…")
    assert title.startswith(short[:-1]) and title[len(short) - 1] == " "  # cut between words


def test_unknown_threshold_name_has_path(per_inhabitant_capped: dict[str, Any]) -> None:
    per_inhabitant_capped["ekonomi"]["tak"]["troskel"] = "direktgrans"
    with pytest.raises(ComputeError, match=r'x\.json: \$\.ekonomi\.tak\.troskel: okänt tröskelvärde "direktgrans"'):
        _context(per_inhabitant_capped)


def test_annexes_are_numbered_generated_first(minimal_agreement: dict[str, Any]) -> None:
    minimal_agreement["bilagor"] = [{"titel": "Beskrivning av verksamheten"}]
    minimal_agreement["ekonomi"] = {"modell": "sjalvkostnad", "kostnad_ar": 1000, "fordelning": {"nyckel": "lika"}}
    berakning = _context(minimal_agreement)["berakning"]
    assert [(b["nummer"], b["titel"]) for b in berakning["bilagor"]] == [(1, "Kostnadsfördelning"), (2, "Beskrivning av verksamheten")]
    assert berakning["kostnad_bilaga"] == 1
    assert berakning["pub_bilaga"] is None


def test_optional_sections_are_none(minimal_agreement: dict[str, Any]) -> None:
    context = _context(minimal_agreement)
    assert context["forsakring"] is None
    assert context["berakning"]["rubrik"] == "Avtal om avtalssamverkan"
    assert context["berakning"]["ersattning_period"] == Decimal(200000)


def test_dates() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert earliest_end(dt.date(2020, 9, 1), 12, True, None) == dt.date(2021, 12, 31)
    assert earliest_end(dt.date(2020, 9, 1), 6, False, None) == dt.date(2021, 2, 28)
    assert earliest_end(dt.date(2020, 9, 1), 12, True, dt.date(2021, 6, 30)) == dt.date(2021, 6, 30)
    assert whole_years(dt.date(2024, 4, 1), dt.date(2028, 3, 31)) == 4
    assert whole_years(dt.date(2024, 4, 1), dt.date(2028, 2, 28)) is None


def test_join_names() -> None:
    assert join_names([]) == ""
    assert join_names(["A", "B", "C"]) == "A, B och C"
