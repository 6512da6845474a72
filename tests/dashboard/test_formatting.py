"""French formatting: each function carries valid and invalid examples, looped over."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.formatting import (
    MASKED,
    MISSING,
    NNBSP,
    FormattingError,
    date_ticks,
    format_count,
    format_date,
    format_day,
    format_number,
    format_period,
    french_text,
    join_labels,
    sentence,
    unit_label,
)

S = NNBSP

NUMBER_CASES = [
    # (value, unit, decimals, extra kwargs, expected)
    (1234567, "count", 0, {}, f"1{S}234{S}567"),
    (999, "count", 0, {}, "999"),
    (0, "count", 0, {}, "0"),
    (-1234.5, "count", 1, {}, f"\u22121{S}234,5"),
    (-0.01, "count", 0, {}, "0"),
    (12.5, "percent", 1, {}, f"12,5{S}%"),
    (12.46, "percent", 1, {}, f"12,5{S}%"),
    (80, "percent", 0, {}, f"80{S}%"),
    (1.234, "ratio", 2, {}, "1,23"),
    (1_200_000_000, "euros", 0, {}, f"1,2{S}Md€"),
    (3_400_000, "euros", 0, {}, f"3{S}400{S}000{S}€"),
    (12, "days", 0, {}, f"12{S}jours"),
    (1, "days", 0, {}, f"1{S}jour"),
    (12.5, "percent", 1, {"masked": True}, MASKED),
    (None, "percent", 1, {}, MISSING),
    (float("nan"), "count", 0, {}, MISSING),
    (None, "count", 0, {"masked": True}, MASKED),
    (5_000_000, "count", 0, {"qualifier": "lower_bound"}, f"plus de 5{S}000{S}000"),
    (70, "percent", 0, {"qualifier": "approx"}, f"environ 70{S}%"),
    (3, "days", 0, {"qualifier": "upper_bound"}, f"moins de 3{S}jours"),
]
INVALID_NUMBER_CASES = [
    (1, "kilos", 0, {}),
    (1, "count", -1, {}),
    (1, "count", 0, {"qualifier": "about"}),
]


class TestFormatNumber:
    @pytest.mark.parametrize(("value", "unit", "decimals", "extra", "expected"), NUMBER_CASES)
    def test_valid_examples(
        self, value: float | None, unit: str, decimals: int, extra: dict, expected: str
    ) -> None:
        # Given a value and its unit / When formatted / Then French typography is used
        assert format_number(value, unit=unit, decimals=decimals, **extra) == expected

    @pytest.mark.parametrize(("value", "unit", "decimals", "extra"), INVALID_NUMBER_CASES)
    def test_invalid_examples_raise_a_french_error(
        self, value: float, unit: str, decimals: int, extra: dict
    ) -> None:
        with pytest.raises(FormattingError, match="Attendu"):
            format_number(value, unit=unit, decimals=decimals, **extra)

    def test_masked_is_never_zero(self) -> None:
        # Given a masked value stored as NaN / Then it reads « secret statistique », not 0
        assert format_number(float("nan"), unit="count", masked=True) == "secret statistique"


PERIOD_CASES = [
    (dt.date(2025, 3, 1), "monthly", "mars 2025"),
    (dt.date(2025, 8, 1), "monthly", "août 2025"),
    (pd.Timestamp("2025-12-01"), "monthly", "décembre 2025"),
    (dt.date(2025, 1, 1), "quarterly", "T1 2025"),
    (dt.date(2025, 10, 1), "quarterly", "T4 2025"),
    (dt.datetime(2025, 7, 1, 12, 0), "yearly", "2025"),
    ("2024-02-01", "monthly", "février 2024"),
    (None, "monthly", MISSING),
    (pd.NaT, "monthly", MISSING),
]
INVALID_PERIOD_CASES = [
    (dt.date(2025, 3, 1), "weekly"),
    ("mars 2025", "monthly"),
    (42, "monthly"),
]


class TestFormatPeriod:
    @pytest.mark.parametrize(("value", "frequency", "expected"), PERIOD_CASES)
    def test_valid_examples(self, value: object, frequency: str, expected: str) -> None:
        assert format_period(value, frequency=frequency) == expected

    @pytest.mark.parametrize(("value", "frequency"), INVALID_PERIOD_CASES)
    def test_invalid_examples(self, value: object, frequency: str) -> None:
        with pytest.raises(FormattingError):
            format_period(value, frequency=frequency)


class TestFormatDate:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (dt.date(2025, 3, 7), "07/03/2025"),
            (pd.Timestamp("2024-12-31 23:00"), "31/12/2024"),
            ("2025-01-02", "02/01/2025"),
            (None, MISSING),
        ],
    )
    def test_valid_examples(self, value: object, expected: str) -> None:
        assert format_date(value) == expected

    @pytest.mark.parametrize("value", ["07/03/2025", "hier", 3.5])
    def test_invalid_examples(self, value: object) -> None:
        with pytest.raises(FormattingError, match="AAAA-MM-JJ"):
            format_date(value)


class TestDateTicks:
    def test_short_monthly_span_has_french_month_labels(self) -> None:
        # Given six months / When ticks are computed / Then one per month, in French
        values, texts = date_ticks(dt.date(2025, 1, 1), dt.date(2025, 6, 1), frequency="monthly")
        assert values[0] == dt.date(2025, 1, 1)
        assert texts == [
            "janv. 2025",
            "févr. 2025",
            "mars 2025",
            "avr. 2025",
            "mai 2025",
            "juin 2025",
        ]

    def test_long_span_falls_back_to_years(self) -> None:
        values, texts = date_ticks(
            dt.date(2019, 5, 1), dt.date(2027, 12, 31), frequency="monthly", max_ticks=10
        )
        assert texts == [str(y) for y in range(2020, 2028)]
        assert all(v.month == 1 for v in values)

    def test_quarterly_labels(self) -> None:
        _, texts = date_ticks(dt.date(2024, 1, 1), dt.date(2025, 4, 1), frequency="quarterly")
        assert texts[:2] == ["T1 2024", "T2 2024"]

    def test_never_more_ticks_than_asked(self) -> None:
        values, _ = date_ticks(
            dt.date(2010, 1, 1), dt.date(2030, 1, 1), frequency="monthly", max_ticks=6
        )
        assert 0 < len(values) <= 6

    def test_reversed_bounds_are_accepted(self) -> None:
        forward = date_ticks(dt.date(2024, 1, 1), dt.date(2024, 12, 1), frequency="monthly")
        backward = date_ticks(dt.date(2024, 12, 1), dt.date(2024, 1, 1), frequency="monthly")
        assert forward == backward


class TestSmallHelpers:
    def test_unit_label(self) -> None:
        assert unit_label("percent") == "%"
        with pytest.raises(FormattingError):
            unit_label("kg")

    def test_join_labels(self) -> None:
        assert join_labels(["Bretagne", "Corse", "Guyane"]) == "Bretagne, Corse et Guyane"
        assert join_labels(["Bretagne"]) == "Bretagne"
        assert join_labels([]) == ""


class TestFrenchWords:
    @pytest.mark.parametrize(
        ("count", "expected"),
        [
            (0, "aucun territoire"),
            (1, "1 territoire"),
            (2, "2 territoires"),
            (1500, "1\u202f500 territoires"),
        ],
    )
    def test_format_count_follows_french_plural_rules(self, count: int, expected: str) -> None:
        assert format_count(count, "territoire", "territoires") == expected
        assert format_count(0, "valeur", "valeurs", feminine=True) == "aucune valeur"

    def test_sentence_opens_with_a_capital(self) -> None:
        assert sentence("aucun territoire") == "Aucun territoire"
        assert sentence("") == ""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Cible : 410 000 DUI", "Cible : 410\u202f000 DUI"),
            ("12 757 328 profils", "12\u202f757\u202f328 profils"),
            ("Bilan (2023-09-07)", "Bilan (7 septembre 2023)"),
            ("ligne du 2022-12-01", "ligne du 1er décembre 2022"),
            ("Déploiement (2024-10)", "Déploiement (octobre 2024)"),
            # neither a range of years, nor a code, nor an address is a date or a number
            ("feuille de route 2023-2027", "feuille de route 2023-2027"),
            ("IND-583, vague 2", "IND-583, vague 2"),
            ("presse/2024-02-292ans", "presse/2024-02-292ans"),
        ],
    )
    def test_french_text_sets_numbers_and_dates(self, text: str, expected: str) -> None:
        assert french_text(text) == expected

    def test_format_day(self) -> None:
        assert format_day(dt.date(2025, 1, 1)) == "1er janvier 2025"
        assert format_day(dt.date(2023, 9, 21)) == "21 septembre 2023"
