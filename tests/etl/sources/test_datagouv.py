"""data.gouv.fr: dataset JSON → resource → download, skipping an unchanged checksum."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from core.catalog import Catalog
from etl.http import HttpFetcher
from etl.sources.base import SourceError
from etl.sources.datagouv import Config, DatagouvConnector
from tests.etl.sources.conftest import FIXTURES

DATASET = (
    "pathologies-effectif-de-patients-par-pathologie-sexe-classe-dage-et-territoire-"
    "departement-region"
)
RESOURCE = "5f71ba43-afc8-43a0-b306-dafe29940f9c"
BODY = (FIXTURES / "ameli" / "effectifs.csv").read_bytes()


def dataset_json(base: str) -> dict[str, Any]:
    text = (FIXTURES / "datagouv" / "pathologies-effectifs.json").read_text(encoding="utf-8")
    return dict(json.loads(text.replace("{base}", base.rstrip("/"))))


def entry(base: str, **resource: str) -> dict[str, Any]:
    return {
        "name": "datagouv-effectifs",
        "type": "datagouv",
        "label": "Cnam — effectifs (data.gouv.fr)",
        "api": f"{base.rstrip('/')}/api/1",
        "dataset": DATASET,
        **(resource or {"resource_id": RESOURCE}),
        "table": {
            "indicator": "patients_chroniques_effectif",
            "period_column": "annee",
            "value_column": "Ntop",
            "department_column": "dept",
            "region_column": "region",
            "filters": [{"column": "top", "equals": ["DIA_CAT_CAT"]},
                        {"column": "sexe", "equals": ["9"]},
                        {"column": "cla_age_5", "equals": ["tsage"]}],
            "totals": {"dept": ["999"], "region": ["99"]},
        },
    }  # fmt: skip


def serve(httpserver: HTTPServer, *, doc: dict[str, Any] | None = None) -> None:
    base = httpserver.url_for("")
    httpserver.expect_request(f"/api/1/datasets/{DATASET}/").respond_with_json(
        doc or dataset_json(base)
    )
    httpserver.expect_request(f"/api/1/datasets/r/{RESOURCE}").respond_with_data(
        BODY, content_type="text/csv"
    )


def make(httpserver: HTTPServer, **resource: str) -> DatagouvConnector:
    return DatagouvConnector.from_config(
        Config.model_validate(entry(httpserver.url_for(""), **resource))
    )


class TestExtract:
    def test_downloads_latest_of_resource_by_id(
        self, httpserver: HTTPServer, fetcher: HttpFetcher, empty_catalog: Catalog
    ) -> None:
        # Given the dataset API and the resource's stable `latest` link
        serve(httpserver)
        conn = make(httpserver)
        # When it is extracted and read
        raw = conn.extract(fetcher=fetcher)
        tidy = conn.to_tidy(raw, catalog=empty_catalog)
        # Then the file is the resource body, shown under its title, with 8 département rows
        assert raw.path.read_bytes() == BODY
        assert raw.url.endswith(f"/api/1/datasets/r/{RESOURCE}")
        assert raw.display_name == "effectifs.csv"
        assert len(tidy) == 8

    def test_unchanged_checksum_downloads_nothing(
        self, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given a first extraction
        serve(httpserver)
        first = make(httpserver).extract(fetcher=fetcher)
        # When the dataset announces the same checksum and last_modified
        again = make(httpserver).extract(fetcher=fetcher)
        # Then the file is not requested again
        downloads = [r for r, _ in httpserver.log if r.path.endswith(RESOURCE)]
        assert len(downloads) == 1
        assert again.not_modified and again.sha256 == first.sha256

    def test_resource_by_title_pattern(self, httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
        serve(httpserver)
        raw = make(httpserver, resource_title=r"^effectifs\.csv$").extract(fetcher=fetcher)
        assert raw.path.read_bytes() == BODY

    def test_unknown_resource_lists_present_ones(
        self, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        serve(httpserver)
        with pytest.raises(
            SourceError, match=r"Ressources présentes : « effectifs\.csv », « Explore"
        ):
            make(httpserver, resource_title="depenses").extract(fetcher=fetcher)

    def test_wrong_checksum_is_refused_and_not_cached(
        self, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given a dataset announcing a checksum the file does not have
        doc = dataset_json(httpserver.url_for(""))
        doc["resources"][0]["checksum"] = {"type": "sha1", "value": "0" * 40}
        serve(httpserver, doc=doc)
        # When it is extracted, then it is refused, and not reused by the next run
        with pytest.raises(SourceError, match="empreinte sha1"):
            make(httpserver).extract(fetcher=fetcher)
        with pytest.raises(SourceError, match="empreinte sha1"):
            make(httpserver).extract(fetcher=fetcher)

    def test_remote_resource_without_checksum(
        self, httpserver: HTTPServer, fetcher: HttpFetcher
    ) -> None:
        # Given the remote resource (no checksum) pointing at an export
        remote = "a1f3c6e2-7d4b-4f0e-9b1a-2c3d4e5f6a7b"
        serve(httpserver)
        httpserver.expect_request(f"/api/1/datasets/r/{remote}").respond_with_data(
            BODY, content_type="text/csv", headers={"ETag": '"e1"'}
        )
        # When it is extracted
        raw = make(httpserver, resource_id=remote).extract(fetcher=fetcher)
        # Then it is downloaded and its ETag kept for the next conditional request
        assert raw.etag == '"e1"' and not raw.not_modified
