"""Theme: DSFR colours, the Marianne font, French separators and the graph config."""

from __future__ import annotations

import copy

import plotly.graph_objects as go
import pytest

from dashboard.app import VENDOR
from dashboard.figures.theme import (
    BLUE_FRANCE,
    BLUE_FRANCE_925,
    EXPORT_MARGIN,
    FONT_FAMILY,
    NOTE_HEIGHT,
    TEMPLATE_DICT,
    TOOLBAR_TITLES,
    colour_for,
    font_family,
    graph_config,
    new_figure,
    text_colour_on,
    trace,
    update_axis,
    update_layout,
    with_export_marks,
    with_font,
)
from dashboard.formatting import NNBSP


class TestNewFigure:
    def test_french_separators_and_marianne(self) -> None:
        fig = new_figure(height=300)
        assert fig["layout"]["separators"] == "," + NNBSP
        assert fig["layout"]["font"]["family"] == FONT_FAMILY == "Marianne, arial, sans-serif"
        assert fig["layout"]["height"] == 300

    def test_is_a_figure_plotly_accepts(self) -> None:
        # Given a figure dict with the house template and a trace
        fig = new_figure(height=300, data=[trace("scatter", x=[1, 2], y=[3.0, 4.0])])
        # When Plotly validates it (as dcc.Graph's renderer reads it)
        validated = go.Figure(fig)
        # Then every property is known and kept
        assert validated.layout.separators == "," + NNBSP
        assert validated.layout.template.layout.font.family == FONT_FAMILY


class TestTrace:
    def test_columns_become_plain_lists(self) -> None:
        import numpy as np
        import pandas as pd

        t = trace("bar", x=pd.Series([1.5, 2.5]), marker={"color": np.array([1.0, 2.0])})
        assert t == {"type": "bar", "x": [1.5, 2.5], "marker": {"color": [1.0, 2.0]}}


class TestUpdates:
    def test_nested_properties_are_merged_like_plotly_update_layout(self) -> None:
        # Given a layout with a margin and an axis
        fig = new_figure()
        update_layout(fig, margin={"l": 8, "t": 24})
        update_axis(fig, "yaxis", title={"text": "%"})
        # When part of each is changed
        update_layout(fig, margin={"t": 40})
        update_axis(fig, "yaxis", range=[0, 1])
        # Then the other properties are kept, as Plotly's update_layout would
        assert fig["layout"]["margin"] == {"l": 8, "t": 40}
        assert fig["layout"]["yaxis"] == {"title": {"text": "%"}, "range": [0, 1]}
        assert go.Figure(fig).layout.margin.l == 8

    def test_the_shared_template_is_never_changed(self) -> None:
        before = copy.deepcopy(TEMPLATE_DICT)
        fig = new_figure()
        update_layout(fig, template={"layout": {"font": {"size": 30}}})
        with_font(fig, state_marks=False)
        assert before == TEMPLATE_DICT


class TestFont:
    def test_marianne_only_on_a_state_site(self) -> None:
        assert font_family(state_marks=True).startswith("Marianne")
        assert "Marianne" not in font_family(state_marks=False)

    def test_with_font_sets_text_and_hover_labels(self) -> None:
        fig = with_font(new_figure(), state_marks=False)
        neutral = font_family(state_marks=False)
        assert not fig["layout"]["font"]["family"].startswith("Marianne")
        assert fig["layout"]["hoverlabel"]["font"]["family"] == neutral
        template = fig["layout"]["template"]["layout"]
        assert template["font"]["family"] == template["hoverlabel"]["font"]["family"] == neutral
        assert template["font"]["size"] == 14  # the rest of the template is kept

    def test_with_font_leaves_the_given_figure_unchanged(self) -> None:
        # Given a figure (cached, shown on both kinds of site)
        fig = new_figure(height=200)
        before = copy.deepcopy(fig)
        # When given the neutral font
        with_font(fig, state_marks=False)
        # Then the figure itself still has Marianne
        assert fig == before


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

    def test_toolbar_and_toasts_are_in_french(self) -> None:
        # Given Plotly's French dictionary, registered through the public `locales` option
        config = graph_config(filename="x")
        dictionary = config["locales"][config["locale"]]["dictionary"]
        bundle = (VENDOR / "plotly-basic.min.js").read_text(encoding="utf-8")
        # Then each toast and title the reader can meet is translated
        shown = {
            "Download plot as a PNG",
            "Preparing image - this may take a few seconds",
            "Image download succeeded",
            "Sorry, there was a problem downloading your image!",
            "Double-click to zoom back out",
            "Double-click on legend to isolate one trace",
            "Zoom in",
            "Zoom out",
            "Reset axes",
        }
        assert shown <= set(dictionary)
        # And each key is a string the vendored bundle really asks for (not a guess)
        assert all(f'"{key}"' in bundle for key in dictionary)
        assert set(TOOLBAR_TITLES) <= set(dictionary.values())


class TestColourForMatchesPlotly:
    @pytest.mark.parametrize("position", [i / 40 for i in range(41)] + [0.123456, 0.7, 0.35])
    def test_same_colour_as_sample_colorscale(self, position: float) -> None:
        from plotly.colors import sample_colorscale

        from dashboard.figures.theme import SEQUENTIAL

        expected = sample_colorscale([list(stop) for stop in SEQUENTIAL], [position])[0]
        assert colour_for(position * 10, vmin=0.0, vmax=10.0) == expected


class TestExportMarks:
    def test_title_and_notes_are_drawn_above_the_plot_without_changing_the_figure(self) -> None:
        # Given a figure with its own top margin
        fig = new_figure(data=[trace("scatter", x=[1], y=[2])])
        update_layout(fig, margin={"t": 30})
        before = copy.deepcopy(fig)
        # When its export marks are added
        marked = with_export_marks(fig, title="Taux — carte", notes=["Source : X", "DÉMO"])
        # Then it has the title, the notes on two lines and room for them; Plotly accepts it
        title = marked["layout"]["title"]
        assert title["text"] == "Taux — carte"
        assert title["subtitle"]["text"] == "Source : X<br>DÉMO"
        assert marked["layout"]["margin"]["t"] == 30 + EXPORT_MARGIN
        go.Figure(marked)
        # And the figure it was given is unchanged (it may be cached)
        assert fig == before
        # And a third line (the URL of the view) gets room of its own
        three = with_export_marks(fig, title="T", notes=["Source : X", "DÉMO", "Vue : /x"])
        assert three["layout"]["margin"]["t"] == 30 + EXPORT_MARGIN + NOTE_HEIGHT
