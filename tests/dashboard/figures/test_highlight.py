"""The territory the reader follows (`territoire`), outlined on the maps and the ranking."""

from __future__ import annotations

import pandas as pd

from dashboard.figures.colour_scale import HIGHLIGHT_LINE
from dashboard.figures.geo_map import geo_map
from dashboard.figures.ranking import ranking
from dashboard.figures.tile_map import HALF, tile_map
from tests.dashboard.figures.conftest import make_indicator
from tests.dashboard.figures.test_geo_map import TINY


def _outlines(fig: dict) -> list[dict]:
    return [s for s in fig["layout"].get("shapes", []) if s.get("line") == HIGHLIGHT_LINE]


class TestTileMap:
    def test_the_highlighted_tile_is_outlined_above_the_others(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        fig = tile_map(
            region_snapshot, indicator=make_indicator(), level="region", highlight=["53"]
        )
        # Bretagne is tile (row 2, col 0)
        assert _outlines(fig) == [
            {
                "type": "rect",
                "x0": -HALF,
                "x1": HALF,
                "y0": -2 - HALF,
                "y1": -2 + HALF,
                "line": HIGHLIGHT_LINE,
                "layer": "above",
            }
        ]

    def test_without_a_territory_nothing_is_outlined(self, region_snapshot: pd.DataFrame) -> None:
        assert (
            _outlines(tile_map(region_snapshot, indicator=make_indicator(), level="region")) == []
        )


class TestRanking:
    def test_the_highlighted_bar_is_bold_and_outlined(self, region_snapshot: pd.DataFrame) -> None:
        fig = ranking(region_snapshot, indicator=make_indicator(), highlight=["53"])
        bars = fig["data"][0]
        labels, widths = list(bars["y"]), list(bars["marker"]["line"]["width"])
        mine = labels.index("<b>3. Bretagne</b>")
        assert widths[mine] == HIGHLIGHT_LINE["width"]
        assert [w for i, w in enumerate(widths) if i != mine] == [0] * (len(widths) - 1)
        assert sum("<b>" in label for label in labels) == 1


class TestGeoMap:
    def test_the_highlighted_area_gets_an_outline_trace_over_the_fills(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        fig = geo_map(
            region_snapshot,
            indicator=make_indicator(),
            level="region",
            contours=TINY,
            highlight=["11"],
        )
        outlines = [t for t in fig["data"] if t.get("line") == HIGHLIGHT_LINE]
        assert len(outlines) == 1
        assert outlines[0]["x"][:5] == [4, 8, 8, 4, 4]  # Île-de-France's ring
        assert "fill" not in outlines[0]
