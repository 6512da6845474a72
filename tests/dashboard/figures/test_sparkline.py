"""Sparkline: a tiny inline SVG, dashed grey when all values are synthetic."""

from __future__ import annotations

from dashboard.figures.sparkline import MAX_POINTS, sparkline_svg
from dashboard.figures.theme import BLUE_FRANCE, DEMO_COLOUR
from tests.dashboard.figures.conftest import make_indicator, make_series


class TestSparklineSvg:
    def test_is_a_data_uri_svg_with_one_point_per_value(self) -> None:
        from urllib.parse import unquote

        uri = sparkline_svg(make_series([1, 2, 3, None]), indicator=make_indicator())
        assert uri.startswith("data:image/svg+xml;utf8,")
        svg = unquote(uri.split(",", 1)[1])
        points = svg.split('points="')[1].split('"')[0].split()
        assert len(points) == 3
        assert BLUE_FRANCE in svg and "stroke-dasharray" not in svg

    def test_highest_value_is_drawn_highest(self) -> None:
        from urllib.parse import unquote

        svg = unquote(sparkline_svg(make_series([1, 5]), indicator=make_indicator()))
        first, last = svg.split('points="')[1].split('"')[0].split()
        assert float(last.split(",")[1]) < float(first.split(",")[1])

    def test_demo_is_dashed_grey(self) -> None:
        from urllib.parse import unquote

        svg = unquote(sparkline_svg(make_series([1, 2], origin="demo"), indicator=make_indicator()))
        assert DEMO_COLOUR in svg and "stroke-dasharray" in svg

    def test_empty_series_is_an_empty_image(self) -> None:
        from urllib.parse import unquote

        svg = unquote(sparkline_svg(make_series([]), indicator=make_indicator()))
        assert "<polyline" not in svg and svg.endswith("</svg>")

    def test_keeps_only_the_last_periods(self) -> None:
        from urllib.parse import unquote

        svg = unquote(sparkline_svg(make_series(list(range(60))), indicator=make_indicator()))
        assert len(svg.split('points="')[1].split('"')[0].split()) == MAX_POINTS
