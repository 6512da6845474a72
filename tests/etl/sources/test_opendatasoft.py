"""Opendatasoft exports of data.ameli.fr, served locally from files in the export format."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from core.catalog import Catalog
from etl.http import HttpFetcher
from etl.sources.base import TIDY_COLUMNS, SourceUnreachable
from etl.sources.opendatasoft import Config, OpendatasoftConnector
from tests.etl.sources.conftest import FIXTURES

EXPORT = "/api/explore/v2.1/catalog/datasets/{}/exports/csv"

EFFECTIFS: dict[str, Any] = {
    "name": "ameli-effectifs",
    "type": "opendatasoft",
    "label": "Assurance Maladie — effectifs de patients par pathologie",
    "dataset": "effectifs",
    "where": 'patho_niv1 = "Diabète"',
    "table": {
        "indicator": "patients_chroniques_effectif",
        "period_column": "annee",
        "value_column": "Ntop",
        "department_column": "dept",
        "region_column": "region",
        "filters": [
            {"column": "patho_niv1", "equals": ["Diabète"]},
            {"column": "top", "endswith": "_CAT_CAT"},
            {"column": "sexe", "equals": ["9"]},
            {"column": "cla_age_5", "equals": ["tsage"]},
        ],
        "totals": {"dept": ["999"], "region": ["99"]},
    },
}


def connector(base: str, entry: dict[str, Any]) -> OpendatasoftConnector:
    return OpendatasoftConnector.from_config(Config.model_validate({**entry, "portal": base}))


def serve(httpserver: HTTPServer, dataset: str, fixture: str) -> None:
    httpserver.expect_request(
        EXPORT.format(dataset),
        query_string={"delimiter": ";", "use_labels": "false", "where": 'patho_niv1 = "Diabète"'},
    ).respond_with_data(
        (FIXTURES / "ameli" / fixture).read_bytes(), content_type="text/csv; charset=utf-8"
    )


class TestExtract:
    def test_requests_export_with_delimiter_and_where(
        self, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given the portal serving the effectifs export
        serve(httpserver, "effectifs", "effectifs.csv")
        # When the connector extracts it
        raw = connector(httpserver.url_for(""), EFFECTIFS).extract(fetcher=fetcher)
        # Then the export URL is recorded with its parameters, ; encoded as %3B
        assert "/datasets/effectifs/exports/csv?delimiter=%3B" in raw.url
        assert raw.display_name == "effectifs.csv"
        assert raw.path.read_bytes() == (FIXTURES / "ameli" / "effectifs.csv").read_bytes()

    def test_missing_dataset_names_url(self, httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
        # Given a portal without that dataset
        httpserver.expect_request(EXPORT.format("effectifs")).respond_with_json(
            {"error_code": "NotFound"}, status=404
        )
        # When it is extracted, then the error names the export URL
        with pytest.raises(SourceUnreachable, match=r"exports/csv\?.*\(HTTP 404\)"):
            connector(httpserver.url_for(""), EFFECTIFS).extract(fetcher=fetcher)


class TestToTidy:
    def test_effectifs_detail_rows_only(
        self, httpserver: HTTPServer, fetcher: HttpFetcher, empty_catalog: Catalog
    ) -> None:
        # Given the effectifs export (detail, région 999 and France 99/999 rows, NS in 2022)
        serve(httpserver, "effectifs", "effectifs.csv")
        conn = connector(httpserver.url_for(""), EFFECTIFS)
        # When it is turned into tidy rows
        tidy = conn.to_tidy(conn.extract(fetcher=fetcher), catalog=empty_catalog)
        # Then only the département rows of the chosen filter remain, in the tidy shape
        assert list(tidy.columns) == list(TIDY_COLUMNS)
        got = {(r.period, r.code): (r.value, r.is_masked) for r in tidy.itertuples()}
        assert got == {
            ("2023", "22"): ("41230", False),
            ("2023", "29"): ("52110", False),
            ("2023", "35"): ("49870", False),
            ("2023", "56"): ("47560", False),
            ("2022", "22"): ("40110", False),
            ("2022", "29"): ("51020", False),
            ("2022", "35"): ("48730", False),
            ("2022", "56"): ("NS", True),
        }
        assert set(tidy["level"]) == {"department"}
        assert set(tidy["indicator_id"]) == {"patients_chroniques_effectif"}
        assert tidy.loc[tidy["code"] == "22", "row"].tolist() == [2, 12]
