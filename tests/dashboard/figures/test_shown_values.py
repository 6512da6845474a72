"""Maps and rankings draw values as written: equal on screen, equal rank and colour; a
constant series is one colour without a colour bar; a yes/no fact is two categories; values
per 100 000 inhabitants say so on their axis and colour bar."""

from __future__ import annotations

import pandas as pd

from dashboard.figures import geo_map, ranking, tile_map
from dashboard.figures.colour_scale import YES_NO_COLOURS, value_range
from dashboard.formatting import NNBSP
from dashboard.measure import Shown
from tests.dashboard.figures.conftest import make_indicator, make_snapshot
from tests.dashboard.figures.test_geo_map import TINY

PERCENT = make_indicator()  # percent, one decimal, higher is better
YES_NO = Shown(decimals=0, title="", yes_no=True)
PER_100K = Shown(decimals=1, title=f"nombre pour 100{NNBSP}000 habitants", per_capita=True)


def _snapshot(values: list[float | None]) -> pd.DataFrame:
    areas = [
        ("53", "Bretagne", 2, 0),
        ("11", "Île-de-France", 1, 2),
        ("84", "Auvergne-Rhône-Alpes", 4, 3),
        ("94", "Corse", 5, 4),
    ]
    return make_snapshot([(*a, v, False) for a, v in zip(areas, values, strict=False)])


def _tile_colours(fig: dict) -> list[str]:  # type: ignore[type-arg]
    return [s["fillcolor"] for s in fig["layout"]["shapes"] if "fillcolor" in s]


ALMOST_100 = [99.99999993, 99.99999988, 99.99999991, 100.0]  # all « 100,0 % »


class TestAtTheDisplayedPrecision:
    def test_values_equal_once_written_are_one_colour_without_a_colour_bar(self) -> None:
        fig = tile_map(_snapshot(ALMOST_100), indicator=PERCENT, level="region")
        assert len(set(_tile_colours(fig))) == 1
        assert fig["data"][-1]["marker"]["showscale"] is False

    def test_a_constant_series_is_one_colour_on_the_geo_map_and_the_ranking(self) -> None:
        snap = _snapshot(ALMOST_100)
        geo = geo_map(snap, indicator=PERCENT, level="region", contours=TINY)
        fills = {t["fillcolor"] for t in geo["data"] if t.get("fill") == "toself"}
        assert len(fills) == 1
        bars = ranking(snap, indicator=PERCENT)["data"][0]
        assert len(set(bars["marker"]["color"])) == 1

    def test_different_values_keep_their_gradient_and_bar(self) -> None:
        fig = tile_map(_snapshot([10.0, 20.0, 30.0, 40.0]), indicator=PERCENT, level="region")
        assert len(set(_tile_colours(fig))) == 4
        assert fig["data"][-1]["marker"]["showscale"] is True

    def test_the_scale_spans_the_written_values(self) -> None:
        scale = value_range(pd.Series([0.04, 9.96]), decimals=1)
        assert scale is not None and (scale.vmin, scale.vmax) == (0.0, 10.0)
        constant = value_range(pd.Series(ALMOST_100), decimals=1)
        assert constant is not None and constant.constant

    def test_equal_values_share_a_rank_said_ex_aequo_in_name_order(self) -> None:
        fig = ranking(_snapshot([99.99999993, 99.99999988, 98.0, None]), indicator=PERCENT)
        assert fig["data"][0]["y"] == [
            "1. Bretagne (ex aequo)",
            "1. Île-de-France (ex aequo)",
            "3. Auvergne-Rhône-Alpes",
            "Corse",
        ]
        assert fig["data"][0]["text"][:2] == [f"100,0{NNBSP}%", f"100,0{NNBSP}%"]


class TestYesNo:
    def test_tiles_in_two_colours_with_oui_and_non_in_the_legend(self) -> None:
        fig = tile_map(
            _snapshot([1.0, 0.0, 1.0, None]), indicator=PERCENT, level="department", shown=YES_NO
        )
        yes, no = YES_NO_COLOURS["oui"], YES_NO_COLOURS["non"]
        assert _tile_colours(fig) == [yes, no, yes]
        legend = [t["name"] for t in fig["data"] if t.get("showlegend")]
        assert legend == ["oui", "non"]
        assert "showscale" not in fig["data"][-1]["marker"]  # no gradient bar
        hovers = fig["data"][-1]["hovertext"]
        assert hovers[0].endswith("<br>oui <i>(démonstration)</i>")
        assert "<br>non" in hovers[1]

    def test_geo_map_names_its_categories(self) -> None:
        fig = geo_map(
            _snapshot([1.0, 0.0, 1.0, None]),
            indicator=PERCENT,
            level="department",
            contours=TINY,
            shown=YES_NO,
        )
        legend = {t["name"]: t["fillcolor"] for t in fig["data"] if t.get("showlegend")}
        assert legend["oui"] == YES_NO_COLOURS["oui"]
        assert legend["non"] == YES_NO_COLOURS["non"]
        assert not any("colorbar" in t.get("marker", {}) for t in fig["data"])

    def test_ranking_writes_oui_and_non(self) -> None:
        fig = ranking(_snapshot([0.0, 1.0, 1.0, None]), indicator=PERCENT, shown=YES_NO)
        bars = fig["data"][0]
        assert bars["text"] == ["oui", "oui", "non", "non disponible"]
        # « oui » first, in name order, without ranks: a yes/no fact is not ranked
        assert bars["y"] == ["Auvergne-Rhône-Alpes", "Île-de-France", "Bretagne", "Corse"]
        assert fig["layout"]["xaxis"]["visible"] is False


class TestPerCapita:
    COUNT = make_indicator(unit="count", decimals=0, aggregation={"rule": "sum"})

    def test_axis_and_colour_bar_say_per_100_000_inhabitants(self) -> None:
        snap = _snapshot([10.04, 20.0, 30.0, 40.0])
        bars = ranking(snap, indicator=self.COUNT, shown=PER_100K)
        assert bars["layout"]["xaxis"]["title"]["text"] == PER_100K.title
        assert bars["data"][0]["text"][-1] == "10,0"  # one decimal
        tiles = tile_map(snap, indicator=self.COUNT, level="region", shown=PER_100K)
        assert tiles["data"][-1]["marker"]["colorbar"]["title"]["text"] == PER_100K.title

    def test_hover_gives_the_total_beside_the_value_per_100_000(self) -> None:
        snap = _snapshot([10.04, 20.0, 30.0, 40.0]).assign(total=[3462.0, 1.0, 2.0, 3.0])
        tiles = tile_map(snap, indicator=self.COUNT, level="region", shown=PER_100K)
        assert tiles["data"][-1]["hovertext"][0].startswith(
            f"<b>Bretagne</b> (53)<br>10,0 pour 100{NNBSP}000 habitants<br>total : 3{NNBSP}462"
        )

    def test_france_per_100_000_is_a_meaningful_reference_for_a_count(self) -> None:
        snap = _snapshot([10.0, 20.0, 30.0, 40.0])
        fig = ranking(snap, indicator=self.COUNT, reference=25.0, shown=PER_100K)
        assert fig["layout"]["annotations"][0]["text"] == "France : 25,0"
        # as totals, France is their sum: no line (see test_ranking)
        assert not ranking(snap, indicator=self.COUNT, reference=1e6)["layout"].get("shapes")
