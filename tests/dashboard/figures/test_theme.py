"""Theme: DSFR colours, the Marianne font, French separators and the graph config."""

from __future__ import annotations

import pytest

from dashboard.figures.theme import (
    BLUE_FRANCE,
    BLUE_FRANCE_925,
    FONT_FAMILY,
    colour_for,
    font_family,
    graph_config,
    new_figure,
    text_colour_on,
    with_font,
)
from dashboard.formatting import NNBSP


class TestNewFigure:
    def test_french_separators_and_marianne(self) -> None:
        fig = new_figure(height=300)
        assert fig.layout.separators == "," + NNBSP
        assert fig.layout.font.family == FONT_FAMILY == "Marianne, arial, sans-serif"
        assert fig.layout.height == 300


class TestFont:
    def test_marianne_only_on_a_state_site(self) -> None:
        assert font_family(state_marks=True).startswith("Marianne")
        assert "Marianne" not in font_family(state_marks=False)

    def test_with_font_sets_text_and_hover_labels(self) -> None:
        fig = with_font(new_figure(), state_marks=False)
        assert not fig.layout.font.family.startswith("Marianne")
        assert fig.layout.hoverlabel.font.family == font_family(state_marks=False)


class TestColourFor:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [(0.0, BLUE_FRANCE_925), (10.0, BLUE_FRANCE), (-5.0, BLUE_FRANCE_925)],
    )
    def test_ends_of_the_scale(self, value: float, expected: str) -> None:
        colour = colour_for(value, vmin=0.0, vmax=10.0).replace(" ", "")
        rgb = tuple(int(expected[i : i + 2], 16) for i in (1, 3, 5))
        assert colour in {expected, f"rgb({rgb[0]},{rgb[1]},{rgb[2]})"}

    def test_flat_range_is_the_middle(self) -> None:
        assert colour_for(3.0, vmin=3.0, vmax=3.0) == colour_for(5.0, vmin=0.0, vmax=10.0)


class TestTextColour:
    def test_white_on_dark_and_black_on_light(self) -> None:
        assert text_colour_on(BLUE_FRANCE) == "#ffffff"
        assert text_colour_on(BLUE_FRANCE_925) == "#161616"
        assert text_colour_on("rgb(0, 0, 145)") == "#ffffff"


class TestGraphConfig:
    def test_png_export_in_the_browser_without_logo(self) -> None:
        config = graph_config(filename="mes_taux_activation")
        assert config["displaylogo"] is False
        assert config["toImageButtonOptions"] == {
            "format": "png",
            "filename": "mes_taux_activation",
            "scale": 2,
        }
        assert config["locales"]["fr"]["format"]["months"][2] == "mars"

    def test_static_config_for_sparklines(self) -> None:
        assert graph_config(filename="x", static=True)["staticPlot"] is True


class TestColourForMatchesPlotly:
    @pytest.mark.parametrize("position", [i / 40 for i in range(41)] + [0.123456, 0.7, 0.35])
    def test_same_colour_as_sample_colorscale(self, position: float) -> None:
        from plotly.colors import sample_colorscale

        from dashboard.figures.theme import SEQUENTIAL

        expected = sample_colorscale([list(stop) for stop in SEQUENTIAL], [position])[0]
        assert colour_for(position * 10, vmin=0.0, vmax=10.0) == expected


class TestWithFontDict:
    @pytest.mark.parametrize("marks", [True, False])
    def test_same_as_with_font_on_the_figure(self, marks: bool) -> None:
        from dashboard.figures.theme import with_font_dict

        fig = new_figure(height=200)
        assert with_font_dict(fig.to_dict(), state_marks=marks) == (
            with_font(fig, state_marks=marks).to_dict()
        )
