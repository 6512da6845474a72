"""The indicator page's « serie » download and the API's observations answer the same bytes
for the same view (README « API », « Les mêmes octets »):

    /donnees/indicateurs/<id>/serie<suffixe>?<vue>  ≡  /api/v1/indicators/<id>/observations?
        level=<niveau de la vue>&area=FR,<territoire et régions ou départements comparés>
        &breakdown=_total[&origin=published,source,deposit si reel=oui]&format=<format>

over a demo database with real national values of the public indicator on top."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from flask.testing import FlaskClient

from core import db
from core.catalog import Catalog
from dashboard import queries, records, reuse, urls, views
from dashboard.app import create_app
from tests.dashboard.changes_db import load, national
from tests.dashboard.demo_db import demo_url_fixture

PUBLIC = "mssante_messages_mois"  # a count compared per inhabitant: per-capita columns
BROKEN_DOWN = "mssante_equipement_professionnels"  # a quarterly rate, with parts by sector
REAL = "published,source,deposit"
demo_data = demo_url_fixture("parity", seed=5, until=dt.date(2019, 12, 1))

VIEWS: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    # (name, indicator, the page's parameters, the API's parameters)
    ("national", PUBLIC, {}, {"level": "national", "breakdown": "_total"}),
    ("ventilé", BROKEN_DOWN, {}, {"level": "national", "breakdown": "_total"}),
    (
        "ventilé, régions",
        BROKEN_DOWN,
        {"comparer": "84"},
        {"level": "region", "area": "FR,84", "breakdown": "_total"},
    ),
    (
        "régions comparées",
        PUBLIC,
        {"comparer": "53,11"},
        {"level": "region", "area": "FR,53,11", "breakdown": "_total"},
    ),
    (
        "département",
        PUBLIC,
        {"territoire": "departement-29"},
        {"level": "department", "area": "FR,29", "breakdown": "_total"},
    ),
    (
        "départements comparés",
        PUBLIC,
        {"niveau": "departements", "comparer": "2A,29,971"},
        {"level": "department", "area": "FR,2A,29,971", "breakdown": "_total"},
    ),
    (
        "données réelles",
        PUBLIC,
        {"comparer": "53", "reel": "oui"},
        {"level": "region", "area": "FR,53", "breakdown": "_total", "origin": REAL},
    ),
]
VIEW_ARGS, VIEW_IDS = ("name", "indicator_id", "page", "query"), [v[0] for v in VIEWS]
FORMATS = [(".csv", "csv"), ("-fr.csv", "csv-fr"), (".xlsx", "xlsx")]


@pytest.fixture(scope="module")
def demo_url(demo_data: str, catalog: Catalog) -> str:
    """The demo data, with two real national values of the public indicator."""
    engine = db.make_engine(demo_data)
    load(
        engine,
        catalog,
        national(PUBLIC, "2019-03", "1234567"),
        national(PUBLIC, "2019-06", "1300000"),
        source="messagerie",
    )
    engine.dispose()
    return demo_data


@pytest.fixture
def client(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("API_RATE_LIMIT", "0")
    return create_app(database_url=demo_url, redis_url="").server.test_client()


def download(client: FlaskClient, indicator_id: str, suffix: str, query: dict[str, str]) -> bytes:
    address = urls.with_query(urls.indicator_download(indicator_id, "serie") + suffix, query)
    response = client.get(address)
    assert response.status_code == 200, address
    return response.data


def api(client: FlaskClient, indicator_id: str, query: dict[str, str]) -> bytes:
    response = client.get(urls.api_observations(indicator_id, query))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def api_records(client: FlaskClient, indicator_id: str, query: dict[str, str]) -> list[Any]:
    """Every page of the API's JSON, following `next` (pages of 7 rows)."""
    rows: list[Any] = []
    address: str | None = urls.api_observations(indicator_id, {**query, "limit": "7"})
    while address:
        page = json.loads(client.get(address).data)
        rows += page["data"]
        address = page["next"]
    return rows


@pytest.mark.parametrize(("suffix", "fmt"), FORMATS, ids=[f for _, f in FORMATS])
@pytest.mark.parametrize(VIEW_ARGS, VIEWS, ids=VIEW_IDS)
def test_the_download_and_the_api_answer_the_same_bytes(
    client: FlaskClient,
    name: str,
    indicator_id: str,
    page: dict[str, str],
    query: dict[str, str],
    suffix: str,
    fmt: str,
) -> None:
    # Given the indicator page's series download of a view
    mine = download(client, indicator_id, suffix, page)
    # When the API is asked for the same rows in the same format
    theirs = api(client, indicator_id, {**query, "format": fmt})
    # Then the two files are the same bytes, and hold rows (so the check can fail)
    assert mine == theirs
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(mine))["Données"]
        assert sheet.max_row > 1
    else:
        assert mine.count(b"\n") > 1


@pytest.mark.parametrize(VIEW_ARGS, VIEWS, ids=VIEW_IDS)
def test_the_json_records_are_the_same_page_after_page(
    client: FlaskClient, name: str, indicator_id: str, page: dict[str, str], query: dict[str, str]
) -> None:
    # Given the download's JSON document (records under a header)
    document = json.loads(download(client, indicator_id, ".json", page))
    # When the API's JSON pages of the same view are read to their end
    rows = api_records(client, indicator_id, query)
    # Then the records are the same, key for key, value for value, in the same order
    assert rows
    assert json.dumps(document["records"], ensure_ascii=False) == json.dumps(
        rows, ensure_ascii=False
    )
    permalink = urlsplit(document["permalink"])
    assert permalink.path == urls.indicator(indicator_id)
    assert {k: v[0] for k, v in parse_qs(permalink.query).items()} == page


@pytest.mark.parametrize(VIEW_ARGS, VIEWS, ids=VIEW_IDS)
def test_views_api_query_gives_the_equivalent_address(
    client: FlaskClient,
    catalog: Catalog,
    name: str,
    indicator_id: str,
    page: dict[str, str],
    query: dict[str, str],
) -> None:
    view = views.indicator_view(queries.store(), catalog.get(indicator_id), page)
    assert views.api_query(view) == query


def test_a_territory_beside_areas_of_another_level_has_no_single_api_query(
    client: FlaskClient, catalog: Catalog
) -> None:
    page = {"territoire": "region-53", "niveau": "departements", "comparer": "29"}
    view = views.indicator_view(queries.store(), catalog.get(PUBLIC), page)
    assert {r["code"] for _, r in views.series_frame(view).iterrows()} == {"FR", "53", "29"}
    assert views.api_query(view) is None
    alone = views.indicator_view(queries.store(), catalog.get(PUBLIC), {"territoire": "region-53"})
    assert views.api_query(alone) == {"level": "region", "area": "FR,53", "breakdown": "_total"}


def test_real_only_leaves_the_demo_values_out_of_both(client: FlaskClient) -> None:
    _, indicator_id, page, _ = VIEWS[-1]
    real = json.loads(download(client, indicator_id, ".json", page))["records"]
    every = json.loads(download(client, indicator_id, ".json", {"comparer": "53"}))["records"]
    assert {r["origin"] for r in real} == {"source"}
    assert [r["value"] for r in real] == [1300000.0, 1234567.0]  # newest first
    assert "demo" in {r["origin"] for r in every}


def test_the_columns_are_those_of_every_observation_file(client: FlaskClient) -> None:
    rows = api_records(client, PUBLIC, {"level": "region", "area": "FR,53"})
    assert list(rows[0]) == list(records.observation_keys(per_capita=True))
    france = rows[0]
    assert (france["area_code"], france["level_label"], france["breakdown"]) == (
        "FR",
        "France",
        "Total",
    )
    assert france["run_id"] and france["masked"] == "non" and france["qualifier"] == "exact"
    other = api_records(client, BROKEN_DOWN, {"level": "national"})
    assert list(other[0]) == list(records.observation_keys(per_capita=False))
    assert len({r["breakdown_code"] for r in other}) > 1


def test_the_open_data_page_gives_a_pair_of_the_same_bytes(client: FlaskClient) -> None:
    # Given the pair of addresses /donnees shows
    address = urls.with_query(urls.open_data(), {"indicateur": PUBLIC})
    page = html.unescape(client.get(address).get_data(as_text=True))
    ex = reuse.examples(queries.store().catalog, "http://localhost", chosen=PUBLIC)
    assert ex.series_csv in page and ex.series_api_csv in page
    assert "Les mêmes octets par l'API" in page
    # Then both answer the same bytes, rows included
    mine = client.get(ex.series_csv.removeprefix("http://localhost")).data
    assert mine == client.get(ex.series_api_csv.removeprefix("http://localhost")).data
    assert mine.count(b"\n") > 2
    # And the page names every column of the observation files
    for key in records.observation_keys(per_capita=True):
        assert key in page


def test_the_breakdown_download_is_an_observation_file_in_json_too(client: FlaskClient) -> None:
    address = urls.indicator_download(BROKEN_DOWN, "repartition") + ".json"
    document = json.loads(client.get(address).data)
    rows = document["records"]
    assert rows and list(rows[0]) == list(records.observation_keys(per_capita=False))
    assert "_total" not in {r["breakdown_code"] for r in rows}
    assert document["licence"].startswith("Licence Ouverte")
