"""Tests for the Swedish formatting filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from avtalsgenerator.agreement import filters

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(615312, f"615{NB}312"), (Decimal("0.589"), "0,59"), (Decimal("425000.00"), f"425{NB}000"), (7802550, f"7{NB}802{NB}550"), (0, "0")],
)
def test_belopp_groups_thousands_with_nbsp(value: object, expected: str) -> None:
    assert filters.belopp(value) == expected


def test_kronor_and_kr() -> None:
    assert filters.kronor(700000) == f"700{NB}000 kronor"
    assert filters.kr(626284) == f"626{NB}284{NB}kr"


def test_pris_keeps_four_decimals() -> None:
    assert filters.pris(Decimal("0.5899")) == "0,5899"
    assert filters.pris(Decimal("250")) == "250,00"


def test_procent() -> None:
    assert filters.procent(Decimal("12.5")) == f"12,5{NB}%"
    assert filters.procent(Decimal("100")) == f"100{NB}%"
    assert filters.procent(Decimal(1) / 3 * 100) == f"33,3{NB}%"


def test_mnkr_and_antal() -> None:
    assert filters.mnkr(5_000_000) == f"5,0{NB}mnkr"
    assert filters.antal(2344124) == f"2{NB}344{NB}124"


def test_dates() -> None:
    assert filters.datum("2020-09-01") == "1 september 2020"
    assert filters.datum(dt.date(2022, 2, 1)) == "1 februari 2022"
    assert filters.isodatum("2020-09-01") == "2020-09-01"


def test_orgnr_normalises_digits() -> None:
    assert filters.orgnr("2120000142") == "212000-0142"
    assert filters.orgnr("212000-0142") == "212000-0142"


def test_lists_in_swedish() -> None:
    assert filters.lista(["A"]) == "A"
    assert filters.lista(["A", "B"]) == "A och B"
    assert filters.lista(["A", "B", "C"]) == "A, B och C"
    assert filters.namn([{"namn": "Norrströms kommun"}, {"namn": "Fjällvikens kommun"}]) == "Norrströms kommun och Fjällvikens kommun"


@pytest.mark.parametrize("name", sorted(filters.FILTERS))
def test_every_filter_refuses_none_in_swedish(name: str) -> None:
    with pytest.raises(filters.FilterValueError, match=f'filtret "{name}" fick inget värde \\(none\\): fältet saknas'):
        filters.FILTERS[name](None)


@pytest.mark.parametrize(("name", "value", "wanted"), [("belopp", "mycket", "ett tal"), ("datum", "snart", "ett datum"),
                                                       ("isodatum", 20200901, "ett datum"), ("kr", float("nan"), "ett ändligt tal"),
                                                       ("procent", 10**40, "ett ändligt tal"), ("lista", "A och B", "en lista")])
def test_filters_name_what_they_wanted(name: str, value: object, wanted: str) -> None:
    with pytest.raises(filters.FilterValueError, match=f'filtret "{name}" väntar sig {wanted}'):
        filters.FILTERS[name](value)


def test_lists_use_babels_swedish_pattern() -> None:
    assert filters.swedish_list([]) == ""
    assert filters.lista(["krig", "arbetskonflikt", "brand", "pandemi"]) == "krig, arbetskonflikt, brand och pandemi"
