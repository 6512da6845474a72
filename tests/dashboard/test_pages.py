"""Page layouts as functions of the URL: 404 for unknown codes, a French page when the
database is unreachable, the demo banner when synthetic values exist."""

from __future__ import annotations

from pathlib import Path

import dash
import pytest

from dashboard import queries
from dashboard.app import create_app
from dashboard.urls import page_exists


@pytest.fixture
def app_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(url: str) -> dash.Dash:
        return create_app(database_url=url, redis_url="")

    return make


def _layout(module: str):  # type: ignore[no-untyped-def]
    return next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]


def _text(component: object) -> str:
    return str(component.to_plotly_json())  # type: ignore[attr-defined]


class TestUnknownCodes:
    @pytest.mark.parametrize(
        ("module", "kwargs"),
        [
            ("pages.indicator", {"indicator_id": "inconnu"}),
            ("pages.region", {"code": "99"}),
            ("pages.department", {"code": "20"}),
        ],
    )
    def test_unknown_code_renders_the_404_page(
        self, app_for, db_url: str, module: str, kwargs: dict
    ) -> None:  # type: ignore[no-untyped-def]
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            assert "Page non trouvée" in _text(_layout(module)(**kwargs))


class TestUnreachableDatabase:
    def test_a_clear_french_page_not_a_traceback(self, app_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        app = app_for(f"sqlite:///{tmp_path}/absente.sqlite")
        with app.server.test_request_context("/"):
            text = _text(_layout("pages.home")())
        assert "Données momentanément indisponibles" in text


class TestUnknownCodesAreNotCached:
    @pytest.mark.parametrize(
        ("module", "key"),
        [
            ("pages.indicator", "indicator_id"),
            ("pages.region", "code"),
            ("pages.department", "code"),
        ],
    )
    def test_unknown_codes_add_no_page_cache_entry(
        self, app_for, db_url: str, module: str, key: str
    ) -> None:  # type: ignore[no-untyped-def]
        # Given a running app and its page cache
        app = app_for(db_url)
        pages = queries.store().pages
        with app.server.test_request_context("/"):
            before = len(pages)  # type: ignore[arg-type]
            # When ten different unknown codes are asked
            for n in range(10):
                assert "Page non trouvée" in _text(_layout(module)(**{key: f"inconnu{n}"}))
            # Then the cache holds no more entries than before
            assert len(pages) == before  # type: ignore[arg-type]
            # And a known one is cached (the check can fail)
            _layout(module)(**{key: {"pages.indicator": "mes_taux_activation"}.get(module, "53")})
            assert len(pages) > before  # type: ignore[arg-type]


class TestUserErrors:
    def test_a_user_error_while_building_shows_its_french_message(
        self, app_for, db_url: str
    ) -> None:  # type: ignore[no-untyped-def]
        # Given a page whose build meets an error meant for the reader (any UserError)
        from core.catalog import CatalogError
        from dashboard.pages._common import page

        def build(_q: object) -> list[object]:
            raise CatalogError("Catalogue d'indicateurs invalide : champ « unit » manquant.")

        app = app_for(db_url)
        with app.server.test_request_context("/"):
            # When it is rendered
            text = _text(page(path="/essai-erreur", build=build))
        # Then the reader gets that message in a French page, not a traceback or a 500
        assert "Cette page ne peut pas être affichée" in text
        assert "champ « unit » manquant" in text


class TestPagesWithData:
    def test_indicator_page_with_unknown_params_renders(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            text = _text(
                _layout("pages.indicator")(
                    indicator_id="mes_taux_activation", foo="bar", periode="x"
                )
            )
        assert "Trajectoire nationale" in text
        # no territorial value in an empty database: said, not a silent empty chart
        assert "Publié à l'échelle nationale uniquement" in text
        assert "bandeau-demo" not in text
        queries.configure(database_url=db_url)


class TestHttpStatus:
    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("/", 200),
            ("/objectifs", 200),
            ("/a-propos", 200),
            ("/indicateurs/mes_taux_activation", 200),
            ("/regions/53", 200),
            ("/departements/2A", 200),
            ("/regions/choisir?code=84", 200),
            ("/indicateurs/inconnu", 404),
            ("/regions/99", 404),
            ("/departements/20", 404),
            ("/regions/choisir?code=99", 404),
            ("/page-inexistante", 404),
            ("/404", 404),
        ],
    )
    def test_unknown_pages_answer_404_with_the_dash_index(
        self, app_for, db_url: str, path: str, expected: int
    ) -> None:  # type: ignore[no-untyped-def]
        # Given the app, When a page path is asked over HTTP
        response = app_for(db_url).server.test_client().get(path)
        # Then the status says whether it exists, and the body is the Dash page either way
        assert response.status_code == expected
        assert b'id="react-entry-point"' in response.data

    def test_plotly_is_never_loaded_with_a_page(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        # Given the app, When the home page and an indicator page are fetched
        client = app_for(db_url).server.test_client()
        home = client.get("/").data.decode()
        indicator = client.get("/indicateurs/mes_taux_activation").data.decode()
        # Then no page runs nor preloads Plotly: dcc.Graph loads it once Dash draws a chart
        for html in (home, indicator):
            assert 'src="/vendor/plotly-basic.min.js"' not in html
            assert 'rel="preload" href="/vendor/plotly-basic.min.js"' not in html
            # the partial build is where dcc.Graph will look for Plotly (a script file: CSP)
            assert 'src="/static-tdb/chart-script-url.js?v=' in html
            assert 'data-plotly="/vendor/plotly-basic.min.js"' in html

    def test_other_routes_keep_their_status(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        client = app_for(db_url).server.test_client()
        assert client.get("/sante").status_code == 200
        assert client.get("/_dash-layout").status_code == 200


class TestServerTiming:
    def test_callback_responses_say_how_long_the_server_took(  # type: ignore[no-untyped-def]
        self, app_for, db_url: str
    ) -> None:
        # Given the app, When Dash's page router is called as the browser calls it
        client = app_for(db_url).server.test_client()
        dependencies = client.get("/_dash-dependencies").get_json()
        router = next(d for d in dependencies if "_pages_content" in d["output"])
        response = client.post(
            "/_dash-update-component",
            json={
                "output": router["output"],
                "outputs": [
                    {"id": "_pages_content", "property": "children"},
                    {"id": "_pages_store", "property": "data"},
                ],
                "inputs": [
                    {"id": "_pages_location", "property": "pathname", "value": "/objectifs"},
                    {"id": "_pages_location", "property": "search", "value": ""},
                ],
                "changedPropIds": ["_pages_location.pathname"],
                "state": [],
            },
        )
        # Then it answers with a Server-Timing total in milliseconds
        assert response.status_code == 200
        name, _, duration = response.headers["Server-Timing"].partition(";dur=")
        assert name == "app" and float(duration) > 0
        # And other responses carry none
        assert "Server-Timing" not in client.get("/sante").headers
        assert "Server-Timing" not in client.get("/objectifs").headers


class TestPageExists:
    def test_pure_decision_on_paths(self) -> None:
        ids = {"a"}
        assert page_exists("/indicateurs/a/", {}, indicator_ids=ids)
        assert not page_exists("/indicateurs/b", {}, indicator_ids=ids)
        assert not page_exists("/regions/choisir", {}, indicator_ids=ids)
        assert page_exists("/departements/971", {}, indicator_ids=ids)


class TestNeutralDeployment:
    def test_figures_do_not_use_marianne_outside_the_administration(
        self, app_for, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:  # type: ignore[no-untyped-def]
        # Given a deployment outside the administration
        monkeypatch.setenv("MARQUE_ETAT", "0")
        app = app_for(db_url)
        # When the indicator page is built
        with app.server.test_request_context("/"):
            layout = _layout("pages.indicator")(indicator_id="mes_taux_activation")
        # Then its chart's font list does not start with Marianne
        text = _text(layout)
        assert "'family': 'system-ui" in text
        assert "'family': 'Marianne" not in text
        queries.configure(database_url=db_url)


class TestWarmCache:
    def test_default_pages_are_built_ahead_and_then_served_from_the_cache(  # type: ignore[no-untyped-def]
        self, app_for, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given an app whose default pages were warmed (its data version kept for a minute)
        from dashboard.app import warm_cache, warm_paths

        monkeypatch.setenv("DATA_VERSION_TTL", "60")
        app = app_for(db_url)
        built = warm_cache(app.server)
        # Then every default page was built: /, /objectifs, the index pages, each indicator
        assert built == len(warm_paths()) == 5 + len(queries.store().catalog.indicators)
        # and building one again reads its content from the cache
        store = queries.store()
        calls: list[str] = []
        original = store._guard

        def counting(compute):  # type: ignore[no-untyped-def]
            calls.append("compute")
            return original(compute)

        store._guard = counting  # type: ignore[method-assign]
        try:
            with app.server.test_request_context("/indicateurs/mes_taux_activation"):
                _layout("pages.indicator")(indicator_id="mes_taux_activation")
        finally:
            store._guard = original  # type: ignore[method-assign]
        # nothing is read: the data version was read within DATA_VERSION_TTL, no page is rebuilt
        assert calls == []

    def test_an_unreachable_database_does_not_break_warming(  # type: ignore[no-untyped-def]
        self, app_for, tmp_path: Path
    ) -> None:
        from dashboard.app import warm_cache, warm_paths
        from dashboard.cache import MemoryCache

        # Given an app whose database has no schema
        app = app_for(f"sqlite:///{tmp_path}/absente.sqlite")
        # When the default pages are warmed
        built = warm_cache(app.server)
        # Then every page was built (as the French « indisponible » page), none raised
        assert built == len(warm_paths()) == 5 + len(queries.store().catalog.indicators)
        # and none of those error pages was cached: the next request tries the database again
        pages = queries.store().pages
        assert isinstance(pages, MemoryCache) and len(pages) == 0


def _buttons(component: object) -> list[str]:
    """The text of every <button> of a layout (a tooltip's text is its accessible name)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        if type(node).__name__ == "Button" and isinstance(node.children, str):  # type: ignore[attr-defined]
            found.append(node.children)  # type: ignore[attr-defined]
        walk(getattr(node, "children", None))

    walk(component)
    return found


class TestFrenchAndAccessibleNames:
    def test_home_help_buttons_name_their_indicator(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        # Given the home page, When its status help buttons are listed
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            names = [b for b in _buttons(_layout("pages.home")()) if b.startswith("Méthode")]
        # Then there is one per card, each with a distinct accessible name
        assert len(names) > 1
        assert len(set(names)) == len(names)
        assert "Méthode du statut : Profils Mon espace santé créés" in names

    def test_no_status_method_button_without_a_target(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            without = _buttons(_layout("pages.indicator")(indicator_id="mes_taux_activation"))
            with_target = _buttons(_layout("pages.indicator")(indicator_id="mes_profils_crees"))
        assert "Méthode du statut" not in without
        assert "Méthode du statut" in with_target

    def test_catalog_prose_is_set_in_french_typography(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        # Given an indicator whose methodology says « 1er janvier 2021 »
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            text = _text(_layout("pages.indicator")(indicator_id="ins_qualification"))
        # Then the ordinal's suffix is in superscript
        assert "'1', Sup('er'), \" janvier 2021" in text

    def test_unverified_sources_are_said_in_plain_words(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        from dashboard.pages._common import UNVERIFIED_SOURCE

        app = app_for(db_url)
        with app.server.test_request_context("/"):
            text = _text(_layout("pages.indicator")(indicator_id="mes_profils_crees"))
        assert UNVERIFIED_SOURCE in text
        assert "non vérifié" not in text

    def test_catalog_text_shown_to_readers_has_no_internal_note(self) -> None:
        from core.catalog import DEFAULT_CATALOG_PATH, load_catalog

        for ind in load_catalog(DEFAULT_CATALOG_PATH).indicators:
            for text in (ind.description, ind.methodology, *(t.label for t in ind.targets)):
                assert "(non vérifié)" not in " ".join((text or "").split()), ind.id

    def test_area_names_take_their_article(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            text = _text(_layout("pages.region")(code="11"))
        assert "Indicateurs pour l'Île-de-France et pour la France" in text
