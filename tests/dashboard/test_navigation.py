"""Navigation: index pages, search page, the territory carried from fiche to indicator and
back, objectives filtered by status. Pure link and filter tests, views against the fake
queries, then pages over the Flask test client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import escape

import dash
import flask
import pytest
from sqlalchemy import Engine

from core import geography
from core.catalog import Catalog
from core.policy import Actor, Role
from core.vocabulary import Level, TargetStatus
from dashboard import app as dashboard_app
from dashboard import urls, views
from dashboard.server_html import to_html
from tests.dashboard.test_queries import _load
from tests.fakes.queries import FakeQueries, Row

ACTIVATION = "mes_taux_activation"  # percent, shown down to départements
FEB = dt.date(2025, 2, 1)


# -- links and parameters (pure) -----------------------------------------------------------


class TestLinks:
    def test_index_pages_and_search(self) -> None:
        assert urls.indicators() == "/indicateurs"
        assert urls.indicators({"axe": "a1", "statut": "en-retard"}) == (
            "/indicateurs?axe=a1&statut=en-retard"
        )
        assert urls.area_index("region") == "/regions"
        assert urls.area_index("department", {"reel": "oui"}) == "/departements?reel=oui"

    def test_a_territory_names_its_level_and_is_read_back(self) -> None:
        assert urls.territory_param("region", "53") == "region-53"
        assert urls.territory_param("department", "2A") == "departement-2A"
        state = urls.normalise({"territoire": "departement-29"})
        assert urls.territory(state) == (Level.department, "29")
        assert urls.territory({}) is None

    def test_index_pages_exist_and_are_server_rendered(self) -> None:
        for path in ("/indicateurs", "/regions", "/departements", "/recherche"):
            assert urls.page_exists(path, {}, indicator_ids=set())
            assert path in dashboard_app.SERVER_RENDERED


class TestParameters:
    def test_status_is_a_slug_of_the_vocabulary(self) -> None:
        assert urls.normalise({"statut": "en-retard"}) == {"statut": "en-retard"}
        assert urls.normalise({"statut": "behind"}) == {}  # the code is not the slug
        slugs = [s.slug for s in TargetStatus]
        assert len(set(slugs)) == len(TargetStatus)
        assert all(TargetStatus.from_slug(s.slug) is s for s in TargetStatus)

    def test_compared_codes_may_be_departements(self) -> None:
        assert urls.normalise({"comparer": "29,22"}) == {"comparer": "29,22"}
        assert urls.normalise({"comparer": "2a,976,99"}) == {"comparer": "2A,976"}


# -- views (fake queries) ------------------------------------------------------------------


def _rows() -> list[Row]:
    return [
        Row(ACTIVATION, "national", "FR", FEB, 31.0),
        Row(ACTIVATION, "region", "53", FEB, 42.0),
        Row(ACTIVATION, "region", "11", FEB, 7.0),
        Row(ACTIVATION, "department", "29", FEB, 50.0),
        Row(ACTIVATION, "department", "22", FEB, 45.0),
        Row(ACTIVATION, "department", "75", FEB, 60.0),
    ]


@pytest.fixture
def fake(catalog: Catalog) -> FakeQueries:
    return FakeQueries(catalog, rows=_rows())


class TestTerritoryInTheView:
    def test_the_territory_is_compared_with_france_and_kept_in_links(
        self, fake: FakeQueries
    ) -> None:
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), {"territoire": "region-53"})
        assert view.territory == ("region", "53")
        assert list(view.compared_series["code"]) == ["53"]
        assert view.highlighted == ["53"]
        assert view.params()["territoire"] == "region-53"

    def test_a_region_is_shown_by_its_departements_on_the_departement_map(
        self, fake: FakeQueries
    ) -> None:
        params = {"territoire": "region-53", "niveau": "departements"}
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), params)
        assert view.level == "department"
        assert sorted(view.highlighted) == ["22", "29", "35", "56"]

    def test_without_niveau_the_map_is_the_territory_s_level(self, fake: FakeQueries) -> None:
        params = {"territoire": "departement-29"}
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), params)
        assert view.level == "department"
        assert view.highlighted == ["29"]

    def test_departements_are_compared_at_the_departement_level(self, fake: FakeQueries) -> None:
        params = {"niveau": "departements", "comparer": "29,22"}
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), params)
        assert view.compared == ["29", "22"]
        assert set(view.compared_series["code"]) == {"29", "22"}
        assert set(views.series_table(view)["Territoire"]) == {
            "France",
            "Finistère",
            "Côtes-d'Armor",
        }

    def test_without_niveau_codes_no_region_has_are_departements(self, fake: FakeQueries) -> None:
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), {"comparer": "29,22"})
        assert (view.level, view.compared) == ("department", ["29", "22"])
        # a code that is also a région's keeps the région map (permalinks keep their meaning)
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), {"comparer": "29,53"})
        assert (view.level, view.compared) == ("region", ["53"])

    def test_departement_codes_are_not_compared_on_the_region_map(self, fake: FakeQueries) -> None:
        # the map is the région one (the territory's), so Finistère is not compared
        params = {"comparer": "29", "territoire": "region-11"}
        view = views.indicator_view(fake, fake.catalog.get(ACTIVATION), params)
        assert (view.level, view.compared) == ("region", [])
        assert list(view.compared_series["code"]) == ["11"]


class TestFilters:
    def test_targets_of_one_status(self, fake: FakeQueries) -> None:
        rows = views.target_rows(fake, today=dt.date(2025, 3, 1))
        assert rows
        first = rows[0].assessment.status
        kept = views.with_status(rows, first)
        assert kept and all(r.assessment.status is first for r in kept)
        assert views.with_status(rows, None) == rows

    def test_catalogue_rows_by_axis_and_status(self, fake: FakeQueries) -> None:
        indicators = list(fake.catalog.indicators)
        today = dt.date(2025, 3, 1)
        axis = fake.catalog.get(ACTIVATION).axis
        by_axis = views.catalogue_rows(fake, indicators, today=today, axis=axis)
        assert by_axis and {r.indicator.axis for r in by_axis} == {axis}
        everything = views.catalogue_rows(fake, indicators, today=today)
        assert len(everything) == len(indicators)
        status = next(r.assessment.status for r in everything if r.assessment)
        filtered = views.catalogue_rows(fake, indicators, today=today, status=status)
        assert filtered and all(r.assessment and r.assessment.status is status for r in filtered)
        activation = next(r for r in everything if r.indicator.id == ACTIVATION)
        assert activation.levels == [Level.national, Level.region, Level.department]
        assert activation.latest.demo is not None


# -- pages (Flask test client) -------------------------------------------------------------


@pytest.fixture
def client(db_url: str) -> Iterator[flask.testing.FlaskClient]:
    app = dashboard_app.create_app(database_url=db_url, redis_url="")
    yield app.server.test_client()


def _page(client: flask.testing.FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _layout(module: str, path: str = "/", **params: str) -> str:
    """A page Dash renders alone, as HTML (the same walk as the server's copy)."""
    entry = next(p for p in dash.page_registry.values() if p["module"] == module)
    with flask.current_app.test_request_context(path):
        return to_html(entry["layout"](**params))


class TestIndexPages:
    @pytest.mark.parametrize("path", ["/indicateurs", "/regions", "/departements", "/recherche"])
    def test_they_answer_200_with_their_content_in_the_html(
        self, client: flask.testing.FlaskClient, path: str
    ) -> None:
        body = _page(client, path)
        assert f'<div id="{dashboard_app.SERVER_PAGE_ID}">' in body

    def test_the_header_menu_opens_the_index_pages_and_holds_a_search_form(
        self, client: flask.testing.FlaskClient
    ) -> None:
        body = _page(client, "/")
        assert '<a class="fr-nav__link" href="/regions">Régions</a>' in body
        assert '<a class="fr-nav__link" href="/departements">Départements</a>' in body
        assert '<a class="fr-nav__link" href="/indicateurs">Indicateurs</a>' in body
        assert re.search(r'<form action="/recherche" [^>]*method="get" role="search">', body)
        assert 'name="q"' in body

    def test_the_indicator_catalogue_lists_what_the_reader_may_see(
        self, client: flask.testing.FlaskClient, catalog: Catalog
    ) -> None:
        body = _page(client, "/indicateurs")
        for ind in catalog.indicators:
            link = f'<a href="/indicateurs/{ind.id}">{escape(ind.short_label, quote=False)}</a>'
            assert (link in body) is (ind.visibility == "public"), ind.id
        for axis in catalog.axes:
            assert escape(axis.label, quote=False) in body

    def test_a_signed_in_reader_sees_the_restricted_indicators_too(
        self, db_url: str, catalog: Catalog
    ) -> None:
        app = dashboard_app.create_app(database_url=db_url, redis_url="")

        @app.server.before_request
        def sign_in() -> None:
            flask.g.actor = Actor(Role.dns)

        response = app.server.test_client().get("/indicateurs")
        body = response.get_data(as_text=True)
        restricted = [i for i in catalog.indicators if i.visibility != "public"]
        assert restricted
        for ind in restricted:
            assert f'href="/indicateurs/{ind.id}"' in body
        # and that page is never kept by a shared cache
        assert response.cache_control.private and not response.cache_control.public

    def test_the_catalogue_is_filtered_by_axis(
        self, client: flask.testing.FlaskClient, catalog: Catalog
    ) -> None:
        axis = catalog.axes[0]
        body = _page(client, f"/indicateurs?axe={axis.id}")
        for ind in catalog.indicators:
            if ind.visibility == "public":
                assert (f'href="/indicateurs/{ind.id}"' in body) is (ind.axis == axis.id)
        assert f'<option selected value="{axis.id}">' in body

    def test_the_catalogue_is_filtered_by_status(self, client: flask.testing.FlaskClient) -> None:
        # an empty database: every target lacks data, none is reached
        body = _page(client, "/indicateurs?statut=atteint")
        assert "Aucun indicateur ne correspond à ces filtres." in body
        body = _page(client, "/indicateurs?statut=donnees-insuffisantes")
        assert "Aucun indicateur ne correspond" not in body
        assert 'href="/indicateurs/mes_taux_activation"' not in body  # it has no target

    def test_the_area_index_lists_a_link_to_every_fiche(
        self, client: flask.testing.FlaskClient
    ) -> None:
        for level in Level.territorial():
            body = _page(client, f"/{level.slug}")
            for area in geography.by_level(level):
                assert f'href="/{level.slug}/{area.code}"' in body

    def test_the_area_index_draws_the_tile_map_when_there_are_values(
        self, client: flask.testing.FlaskClient, engine: Engine
    ) -> None:
        _load(engine, _rows())
        body = _page(client, f"/regions?indicateur={ACTIVATION}")
        assert 'id="carte-index"' in body
        assert f'href="/indicateurs/{ACTIVATION}?niveau=regions"' in body

    @pytest.mark.parametrize("level", list(Level.territorial()))
    def test_each_tile_of_the_map_is_a_link_to_its_fiche_named_after_its_territory(
        self, client: flask.testing.FlaskClient, engine: Engine, level: Level
    ) -> None:
        # Given values for some areas, and a view parameter (real data only)
        _load(engine, _rows())
        body = _page(client, f"/{level.slug}?indicateur={ACTIVATION}&reel=oui")
        tiles = re.search(r'<ul class="tdb-tiles[^"]*" id="tuiles-fiches">(.*?)</ul>', body)
        assert tiles, "pas de carte en tuiles"
        links = re.findall(r"<a ([^>]*)>(.*?)</a>", tiles.group(1))
        # Then every area of the level is a tile, a link (focusable) to its fiche that
        # keeps the view parameters, whose accessible name is the territory's name (the
        # abbreviation drawn on the tile is hidden from assistive technologies)
        assert len(links) == len(geography.by_level(level))
        by_code = {re.search(r'id="tuile-([^"]+)"', a).group(1): (a, c) for a, c in links}  # type: ignore[union-attr]
        for area in geography.by_level(level):
            attributes, content = by_code[area.code]
            href = escape(urls.area(level, area.code, {"reel": "oui"}))
            assert f'href="{href}"' in attributes
            assert 'tabindex="-1"' not in attributes
            assert f'<span class="fr-sr-only">{escape(area.name, quote=False)}</span>' in content
            visible = re.sub(r'<span class="fr-sr-only">.*?</span>', "", content)
            assert 'aria-hidden="true"' in visible
        # And a tile says its value in its tooltip, one without a value says so
        attributes, _ = by_code["53" if level is Level.region else "29"]
        assert "title=" in attributes and "%" in attributes
        missing = by_code["84" if level is Level.region else "56"][0]
        assert "non disponible" in missing and "tdb-tile--missing" in missing


class TestSearchPage:
    @pytest.mark.parametrize(
        ("query", "href"),
        [
            ("finistere", "/departements/29"),
            ("finist%C3%A8re", "/departements/29"),
            ("29", "/departements/29"),
            ("ile+de+france", "/regions/11"),
            ("mon+espace", "/indicateurs/mes_taux_activation"),
        ],
    )
    def test_one_result_is_still_listed_not_redirected(
        self, client: flask.testing.FlaskClient, query: str, href: str
    ) -> None:
        response = client.get(f"/recherche?q={query}")
        assert response.status_code == 200  # never a redirect
        assert f'href="{href}"' in response.get_data(as_text=True)

    def test_nothing_found_says_so_and_offers_the_index_pages(
        self, client: flask.testing.FlaskClient
    ) -> None:
        body = _page(client, "/recherche?q=zzzz")
        assert "Aucun résultat pour « zzzz »." in body
        assert 'href="/indicateurs"' in body and 'href="/regions"' in body

    def test_the_searched_text_is_shown_escaped_and_adds_no_cache_entry(
        self, client: flask.testing.FlaskClient
    ) -> None:
        from dashboard import queries

        pages = queries.store().pages
        before = len(pages)  # type: ignore[arg-type]
        body = _page(client, "/recherche?q=%3Cscript%3Ealert(1)%3C/script%3E")
        assert "« &lt;script&gt;alert(1)&lt;/script&gt; »" in body
        assert "<script>alert(1)" not in body
        for n in range(5):  # any text can be asked: none is kept
            _page(client, f"/recherche?q=mot{n}")
        assert len(pages) == before  # type: ignore[arg-type]

    def test_restricted_indicators_are_not_found_by_the_public(
        self, client: flask.testing.FlaskClient, catalog: Catalog
    ) -> None:
        restricted = next(i for i in catalog.indicators if i.visibility != "public")
        body = _page(client, f"/recherche?q={restricted.id}")
        assert f'href="/indicateurs/{restricted.id}"' not in body


class TestTerritoryAcrossPages:
    def test_a_fiche_opens_its_indicators_with_its_territory(
        self, client: flask.testing.FlaskClient
    ) -> None:
        with client.application.app_context():
            html = _layout("pages.region", code="53")
        assert f'href="/indicateurs/{ACTIVATION}?territoire=region-53"' in html
        assert 'href="/regions"' in html  # the breadcrumb goes to the index

    def test_a_departement_fiche_carries_its_own_territory(
        self, client: flask.testing.FlaskClient
    ) -> None:
        with client.application.app_context():
            html = _layout("pages.department", code="29")
        assert f'href="/indicateurs/{ACTIVATION}?territoire=departement-29"' in html

    def test_the_indicator_page_links_back_to_the_fiche_and_to_the_catalogue(
        self, client: flask.testing.FlaskClient
    ) -> None:
        with client.application.app_context():
            html = _layout("pages.indicator", indicator_id=ACTIVATION, territoire="region-53")
        assert 'href="/regions/53?territoire=region-53"' in html
        assert "Retour à la fiche Bretagne" in html
        assert 'class="fr-breadcrumb__link" href="/indicateurs?territoire=region-53"' in html
        # the view form keeps the territory when the reader changes the view
        assert '<input name="territoire" type="hidden" value="region-53">' in html

    def test_the_indicator_page_highlights_the_territory(
        self, client: flask.testing.FlaskClient, engine: Engine
    ) -> None:
        _load(engine, _rows())
        with client.application.app_context():
            html = _layout("pages.indicator", indicator_id=ACTIVATION, territoire="region-53")
        assert '<ul id="valeurs-territoire"><li>Bretagne : 42,0' in html
        assert "rang 1 sur 2" in html
        assert "Évolution comparée de la France et de la Bretagne" in html


class TestObjectives:
    def test_home_counters_link_to_the_targets_of_that_status(
        self, client: flask.testing.FlaskClient
    ) -> None:
        body = _page(client, "/")
        for status in TargetStatus:
            assert f'href="/objectifs?statut={status.slug}"' in body

    def test_the_table_is_filtered_by_status_and_the_filter_is_kept(
        self, client: flask.testing.FlaskClient, catalog: Catalog
    ) -> None:
        with client.application.app_context():
            html = _layout("pages.objectives", statut="atteint")
            everything = _layout("pages.objectives")
        assert "Aucun objectif — atteint" in html
        assert "objectifs — atteint" not in everything
        # permalinks (sort headers, switch) and downloads keep it
        assert "/objectifs?statut=atteint&amp;tri=indicateur" in html
        assert "/donnees/objectifs/tableau.csv?statut=atteint&amp;tri=echeance" in html

    def test_the_download_is_filtered_like_the_table(
        self, client: flask.testing.FlaskClient
    ) -> None:
        everything = client.get("/donnees/objectifs/tableau.csv").get_data(as_text=True)
        none = client.get("/donnees/objectifs/tableau.csv?statut=atteint").get_data(as_text=True)
        assert len(everything.splitlines()) > 1
        assert len(none.splitlines()) == 1  # the header only
