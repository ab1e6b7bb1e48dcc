"""Calendar periods: months added, notice and earliest end, whole months and years between two days."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved ``months`` calendar months forward, the day clamped to the month's length."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def earliest_end(start: dt.date, notice_months: int, at_year_end: bool, end: dt.date | None) -> dt.date:
    """The first day the agreement can have ended if notice is given on its first day."""
    last_day = add_months(start, notice_months) - dt.timedelta(days=1)
    if at_year_end:
        last_day = dt.date(last_day.year, 12, 31)
    return min(last_day, end) if end else last_day


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """Number of whole calendar months from ``start`` to ``end`` inclusive, or None when it is not a whole number."""
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    if months <= 0 or add_months(start, months) != after:
        return None
    return months


def whole_years(start: dt.date, end: dt.date) -> int | None:
    """Number of whole years from ``start`` to ``end`` inclusive, or None when it is not a whole number."""
    months = whole_months(start, end)
    if months is None or months % 12:
        return None
    return months // 12
