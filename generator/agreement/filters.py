"""Swedish formatting filters for templates: amounts, dates, organisation numbers, percent, lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from jinja2 import Undefined

LOCALE = "sv_SE"
NBSP = "\u00a0"
# Larger amounts mean nothing in an agreement; formatting them would only fill the page.
MAX_DIGITS = 20


class FilterValueError(ValueError):
    """Raised when a filter gets a value it cannot format (none, text for a number or date); the message is Swedish."""

    def __init__(self, name: str, value: Any, wanted: str) -> None:
        self.filter = name
        if value is None or isinstance(value, Undefined):
            got = " (none)" if value is None else ""
            text = (f"filtret \"{name}\" fick inget värde{got}: fältet saknas i det här avtalet; "
                    f"sätt taggen inom {{% if … %}} eller ge ett värde med default(\"…\", true)")
        else:
            shown = str(value) if len(str(value)) <= 40 else str(value)[:39] + "…"
            text = f"filtret \"{name}\" väntar sig {wanted} men fick \"{shown}\""
        super().__init__(text)


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, (bool, Undefined)) or value is None:
        raise FilterValueError(name, value, "ett tal")
    try:
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(str(value))
        else:
            number = Decimal(str(value).replace(NBSP, "").replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError) as e:
        raise FilterValueError(name, value, "ett tal") from e
    if not number.is_finite() or number.adjusted() >= MAX_DIGITS:
        raise FilterValueError(name, value, f"ett ändligt tal med högst {MAX_DIGITS} siffror")
    return number


def belopp(value: Any) -> str:
    """An amount with grouped thousands: ``615 312``; öre shown only when the amount is not whole: ``0,59``."""
    return _belopp(value, "belopp")


def _belopp(value: Any, name: str, ore: Any = False) -> str:
    number = _decimal(value, name).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number == number.to_integral_value() and not ore:
        return format_decimal(number, format="#,##0", locale=LOCALE)
    return format_decimal(number, format="#,##0.00", locale=LOCALE)


def pris(value: Any) -> str:
    """A unit price with up to four decimals: ``0,5899``."""
    return format_decimal(_decimal(value, "pris"), format="#,##0.00##", locale=LOCALE)


def kronor(value: Any, ore: Any = False) -> str:
    """Running text: ``615 312 kronor``; ``kronor(true)`` always shows öre: ``615 312,00 kronor``."""
    return f"{_belopp(value, 'kronor', ore)} kronor"


def kr(value: Any, ore: Any = False) -> str:
    """Tables: ``615 312 kr``; ``kr(true)`` always shows öre, so that a column where one row has öre reads alike."""
    return f"{_belopp(value, 'kr', ore)}{NBSP}kr"


def antal(value: Any) -> str:
    """A count with grouped thousands: ``130 365``."""
    return format_decimal(_decimal(value, "antal"), format="#,##0", locale=LOCALE)


def mnkr(value: Any) -> str:
    """Millions of kronor with one decimal: ``5,0 mnkr``."""
    millions = _decimal(value, "mnkr") / Decimal(1_000_000)
    return f"{format_decimal(millions, format='#,##0.0', locale=LOCALE)}{NBSP}mnkr"


def procent(value: Any, decimaler: Any = None) -> str:
    """A percentage with at most one decimal and a space before the sign: ``12,5 %``; ``procent(1)``: always one, ``16,0 %``."""
    number = _decimal(value, "procent").quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    pattern = "#,##0.0" if decimaler == 1 else "#,##0.#"
    return f"{format_decimal(number, format=pattern, locale=LOCALE)}{NBSP}%"


def _date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise FilterValueError(name, value, "ett datum (ÅÅÅÅ-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise FilterValueError(name, value, "ett datum (ÅÅÅÅ-MM-DD)") from e


def datum(value: Any) -> str:
    """Running text: ``1 september 2020``."""
    return format_date(_date(value, "datum"), format="d MMMM y", locale=LOCALE)


def isodatum(value: Any) -> str:
    """Tables and headers: ``2020-09-01``."""
    return _date(value, "isodatum").isoformat()


def orgnr(value: Any) -> str:
    """An organisation number as ``NNNNNN-NNNN`` (ten digits, dash before the last four)."""
    if value is None or isinstance(value, Undefined):
        raise FilterValueError("orgnr", value, "ett organisationsnummer")
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) != 10:
        return str(value)
    return f"{digits[:6]}-{digits[6:]}"


def swedish_list(names: Iterable[Any]) -> str:
    """``A``, ``A och B``, ``A, B och C`` (babel's Swedish list pattern)."""
    return format_list([str(n) for n in names], locale=LOCALE)


def lista(values: Iterable[Any]) -> str:
    """``A, B och C``."""
    if values is None or isinstance(values, (str, dict, Undefined)):
        raise FilterValueError("lista", values, "en lista")
    return swedish_list(values)


def namn(parties: Iterable[dict[str, Any]]) -> str:
    """Names of party records as ``A, B och C``."""
    if parties is None or isinstance(parties, (str, dict, Undefined)):
        raise FilterValueError("namn", parties, "en lista av parter")
    names = []
    for party in parties:
        if not isinstance(party, dict) or "namn" not in party:
            raise FilterValueError("namn", party, "en part med ett namn")
        names.append(party["namn"])
    return swedish_list(names)


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


def plural(count: int, one: str, many: str) -> str:
    """A count with its noun agreeing: ``1 varning``, ``2 varningar``, ``0 varningar``."""
    return f"{count} {one if count == 1 else many}"


def _count(number: Any, one: str, many: str, name: str) -> str:
    return plural(int(_decimal(number, name)), one, many)


def manader(value: Any) -> str:
    """A number of months with the noun agreeing: ``1 månad``, ``3 månader``."""
    return _count(value, "månad", "månader", "manader")


def ar(value: Any) -> str:
    """A number of years: ``1 år``, ``8 år``."""
    return _count(value, "år", "år", "ar")


def tidsperiod(months: Any) -> str:
    """A period given in months, in years where it can be: ``8 år``, ``5 månader``, ``1 år och 6 månader``."""
    total = int(_decimal(months, "tidsperiod"))
    years, rest = divmod(total, 12)
    if not years:
        return manader(rest)
    return ar(years) if not rest else f"{ar(years)} och {manader(rest)}"


def dagar(value: Any) -> str:
    """A number of days with the noun agreeing: ``1 dag``, ``30 dagar``."""
    return _count(value, "dag", "dagar", "dagar")


def timmar(value: Any) -> str:
    """A number of hours with the noun agreeing: ``1 timme``, ``24 timmar``."""
    return _count(value, "timme", "timmar", "timmar")


# Counts up to twelve are written in words in running text (the common Swedish rule); larger ones in digits.
_WORDS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def rakneord(value: Any, ett: Any = None) -> str:
    """A small count in words: ``två``, ``tolv``; 13 and more in digits (``15``). ``rakneord("ett")`` for neuter nouns: ``ett exemplar``."""
    number = _decimal(value, "rakneord")
    if number != number.to_integral_value() or number < 0:
        raise FilterValueError("rakneord", value, "ett helt antal")
    count = int(number)
    if count >= len(_WORDS):
        return format_decimal(count, format="#,##0", locale=LOCALE)
    if count == 1 and ett == "ett":
        return "ett"
    return _WORDS[count]


FILTERS.update({"manader": manader, "ar": ar, "tidsperiod": tidsperiod, "dagar": dagar, "timmar": timmar, "rakneord": rakneord})
