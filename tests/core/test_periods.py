"""Periods: start date + frequency; a dated stock belongs to the period containing it."""

from __future__ import annotations

import datetime as dt

from core import periods


class TestPeriodStart:
    def test_a_stock_published_on_10_january_belongs_to_january(self) -> None:
        assert periods.period_start(dt.date(2024, 1, 10), "monthly") == dt.date(2024, 1, 1)

    def test_quarter_of_may_starts_in_april(self) -> None:
        assert periods.period_start(dt.date(2024, 5, 31), "quarterly") == dt.date(2024, 4, 1)

    def test_year(self) -> None:
        assert periods.period_start(dt.date(2024, 12, 31), "yearly") == dt.date(2024, 1, 1)


class TestPeriodRange:
    def test_range_includes_both_ends(self) -> None:
        got = periods.period_range(dt.date(2023, 11, 5), dt.date(2024, 2, 1), "monthly")
        assert got == [
            dt.date(2023, 11, 1),
            dt.date(2023, 12, 1),
            dt.date(2024, 1, 1),
            dt.date(2024, 2, 1),
        ]

    def test_last_complete_quarter(self) -> None:
        got = periods.last_complete_period(dt.date(2026, 11, 23), "quarterly")
        assert got == dt.date(2026, 7, 1)
