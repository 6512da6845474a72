"""« Quoi de neuf » and the indicator page's « Dernière mise à jour » line, and the roadmap
milestones on the indicator page, on a small database loaded then revised through the ETL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dash
import flask
import pytest
from plotly.utils import PlotlyJSONEncoder

from core.catalog import Catalog
from core.db import make_engine
from core.policy import ANONYMOUS, Actor, Role
from core.vocabulary import Origin
from dashboard import urls
from dashboard.app import create_app
from dashboard.formatting import format_number
from etl.pipeline import load_tidy
from tests.dashboard.changes_db import PUBLIC, RESTRICTED, load, national, with_revision
from tests.etl.test_pipeline import request, rows

DNS = Actor(Role.dns, email="dns@sante.test")


@pytest.fixture
def app(db_url: str, catalog: Catalog) -> dash.Dash:
    """The dashboard over a database with a load, then a revision (January) and a new
    month (March) of the public indicator, and a revision of the restricted one."""
    engine = make_engine(db_url)
    with_revision(engine, catalog)
    engine.dispose()
    return create_app(database_url=db_url, redis_url="")


@contextmanager
def reader(app: dash.Dash, actor: Actor = ANONYMOUS) -> Iterator[None]:
    with app.server.test_request_context("/"):
        flask.g.actor = actor
        yield


def _layout(module: str) -> Any:
    return next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]


def _text(component: Any) -> str:
    """The page as its JSON text, non-ASCII characters kept (« → », narrow spaces)."""
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


def _count(value: float) -> str:
    return format_number(value, unit="count", decimals=0)


def whats_new_page(app: dash.Dash, actor: Actor = ANONYMOUS, **params: str) -> str:
    with reader(app, actor):
        return _text(_layout("pages.whats_new")(**params))


def indicator_page(app: dash.Dash, actor: Actor = ANONYMOUS, **params: str) -> str:
    with reader(app, actor):
        return _text(_layout("pages.indicator")(indicator_id=PUBLIC, **params))


class TestEmptyHistory:
    def test_a_database_without_real_change_says_so(self, db_url: str) -> None:
        app = create_app(database_url=db_url, redis_url="")
        text = whats_new_page(app)
        assert "Aucune mise à jour à signaler" in text
        assert "Mise à jour n°" not in text


class TestWhatsNew:
    def test_the_revision_is_listed_before_then_after_in_french(
        self, app: dash.Dash, catalog: Catalog
    ) -> None:
        # When the public opens /quoi-de-neuf
        text = whats_new_page(app)
        # Then the update says what changed for the indicator: a new month, a revised value
        label = catalog.get(PUBLIC).short_label
        assert label in text
        assert "1 nouvelle période, 1 valeur révisée" in text
        assert "Nouvelles périodes : mars 2025." in text
        # And the revision reads January 2025, 1 200 000 then 1 250 000, French-formatted
        row = text.index("janvier 2025")
        assert text.index(_count(1_200_000), row) < text.index(_count(1_250_000), row)
        assert "(avant → après)" in text

    def test_updates_come_latest_first_and_the_first_of_a_source_says_so(
        self, app: dash.Dash
    ) -> None:
        text = whats_new_page(app)
        # The revision (second run) is above the first load, which is marked as a new source
        assert text.index("1 valeur révisée") < text.index("2 nouvelles périodes")
        assert text.count('"Nouvelle source"') == 1  # the update's badge
        assert text.count("Nouvelle source : mssante-messages.") == 1  # under its indicator

    def test_the_public_does_not_see_the_restricted_indicator(
        self, app: dash.Dash, catalog: Catalog
    ) -> None:
        label = catalog.get(RESTRICTED).short_label
        # The public sees neither its name nor its values…
        public = whats_new_page(app)
        assert label not in public
        assert _count(850_000) not in public
        # …where the delegation sees its revision (the check can fail)
        delegation = whats_new_page(app, DNS)
        assert label in delegation
        assert _count(850_000) in delegation and _count(900_000) in delegation

    def test_a_restricted_indicator_asked_by_the_public_is_not_found(self, app: dash.Dash) -> None:
        assert "Page non trouvée" in whats_new_page(app, indicateur=RESTRICTED)
        assert "Page non trouvée" not in whats_new_page(app, DNS, indicateur=RESTRICTED)

    def test_an_indicator_can_be_followed_alone(self, app: dash.Dash, catalog: Catalog) -> None:
        text = whats_new_page(app, DNS, indicateur=PUBLIC)
        assert catalog.get(RESTRICTED).short_label not in text
        assert f"Indicateur : {catalog.get(PUBLIC).short_label}." in text

    def test_demo_values_are_not_news(self, db_url: str, catalog: Catalog, app: dash.Dash) -> None:
        # Given demo values loaded after the real ones
        engine = make_engine(db_url)
        demo = rows(national(PUBLIC, "2025-04", "9999999"))
        load_tidy(
            engine,
            request(catalog, demo, source="demo", kind="demo", origin=Origin.demo, aggregate=False),
        )
        engine.dispose()
        # When the page is read / Then the demo value is absent
        text = whats_new_page(app)
        assert _count(9_999_999) not in text
        assert "avril 2025" not in text

    def test_updates_are_paged(self, app: dash.Dash, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given one update a page
        page_globals = _layout("pages.whats_new").__globals__  # the module Dash loaded
        assert page_globals["RUNS_PER_PAGE"] == 10  # as the README says
        monkeypatch.setitem(page_globals, "RUNS_PER_PAGE", 1)
        first, second = whats_new_page(app), whats_new_page(app, page="2")
        # Then page 1 has the revision and links to older updates, page 2 the first load
        assert "1 valeur révisée" in first and "2 nouvelles périodes" not in first
        assert urls.whats_new({"page": "2"}) in first
        assert "2 nouvelles périodes" in second and "1 valeur révisée" not in second
        assert "Mises à jour plus récentes" in second


def _from_april_2023(db_url: str, catalog: Catalog) -> None:
    """The public series extended back to April 2023."""
    engine = make_engine(db_url)
    load(engine, catalog, national(PUBLIC, "2023-04", "900000"), source="historique")
    engine.dispose()


class TestIndicatorPage:
    def test_the_last_update_line_links_to_the_indicator_news(self, app: dash.Dash) -> None:
        text = indicator_page(app)
        assert "Dernière mise à jour : " in text
        assert "1 nouvelle période, 1 valeur révisée." in text
        assert urls.whats_new({"indicateur": PUBLIC}) in text

    def test_the_milestones_in_the_chart_dates_are_drawn_and_listed(
        self, app: dash.Dash, db_url: str, catalog: Catalog
    ) -> None:
        # Given a series that starts in April 2023 (the 2023 launch and Ségur vague 1 inside)
        _from_april_2023(db_url, catalog)
        # When the indicator page is opened
        text = indicator_page(app)
        # Then both are named below the chart, with their source, and drawn on it
        assert "Jalons de la feuille de route sur le graphique" in text
        assert '"data-event": "feuille_de_route_2023_2027"' in text
        assert '"data-event": "segur_vague_1_fin"' in text
        assert '"data-event": "covid_confinement"' not in text
        assert '"name": "segur_vague_1_fin"' in text  # the line on the figure
        # And the switch offers to hide them, keeping the view
        assert re.search(rf'"{urls.indicator(PUBLIC)}\?[^"]*evenements=non', text)

    def test_evenements_non_hides_the_milestones(
        self, app: dash.Dash, db_url: str, catalog: Catalog
    ) -> None:
        _from_april_2023(db_url, catalog)
        text = indicator_page(app, evenements="non")
        assert '"name": "segur_vague_1_fin"' not in text
        assert '"data-event"' not in text
        assert "Jalons de la feuille de route masqués." in text
        # The other links of the page keep the choice (a permalink restores it)
        assert "evenements=non" in text.split("Jalons de la feuille de route masqués.")[0]


class TestEventsSentence:
    def test_the_drawn_milestones_are_named_in_the_chart_text(self, catalog: Catalog) -> None:
        from dashboard.pages._events import events_sentence

        launch = next(e for e in catalog.events if e.id == "feuille_de_route_2023_2027")
        assert (
            events_sentence([launch]) == " Jalons tracés : 17/05/2023, Feuille de route 2023-2027."
        )
        assert events_sentence([]) == ""
