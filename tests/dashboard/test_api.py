"""The open API (dashboard/api) over HTTP with Flask's test client, on a small SQLite
database holding one year of demo data: what it answers, to whom, and how it fails."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import duckdb
import flask
import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from werkzeug.test import TestResponse

from core import db
from core.catalog import Catalog
from core.periods import iso_period
from core.policy import Actor, Role
from dashboard import queries, urls, views
from dashboard import records as shared
from dashboard.api import endpoints, openapi, records, routes
from dashboard.app import create_app
from etl.demo import run_demo
from tests.dashboard.demo_db import demo_url_fixture

RESTRICTED = "patients_chroniques_acte_telesante"
PUBLIC = "mssante_messages_mois"
demo_url = demo_url_fixture("api", seed=9, until=dt.date(2019, 12, 1))


def make_client(url: str, actor: Actor | None = None) -> FlaskClient:
    server = create_app(database_url=url, redis_url="").server
    if actor is not None:  # what the sign-in layer does: set the request's actor first

        def sign_in() -> None:
            flask.g.actor = actor

        server.before_request_funcs.setdefault(None, []).insert(0, sign_in)
    return server.test_client()


@pytest.fixture
def client(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("API_RATE_LIMIT", "0")
    return make_client(demo_url)


@pytest.fixture
def dns_client(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv("API_RATE_LIMIT", "0")
    return make_client(demo_url, Actor(Role.dns, email="dns@example.org"))


def body(response: TestResponse) -> Any:
    return json.loads(response.get_data(as_text=True))


def assert_problem(response: TestResponse, status: int, parameter: str | None = None) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = body(response)
    assert problem["status"] == status and problem["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    if parameter is not None:
        assert parameter in [e["parameter"] for e in problem["errors"]]


def observations(client: FlaskClient, indicator_id: str, **query: str) -> TestResponse:
    return client.get(urls.api_observations(indicator_id, query))


class TestIndicators:
    def test_anonymous_list_holds_public_indicators_only(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        ids = [i["id"] for i in body(client.get(urls.API_INDICATORS))["data"]]
        assert ids == [i.id for i in catalog.indicators if i.visibility == "public"]
        assert RESTRICTED not in ids

    def test_a_restricted_indicator_is_404_like_an_unknown_one(self, client: FlaskClient) -> None:
        assert_problem(client.get(urls.api_indicator(RESTRICTED)), 404)
        assert_problem(client.get(urls.api_indicator("inconnu")), 404)
        assert_problem(observations(client, RESTRICTED), 404)

    def test_a_signed_in_reader_sees_the_restricted_indicator(
        self, dns_client: FlaskClient
    ) -> None:
        assert dns_client.get(urls.api_indicator(RESTRICTED)).status_code == 200
        ids = [i["id"] for i in body(dns_client.get(urls.API_INDICATORS))["data"]]
        assert RESTRICTED in ids

    def test_an_ars_reads_the_restricted_indicator_for_its_own_region_only(
        self, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("API_RATE_LIMIT", "0")
        ars = make_client(demo_url, Actor(Role.ars, region="53", email="ars@example.org"))
        rows = body(observations(ars, RESTRICTED, level="region", limit="1000"))["data"]
        assert rows and {r["area_code"] for r in rows} == {"53"}
        public = body(observations(ars, PUBLIC, level="region", limit="1000"))["data"]
        assert len({r["area_code"] for r in public}) > 1

    def test_metadata_and_latest_real_figure_are_the_indicator_page_s(
        self, client: FlaskClient, catalog: Catalog, demo_url: str
    ) -> None:
        record = body(client.get(urls.api_indicator(PUBLIC)))
        ind = catalog.get(PUBLIC)
        assert record["unit"] == ind.unit.value and record["axis"]["id"] == ind.axis
        assert record["targets"] == [t.model_dump(mode="json") for t in ind.targets]
        national = queries.store().series(indicator_id=PUBLIC, level="national")
        assert record["latest_period"] == national["period_start"].max().date().isoformat()
        real = views.latest_figures(national, ind=ind, today=dt.date.today()).real
        if real is None:
            assert record["latest_real"] is None
        else:
            assert record["latest_real"]["value"] == real.value


class TestObservations:
    def test_national_values_equal_the_dashboard_s_for_the_same_selection(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        # Given the indicator page's view of the national series
        ind = catalog.get(PUBLIC)
        view = views.indicator_view(queries.store(), ind, {})
        # When the API is asked for the same selection
        query = {"level": "national", "breakdown": "_total", "limit": "1000"}
        rows = body(observations(client, PUBLIC, **query))["data"]
        # Then it answers the same periods and values (at the published precision), newest
        # first as the page's table
        expected = view.national.sort_values("period_start", ascending=False)
        assert [r["period"] for r in rows] == [
            iso_period(d.date(), ind.frequency) for d in expected["period_start"]
        ]
        assert [r["value"] for r in rows] == [round(v, ind.decimals) for v in expected["value"]]

    def test_area_period_and_origin_filters(self, client: FlaskClient) -> None:
        rows = body(
            observations(
                client, PUBLIC, level="region", area="53,11", **{"from": "2019-03", "to": "2019-05"}
            )
        )["data"]
        assert {r["area_code"] for r in rows} == {"11", "53"}
        assert {r["period"] for r in rows} == {"2019-03", "2019-04", "2019-05"}
        assert all(r["origin"] == "demo" and r["run_id"] for r in rows)
        none = body(observations(client, PUBLIC, level="region", origin="published"))["data"]
        assert none == []

    def test_fr_adds_the_national_series_first(self, client: FlaskClient) -> None:
        rows = body(observations(client, PUBLIC, level="region", area="53,FR", limit="1000"))
        codes = [r["area_code"] for r in rows["data"]]
        assert codes[0] == "FR" and set(codes) == {"FR", "53"}
        assert codes == sorted(codes, key=lambda c: c != "FR")

    def test_an_unknown_breakdown_is_a_400_naming_it(self, client: FlaskClient) -> None:
        assert_problem(observations(client, PUBLIC, breakdown="secteur_x"), 400, "breakdown")

    def test_every_row_has_the_column_schema(self, client: FlaskClient) -> None:
        row = body(observations(client, PUBLIC, level="region", limit="1"))["data"][0]
        assert list(row) == list(shared.observation_keys(per_capita=True))
        assert row["unit"] == "count" and row["unit_label"] and row["period"] == "2019-12"
        assert row["period_label"] == "décembre 2019" and row["level_label"] == "Région"
        assert row["origin_label"] and isinstance(row["value"], float)
        assert (row["masked"], row["provisional"], row["qualifier"]) == ("non", "non", "exact")

    def test_pages_follow_one_stable_order_without_gap_or_repeat(self, client: FlaskClient) -> None:
        whole = body(observations(client, PUBLIC, level="region", area="53,11", limit="1000"))
        seen: list[dict[str, Any]] = []
        address: str | None = urls.api_observations(
            PUBLIC, {"level": "region", "area": "53,11", "limit": "7"}
        )
        while address:
            page = client.get(address)
            data = body(page)
            assert len(data["data"]) <= 7
            seen += data["data"]
            address = data["next"]
            if address:
                assert page.headers["Link"] == f'<{address}>; rel="next"'
        assert seen == whole["data"] and whole["next"] is None
        # areas in COG order, each newest period first
        codes = [r["area_code"] for r in seen]
        assert codes == sorted(codes)
        for code in ("11", "53"):
            periods = [r["period"] for r in seen if r["area_code"] == code]
            assert periods == sorted(periods, reverse=True) and len(periods) == 12

    def test_csv_and_xlsx_hold_the_selection_with_numbers_as_numbers(
        self, client: FlaskClient
    ) -> None:
        query = {"level": "region", "area": "53"}
        titles = [shared.BY_KEY[k].title for k in shared.observation_keys(per_capita=True)]
        value = shared.BY_KEY["value"].title
        rows = body(observations(client, PUBLIC, **query, limit="1000"))["data"]
        csv = pd.read_csv(io.BytesIO(observations(client, PUBLIC, **query, format="csv").data))
        assert list(csv.columns) == titles
        assert csv[value].tolist() == [r["value"] for r in rows]
        book = openpyxl.load_workbook(
            io.BytesIO(observations(client, PUBLIC, **query, format="xlsx").data)
        )
        sheet = list(book["Données"].iter_rows(values_only=True))
        assert sheet[0] == tuple(titles)
        assert [r[titles.index(value)] for r in sheet[1:]] == [r["value"] for r in rows]

    def test_french_csv_has_semicolons_decimal_commas_and_a_bom(self, client: FlaskClient) -> None:
        query = {"level": "region", "area": "53", "limit": "1000"}
        rows = body(observations(client, PUBLIC, **query))["data"]
        data = observations(client, PUBLIC, **query, format="csv-fr").data
        assert data.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
        assert frame.columns[0] == shared.BY_KEY["indicator_id"].title
        assert frame[shared.BY_KEY["value"].title].tolist() == [r["value"] for r in rows]

    @pytest.mark.parametrize(
        ("query", "parameter"),
        [
            ({"level": "canton"}, "level"),
            ({"from": "2025-13"}, "from"),
            ({"from": "0000-01"}, "from"),
            ({"to": "mars"}, "to"),
            ({"from": "2025-03", "to": "2024-01"}, "from"),
            ({"level": "region", "area": "99"}, "area"),
            ({"origin": "rumeur"}, "origin"),
            ({"format": "pdf"}, "format"),
            ({"limit": "0"}, "limit"),
            ({"limit": "100000"}, "limit"),
            ({"cursor": "pas-un-curseur"}, "cursor"),
            ({"cursor": "WzFd"}, "cursor"),  # [1]: a cursor of another list
            ({"breakdown": "a,,b"}, "breakdown"),
            ({"niveau": "region"}, "niveau"),
        ],
    )
    def test_a_bad_parameter_is_a_french_400_naming_it(
        self, client: FlaskClient, query: dict[str, str], parameter: str
    ) -> None:
        response = observations(client, PUBLIC, **query)
        assert_problem(response, 400, parameter)
        assert "Paramètre" in body(response)["detail"]
        assert response.headers["Cache-Control"] == "no-store"


class TestTargets:
    def test_statuses_are_those_of_the_objectives_page(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        rows = views.target_rows(queries.store(), today=dt.date.today())
        expected = [
            (r.indicator.id, r.target.label, r.assessment.status.value, r.assessment.progress)
            for r in rows
            if r.indicator.visibility == "public"
        ]
        data = body(client.get(urls.API_TARGETS))["data"]
        got = [(t["indicator_id"], t["label"], t["status"], t["progress"]) for t in data]
        assert got[: len(expected)] == expected
        assert all(t["origins"] == "demo" and t["rests_on_demo"] for t in data if t["current"])
        assert RESTRICTED not in {t["indicator_id"] for t in data}

    def test_real_only_assesses_from_real_figures_alone(self, client: FlaskClient) -> None:
        data = body(client.get(urls.API_TARGETS + "?real_only=true"))["data"]
        assert data and not any(t["rests_on_demo"] for t in data)


class TestAreas:
    def test_regions_with_names_parents_and_populations(self, client: FlaskClient) -> None:
        data = body(client.get(urls.API_AREAS + "?level=region"))["data"]
        brittany = next(a for a in data if a["code"] == "53")
        assert brittany["name"] == "Bretagne" and brittany["parent_code"] == "FR"
        assert brittany["population"] > 3_000_000

    def test_an_unknown_level_is_a_400(self, client: FlaskClient) -> None:
        assert_problem(client.get(urls.API_AREAS + "?level=commune"), 400, "level")


class TestHttpCaching:
    def test_a_matching_etag_gives_304_without_a_body(self, client: FlaskClient) -> None:
        first = client.get(urls.API_INDICATORS)
        tag = first.headers["ETag"]
        assert tag.startswith('W/"') and first.headers["Last-Modified"]
        again = client.get(urls.API_INDICATORS, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.data == b""
        assert again.headers["ETag"] == tag
        since = client.get(
            urls.API_INDICATORS, headers={"If-Modified-Since": first.headers["Last-Modified"]}
        )
        assert since.status_code == 304

    def test_the_etag_depends_on_the_address_and_the_reader(
        self, client: FlaskClient, dns_client: FlaskClient
    ) -> None:
        tags = {
            client.get(urls.API_INDICATORS).headers["ETag"],
            client.get(urls.API_TARGETS).headers["ETag"],
            dns_client.get(urls.API_INDICATORS).headers["ETag"],
        }
        assert len(tags) == 3

    def test_a_new_load_changes_the_etag(
        self, demo_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a copy of the database and its ETag, the version read at every request
        # (within DATA_VERSION_TTL otherwise: tests/dashboard/test_topology.py)
        monkeypatch.setenv("DATA_VERSION_TTL", "0")
        path = Path(demo_url.removeprefix("sqlite:///"))
        copy = path.with_name("copy.sqlite")
        shutil.copy(path, copy)
        client = make_client(f"sqlite:///{copy}")
        before = client.get(urls.API_INDICATORS).headers["ETag"]
        # When a new load succeeds
        engine = db.make_engine(f"sqlite:///{copy}")
        run_demo(engine, catalog, seed=3, until=dt.date(2019, 6, 1), progress=lambda _: None)
        engine.dispose()
        # Then the old copy no longer validates
        again = client.get(urls.API_INDICATORS, headers={"If-None-Match": before})
        assert again.status_code == 200 and again.headers["ETag"] != before

    def test_anonymous_answers_are_public_and_open_to_every_origin(
        self, client: FlaskClient
    ) -> None:
        response = client.get(urls.API_TARGETS)
        assert response.cache_control.public and response.cache_control.max_age
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]

    def test_a_preflight_request_is_answered_for_every_origin(self, client: FlaskClient) -> None:
        response = client.options(urls.API_INDICATORS)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]
        assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]

    def test_signed_in_answers_are_private_and_not_cors(self, dns_client: FlaskClient) -> None:
        response = dns_client.get(urls.API_TARGETS)
        assert response.cache_control.private and not response.cache_control.public
        assert "Access-Control-Allow-Origin" not in response.headers

    def test_pages_get_no_cors_header(self, client: FlaskClient) -> None:
        assert "Access-Control-Allow-Origin" not in client.get(urls.about()).headers


class TestErrors:
    def test_an_unknown_api_address_is_a_404_problem(self, client: FlaskClient) -> None:
        assert_problem(client.get(urls.API + "/nulle-part"), 404)

    def test_another_method_is_a_405_problem(self, client: FlaskClient) -> None:
        response = client.post(urls.API_INDICATORS)
        assert_problem(response, 405)
        assert "GET" in response.headers["Allow"]

    def test_pages_keep_their_french_text_errors(self, client: FlaskClient) -> None:
        response = client.post(urls.about())
        assert response.status_code == 405 and response.mimetype == "text/plain"

    def test_a_bug_is_a_500_problem_without_trace(
        self, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken() -> flask.Response:
            raise RuntimeError("secret interne")

        monkeypatch.setitem(routes.HANDLERS, endpoints.AREAS.operation_id, broken)
        response = make_client(demo_url).get(urls.API_AREAS)
        assert_problem(response, 500)
        assert "secret" not in response.get_data(as_text=True)

    def test_an_unreadable_database_is_a_503_problem(self, tmp_path: Path) -> None:
        client = make_client(f"sqlite:///{tmp_path / 'vide.sqlite'}")
        assert_problem(client.get(urls.API_INDICATORS), 503)
        assert_problem(client.get(urls.READYZ), 503)
        # And the process itself is up, and says so without the database
        assert client.get(urls.HEALTHZ).status_code == 200


class TestHealth:
    def test_readyz_gives_the_data_version_and_freshness(self, client: FlaskClient) -> None:
        ready = body(client.get(urls.READYZ))
        assert ready["statut"] == "ok" and ready["version_donnees"] >= 1
        assert ready["age_secondes"] >= 0 and ready["derniere_mise_a_jour"].endswith("+00:00")

    def test_the_old_health_route_still_answers(self, client: FlaskClient) -> None:
        assert body(client.get(urls.HEALTH))["statut"] == "ok"
        assert body(client.get(urls.HEALTHZ)) == {"statut": "ok"}


class TestExports:
    def test_csv_holds_every_public_value_in_the_column_schema(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        response = client.get(urls.API_EXPORT_CSV)
        frame = pd.read_csv(io.BytesIO(response.data), keep_default_na=False)
        keys = shared.observation_keys(per_capita=True)
        assert list(frame.columns) == [shared.BY_KEY[k].title for k in keys]
        public = {i.id for i in catalog.indicators if i.visibility == "public"}
        assert set(frame["Code indicateur"]) <= public
        assert {"national", "region", "department"} <= set(frame["Code niveau"])
        store = queries.store()
        expected = sum(
            len(store.series(indicator_id=i, level=lvl, breakdown=None))
            for i in public
            for lvl in ("national", "region", "department", "group")
        )
        assert len(frame) == expected

    def test_each_indicator_s_rows_are_its_observation_file(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        # The bulk file holds, for an indicator and a level, the bytes of the API's file
        frame = pd.read_csv(io.BytesIO(client.get(urls.API_EXPORT_CSV).data), dtype=str)
        mine = frame[(frame["Code indicateur"] == PUBLIC) & (frame["Code niveau"] == "region")]
        one = pd.read_csv(
            io.BytesIO(observations(client, PUBLIC, level="region", format="csv").data), dtype=str
        )
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), one)

    def test_parquet_holds_the_same_rows_with_dates_as_dates(
        self, client: FlaskClient, tmp_path: Path
    ) -> None:
        csv = pd.read_csv(io.BytesIO(client.get(urls.API_EXPORT_CSV).data))
        path = tmp_path / "observations.parquet"
        path.write_bytes(client.get(urls.API_EXPORT_PARQUET).data)
        con = duckdb.connect()
        con.execute("CREATE TABLE t AS SELECT * FROM read_parquet(?)", [str(path)])
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE t)").fetchall())
        assert list(types) == list(shared.observation_keys(per_capita=True))  # keys, not titles
        assert types["observed_on"] == "DATE" and types["value"] == "DOUBLE"
        assert types["period"] == "VARCHAR" and types["run_id"] in ("INTEGER", "BIGINT")
        assert con.execute("SELECT count(*) FROM t").fetchone() == (len(csv),)

    def test_a_signed_in_reader_s_export_holds_the_restricted_indicator(
        self, dns_client: FlaskClient
    ) -> None:
        frame = pd.read_csv(io.BytesIO(dns_client.get(urls.API_EXPORT_CSV).data))
        assert RESTRICTED in set(frame["Code indicateur"])


class TestChanges:
    def test_changes_since_a_date_for_public_indicators_only(self, client: FlaskClient) -> None:
        data = body(client.get(urls.API_CHANGES + "?since=2000-01-01&limit=1000"))
        assert data["data"] and all(c["kind"] == "insert" for c in data["data"])
        assert RESTRICTED not in {c["indicator_id"] for c in data["data"]}
        assert list(data["data"][0]) == [c.name for c in records.CHANGE_COLUMNS]

    def test_pages_of_changes_follow_each_other(self, client: FlaskClient) -> None:
        first = body(client.get(urls.API_CHANGES + "?since=2000-01-01&limit=5"))
        second = body(client.get(first["next"]))
        assert second["data"][0]["id"] > first["data"][-1]["id"]

    def test_nothing_changed_after_today(self, client: FlaskClient) -> None:
        tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
        data = body(client.get(f"{urls.API_CHANGES}?since={tomorrow}"))
        assert data == {"data": [], "next": None, "new_sources": []}

    def test_since_is_required(self, client: FlaskClient) -> None:
        assert_problem(client.get(urls.API_CHANGES), 400, "since")

    def test_a_revision_says_before_and_after(self, demo_url: str, catalog: Catalog) -> None:
        # Given a second demo load with another seed (every value revised)
        path = Path(demo_url.removeprefix("sqlite:///"))
        copy = path.with_name("revised.sqlite")
        shutil.copy(path, copy)
        engine = db.make_engine(f"sqlite:///{copy}")
        run_demo(engine, catalog, seed=4, until=dt.date(2019, 12, 1), progress=lambda _: None)
        engine.dispose()
        client = make_client(f"sqlite:///{copy}")
        # When the changes are read to their end
        rows: list[dict[str, Any]] = []
        address: str | None = urls.API_CHANGES + "?since=2000-01-01&limit=1000"
        while address:
            page = body(client.get(address))
            rows += page["data"]
            address = page["next"]
        # Then each revision has its previous value beside the new one
        updates = [r for r in rows if r["kind"] == "update"]
        assert updates and all(r["previous_value"] is not None for r in updates)
        assert any(r["previous_value"] != r["value"] for r in updates)

    def test_the_atom_feed_has_one_entry_per_load_and_public_indicator(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        response = client.get(urls.FEED)
        assert response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.data)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        titles = [e.findtext("a:title", namespaces=ns) or "" for e in root.findall("a:entry", ns)]
        assert titles and all(re.search(r": \d+ nouvelles? valeurs?$", t) for t in titles)
        assert not any(catalog.get(RESTRICTED).short_label in t for t in titles)
        # one load so far: one entry per public indicator it wrote
        export = pd.read_csv(io.BytesIO(client.get(urls.API_EXPORT_CSV).data))
        assert len(titles) == export["Code indicateur"].nunique()


class TestOpenApi:
    def test_the_document_is_valid_openapi_3_1(self, client: FlaskClient) -> None:
        document = body(client.get(urls.API_OPENAPI))
        validate(document)
        assert document["openapi"] == "3.1.0"

    def test_every_route_is_described_with_the_parameters_it_reads(self) -> None:
        paths = openapi.document()["paths"]
        for endpoint in endpoints.ENDPOINTS:
            operation = paths[urls.openapi_path(endpoint.route)]["get"]
            assert [p["name"] for p in operation["parameters"]] == [p.name for p in endpoint.params]

    def test_every_api_route_of_the_server_is_in_the_document(self, client: FlaskClient) -> None:
        assert _api_rules(client) == set(openapi.document()["paths"])


def _api_rules(client: FlaskClient) -> set[str]:
    app = client.application
    return {
        urls.openapi_path(r.rule)
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("api.") and r.rule != urls.API_ANY
    }


class TestRateLimit:
    def test_anonymous_api_callers_get_429_with_retry_after(
        self, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("API_RATE_LIMIT", "2/minute")
        client = make_client(demo_url)
        statuses = [client.get(urls.API_AREAS).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = client.get(urls.API_AREAS)
        assert_problem(limited, 429)
        assert int(limited.headers["Retry-After"]) > 0
        # And pages, health checks and signed-in readers are not limited
        assert client.get(urls.about()).status_code == 200
        assert client.get(urls.HEALTHZ).status_code == 200

    def test_signed_in_readers_are_not_limited(
        self, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("API_RATE_LIMIT", "1/minute")
        client = make_client(demo_url, Actor(Role.dns, email="dns@example.org"))
        assert {client.get(urls.API_AREAS).status_code for _ in range(3)} == {200}

    def test_zero_disables_the_limit(self, client: FlaskClient) -> None:
        assert {client.get(urls.API_AREAS).status_code for _ in range(5)} == {200}


README = Path(__file__).resolve().parents[2] / "README.md"


class TestReadme:
    def test_every_example_address_of_the_api_section_answers(self, client: FlaskClient) -> None:
        text = README.read_text(encoding="utf-8")
        section = text[text.index("## API") : text.index("## Licences")]
        addresses = re.findall(r"curl [^']*'http://127\.0\.0\.1:8050(/[^']+)'", section)
        addresses += [urls.API + a for a in re.findall(r"\{base\}(/[^\"]+)\"", section)]
        assert len(addresses) >= 6
        for address in addresses:
            assert client.get(address).status_code == 200, address

    def test_a_page_holds_100_rows_by_default(self, client: FlaskClient) -> None:
        page = body(observations(client, PUBLIC, level="department"))
        assert len(page["data"]) == 100 and page["next"]


class TestSharedServers:
    @pytest.mark.redis
    def test_two_workers_count_the_same_client_in_redis(
        self, demo_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given two server processes' apps sharing one Redis, and a client new to both
        monkeypatch.setenv("API_RATE_LIMIT", "2/minute")
        address = f"10.{os.getpid() % 250}.{dt.datetime.now().microsecond % 250}.7"
        first, second = (
            create_app(database_url=demo_url, redis_url=redis_url).server.test_client()
            for _ in range(2)
        )
        for c in (first, second):
            c.environ_base["REMOTE_ADDR"] = address
        # When the client asks each in turn, Then the second worker counts the first's request
        assert first.get(urls.API_AREAS).status_code == 200
        assert second.get(urls.API_AREAS).status_code == 200
        assert_problem(first.get(urls.API_AREAS), 429)

    def test_changes_observations_and_feed_on_each_database(
        self, db_url: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a quarter of demo data on SQLite and on PostgreSQL
        monkeypatch.setenv("API_RATE_LIMIT", "0")
        engine = db.make_engine(db_url)
        run_demo(engine, catalog, seed=2, until=dt.date(2019, 3, 1), progress=lambda _: None)
        engine.dispose()
        client = make_client(db_url)
        # Then the queries of the API answer alike
        changes = body(client.get(urls.API_CHANGES + "?since=2000-01-01&limit=3"))
        assert len(changes["data"]) == 3 and changes["next"]
        rows = body(observations(client, PUBLIC, level="region", area="53"))["data"]
        assert [r["period"] for r in rows] == ["2019-03", "2019-02", "2019-01"]
        assert client.get(urls.FEED).status_code == 200
        assert client.get(urls.API_EXPORT_PARQUET).status_code == 200
