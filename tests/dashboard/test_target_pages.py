"""What a status rests on, on the pages and in the files that show statuses: the home
counters, /objectifs and its downloads, against the in-memory fake of the queries."""

from __future__ import annotations

import datetime as dt
import sys
from types import ModuleType

import pytest

from core.catalog import Catalog
from core.vocabulary import TargetStatus
from dashboard import downloads, views
from dashboard.app import create_app
from dashboard.server_html import to_html
from tests.dashboard.test_views import _targeted, series_rows
from tests.fakes.queries import FakeQueries

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def pages(db_url: str) -> dict[str, ModuleType]:
    create_app(database_url=db_url, redis_url="")  # registers the page modules
    return {name: sys.modules[f"pages.{name}"] for name in ("home", "objectives")}


def mixed(catalog: Catalog) -> FakeQueries:
    """One target whose series has five published figures and one demo value."""
    ind, t = _targeted(catalog)
    return FakeQueries(catalog, rows=series_rows(ind, t, ["published"] * 5 + ["demo"]))


class TestHomeCounters:
    def test_the_counters_say_how_many_statuses_rest_on_demo(
        self, pages: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        # Given one target assessed on a series with a demo value
        rows = views.target_rows(mixed(catalog), today=TODAY)
        demo = [r for r in rows if r.assessment.rests_on_demo]
        # When the summary of the home page is built
        html = to_html(pages["home"]._summary(rows, state={}))
        # Then its status tile and the total say « dont 1 sur des données de démonstration »
        assert len(demo) == 1
        assert html.count("dont 1 sur des données de démonstration") == 2

    def test_no_mention_when_every_status_rests_on_real_data(
        self, pages: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        ind, t = _targeted(catalog)
        q = FakeQueries(catalog, rows=series_rows(ind, t, ["source"] * 6))
        html = to_html(pages["home"]._summary(views.target_rows(q, today=TODAY), state={}))
        assert "démonstration" not in html


class TestObjectivesPage:
    def test_each_row_shows_its_basis_in_words(
        self, pages: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        # When /objectifs is built on a series with a demo value
        html = to_html(pages["objectives"]._content(mixed(catalog), {}))
        # Then the row says it in words (a badge with text, not a colour alone)
        assert "Base du statut" in html
        assert "Repose sur des données de démonstration</p>" in html
        assert "Chiffre publié, Démonstration" in html
        # And the screen shows the origins in French, the codes being for the files
        assert views.CODES_COLUMN not in html


class TestObjectivesDownload:
    def test_the_file_has_the_origin_codes_and_the_basis_label(self, catalog: Catalog) -> None:
        # When the objectives table is downloaded
        frame = downloads.objectives_frame(mixed(catalog), params={}).frame
        _, t = _targeted(catalog)
        mine = frame[frame["target"] == t.label].iloc[0]
        # Then it has the status code and label, what it rests on, the origin codes and labels
        assert mine["status_label"] == TargetStatus(mine["status"]).label
        assert mine["origin"] == "published, demo"
        assert mine["origin_label"] == "Chiffre publié, Démonstration"
        assert mine["rests_on_demo"] == "oui"
        assert mine["basis"] == "Repose sur des données de démonstration"


def demo_only(catalog: Catalog) -> FakeQueries:
    ind, t = _targeted(catalog)
    return FakeQueries(catalog, rows=series_rows(ind, t, ["demo"] * 6))


class TestRealOnlySwitch:
    def test_the_home_page_recomputes_its_counters_from_real_data(
        self, pages: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        # Given a target whose only data is demo
        q = demo_only(catalog)
        # When the home page is built with and without `reel=oui`
        everything = to_html(pages["home"]._content(q, {}))
        real = to_html(pages["home"]._content(q, {"reel": "oui"}))
        # Then only the real-only page has no status resting on demo
        assert "dont 1 sur des données de démonstration" in everything
        assert "Statut : repose sur des données de démonstration" in everything
        assert "dont 1 sur des données de démonstration" not in real
        assert "Statut : repose sur des données de démonstration" not in real
        # And it offers the switch, the current choice marked, and keeps it in its links
        assert 'aria-current="page" class="fr-link tdb-tab--current" href="/?reel=oui"' in real
        assert "/objectifs?reel=oui" in real

    def test_objectives_page_and_links_keep_the_switch(
        self, pages: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        html = to_html(pages["objectives"]._content(demo_only(catalog), {"reel": "oui"}))
        # The row of the demo-only target says « Données insuffisantes », on no demo point
        assert "Données insuffisantes" in html
        assert "Repose sur des données de démonstration" not in html
        assert "Toutes les données" in html
        # Sort links and downloads carry reel=oui; the form keeps it in a hidden field
        assert 'href="/objectifs?tri=indicateur&amp;reel=oui"' in html
        assert "tableau.csv?tri=echeance&amp;reel=oui" in html
        assert 'name="reel"' in html

    def test_the_download_uses_real_points_only(self, catalog: Catalog) -> None:
        # When the objectives table of a demo-only target is downloaded with reel=oui
        q = demo_only(catalog)
        frame = downloads.objectives_frame(q, params={"reel": "oui"}).frame
        everything = downloads.objectives_frame(q, params={}).frame
        _, t = _targeted(catalog)
        mine = frame[frame["target"] == t.label].iloc[0]
        # Then no row rests on demo, and the demo-only target has insufficient data
        assert "demo" not in " ".join(frame["origin"].dropna())
        assert set(frame["rests_on_demo"]) == {"non"}
        assert mine["status_label"] == "Données insuffisantes"
        assert "demo" in " ".join(everything["origin"].dropna())


class TestIndicatorPage:
    def test_a_status_on_demo_data_says_so_on_the_fiche(
        self, db_url: str, catalog: Catalog
    ) -> None:
        # Given the fiche of an indicator whose target is assessed on a demo value
        create_app(database_url=db_url, redis_url="")
        page = sys.modules["pages.indicator"]
        ind, _ = _targeted(catalog)
        q = mixed(catalog)
        view = views.indicator_view(q, ind, {})  # type: ignore[arg-type]
        # When its trajectory section is built
        html = to_html(page._trajectory_section(view, today=TODAY))
        # Then the status of that target says what it rests on
        assert "Statut : repose sur des données de démonstration." in html
