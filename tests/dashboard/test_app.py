"""Front-end files (package data copied from node_modules by `make`) and the index of the
server-rendered pages."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import dash
import pytest
import yaml
from dash import dcc, html

from core.catalog import DEFAULT_CATALOG_PATH, Catalog, Indicator
from dashboard import app, server_html, urls

CSS_URL = re.compile(r"url\((?!\"?data:)\"?([^)\"]+)\"?\)")
ICON_CLASS = re.compile(r"\bfr-icon-[a-z0-9-]+")
DASHBOARD = Path(app.__file__).parent
SCRIPT = "<script>alert('x')</script>"


class TestCheckFrontEnd:
    def test_missing_files_name_the_command_that_copies_them(self, tmp_path: Path) -> None:
        # Given a package whose vendor folder was never filled
        # When the app checks its front-end files
        with pytest.raises(app.SetupError) as raised:
            app._check_front_end(tmp_path)
        # Then the French message names the missing file and the command
        assert "dsfr.min.css" in str(raised.value)
        assert "« make front-end »" in str(raised.value)

    def test_the_copied_files_pass(self) -> None:
        app._check_front_end()


class TestShippedSubset:
    """Only part of the DSFR's dist/ is shipped: what its CSS refers to must be in it."""

    def test_every_file_the_dsfr_css_refers_to_is_shipped(self) -> None:
        # Given the shipped DSFR stylesheet
        css = (app.DSFR_DIST / "dsfr.min.css").read_text()
        urls = set(CSS_URL.findall(css))
        assert any(u.startswith("fonts/") for u in urls)
        assert any(u.startswith("icons/") for u in urls)
        # Then every font and icon it draws is there, woff2 being the format browsers take
        missing = {u for u in urls if not u.endswith(".woff") and not (app.DSFR_DIST / u).is_file()}
        assert missing == set()

    def test_every_icon_class_the_dashboard_uses_is_drawn_by_the_shipped_css(self) -> None:
        # Given the icon classes written in the dashboard's code and scripts
        sources = [*DASHBOARD.rglob("*.py"), *(DASHBOARD / "assets").iterdir()]
        used = {m for path in sources for m in ICON_CLASS.findall(path.read_text())}
        # Then the shipped stylesheet draws each (the utility icons.min.css is not shipped)
        css = (app.DSFR_DIST / "dsfr.min.css").read_text()
        assert {c for c in used if f".{c}" not in css} == set()

    def test_the_shipped_fonts_draw_every_character_the_pages_write(self) -> None:
        # Given the fonts as shipped, cut to French (scripts/subset_fonts.py)
        from fontTools.ttLib import TTFont

        fonts = sorted((app.DSFR_DIST / "fonts").glob("*.woff2"))
        assert len(fonts) >= 8
        drawn = {f.name: set(TTFont(f).getBestCmap()) for f in fonts}
        # And every text the pages are written from: the code, its scripts, the catalogue,
        # the names of the territories
        root = DASHBOARD.parent
        texts = [
            *DASHBOARD.rglob("*.py"),
            *(DASHBOARD / "assets").glob("*.js"),
            root / "core" / "indicators.yaml",
            *(root / "core" / "reference").glob("*.csv"),
        ]
        used = {ord(ch) for path in texts for ch in path.read_text(encoding="utf-8") if ch >= " "}
        # Then each font draws each of them (none falls back to another font)
        missing = {name: sorted(chr(c) for c in used - cmap) for name, cmap in drawn.items()}
        assert {name: chars for name, chars in missing.items() if chars} == {}


def _server_copy(page: str) -> str:
    """The server's copy of the page: what a reader without JavaScript sees."""
    start = page.index(f'<div id="{app.SERVER_PAGE_ID}">')
    return page[start : page.index('<div id="react-entry-point">')]


def _headlines(catalog: Catalog) -> list[Indicator]:
    return [i for i in catalog.indicators if i.headline and i.visibility == "public"]


class TestServerPage:
    def test_home_page_html_holds_its_title_and_cards_without_javascript(
        self, db_url: str, catalog: Catalog
    ) -> None:
        # Given the app on a database, When `/` is fetched as a browser without JavaScript would
        response = app.create_app(database_url=db_url, redis_url="").server.test_client().get("/")
        # Then the HTML itself holds the page: its main title and one card per headline
        copy = _server_copy(response.get_data(as_text=True))
        assert '<h1 class="fr-mt-4w">Vue nationale</h1>' in copy
        assert copy.count('class="fr-card__title"') == len(_headlines(catalog)) > 0
        for ind in _headlines(catalog):
            label = escape(ind.short_label, quote=False)
            assert f'<a href="/indicateurs/{ind.id}">{label}</a>' in copy

    def test_a_catalog_label_holding_markup_reaches_the_page_escaped(
        self, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a catalog whose first headline indicator's label holds a script
        raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
        first = next(i for i in raw["indicators"] if i.get("headline"))
        first["short_label"] = SCRIPT
        path = tmp_path / "catalogue.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("CATALOG_PATH", str(path))
        # When the home page is fetched
        page = app.create_app(database_url=db_url, redis_url="").server.test_client().get("/")
        # Then the label is shown as text, never run
        copy = _server_copy(page.get_data(as_text=True))
        assert "&lt;script&gt;alert('x')&lt;/script&gt;" in copy
        assert "<script" not in copy

    def test_a_server_rendered_page_may_be_cached_by_shared_caches(self, db_url: str) -> None:
        client = app.create_app(database_url=db_url, redis_url="").server.test_client()
        home = client.get("/")
        assert home.cache_control.public
        assert home.cache_control.max_age == app.SERVER_PAGE_MAX_AGE
        # And so may every other page template, now copied too
        other = client.get("/objectifs")
        assert app.SERVER_PAGE_ID in other.get_data(as_text=True)
        assert other.cache_control.public
        assert other.cache_control.max_age == app.SERVER_PAGE_MAX_AGE

    def test_the_server_copy_follows_the_query_of_the_url(self, db_url: str) -> None:
        # Given the home page asked on real data only
        client = app.create_app(database_url=db_url, redis_url="").server.test_client()
        copy = _server_copy(client.get("/?reel=oui").get_data(as_text=True))
        # Then its server copy is the real-only view: that choice is the current one
        assert 'aria-current="page" class="fr-link tdb-tab--current" href="/?reel=oui"' in copy
        assert 'href="/objectifs?reel=oui"' in copy

    def test_without_a_database_the_page_is_left_to_dash(self, tmp_path: Path) -> None:
        # Given a database without the schema (never initialised)
        url = f"sqlite:///{tmp_path}/absente.sqlite"
        # When the home page is fetched
        response = app.create_app(database_url=url, redis_url="").server.test_client().get("/")
        # Then the index is Dash's, as before, and kept only briefly (not as a rendered page)
        assert app.SERVER_PAGE_ID not in response.get_data(as_text=True)
        assert response.cache_control.max_age == app.PAGE_MAX_AGE

    def test_a_component_without_server_html_leaves_the_page_to_dash(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a home page whose layout holds a component with no server HTML
        server = app.create_app(database_url=db_url, redis_url="").server
        home = next(e for e in dash.page_registry.values() if e["path"] == "/")
        monkeypatch.setitem(home, "layout", lambda: html.Div(dcc.Dropdown(options=["a"])))
        # When it is fetched, Then Dash renders it alone, without an error
        response = server.test_client().get("/")
        assert response.status_code == 200
        assert app.SERVER_PAGE_ID not in response.get_data(as_text=True)


class TestIndex:
    def test_dash_scripts_wait_for_the_page_to_be_parsed(self, db_url: str) -> None:
        # Given any page's index
        page = app.create_app(database_url=db_url, redis_url="").server.test_client().get("/")
        body = page.get_data(as_text=True)
        # Then no script blocks the first paint: each loaded with the page is deferred
        outside = re.sub(r"<template.*?</template>", "", body, flags=re.S)
        sources = re.findall(r"<script([^>]*) src=", outside)
        assert len(sources) > 5
        assert all("defer" in attributes for attributes in sources)
        # And Dash's own scripts, its renderer last, wait inert for the loader, in Dash's order
        kept = re.search(rf'<template id="{app.DASH_SCRIPTS_ID}">(.*?)</template>', body, re.S)
        assert kept is not None
        dash_sources = re.findall(r'<script src="([^"]+)"', kept.group(1))
        assert any("react-dom" in s for s in dash_sources)
        assert any("dash_renderer" in s for s in dash_sources)
        assert all(s.startswith("/_dash-component-suites/") for s in dash_sources)
        assert kept.group(1).rstrip().endswith(app.RENDERER_JS + "</script>")
        assert "_dash-component-suites" not in outside
        assert body.count("new DashRenderer(") == 1
        assert f'<script defer src="{app.versioned(app.ON_DEMAND_JS)}"></script>' in outside

    def test_no_chart_library_is_fetched_with_the_page(self, db_url: str) -> None:
        # Given an indicator page, which draws charts
        client = app.create_app(database_url=db_url, redis_url="").server.test_client()
        body = client.get("/indicateurs/mes_profils_crees").get_data(as_text=True)
        # Then Plotly is neither loaded nor preloaded with it (Dash loads it to draw)
        pinned = f'data-plotly="{urls.PLOTLY_JS}"'  # the address Dash will load it from
        assert urls.PLOTLY_JS not in body.replace(pinned, "")
        assert 'rel="preload"' not in body

    def test_front_end_files_are_named_by_their_content(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Browsers keep the static files a year: a new content must get a new address
        (tmp_path / app.ON_DEMAND_JS).write_text("one")
        monkeypatch.setattr(app, "STATIC", tmp_path)
        first = app.versioned(app.ON_DEMAND_JS)
        (tmp_path / app.ON_DEMAND_JS).write_text("two")
        assert first.startswith("/static-tdb/dash-on-demand.js?v=")
        assert app.versioned(app.ON_DEMAND_JS) != first


class TestIndexShell:
    """What every page's index holds around Dash's entry point (landmarks, no-script text)."""

    def test_dash_scripts_are_not_wrapped_in_a_second_contentinfo_landmark(self) -> None:
        # The DSFR footer is the page's one <footer> (axe landmark-no-duplicate-contentinfo)
        assert "<footer" not in app.INDEX_STRING
        assert "{%scripts%}" in app.INDEX_STRING and "{%renderer%}" in app.INDEX_STRING

    def test_noscript_text_gives_the_real_download_links(self) -> None:
        # Given the text a page that needs JavaScript shows without it
        from dashboard import urls
        from dashboard.downloads import download_links

        text = app.noscript(server_rendered=False)
        # Then it promises only what it links: the objectives table in each format, and
        # the server-rendered home page
        for _label, href, _detail in download_links(urls.objectives_download()):
            assert f'href="{href}" download' in text
        assert f'<a href="{urls.HOME}">vue nationale</a>' in text
        assert "chaque tableau" not in text
        assert text.startswith("<noscript>") and app.NOSCRIPT_MARK in app.INDEX_STRING
        # And a page the server rendered, readable as it is, adds nothing
        assert app.noscript(server_rendered=True) == ""

    def test_the_live_region_is_the_one_the_form_script_fills(self) -> None:
        script = (app.ASSETS / "url-forms.js").read_text()
        assert f'id="{app.ANNOUNCE_ID}"' in app.INDEX_STRING
        assert f'getElementById("{app.ANNOUNCE_ID}")' in script
        assert 'aria-live="polite"' in app.INDEX_STRING

    def test_without_javascript_only_empty_chart_places_are_hidden(self) -> None:
        # Given the index's style for browsers without JavaScript
        style = re.search(r"<noscript><style>(.*?)</style></noscript>", app.INDEX_STRING)
        # Then a chart's place holding its static drawing shows (only an empty one is hidden)
        assert style is not None
        assert f".{server_html.GRAPH_PLACEHOLDER}:empty" in style.group(1)
        assert f".{server_html.GRAPH_PLACEHOLDER}," not in style.group(1)
        assert f".{server_html.GRAPH_PLACEHOLDER} " not in style.group(1)

    def test_dash_loading_placeholder_is_french(self) -> None:
        # Given Dash's own entry point, When the index is written (no request: no server copy)
        dash_app = app.DashboardApp(__name__)
        html_text = dash_app.interpolate_index(
            app_entry='<div id="react-entry-point"><div class="_dash-loading">Loading...'
            "</div></div>",
            config="<script></script>",
            scripts="",
            renderer="",
        )
        # Then the reader sees French words, the renderer's own placeholder too (tdb.css)
        assert "Loading..." not in html_text
        assert app.LOADING_TEXT in html_text
        css = (app.ASSETS / "tdb.css").read_text()
        assert f'._dash-loading::after {{ content: "{app.LOADING_TEXT}"' in css
