"""Ranking: best first by direction, masked and missing last and labelled."""

from __future__ import annotations

import pandas as pd

from dashboard.figures.ranking import ranked, ranking
from dashboard.formatting import NNBSP
from tests.dashboard.figures.conftest import make_indicator


class TestRanking:
    def test_higher_is_better_puts_the_highest_first(self, region_snapshot: pd.DataFrame) -> None:
        fig = ranking(region_snapshot, indicator=make_indicator())
        assert fig["data"][0]["y"][:3] == [
            "1. Île-de-France",
            "2. Auvergne-Rhône-Alpes",
            "3. Bretagne",
        ]
        assert fig["layout"]["yaxis"]["autorange"] == "reversed"

    def test_lower_is_better_puts_the_lowest_first(self, region_snapshot: pd.DataFrame) -> None:
        order = ranked(region_snapshot, indicator=make_indicator(direction="lower_is_better"))
        assert list(order["code"][:3]) == ["53", "84", "11"]

    def test_masked_and_missing_are_last_labelled_not_zero_values(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        fig = ranking(region_snapshot, indicator=make_indicator())
        assert fig["data"][0]["text"][-2:] == ["secret statistique", "non disponible"]
        assert fig["data"][0]["y"][-2:] == ["Corse", "Mayotte"]

    def test_values_are_written_in_french(self, region_snapshot: pd.DataFrame) -> None:
        fig = ranking(region_snapshot, indicator=make_indicator())
        assert fig["data"][0]["text"][0] == f"70,5{NNBSP}%"

    def test_france_reference_is_a_dashed_line(self, region_snapshot: pd.DataFrame) -> None:
        fig = ranking(region_snapshot, indicator=make_indicator(), reference=50.0)
        line = fig["layout"]["shapes"][0]
        assert (line["x0"], line["x1"], line["line"]["dash"]) == (50.0, 50.0, "dash")
        assert (line["yref"], line["y0"], line["y1"]) == ("y domain", 0, 1)  # the plot's height
        assert fig["layout"]["annotations"][0]["text"] == f"France : 50,0{NNBSP}%"

    def test_height_grows_with_the_number_of_areas(self, region_snapshot: pd.DataFrame) -> None:
        small = ranking(region_snapshot.head(2), indicator=make_indicator())
        big = ranking(pd.concat([region_snapshot] * 10), indicator=make_indicator())
        assert big["layout"]["height"] > small["layout"]["height"]

    def test_no_france_line_for_an_additive_count(self, region_snapshot: pd.DataFrame) -> None:
        # Given a count summed over areas: France is the sum of the régions
        ind = make_indicator(unit="count", aggregation={"rule": "sum"})
        # When ranked with the national value as reference
        fig = ranking(region_snapshot, indicator=ind, reference=1.0e6)
        # Then no reference line is drawn (it would squash every bar)
        assert not fig["layout"].get("shapes")
        assert not fig["layout"].get("annotations")

    def test_france_line_for_a_weighted_mean_in_days(self, region_snapshot: pd.DataFrame) -> None:
        ind = make_indicator(unit="days", aggregation={"rule": "pop_weighted_mean"})
        fig = ranking(region_snapshot, indicator=ind, reference=12.0)
        assert fig["layout"]["shapes"][0]["x0"] == 12.0
