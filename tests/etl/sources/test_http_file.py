"""A plain file at a URL: downloaded conditionally and read by the table mapping."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from core.catalog import Catalog
from etl.http import HttpFetcher
from etl.sources.http_file import Config, HttpFileConnector
from tests.etl.sources.conftest import FIXTURES
from tests.etl.sources.test_table import SECTEURS

BODY = (FIXTURES / "ameli" / "demographie-secteurs-conventionnels.csv").read_bytes()


class TestHttpFile:
    def test_extract_then_tidy(
        self, httpserver: HTTPServer, fetcher: HttpFetcher, empty_catalog: Catalog
    ) -> None:
        # Given a CSV at a stable URL
        httpserver.expect_request("/secteurs.csv").respond_with_data(BODY, content_type="text/csv")
        conn = HttpFileConnector.from_config(
            Config.model_validate(
                {"name": "f", "type": "http_file", "label": "Fichier",
                 "url": httpserver.url_for("/secteurs.csv"), "table": SECTEURS}
            )
        )  # fmt: skip
        # When it is extracted and read
        tidy = conn.to_tidy(conn.extract(fetcher=fetcher), catalog=empty_catalog)
        # Then its rows come out under the file's name
        assert tidy["value"].tolist() == ["413", "699"]
        assert set(tidy["file"]) == {"secteurs.csv"}
