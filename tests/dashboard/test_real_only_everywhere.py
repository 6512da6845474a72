"""`reel=oui` on every page and every download, on a database that holds demo data: no
demo value, status, projection or banner; the same addresses without it show them (so
each check can fail)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest

from core import db
from core.catalog import Catalog
from dashboard import queries
from dashboard.app import create_app
from dashboard.pages import _common as common
from etl.demo import run_demo
from etl.published import load_published
from tests.etl.test_demo import subset, write_published
from tests.fakes.queries import FakeQueries, Row

DEMO_IDS = ["teleconsultations_actes", "mes_profils_crees", "mes_documents_alimentes_mois"]
PAGES: list[tuple[str, dict[str, str]]] = [
    ("pages.home", {}),
    ("pages.objectives", {}),
    ("pages.region", {"code": "53"}),
    ("pages.department", {"code": "29"}),
    ("pages.about", {}),
    ("pages.not_found_404", {}),
    ("pages.indicator", {"indicator_id": "teleconsultations_actes"}),
    ("pages.indicator", {"indicator_id": "mes_documents_alimentes_mois"}),
]
# What shows demo data on a page: the banner, a demo value on a card or in a chart, a
# status or counter resting on demo, the map's demo badge, a projection.
DEMO_MARKS = (
    "bandeau-demo",
    "Valeur de démonstration",
    "epose sur des données de démonstration",  # « Repose… », « Statut : repose… »
    "dont 1 sur des données de démonstration",  # the home and /objectifs counters
    "Valeurs de démonstration",
    "'name': 'Démonstration'",
    "projection (tendance)",
)
DOWNLOADS = [
    "/donnees/indicateurs/teleconsultations_actes/serie.csv",
    "/donnees/indicateurs/teleconsultations_actes/carte-fr.csv",
    "/donnees/indicateurs/mes_documents_alimentes_mois/serie.csv",
    "/donnees/regions/53.csv",
    "/donnees/departements/29-fr.csv",
    "/donnees/objectifs/tableau.csv",
]
DEMO_IN_FILES = ("Démonstration", "demo")


@pytest.fixture
def demo_app(db_url: str, catalog: Catalog, tmp_path: Path) -> Iterator[dash.Dash]:
    """The app on a database with two published figures and the demo of three indicators."""
    engine = db.make_engine(db_url)
    load_published(engine, write_published(tmp_path), catalog=catalog)
    run_demo(
        engine,
        subset(catalog, DEMO_IDS),
        seed=42,
        until=dt.date(2025, 12, 1),
        progress=lambda _: None,
        today=dt.date(2026, 2, 15),
    )
    engine.dispose()
    yield create_app(database_url=db_url, redis_url="")
    queries.configure(database_url=db_url)


def _page_text(app: dash.Dash, module: str, kwargs: dict[str, Any]) -> str:
    layout = next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]
    with app.server.test_request_context("/"):
        return str(layout(**kwargs).to_plotly_json())


class TestEveryPage:
    def test_real_only_pages_show_no_demo_value_status_projection_or_banner(
        self, demo_app: dash.Dash
    ) -> None:
        # Given every page, with all data and with real data only
        everything = {(m, str(k)): _page_text(demo_app, m, k) for m, k in PAGES}
        real = {(m, str(k)): _page_text(demo_app, m, {**k, "reel": "oui"}) for m, k in PAGES}
        # Then each mark of demo data is on some page with all data…
        for mark in DEMO_MARKS:
            assert any(mark in text for text in everything.values()), mark
        # …and on no page with real data only
        shown = {(page, mark) for page, text in real.items() for mark in DEMO_MARKS if mark in text}
        assert shown == set()


class TestBanner:
    def test_the_banner_is_left_out_of_a_real_only_view(self, catalog: Catalog) -> None:
        # Given a database with demo values
        q = FakeQueries(
            catalog,
            rows=[Row("mes_taux_activation", "national", "FR", dt.date(2025, 1, 1), 20.0, "demo")],
        )
        # When the banner is asked for both views / Then only the full view has it
        assert [c.id for c in common.demo_banner(q, {})] == ["bandeau-demo"]
        assert common.demo_banner(q, {"reel": "oui"}) == []
        assert common.demo_banner(q, {"reel": "non"}) != []

    def test_no_banner_without_demo_data(self, catalog: Catalog) -> None:
        q = FakeQueries(catalog, rows=[])
        assert common.demo_banner(q, {}) == []


class TestEveryDownload:
    @pytest.mark.parametrize("path", DOWNLOADS)
    def test_a_real_only_download_holds_no_demo_row(self, demo_app: dash.Dash, path: str) -> None:
        # Given a download link, as the pages write it, with and without reel=oui
        client = demo_app.server.test_client()
        everything = client.get(path)
        real = client.get(f"{path}?reel=oui")
        assert (everything.status_code, real.status_code) == (200, 200)
        # Then the file with all data holds demo rows and the real-only one none
        all_text = everything.get_data().decode("utf-8-sig")
        real_text = real.get_data().decode("utf-8-sig")
        assert any(mark in all_text for mark in DEMO_IN_FILES)
        assert not any(mark in real_text for mark in DEMO_IN_FILES), real_text[:500]
