"""The indicator page of an Open DAMIR series: région groups in the table and the ranking."""

from __future__ import annotations

from pathlib import Path

import dash
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from core.catalog import Catalog
from dashboard import queries
from dashboard.app import create_app
from etl.run import run_sources
from tests.etl.sources.test_damir import _write_month
from tests.etl.test_damir_run import damir_entry
from tests.etl.test_http import make_fetcher


def _layout(module: str):  # type: ignore[no-untyped-def]
    return next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]


def load_damir_month(
    engine: Engine, catalog: Catalog, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """A month of Open DAMIR loaded: Île-de-France (5), PACA-Corse (3) and the DROM (2)."""
    body = _write_month(
        tmp_path / "A202401.csv.gz", [(11, 1191, 5, 0), (93, 1191, 3, 0), (5, 1191, 2, 0)]
    ).read_bytes()
    httpserver.expect_request("/A202401.csv.gz").respond_with_data(body)
    entry = damir_entry(catalog, httpserver.url_for("/A{yyyy}{mm}.csv.gz"))
    cat = catalog.model_copy(update={"sources": [entry]})
    [result] = run_sources(engine, cat, fetcher=make_fetcher(tmp_path / "c"), say=lambda _: None)
    assert not result.failed, result.message


def test_region_table_and_ranking_show_the_groups(
    engine: Engine, db_url: str, catalog: Catalog, httpserver: HTTPServer, tmp_path: Path
) -> None:
    # Given a month of Open DAMIR loaded: Île-de-France, PACA-Corse and the DROM
    load_damir_month(engine, catalog, httpserver, tmp_path)
    # When the indicator page is rendered (région level, the default)
    app = create_app(database_url=db_url, redis_url="")
    with app.server.test_request_context("/"):
        text = str(
            _layout("pages.indicator")(indicator_id="teleconsultations_actes").to_plotly_json()
        )
    queries.configure(database_url=db_url)
    # Then the groups are rows of the table and bars of the ranking, marked as groups
    assert "PACA et Corse — groupe de régions" in text
    assert "Outre-mer (5 DROM) — groupe de régions" in text
    # Corse and the DROM say where their figure is, instead of a value
    assert "publié avec une autre région : PACA et Corse" in text
    assert "publié avec une autre région : Outre-mer (5 DROM)" in text
    # and the map says which régions share a value
    assert "Guadeloupe, Martinique, Guyane, La Réunion, Mayotte : valeur commune" in text
