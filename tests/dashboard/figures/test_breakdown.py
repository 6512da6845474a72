"""Breakdown: stacked when the parts add up to the total, grouped otherwise."""

from __future__ import annotations

import pandas as pd

from dashboard.figures.breakdown import breakdown
from tests.dashboard.figures.conftest import make_indicator, make_series


def _indicator(total_is_sum: bool = True):  # type: ignore[no-untyped-def]
    return make_indicator(
        unit="count",
        decimals=0,
        breakdown={
            "dimension": "secteur",
            "label": "Secteur",
            "values": {"hopital": "Hôpital", "ville": "Ville"},
            "total_is_sum": total_is_sum,
        },
    )


def _frame() -> pd.DataFrame:
    return pd.concat(
        [
            make_series([30, 40], breakdown="_total"),
            make_series([10, 15], breakdown="ville"),
            make_series([20, 25], breakdown="hopital"),
        ]
    )


class TestBreakdown:
    def test_stacked_bars_per_value_in_catalog_order_without_the_total(self) -> None:
        fig = breakdown(_frame(), indicator=_indicator())
        assert [t["name"] for t in fig["data"]] == ["Hôpital", "Ville"]
        assert fig["layout"]["barmode"] == "stack"
        assert all(t["type"] == "bar" for t in fig["data"])

    def test_non_additive_parts_are_grouped(self) -> None:
        fig = breakdown(_frame(), indicator=_indicator(total_is_sum=False))
        assert fig["layout"]["barmode"] == "group"

    def test_unknown_breakdown_value_keeps_its_code(self) -> None:
        frame = pd.concat([_frame(), make_series([1, 2], breakdown="autre")])
        fig = breakdown(frame, indicator=_indicator())
        assert fig["data"][-1]["name"] == "autre"

    def test_no_breakdown_rows_says_so(self) -> None:
        fig = breakdown(make_series([1, 2]), indicator=_indicator())
        assert fig["data"] == []
        assert "Aucune ventilation" in fig["layout"]["annotations"][0]["text"]
