"""A layout as HTML: tags and attributes as Dash would render them, every value escaped."""

from __future__ import annotations

import pytest
from dash import dcc, html

from dashboard.callbacks import tables
from dashboard.server_html import UnrenderableComponent, to_html

SCRIPT = '<script>alert("x")</script>'


class TestToHtml:
    def test_elements_nest_with_their_attributes(self) -> None:
        # Given a small html.* layout with Dash's prop names
        layout = html.Main(
            [html.H1("Vue nationale", className="fr-h1"), html.Label("Niveau", htmlFor="niveau")],
            id="contenu",
            tabIndex="-1",
            **{"aria-label": "Contenu", "data-render": "abc"},
        )
        # When rendered, Then each becomes its tag, with HTML's attribute names in name order
        assert to_html(layout) == (
            '<main aria-label="Contenu" data-render="abc" id="contenu" tabindex="-1">'
            '<h1 class="fr-h1">Vue nationale</h1><label for="niveau">Niveau</label></main>'
        )

    def test_text_and_attribute_values_are_escaped(self) -> None:
        # Given a label and an attribute holding markup
        layout = html.A(SCRIPT, href="/x?a=1&b=2", title=f'"{SCRIPT}')
        # When rendered
        out = to_html(layout)
        # Then no markup of the data reaches the page
        assert "<script>" not in out
        assert out == (
            '<a href="/x?a=1&amp;b=2" title="&quot;&lt;script&gt;alert(&quot;x&quot;)'
            '&lt;/script&gt;">&lt;script&gt;alert("x")&lt;/script&gt;</a>'
        )

    @pytest.mark.parametrize(
        "url", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x"]
    )
    def test_script_urls_are_dropped(self, url: str) -> None:
        assert to_html(html.A("lien", href=url)) == "<a>lien</a>"

    def test_void_elements_have_no_closing_tag(self) -> None:
        out = to_html(html.Img(src="data:image/svg+xml;utf8,<svg/>", alt="Évolution", width="2"))
        assert out == '<img alt="Évolution" src="data:image/svg+xml;utf8,&lt;svg/&gt;" width="2">'

    def test_booleans_none_and_numbers(self) -> None:
        # Given a hidden element, an unset attribute and numeric children
        layout = html.Div([html.P(3), None, False], hidden=True, title=None)
        # Then True is a bare attribute, None and False render nothing, numbers as text
        assert to_html(layout) == "<div hidden><p>3</p></div>"

    def test_style_dicts_become_css(self) -> None:
        out = to_html(html.Div(style={"marginTop": 8, "opacity": 0.5, "color": "red"}))
        assert out == '<div style="margin-top:8px;opacity:0.5;color:red"></div>'

    def test_dash_only_props_and_pattern_ids_are_left_out(self) -> None:
        out = to_html(html.Button("Go", id={"type": "b", "index": 1}, n_clicks=2))
        assert out == "<button>Go</button>"

    def test_dcc_components_without_markup_render_nothing(self) -> None:
        layout = html.Div([dcc.Store(id="s", data={"a": 1}), dcc.Location(id="url")])
        assert to_html(layout) == "<div></div>"

    def test_a_link_is_an_anchor_and_a_graph_a_placeholder(self) -> None:
        layout = [
            dcc.Link("Objectifs", href="/objectifs", className="fr-link"),
            dcc.Graph(id="g", figure={"data": []}, className="tdb-graph"),
        ]
        assert to_html(layout) == (
            '<a class="fr-link" href="/objectifs">Objectifs</a>'
            '<div class="tdb-graph tdb-graph-placeholder" id="g" style="min-height:450px"></div>'
        )

    def test_a_graph_placeholder_holds_the_static_drawings_of_its_figure(self) -> None:
        # Given a graph with a titled figure (as graph() gives it: title and notes drawn)
        figure = {
            "data": [{"type": "scatter", "mode": "lines", "x": [1, 2], "y": [3, 4]}],
            "layout": {"title": {"text": "Évolution <b>A</b> & B"}, "height": 300},
        }
        out = to_html(dcc.Graph(id="g", figure=figure, className="tdb-graph"))
        # Then its place holds its drawings (three widths, tdb.css shows one), the title
        # escaped, and keeps its height; the same layout gives the same bytes
        assert out.startswith(
            '<div class="tdb-graph tdb-graph-placeholder" id="g" style="min-height:300px">'
            '<div class="tdb-static-chart"><svg '
        )
        assert out.count("<svg ") == 3
        for kind in ("full", "wide", "narrow"):
            assert f'class="tdb-static-chart__{kind}"' in out
        assert ">Évolution A &amp; B<" in out
        assert out == to_html(dcc.Graph(id="g", figure=figure, className="tdb-graph"))

    def test_a_figure_that_cannot_be_drawn_leaves_an_empty_place(self) -> None:
        # Given a figure whose values the static drawing cannot read
        figure = {
            "data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}],
            "layout": {"height": "?"},
        }
        # Then its place is empty (Plotly draws it), and the page is still written
        assert to_html(dcc.Graph(id="g", figure=figure)) == (
            '<div class="tdb-graph-placeholder" id="g" style="min-height:450px"></div>'
        )

    def test_a_graph_placeholder_is_as_tall_as_its_figure(self) -> None:
        # Given a figure drawn 320 px high
        chart = dcc.Graph(id="g", figure={"data": [], "layout": {"height": 320}})
        # Then its place is kept at that height (no shift when Plotly draws it)
        assert 'style="min-height:320px"' in to_html(chart)

    def test_a_deferred_value_table_gets_its_rows_from_its_store(self) -> None:
        # Given a value table whose rows the browser builds on first opening
        layout = html.Details(
            [
                html.Summary("Tableau des valeurs", id=tables.component_id(tables.OPEN, "t")),
                html.Table(html.Tbody([], id=tables.component_id(tables.ROWS, "t"))),
                dcc.Store(
                    id=tables.component_id(tables.DATA, "t"),
                    data=tables.store_data(
                        [["Bretagne", SCRIPT]], [False, True], ["Territoire", "Valeur"]
                    ),
                ),
            ]
        )
        # When rendered, Then the server's copy holds the rows, as tables.js builds them
        out = to_html(layout)
        assert (
            '<tbody><tr><th data-label="Territoire" scope="row">Bretagne</th>'
            '<td class="fr-cell--right tdb-num" data-label="Valeur">&lt;script&gt;'
        ) in out
        assert "<script>" not in out

    def test_a_form_field_is_an_input_without_dash_props(self) -> None:
        assert to_html(dcc.Input(type="hidden", name="reel", value="oui")) == (
            '<input name="reel" type="hidden" value="oui">'
        )
        # the header's search box: its HTML attributes, not Dash's own props (debounce)
        field = dcc.Input(type="search", name="q", id="r", maxLength=80, debounce=True)
        assert to_html(field) == '<input id="r" maxlength="80" name="q" type="search">'

    def test_a_component_without_server_html_is_refused_by_name(self) -> None:
        with pytest.raises(UnrenderableComponent, match=r"dcc\.Dropdown"):
            to_html(html.Div(dcc.Dropdown(options=["a"])))
