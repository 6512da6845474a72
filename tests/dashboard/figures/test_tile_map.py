"""Tile map: equal squares at tile_row/tile_col, masked and missing drawn apart."""

from __future__ import annotations

import math

import pandas as pd

from core.geography import by_level
from dashboard.figures.theme import BLUE_FRANCE, BLUE_FRANCE_925
from dashboard.figures.tile_map import tile_label, tile_map
from dashboard.formatting import NNBSP
from tests.dashboard.figures.conftest import make_indicator, make_snapshot


def _rgb(colour: str) -> tuple[int, ...]:
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(round(float(p)) for p in colour[colour.index("(") + 1 : -1].split(","))


def _hover_trace(fig):  # type: ignore[no-untyped-def]
    return next(t for t in fig["data"] if t["mode"] == "markers+text")


class TestTileMap:
    def test_one_equal_square_per_area_with_a_value(self, region_snapshot: pd.DataFrame) -> None:
        # Given three valued régions / When mapped / Then three equal squares at their cells
        fig = tile_map(region_snapshot, indicator=make_indicator(), level="region")
        rects = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
        assert len(rects) == 3
        sizes = {(round(s["x1"] - s["x0"], 6), round(s["y1"] - s["y0"], 6)) for s in rects}
        assert len(sizes) == 1
        bretagne = next(s for s in rects if s["x0"] < 0 < s["x1"])
        assert bretagne["y0"] < -2 < bretagne["y1"]

    def test_colour_scale_runs_from_light_to_dark_blue(self, region_snapshot: pd.DataFrame) -> None:
        # Given Bretagne lowest (40) and Île-de-France highest (70,5)
        fig = tile_map(region_snapshot, indicator=make_indicator(), level="region")
        colours = {round((s["x0"] + s["x1"]) / 2): s["fillcolor"] for s in fig["layout"]["shapes"]}
        # Then the lowest is the light end and the highest the dark « bleu France » end
        assert _rgb(colours[0]) == _rgb(BLUE_FRANCE_925)
        assert _rgb(colours[2]) == _rgb(BLUE_FRANCE)
        assert sum(_rgb(colours[3])) < sum(_rgb(colours[0]))

    def test_masked_and_missing_are_labelled_never_zero(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        fig = tile_map(region_snapshot, indicator=make_indicator(), level="region")
        names = {t.get("name") for t in fig["data"]}
        assert {"secret statistique", "non disponible"} <= names
        masked = next(t for t in fig["data"] if t.get("name") == "secret statistique")
        assert masked["fillpattern"]["shape"] == "/"
        hover = _hover_trace(fig)
        corse = list(hover["text"]).index("COR")
        assert math.isnan(hover["marker"]["color"][corse])
        assert "secret statistique" in hover["hovertext"][corse]
        assert "non disponible" in hover["hovertext"][list(hover["text"]).index("MAY")]

    def test_colorbar_is_titled_with_the_unit_and_hover_is_french(
        self, region_snapshot: pd.DataFrame
    ) -> None:
        fig = tile_map(region_snapshot, indicator=make_indicator(), level="region")
        hover = _hover_trace(fig)
        assert hover["marker"]["colorbar"]["title"]["text"] == "%"
        assert (hover["marker"]["cmin"], hover["marker"]["cmax"]) == (40.0, 70.5)
        assert f"70,5{NNBSP}%" in hover["hovertext"][list(hover["text"]).index("IDF")]
        assert "(démonstration)" in hover["hovertext"][0]

    def test_squares_keep_their_shape(self, region_snapshot: pd.DataFrame) -> None:
        fig = tile_map(region_snapshot, indicator=make_indicator(), level="region")
        assert fig["layout"]["yaxis"]["scaleanchor"] == "x"
        assert fig["layout"]["xaxis"]["visible"] is False

    def test_all_departements_get_a_tile(self) -> None:
        # Given every département of the reference grid
        rows = [
            (a.code, a.name, a.tile_row, a.tile_col, 50.0 + i, False)
            for i, a in enumerate(by_level("department"))
        ]
        fig = tile_map(make_snapshot(rows), indicator=make_indicator(), level="department")
        centres = {
            ((s["x0"] + s["x1"]) / 2, (s["y0"] + s["y1"]) / 2) for s in fig["layout"]["shapes"]
        }
        assert len(centres) == 101
        assert list(_hover_trace(fig)["text"]).count("2A") == 1

    def test_no_value_at_all_gives_no_colour_bar(self) -> None:
        snapshot = make_snapshot([("53", "Bretagne", 2, 0, None, True)])
        fig = tile_map(snapshot, indicator=make_indicator(), level="region")
        assert fig["layout"]["shapes"] == []
        assert "showscale" not in _hover_trace(fig)["marker"]


class TestTileLabel:
    def test_region_abbreviation_and_department_code(self) -> None:
        assert tile_label("53", level="region") == "BRE"
        assert tile_label("53", level="department") == "53"
