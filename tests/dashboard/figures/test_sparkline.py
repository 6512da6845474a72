"""Sparkline: tiny, no axes, dashed grey when all values are synthetic."""

from __future__ import annotations

from dashboard.figures.sparkline import MAX_POINTS, sparkline
from dashboard.figures.theme import BLUE_FRANCE, DEMO_COLOUR
from tests.dashboard.figures.conftest import make_indicator, make_series


class TestSparkline:
    def test_has_no_visible_axes_and_is_small(self) -> None:
        fig = sparkline(make_series([1, 2, 3]), indicator=make_indicator())
        assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
        assert fig.layout.height <= 60

    def test_marks_the_latest_point(self) -> None:
        fig = sparkline(make_series([1, 2, 3]), indicator=make_indicator())
        assert list(fig.data[1].y) == [3.0]

    def test_real_data_is_solid_blue_and_demo_dashed_grey(self) -> None:
        real = sparkline(make_series([1, 2]), indicator=make_indicator())
        demo = sparkline(make_series([1, 2], origin="demo"), indicator=make_indicator())
        assert (real.data[0].line.color, real.data[0].line.dash) == (BLUE_FRANCE, "solid")
        assert (demo.data[0].line.color, demo.data[0].line.dash) == (DEMO_COLOUR, "dash")

    def test_keeps_only_the_last_periods(self) -> None:
        fig = sparkline(make_series(list(range(60))), indicator=make_indicator())
        assert len(fig.data[0].y) == MAX_POINTS

    def test_empty_series_gives_an_empty_line(self) -> None:
        fig = sparkline(make_series([]), indicator=make_indicator())
        assert len(fig.data) == 1 and len(fig.data[0].y) == 0
