"""What a status rests on, on the pages and in the files that show statuses: the home
counters, /objectifs and its downloads, against the in-memory fake of the queries."""

from __future__ import annotations

import datetime as dt
import sys
from types import ModuleType

import pytest

from core.catalog import Catalog
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
        html = to_html(pages["home"]._summary(rows))
        # Then its status tile and the total say « dont 1 sur des données de démonstration »
        assert len(demo) == 1
        assert html.count("dont 1 sur des données de démonstration") == 2

    def test_no_mention_when_every_status_rests_on_real_data(
        self, pages: dict[str, ModuleType], catalog: Catalog
    ) -> None:
        ind, t = _targeted(catalog)
        q = FakeQueries(catalog, rows=series_rows(ind, t, ["source"] * 6))
        html = to_html(pages["home"]._summary(views.target_rows(q, today=TODAY)))
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
        frame = downloads.objectives_frame(mixed(catalog), params={})  # type: ignore[arg-type]
        _, t = _targeted(catalog)
        mine = frame[frame["Objectif"] == t.label].iloc[0]
        # Then it has a column of origin codes and one of the derived label
        assert mine[views.CODES_COLUMN] == "published, demo"
        assert mine["Base du statut"] == "Repose sur des données de démonstration"
        cols = list(frame.columns)
        at = cols.index("Statut")
        assert cols[at : at + 4] == [
            "Statut",
            "Base du statut",
            "Origine des données",
            views.CODES_COLUMN,
        ]
