"""Periods: a period is its start date plus the indicator's frequency."""

from __future__ import annotations

import datetime as dt

from core.catalog import MONTHS_PER_PERIOD, Frequency

PERIOD_TYPE: dict[Frequency, str] = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}


def period_start(day: dt.date, frequency: Frequency) -> dt.date:
    """Start of the period containing `day` (a stock published on 10/01/2024 is in 2024-01)."""
    months = MONTHS_PER_PERIOD[frequency]
    month = (day.month - 1) // months * months + 1
    return dt.date(day.year, month, 1)


def add_periods(start: dt.date, n: int, frequency: Frequency) -> dt.date:
    total = start.year * 12 + start.month - 1 + n * MONTHS_PER_PERIOD[frequency]
    return dt.date(total // 12, total % 12 + 1, 1)


def period_range(first: dt.date, last: dt.date, frequency: Frequency) -> list[dt.date]:
    """Every period start from the period containing `first` to the one containing `last`."""
    out: list[dt.date] = []
    current = period_start(first, frequency)
    stop = period_start(last, frequency)
    while current <= stop:
        out.append(current)
        current = add_periods(current, 1, frequency)
    return out


def last_complete_period(today: dt.date, frequency: Frequency) -> dt.date:
    """The latest period that has fully ended before `today`."""
    return add_periods(period_start(today, frequency), -1, frequency)


def iso_period(start: dt.date, frequency: Frequency) -> str:
    """The period that starts on `start` as files write it: `2024-03`, `2024-Q1` or `2024`.

    ISO 8601 has no quarter notation; `2024-Q1` is the one of SDMX and of spreadsheets.
    """
    if frequency == "monthly":
        return f"{start.year:04d}-{start.month:02d}"
    if frequency == "quarterly":
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year:04d}"
