"""What every page says of itself in its initial HTML (description, `og:` tags, canonical
permalink), « Copier le lien », the print stylesheet, the display settings and crawlable
links (dashboard/sharing.py, components/share.py, components/display.py, assets/)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path
from typing import Any

import dash
import pytest
import yaml

from core.catalog import DEFAULT_CATALOG_PATH, Catalog
from dashboard import queries, server_html, sharing, urls
from dashboard.app import ASSETS, DSFR_DIST, create_app
from dashboard.components import display
from dashboard.components.share import COPIED, COPY_BUTTON_ID, PERMALINK_ID
from tests.fakes.queries import FakeQueries, Row

INDICATOR = "mes_taux_activation"
SCRIPT = "</title><script>alert(1)</script>"
OTHER_INDICATOR = "mes_activation_population"
# one address per route template
ROUTES = (
    "/",
    "/objectifs",
    "/indicateurs",
    "/regions",
    "/departements",
    "/a-propos",
    "/recherche?q=bretagne",
    "/regions/53",
    "/departements/29",
    f"/indicateurs/{INDICATOR}",
)
META = re.compile(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">')
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')
TITLE = re.compile(r"<title>([^<]*)</title>")


@pytest.fixture(scope="module")
def client(demo_url: str) -> Any:
    return create_app(database_url=demo_url, redis_url="").server.test_client()


@pytest.fixture(autouse=True)
def _this_database(client: Any, demo_url: str) -> None:
    """Tests of other modules may run in between on this worker and point the process's
    store elsewhere: each test here reads the demo database again."""
    queries.configure(database_url=demo_url, redis_url="")


def _head(client: Any, url: str) -> dict[str, str]:
    """The page's metas by name, its canonical link and its title, as a crawler reads them."""
    response = client.get(url)
    html = response.get_data(as_text=True)
    head = html[: html.index("</head>")]
    tags = {name: unescape(value) for name, value in META.findall(head)}
    canonical = CANONICAL.findall(head)
    tags["canonical"] = unescape(canonical[0]) if canonical else ""
    tags["title"] = unescape(TITLE.findall(head)[0])
    tags["status"] = str(response.status_code)
    tags["html"] = html
    return tags


class TestEveryPageDescribesItself:
    @pytest.mark.parametrize("url", ROUTES)
    def test_the_initial_html_has_a_description_og_tags_and_a_canonical_link(
        self, client: Any, url: str
    ) -> None:
        # When a crawler or a link preview fetches the page
        head = _head(client, url)
        # Then its head says what the page is, once and in French, before any script
        assert head["status"] == "200"
        assert len(head["description"]) > 60
        assert head["og:description"] == head["description"]
        assert head["og:title"] == head["title"] != sharing.SITE_NAME
        assert head["og:type"] == "website"
        assert head["og:locale"] == "fr_FR"
        assert (
            head["og:url"]
            == head["canonical"]
            == "http://localhost" + url.replace("bretagne", "bretagne")
        )
        assert head["html"].count('name="description"') == 1

    def test_each_route_has_its_own_description(self, client: Any) -> None:
        descriptions = [_head(client, url)["description"] for url in ROUTES]
        assert len(set(descriptions)) == len(ROUTES)

    def test_two_indicators_have_different_descriptions_naming_each(
        self, client: Any, catalog: Catalog
    ) -> None:
        first = _head(client, f"/indicateurs/{INDICATOR}")["description"]
        second = _head(client, f"/indicateurs/{OTHER_INDICATOR}")["description"]
        assert first != second
        assert first.startswith(catalog.get(INDICATOR).label + " : ")
        assert second.startswith(catalog.get(OTHER_INDICATOR).label + " : ")

    def test_a_fiche_names_its_territory(self, client: Any) -> None:
        head = _head(client, "/departements/29")
        assert head["description"].startswith("Fiche département Finistère (29) :")
        assert "pour le Finistère" in head["description"]
        assert head["title"].startswith("Finistère — ")

    def test_the_canonical_link_is_the_normalised_permalink(self, client: Any) -> None:
        # Given the chooser's form address, an old spelling and an unknown parameter
        head = _head(client, "/regions/choisir?code=53&reel=1&inconnu=x")
        # Then every spelling of the view shares one address
        assert head["canonical"] == "http://localhost/regions/53?reel=oui"
        assert _head(client, "/departements/2a")["canonical"].endswith("/departements/2A")
        indicator = _head(client, f"/indicateurs/{INDICATOR}/?level=departements&carte=tuiles")
        assert indicator["canonical"].endswith(f"/indicateurs/{INDICATOR}?niveau=departements")

    def test_the_canonical_link_names_what_a_path_variable_in_the_query_shows(
        self, client: Any
    ) -> None:
        # Given a fiche address whose query names another area (Dash shows that one)
        head = _head(client, "/regions/53?code=84")
        # Then the permalink is the page shown
        assert head["canonical"] == "http://localhost/regions/84"

    @pytest.mark.parametrize("url", ["/pas-une-page", "/indicateurs/inconnu", "/regions/99"])
    def test_a_page_that_does_not_exist_has_no_permalink(self, client: Any, url: str) -> None:
        head = _head(client, url)
        assert head["status"] == "404"
        assert head["title"].startswith("Page non trouvée")
        assert head["description"].startswith("Cette page n'existe pas.")
        assert head["canonical"] == ""
        assert "og:url" not in head

    def test_a_catalog_label_holding_markup_reaches_the_head_as_text(
        self, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a catalog whose indicator's labels try to close the title and run a script
        raw = yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8"))
        entry = next(i for i in raw["indicators"] if i["id"] == INDICATOR)
        entry["short_label"] = entry["label"] = SCRIPT
        path = tmp_path / "catalogue.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("CATALOG_PATH", str(path))
        # When its page is fetched
        client = create_app(database_url=db_url, redis_url="").server.test_client()
        html = client.get(f"/indicateurs/{INDICATOR}").get_data(as_text=True)
        head = html[: html.index("</head>")]
        # Then the title and the metas hold it as text
        assert "<script>alert" not in head
        assert "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; — " in head

    def test_markup_in_a_description_reaches_the_head_escaped(self) -> None:
        meta = sharing.PageMeta('"><script>x</script>', '"><script>y</script>', "/?a=1&b=2")
        tags = sharing.head_tags(meta, root="https://exemple.fr/")
        assert "<script>" not in tags
        assert 'href="https://exemple.fr/?a=1&amp;b=2"' in tags


class TestIndicatorDescription:
    """The indicator's description gives its latest figure as the page does: real first."""

    @pytest.fixture
    def describe(self, db_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Any:
        app = create_app(database_url=db_url, redis_url="")
        day = dt.date(2024, 7, 1)
        rows = [
            Row(OTHER_INDICATOR, "national", "FR", day, 19.3, "source", source_label="DITP"),
            Row(OTHER_INDICATOR, "national", "FR", dt.date(2025, 1, 1), 33.0, "demo"),
            Row(INDICATOR, "national", "FR", dt.date(2025, 2, 1), 42.0, "demo"),
        ]
        fake = FakeQueries(catalog, rows=rows)
        monkeypatch.setattr(queries, "store", lambda: fake)

        def describe(indicator_id: str) -> str:
            with app.server.test_request_context("/"):
                return sharing.page_meta(f"/indicateurs/{indicator_id}", {}).description

        return describe

    def test_the_real_figure_wins_over_a_later_demo_value(self, describe: Any) -> None:
        text = describe(OTHER_INDICATOR)
        assert "19,3" in text and "juillet 2024 en France" in text and "source : DITP" in text
        assert "démonstration" not in text and "33,0" not in text

    def test_a_demo_value_says_it_is_one(self, describe: Any) -> None:
        text = describe(INDICATOR)
        assert "aucun chiffre réel publié ; valeur de démonstration 42,0" in text


class TestCopyLink:
    def test_indicator_pages_and_fiches_show_their_permalink_and_the_button(
        self, client: Any
    ) -> None:
        client.get("/")  # the app is built: its pages are registered
        layouts = {e["module"].rsplit(".", 1)[-1]: e["layout"] for e in dash.page_registry.values()}
        pages = {
            "indicator": (
                {"indicator_id": INDICATOR, "niveau": "departements", "x": "1"},
                f"/indicateurs/{INDICATOR}?niveau=departements",
            ),
            "region": ({"code": "53", "reel": "1"}, "/regions/53?reel=oui"),
            "department": ({"code": "2a"}, "/departements/2A"),
        }
        with client.application.test_request_context("/"):
            for module, (params, permalink) in pages.items():
                html = server_html.to_html(layouts[module](**params))
                # a plain link, which works without a script (and is printed)
                link = re.search(rf'<a class="[^"]*" href="([^"]+)" id="{PERMALINK_ID}">', html)
                assert link is not None, module
                assert unescape(link.group(1)).startswith(permalink), module
                assert f'id="{COPY_BUTTON_ID}"' in html
                assert 'type="button"' in html

    def test_the_button_shows_only_where_a_script_can_copy(self) -> None:
        css = (ASSETS / "tdb-theme.css").read_text()
        assert ".tdb-copy-link { display: none; }" in css
        assert ".tdb-can-copy .tdb-copy-link { display: inline-flex; }" in css
        script = (ASSETS / "share.js").read_text()
        assert "navigator.clipboard.writeText(window.location.href)" in script
        assert f'"{COPIED}"' in script
        assert "tdb-annonce" in script  # the index's live region


class TestPrintStylesheet:
    def test_the_print_rules_keep_content_and_drop_the_chrome(self) -> None:
        css = (ASSETS / "tdb-print.css").read_text()
        block = css[css.index("@media print {") :]
        hidden = block[: block.index("{ display: none !important; }")]
        for selector in (".fr-nav", ".fr-header__tools", ".fr-search-bar", ".tdb-page form"):
            assert selector in hidden
        for selector in (".tdb-page button", ".modebar", ".fr-footer__bottom-list"):
            assert selector in hidden
        assert "overflow: visible !important" in block
        assert re.search(r"tr, th, td \{ break-inside: avoid;", block)
        assert re.search(r"\.js-plotly-plot, [^{]*\{\s*break-inside: avoid;", block)


class TestDisplaySettings:
    def test_charts_and_sparklines_follow_the_dark_theme_on_screen_only(self) -> None:
        css = (ASSETS / "tdb-theme.css").read_text()
        screen = css[css.index("@media screen {") :]
        assert '[data-fr-theme="dark"] .js-plotly-plot,' in screen
        assert '[data-fr-theme="dark"] .tdb-sparkline {' in screen
        assert "filter: invert(1) hue-rotate(180deg);" in screen
        printed = (ASSETS / "tdb-print.css").read_text()
        assert ".js-plotly-plot, .tdb-sparkline { filter: none !important; }" in printed

    def test_no_light_scheme_is_forced(self, client: Any) -> None:
        html = client.get("/").get_data(as_text=True)
        assert 'data-fr-scheme="light"' not in html
        assert '<html lang="fr" data-fr-scheme="system">' in html
        for path in ASSETS.iterdir():
            assert 'data-fr-scheme="light"' not in path.read_text(), path
        # nor on the pages the server writes without Dash (sign-in, deposit, administration)
        form_page = client.get(urls.SIGN_IN).get_data(as_text=True)
        assert '<html lang="fr" data-fr-scheme="system">' in form_page
        assert 'id="fr-theme-modal"' in form_page

    def test_the_footer_opens_the_dsfr_display_modal(self, client: Any) -> None:
        html = client.get("/").get_data(as_text=True)
        # the modal, once, with the DSFR's three radios
        assert html.count(f'<dialog id="{display.DISPLAY_MODAL_ID}" class="fr-modal"') == 1
        values = re.findall(r'<input value="(\w+)" type="radio" [^>]*name="fr-radios-theme">', html)
        assert values == ["light", "dark", "system"]
        assert html.count("fr-radio-rich") >= 3
        # the footer's button controls it (in the server's copy of the page too)
        assert f'aria-controls="{display.DISPLAY_MODAL_ID}"' in html.split("<dialog")[0]

    def test_the_pictograms_are_shipped(self) -> None:
        for name in display.PICTOGRAMS:
            assert (DSFR_DIST / name).is_file(), name


class TestCrawlableLinks:
    @pytest.mark.parametrize(
        ("module", "params"),
        [
            ("home", {}),
            ("objectives", {}),
            ("indicator_index", {}),
            ("region_index", {}),
            ("about", {}),
            ("search", {"q": "bre"}),
            ("region", {"code": "53"}),
            ("department", {"code": "29"}),
            ("indicator", {"indicator_id": INDICATOR}),
        ],
    )
    def test_every_link_has_an_address(
        self, client: Any, module: str, params: dict[str, str]
    ) -> None:
        client.get("/")
        layouts = {e["module"].rsplit(".", 1)[-1]: e["layout"] for e in dash.page_registry.values()}
        with client.application.test_request_context("/"):
            html = server_html.to_html(layouts[module](**params))
        anchors = re.findall(r"<a\b[^>]*>", html)
        assert len(anchors) > 10
        bad = [a for a in anchors if not re.search(r' href="(/|#|https?://)[^"]*"', a)]
        assert bad == []
        # the breadcrumb's current page is not a link (DSFR), nor an anchor without address
        assert module == "home" or re.search(
            r'<span aria-current="page" class="fr-breadcrumb__link">', html
        )
