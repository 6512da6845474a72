"""Every page template paints from the server's HTML: its heading, its figures and tables.

Over HTTP (Flask's test client) on a small demo database: what a browser without
JavaScript receives (the server's copy of the page, dashboard/app.server_page), for one
instance of each template, as the public and as a signed-in reader.
"""

from __future__ import annotations

import re
from html import escape

import flask
import pytest
from flask.testing import FlaskClient

from core.catalog import Catalog
from core.policy import Actor, Role
from dashboard import app, urls

RESTRICTED = "patients_chroniques_acte_telesante"  # `visibility: restricted` in the catalog
PUBLIC = "mssante_messages_mois"  # public, with régions and départements in the demo data
DNS = Actor(Role.dns, email="dns@sante.test")  # sees every indicator
HEADER = "X-Acteur-Test"  # read by the test hook below only; never by the dashboard


@pytest.fixture(scope="module")
def server(demo_url: str) -> flask.Flask:
    """The app, with a hook standing for the sign-in layer: it sets `flask.g.actor`."""
    flask_app = app.create_app(database_url=demo_url, redis_url="").server

    @flask_app.before_request
    def sign_in() -> None:
        if flask.request.headers.get(HEADER) == "dns":
            flask.g.actor = DNS

    return flask_app


@pytest.fixture
def client(server: flask.Flask) -> FlaskClient:
    return server.test_client()


def server_copy(client: FlaskClient, path: str, who: str = "public") -> tuple[int, str]:
    """The status and the server's copy of the page: what a reader without JavaScript sees."""
    response = client.get(path, headers={HEADER: who})
    page = response.get_data(as_text=True)
    start = page.index(f'<div id="{app.SERVER_PAGE_ID}">')
    return response.status_code, page[start : page.index('<div id="react-entry-point">')]


def heading(copy: str) -> str:
    titles = re.findall(r"<h1[^>]*>(.*?)</h1>", copy)
    assert len(titles) == 1, titles
    return titles[0]


def table_rows(copy: str, caption_part: str) -> list[str]:
    """The body rows of the table whose caption holds `caption_part`."""
    for table in re.findall(r"<table[^>]*>.*?</table>", copy):
        caption = re.search(r"<caption[^>]*>(.*?)</caption>", table)
        if caption and caption_part in caption.group(1):
            body = re.search(r"<tbody[^>]*>(.*?)</tbody>", table)
            return re.findall(r"<tr>.*?</tr>", body.group(1) if body else "")
    raise AssertionError(f"aucun tableau « {caption_part} » dans la page")


class TestEveryTemplate:
    """One instance of each template: its heading and its main table or key text."""

    @pytest.mark.parametrize(
        ("path", "title", "key"),
        [
            ("/", "Vue nationale", 'class="fr-card__title"'),
            ("/regions", "Régions", "Bretagne"),
            ("/departements", "Départements", "Finistère"),
            ("/recherche?q=bretagne", "Recherche", "Bretagne"),
            ("/a-propos", "À propos du tableau de bord", "Sources et licences"),
            ("/page-inexistante", "Page non trouvée", "Erreur 404"),
        ],
    )
    def test_pages_without_a_value_table(
        self, client: FlaskClient, path: str, title: str, key: str
    ) -> None:
        # When the page is fetched, Then the server's HTML holds its title and its content
        status, copy = server_copy(client, path)
        assert status == (404 if title == "Page non trouvée" else 200)
        assert heading(copy) == escape(title, quote=False)
        assert key in copy

    def test_indicator_index_lists_each_public_indicator(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        _, copy = server_copy(client, urls.indicators({}))
        assert heading(copy) == "Indicateurs"
        public = [i for i in catalog.indicators if i.visibility == "public"]
        for ind in public:
            assert f'href="{urls.indicator(ind.id)}"' in copy
        assert RESTRICTED not in copy

    def test_objectives_table_has_one_row_per_target(self, client: FlaskClient) -> None:
        # Given the targets page, When fetched without JavaScript
        _, copy = server_copy(client, urls.objectives())
        assert heading(copy) == "Objectifs datés"
        # Then the table of targets is there, its caption counting its rows
        caption = re.search(r"<caption>(\d+) objectifs", copy)
        assert caption is not None
        assert len(table_rows(copy, "objectifs")) == int(caption.group(1)) > 0

    @pytest.mark.parametrize(
        ("path", "name"), [("/regions/53", "Bretagne"), ("/departements/29", "Finistère")]
    )
    def test_area_fiches_show_their_indicator_table(
        self, client: FlaskClient, path: str, name: str
    ) -> None:
        status, copy = server_copy(client, path)
        assert status == 200
        assert heading(copy) == name
        rows = table_rows(copy, "Indicateurs pour")
        assert rows and any(re.search(r"\d", row) for row in rows)

    def test_indicator_page_shows_its_value_tables_filled(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        # Given an indicator page, whose value tables the browser fills on first opening
        ind = catalog.get(PUBLIC)
        status, copy = server_copy(client, urls.indicator(PUBLIC))
        # Then its copy holds the title, the charts' places and captions, and the rows
        assert status == 200
        assert heading(copy) == escape(ind.label, quote=False)
        assert copy.count("tdb-graph-placeholder") >= 1
        # (each chart drawn before any script: trajectory, map and ranking, at each width)
        charts = re.findall(r'<div class="tdb-static-chart[^"]*">(?:<svg .*?</svg>)+</div>', copy)
        assert len(charts) == copy.count("tdb-graph-placeholder") >= 3
        assert all('aria-hidden="true"' in chart for chart in charts)
        assert "trajectoire nationale" in charts[0]
        assert "<figcaption" in copy
        assert "<tbody></tbody>" not in copy
        # (the map's table: one row per région, Bretagne among them)
        assert re.search(r'<t[hd] data-label="Territoire"[^>]*>Bretagne</t[hd]>', copy)


class TestQuery:
    def test_a_repeated_parameter_reaches_the_copy_as_dash_passes_it(
        self, client: FlaskClient
    ) -> None:
        # Given two départements compared (`comparer` repeated, a list for Dash's router)
        path = urls.indicator(PUBLIC) + "?niveau=departements&comparer=29&comparer=22"
        # When the page is fetched, Then the server's copy compares both, as Dash will
        _, copy = server_copy(client, path)
        caption = re.search(r'id="graphique-comparaison-description">([^<]*)<', copy)
        assert caption is not None
        assert "Finistère" in caption.group(1) and "Côtes-d'Armor" in caption.group(1)


class TestPathVariableInTheQuery:
    """Dash lets a query parameter named like a path variable override it: the page then
    shows what the query names, and so do its status and the server's kept copy."""

    def test_the_override_never_replaces_the_copy_kept_for_the_plain_address(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        # Given a page first asked for with another indicator in its query
        shown, other = "ecps_actives", "mes_profils_crees"
        _, copy = server_copy(client, urls.indicator(shown) + f"?indicator_id={other}")
        assert heading(copy) == escape(catalog.get(other).label, quote=False)
        # When its plain address is asked for
        status, copy = server_copy(client, urls.indicator(shown))
        # Then it is that indicator's page, not the other one kept under its address
        assert status == 200
        assert heading(copy) == escape(catalog.get(shown).label, quote=False)

    @pytest.mark.parametrize(
        "path",
        [
            urls.indicator(PUBLIC) + "?indicator_id=inconnu",
            urls.area("region", "53") + "?code=zz",
            urls.area_chooser("region") + "?code=84&code=zz",
        ],
    )
    def test_an_override_that_names_nothing_is_a_404(self, client: FlaskClient, path: str) -> None:
        status, copy = server_copy(client, path)
        assert (status, heading(copy)) == (404, "Page non trouvée")


class TestReaderScope:
    """The server's copy is built as the request's reader (dashboard.actor.current_actor)."""

    def test_a_restricted_indicator_is_the_404_copy_for_the_public(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        status, copy = server_copy(client, urls.indicator(RESTRICTED))
        assert status == 404
        assert heading(copy) == "Page non trouvée"
        assert escape(catalog.get(RESTRICTED).label, quote=False) not in copy

    def test_a_reader_who_may_see_it_gets_its_page_kept_private(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        response = client.get(urls.indicator(RESTRICTED), headers={HEADER: "dns"})
        status, copy = server_copy(client, urls.indicator(RESTRICTED), "dns")
        assert status == 200
        assert heading(copy) == escape(catalog.get(RESTRICTED).label, quote=False)
        # And no shared cache may keep it, nor hand the public's copy to this reader
        assert response.cache_control.private and not response.cache_control.public
        assert "Cookie" in response.vary
        _, public_copy = server_copy(client, urls.indicator(RESTRICTED))
        assert heading(public_copy) == "Page non trouvée"
