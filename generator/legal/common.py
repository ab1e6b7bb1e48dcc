"""Small helpers more than one area of rules uses: dates, blanks, names, organisation numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..kinds import KINDS
from .registry import Agreement

KIND_NAMES = {key: kind.name for key, kind in KINDS.items()}


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn check (its last digit is the check digit)."""
    if not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(digits: str) -> int:
    """The check digit that makes ``digits`` followed by it pass the Luhn check."""
    return next(d for d in range(10) if luhn_valid(digits + str(d)))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _ekonomi(a: Agreement) -> dict[str, Any]:
    ekonomi: dict[str, Any] = a.data.get("ekonomi") or {}
    return ekonomi


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict):
        return not value
    return False
