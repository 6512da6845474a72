"""`python -m etl run`: each source extracted and loaded through the pipeline, failures isolated.

Needs the series `medecins_liberaux_effectif` in indicators.yaml (catalog fixture).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select

from core.catalog import Catalog
from core.models import Observation, Run, RunStatus
from etl.http import HttpFetcher, HttpSettings, Progress
from etl.run import run_sources
from tests.etl.sources.test_datagouv import DATASET, entry
from tests.etl.sources.test_table import SECTEURS
from tests.etl.test_http import files_in, make_fetcher, trickle

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ameli"
EXPORT = "/api/explore/v2.1/catalog/datasets/demographie-secteurs-conventionnels/exports/csv"


def source(portal: str, name: str = "ameli-medecins-liberaux") -> dict[str, Any]:
    return {"name": name, "type": "opendatasoft", "label": "Cnam — secteurs",
            "portal": portal, "dataset": "demographie-secteurs-conventionnels",
            "table": SECTEURS}  # fmt: skip


def with_sources(catalog: Catalog, *entries: dict[str, Any]) -> Catalog:
    return catalog.model_copy(update={"sources": list(entries)})


@pytest.fixture
def fetcher(tmp_path: Path) -> HttpFetcher:
    config = HttpSettings(timeout=2.0, retries=1, backoff=0.0, cache_dir=tmp_path / "cache")
    return HttpFetcher(config=config, progress=Progress(interactive=False))


def observations(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Observation)) or 0)


def runs(engine: Engine) -> list[tuple[str, RunStatus, str | None, str | None]]:
    with engine.connect() as conn:
        query = select(Run.source, Run.status, Run.checksum, Run.error).order_by(Run.id)
        rows = conn.execute(query)
        return [(s, RunStatus(st), c, e) for s, st, c, e in rows]


class TestRunSources:
    def test_loads_then_304_loads_nothing(
        self, engine: Engine, catalog: Catalog, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given an export served with an ETag, then answered 304
        body = (FIXTURE / "demographie-secteurs-conventionnels.csv").read_bytes()
        httpserver.expect_oneshot_request(EXPORT).respond_with_data(
            body, content_type="text/csv", headers={"ETag": '"v1"'}
        )
        httpserver.expect_oneshot_request(EXPORT, headers={"If-None-Match": '"v1"'}) \
            .respond_with_data("", status=304)  # fmt: skip
        cat = with_sources(catalog, source(httpserver.url_for("").rstrip("/")))
        # When the ETL runs twice
        first = run_sources(engine, cat, fetcher=fetcher, say=lambda _: None)
        count = observations(engine)
        second = run_sources(engine, cat, fetcher=fetcher, say=lambda _: None)
        # Then the first run loads the départements, the second changes nothing
        assert [r.status for r in first] == [RunStatus.success]
        assert count >= 2
        assert [r.status for r in second] == [RunStatus.unchanged]
        assert observations(engine) == count
        assert [s for _, s, _, _ in runs(engine)] == [RunStatus.success, RunStatus.unchanged]

    def test_404_names_url_and_keeps_data(
        self, engine: Engine, catalog: Catalog, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given a missing export
        httpserver.expect_request(EXPORT).respond_with_data("", status=404)
        cat = with_sources(catalog, source(httpserver.url_for("").rstrip("/")))
        before = observations(engine)
        # When the ETL runs
        [result] = run_sources(engine, cat, fetcher=fetcher, say=lambda _: None)
        # Then it failed with a French message naming the URL; nothing changed
        assert result.failed
        assert result.message.startswith(f"Source injoignable : {httpserver.url_for(EXPORT)}?")
        assert result.message.endswith("(HTTP 404). Aucune donnée modifiée.")
        assert observations(engine) == before
        assert runs(engine)[-1][1] == RunStatus.failed

    def test_one_failing_source_does_not_stop_the_others(
        self, engine: Engine, catalog: Catalog, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given an unreachable portal (closed port) listed before a working one
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        body = (FIXTURE / "demographie-secteurs-conventionnels.csv").read_bytes()
        httpserver.expect_request(EXPORT).respond_with_data(body, content_type="text/csv")
        cat = with_sources(
            catalog,
            source(f"http://127.0.0.1:{port}", name="injoignable"),
            source(httpserver.url_for("").rstrip("/")),
        )
        # When the ETL runs
        results = run_sources(engine, cat, fetcher=fetcher, say=lambda _: None)
        # Then the first failed, the second loaded, each with its run-log entry
        assert [r.status for r in results] == [RunStatus.failed, RunStatus.success]
        assert "connexion impossible" in results[0].message
        assert [(s, st) for s, st, _, _ in runs(engine)] == [
            ("injoignable", RunStatus.failed),
            ("ameli-medecins-liberaux", RunStatus.success),
        ]

    def test_sum_mismatch_fails_and_loads_nothing(
        self, engine: Engine, catalog: Catalog, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given an export whose région total disagrees with its départements
        text = (FIXTURE / "demographie-secteurs-conventionnels.csv").read_text(encoding="utf-8")
        bad = text.replace("tout secteur compris;1112", "tout secteur compris;1113", 1)
        httpserver.expect_request(EXPORT).respond_with_data(bad.encode(), content_type="text/csv")
        cat = with_sources(catalog, source(httpserver.url_for("").rstrip("/")))
        before = observations(engine)
        # When the ETL runs
        [result] = run_sources(engine, cat, fetcher=fetcher, say=lambda _: None)
        # Then the sum check refuses the file, in French, and nothing is written
        assert result.failed
        assert "ne correspond pas à la somme des lignes de détail" in result.message
        assert observations(engine) == before


def trickling_export(httpserver: HTTPServer) -> dict[str, Any]:
    httpserver.expect_request(EXPORT).respond_with_handler(
        lambda request: trickle(pieces=50, every=0.2)
    )
    return source(httpserver.url_for("").rstrip("/"))


def oversized_export(httpserver: HTTPServer) -> dict[str, Any]:
    body = (FIXTURE / "demographie-secteurs-conventionnels.csv").read_bytes()
    httpserver.expect_request(EXPORT).respond_with_data(body, content_type="text/csv")
    return source(httpserver.url_for("").rstrip("/"))


def oversized_dataset_json(httpserver: HTTPServer) -> dict[str, Any]:
    httpserver.expect_request(f"/api/1/datasets/{DATASET}/").respond_with_json(
        {"resources": [{"title": "r" * 100}] * 20}
    )
    return entry(httpserver.url_for(""))


class TestRunBounds:
    @pytest.mark.parametrize(
        ("serve", "expected"),
        [
            (trickling_export, "(délai total de 1 s dépassé, paramètre HTTP_DEADLINE)"),
            (oversized_export, "(plus de 1 000 octets, paramètre HTTP_MAX_BYTES)"),
            (oversized_dataset_json, "(plus de 1 000 octets, paramètre HTTP_JSON_MAX_BYTES)"),
        ],
        ids=["lent", "fichier-trop-gros", "json-trop-gros"],
    )
    def test_bounded_download_fails_keeps_data_and_is_logged(
        self,
        engine: Engine,
        catalog: Catalog,
        httpserver: HTTPServer,
        tmp_path: Path,
        serve: Callable[[HTTPServer], dict[str, Any]],
        expected: str,
    ) -> None:
        # Given a source that is too slow or too large for the bounds
        cat = with_sources(catalog, serve(httpserver))
        fetcher = make_fetcher(
            tmp_path / "cache", deadline=1.0, max_bytes=1000, json_max_bytes=1000
        )
        before = observations(engine)
        # When the ETL runs
        [result] = run_sources(engine, cat, fetcher=fetcher, say=lambda _: None)
        # Then it fails in French naming the bound, the run log says so, nothing is kept
        assert result.failed
        assert expected in result.message
        assert result.message.endswith(". Aucune donnée modifiée.")
        assert runs(engine)[-1][1:] == (RunStatus.failed, None, result.message)
        assert observations(engine) == before
        assert files_in(tmp_path / "cache") == []
