"""Aggregation of département rows to régions and France, by catalog rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from core.catalog import Indicator
from core.geography import by_level, departments_of
from etl.transform import AggregationError, aggregate_up

PERIOD = dt.date(2024, 1, 1)


def make_indicator(rule: str, **extra: Any) -> Indicator:
    aggregation: dict[str, Any] = {"rule": rule}
    if rule == "ratio":
        aggregation |= {"numerator": "a", "denominator": "b", "scale": 100.0}
    territorial = rule != "not_aggregable"
    return Indicator.model_validate(
        {
            "id": f"test_{rule}",
            "label": "Test",
            "short_label": "Test",
            "description": "Test",
            "axis": "axe1",
            "unit": extra.pop("unit", "count"),
            "nature": "stock",
            "frequency": "monthly",
            "levels_published": ["national"],
            "levels_shown": ["national", "region", "department"] if territorial else ["national"],
            "aggregation": aggregation,
            "direction": "higher_is_better",
            "visibility": "public",
            "sources": [],
            "methodology": "Test",
            **extra,
        }
    )


def department_rows(values: dict[str, float], **columns: Any) -> pd.DataFrame:
    """One row per département, `values` by code and 1.0 for the others."""
    codes = [d.code for d in by_level("department")]
    frame = pd.DataFrame(
        {
            "level": "department",
            "code": codes,
            "period_start": PERIOD,
            "breakdown": "_total",
            "value": [values.get(c, 1.0) for c in codes],
            "numerator": None,
            "denominator": None,
            "is_masked": False,
        }
    )
    for name, column in columns.items():
        frame[name] = column
    return frame


def pick(out: pd.DataFrame, level: str, code: str) -> pd.Series:
    row = out[(out["level"] == level) & (out["code"] == code)]
    return row.iloc[0]


class TestAggregateUp:
    def test_sum_adds_departements_of_region(self) -> None:
        # Given Bretagne's départements worth 10, 20, 30, 40 and the others 1
        values = dict(zip(["22", "29", "35", "56"], [10.0, 20.0, 30.0, 40.0], strict=True))
        # When aggregating with the sum rule
        out = aggregate_up(department_rows(values), indicator=make_indicator("sum"))
        # Then Bretagne is 100 and France is 100 + 97 × 1
        assert pick(out, "region", "53")["value"] == 100.0
        assert pick(out, "national", "FR")["value"] == 197.0

    def test_ratio_sums_numerator_and_denominator_never_averages_rates(self) -> None:
        # Given two Corse départements: 1/1 (100 %) and 1/99 (≈1 %), others 1/2
        codes = [d.code for d in by_level("department")]
        num = [1.0 for _ in codes]
        den = [99.0 if c == "2B" else 1.0 if c == "2A" else 2.0 for c in codes]
        frame = department_rows({}, numerator=num, denominator=den)
        # When aggregating with the ratio rule (scale 100)
        out = aggregate_up(frame, indicator=make_indicator("ratio", unit="percent"))
        # Then Corse is 100 × 2 / 100 = 2 %, not the mean of the rates
        corse = pick(out, "region", "94")
        assert corse["value"] == pytest.approx(2.0)
        assert (corse["numerator"], corse["denominator"]) == (2.0, 100.0)

    def test_count_true_counts_departements_with_one(self) -> None:
        # Given every département at 0 except two of Bretagne
        codes = [d.code for d in by_level("department")]
        values = {c: 0.0 for c in codes} | {"29": 1.0, "35": 1.0}
        # When aggregating with count_true
        out = aggregate_up(department_rows(values), indicator=make_indicator("count_true"))
        # Then Bretagne and France count 2
        assert pick(out, "region", "53")["value"] == 2.0
        assert pick(out, "national", "FR")["value"] == 2.0

    def test_share_true_is_percent_of_departements(self) -> None:
        # Given two of Bretagne's four départements at 1
        codes = [d.code for d in by_level("department")]
        values = {c: 0.0 for c in codes} | {"29": 1.0, "35": 1.0}
        indicator = make_indicator("share_true", unit="percent")
        # When aggregating with share_true
        out = aggregate_up(department_rows(values), indicator=indicator)
        # Then Bretagne is 50 %
        assert pick(out, "region", "53")["value"] == pytest.approx(50.0)

    def test_pop_weighted_mean_weights_by_population(self) -> None:
        # Given Corse-du-Sud at 0 and Haute-Corse at 100
        corse = departments_of("94")
        values = {"2A": 0.0, "2B": 100.0}
        # When aggregating with pop_weighted_mean
        out = aggregate_up(department_rows(values), indicator=make_indicator("pop_weighted_mean"))
        # Then Corse is Haute-Corse's share of the population × 100
        share = next(d.population for d in corse if d.code == "2B") / sum(
            d.population for d in corse
        )
        assert pick(out, "region", "94")["value"] == pytest.approx(100.0 * share)

    def test_not_aggregable_gives_nothing(self) -> None:
        # Given département rows of a national programme figure
        # When aggregating
        out = aggregate_up(department_rows({}), indicator=make_indicator("not_aggregable"))
        # Then there is no aggregate
        assert out.empty

    def test_masked_departement_masks_its_region_and_france(self) -> None:
        # Given Finistère masked (secret statistique)
        frame = department_rows({})
        frame.loc[frame["code"] == "29", ["value", "is_masked"]] = [None, True]
        # When aggregating with the sum rule
        out = aggregate_up(frame, indicator=make_indicator("sum"))
        # Then Bretagne and France are masked without a value, another région is not
        assert pick(out, "region", "53")["is_masked"]
        assert pd.isna(pick(out, "national", "FR")["value"])
        assert pick(out, "region", "94")["value"] == 2.0

    def test_missing_departement_leaves_region_out(self) -> None:
        # Given no row at all for Finistère
        frame = department_rows({})
        frame = frame[frame["code"] != "29"]
        # When aggregating
        out = aggregate_up(frame, indicator=make_indicator("sum"))
        # Then neither Bretagne nor France is computed from an incomplete set
        assert set(out["code"]) == {d.code for d in by_level("region")} - {"53"}

    def test_breakdowns_are_aggregated_separately(self) -> None:
        # Given a « ville » and a « hopital » row per département
        a = department_rows({}).assign(breakdown="ville")
        b = department_rows({}).assign(breakdown="hopital", value=3.0)
        # When aggregating
        out = aggregate_up(pd.concat([a, b]), indicator=make_indicator("sum"))
        # Then France has 101 in « ville » and 303 in « hopital »
        france = out[out["level"] == "national"].set_index("breakdown")["value"]
        assert france.to_dict() == {"hopital": 303.0, "ville": 101.0}

    def test_unknown_departement_is_refused(self) -> None:
        # Given a row with the old Corse code « 20 »
        frame = department_rows({})
        frame.loc[0, "code"] = "20"
        # When / Then aggregating names the code
        with pytest.raises(AggregationError, match="« 20 »"):
            aggregate_up(frame, indicator=make_indicator("sum"))
