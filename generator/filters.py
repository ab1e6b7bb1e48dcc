"""Swedish formatting filters for templates: amounts, dates, organisation numbers, percent, lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from .compute import join_names

LOCALE = "sv_SE"
NBSP = "\u00a0"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"inget tal: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    return Decimal(str(value).replace(NBSP, "").replace(" ", "").replace(",", "."))


def belopp(value: Any) -> str:
    """An amount with grouped thousands: ``615 312``; öre shown only when the amount is not whole: ``0,59``."""
    number = _decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number == number.to_integral_value():
        return format_decimal(number, format="#,##0", locale=LOCALE)
    return format_decimal(number, format="#,##0.00", locale=LOCALE)


def pris(value: Any) -> str:
    """A unit price with up to four decimals: ``0,5899``."""
    return format_decimal(_decimal(value), format="#,##0.00##", locale=LOCALE)


def kronor(value: Any) -> str:
    """Running text: ``615 312 kronor``."""
    return f"{belopp(value)} kronor"


def kr(value: Any) -> str:
    """Tables: ``615 312 kr``."""
    return f"{belopp(value)}{NBSP}kr"


def antal(value: Any) -> str:
    """A count with grouped thousands: ``130 365``."""
    return format_decimal(_decimal(value), format="#,##0", locale=LOCALE)


def mnkr(value: Any) -> str:
    """Millions of kronor with one decimal: ``5,0 mnkr``."""
    millions = _decimal(value) / Decimal(1_000_000)
    return f"{format_decimal(millions, format='#,##0.0', locale=LOCALE)}{NBSP}mnkr"


def procent(value: Any) -> str:
    """A percentage with at most one decimal and a space before the sign: ``12,5 %``."""
    number = _decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{format_decimal(number, format='#,##0.#', locale=LOCALE)}{NBSP}%"


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def datum(value: Any) -> str:
    """Running text: ``1 september 2020``."""
    return format_date(_date(value), format="d MMMM y", locale=LOCALE)


def isodatum(value: Any) -> str:
    """Tables and headers: ``2020-09-01``."""
    return _date(value).isoformat()


def orgnr(value: Any) -> str:
    """An organisation number as ``NNNNNN-NNNN`` (ten digits, dash before the last four)."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) != 10:
        return str(value)
    return f"{digits[:6]}-{digits[6:]}"


def lista(values: Iterable[Any]) -> str:
    """``A, B och C``."""
    return join_names([str(v) for v in values])


def namn(parties: Iterable[dict[str, Any]]) -> str:
    """Names of party records as ``A, B och C``."""
    return join_names([p["namn"] for p in parties])


FILTERS: dict[str, Callable[..., str]] = {
    "belopp": belopp,
    "pris": pris,
    "kronor": kronor,
    "kr": kr,
    "antal": antal,
    "mnkr": mnkr,
    "procent": procent,
    "datum": datum,
    "isodatum": isodatum,
    "orgnr": orgnr,
    "lista": lista,
    "namn": namn,
}


def _count(number: Any, singular: str, plural: str) -> str:
    count = int(_decimal(number))
    return f"{count} {singular if count == 1 else plural}"


def manader(value: Any) -> str:
    """A number of months with the noun agreeing: ``1 månad``, ``3 månader``."""
    return _count(value, "månad", "månader")


def ar(value: Any) -> str:
    """A number of years: ``1 år``, ``8 år``."""
    return _count(value, "år", "år")


def tidsperiod(months: Any) -> str:
    """A period given in months, in years where it can be: ``8 år``, ``5 månader``, ``1 år och 6 månader``."""
    total = int(_decimal(months))
    years, rest = divmod(total, 12)
    if not years:
        return manader(rest)
    return ar(years) if not rest else f"{ar(years)} och {manader(rest)}"


FILTERS.update({"manader": manader, "ar": ar, "tidsperiod": tidsperiod})
