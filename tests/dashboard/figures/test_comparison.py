"""Comparison: one line per chosen area, France dashed and first."""

from __future__ import annotations

import pandas as pd

from dashboard.figures.comparison import comparison
from tests.dashboard.figures.conftest import make_indicator, make_series


def _areas() -> pd.DataFrame:
    return pd.concat(
        [
            make_series([10, 20, 30], code="53", name="Bretagne"),
            make_series([15, 25, 35], code="FR", name="France"),
            make_series([5, None, 25], code="11", name="Île-de-France"),
        ]
    )


class TestComparison:
    def test_one_line_per_area_france_first_and_dashed(self) -> None:
        fig = comparison(_areas(), indicator=make_indicator())
        assert [t["name"] for t in fig["data"]] == ["France", "Bretagne", "Île-de-France"]
        assert fig["data"][0]["line"]["dash"] == "dash"
        assert "dash" not in fig["data"][1]["line"]
        assert fig["data"][1]["line"]["color"] != fig["data"][2]["line"]["color"]

    def test_accepts_a_mapping_of_series(self) -> None:
        frames = {
            "53": make_series([1, 2], name="Bretagne"),
            "FR": make_series([3, 4], name="France"),
        }
        frames["53"] = frames["53"].drop(columns=["code"])
        frames["FR"] = frames["FR"].drop(columns=["code"])
        fig = comparison(frames, indicator=make_indicator())
        assert [t["name"] for t in fig["data"]] == ["France", "Bretagne"]

    def test_gaps_stay_gaps(self) -> None:
        fig = comparison(_areas(), indicator=make_indicator())
        idf = fig["data"][2]
        assert pd.isna(idf["y"][1]) and idf["connectgaps"] is False

    def test_empty_selection_says_so(self) -> None:
        fig = comparison({}, indicator=make_indicator())
        assert fig["data"] == []
        assert fig["layout"]["annotations"][0]["text"] == "Aucune donnée disponible"
