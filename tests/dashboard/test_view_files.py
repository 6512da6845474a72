"""Data by URL: a view's permalink with `.csv`, `-fr.csv`, `.xlsx` or `.json` appended to its
path gives the rows of that view, the same bytes as the download link of the same table,
and what the reader may not see is the 404 of an unknown address."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from flask.testing import FlaskClient

from core.catalog import Catalog
from dashboard import records, urls
from dashboard.downloads import FORMATS
from tests.dashboard import test_access
from tests.dashboard.test_access import HEADER, PUBLIC, RESTRICTED

# the app with a stand-in for the sign-in layer (`HEADER: dns` signs the delegation in)
server, client = test_access.server, test_access.client

VIEW = {"niveau": "regions", "periode": "2019-06"}

# (permalink of a view, download link of its table), without suffix
PAIRS = [
    (
        urls.indicator(PUBLIC, VIEW),
        urls.with_query(urls.indicator_download(PUBLIC, "carte"), VIEW),
    ),
    (
        urls.indicator(PUBLIC, {"niveau": "departements"}),
        urls.with_query(urls.indicator_download(PUBLIC, "carte"), {"niveau": "departements"}),
    ),
    (urls.area("region", "53"), urls.area_download("region", "53")),
    (
        urls.area("department", "29", {"reel": "oui"}),
        urls.with_query(urls.area_download("department", "29"), {"reel": "oui"}),
    ),
    (
        urls.objectives({"statut": "en-retard"}),
        urls.with_query(urls.objectives_download(), {"statut": "en-retard"}),
    ),
    (
        urls.objectives({"tri": "statut"}),
        urls.with_query(urls.objectives_download(), {"tri": "statut"}),
    ),
]


def xlsx_parts(data: bytes) -> dict[str, bytes]:
    """The members of a workbook but its creation time (docProps/core.xml)."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}


class TestSameBytesAsTheDownloads:
    @pytest.mark.parametrize(("view", "download"), PAIRS)
    @pytest.mark.parametrize("suffix", list(FORMATS))
    def test_the_permalink_file_is_the_download(
        self, client: FlaskClient, view: str, download: str, suffix: str
    ) -> None:
        # Given a view's permalink and the download link of its table, in one format
        mine = client.get(urls.view_file(view, suffix))
        theirs = client.get(urls.view_file(download, suffix))
        # Then both answer the same file, with the same name
        assert mine.status_code == theirs.status_code == 200, mine.get_data(as_text=True)[:200]
        assert mine.headers["Content-Disposition"] == theirs.headers["Content-Disposition"]
        assert mine.mimetype == theirs.mimetype
        if suffix == ".xlsx":
            assert xlsx_parts(mine.data) == xlsx_parts(theirs.data)
        else:
            assert mine.data == theirs.data

    def test_the_map_file_holds_the_rows_of_the_view(self, client: FlaskClient) -> None:
        rows = list(
            csv.DictReader(io.StringIO(client.get(urls.view_file(PAIRS[0][0], ".csv")).text))
        )
        assert len(rows) == 18  # the régions of France
        assert {r[records.BY_KEY["period"].title] for r in rows} == {"2019-06"}

    def test_the_page_itself_is_still_the_page(self, client: FlaskClient) -> None:
        response = client.get(urls.indicator(PUBLIC, VIEW))
        assert response.status_code == 200
        assert response.mimetype == "text/html"


class TestJson:
    def test_records_have_the_schema_keys_and_a_header(self, client: FlaskClient) -> None:
        view, download = PAIRS[0]
        document = client.get(urls.view_file(view, ".json")).get_json()
        table = list(csv.DictReader(io.StringIO(client.get(urls.view_file(download, ".csv")).text)))
        # the same rows, named by the keys of dashboard/records.py
        assert len(document["records"]) == len(table)
        keys = list(document["records"][0])
        assert [records.BY_KEY[k].title for k in keys] == list(table[0])
        assert [r["area_code"] for r in document["records"]] == [
            r[records.BY_KEY["area_code"].title] for r in table
        ]
        assert all(isinstance(r["value"], float | int | None) for r in document["records"])
        assert document["title"].startswith("Messages")
        assert document["permalink"].endswith(urls.indicator(PUBLIC, urls.normalise(VIEW)))
        assert document["permalink"].startswith("http")
        assert "licence" in document and "source" in document

    def test_a_path_variable_in_the_query_gives_the_view_the_page_shows(
        self, client: FlaskClient
    ) -> None:
        # Given a fiche's address whose query names another région (the page shows that one)
        document = client.get(urls.view_file(urls.area("region", "53"), ".json") + "?code=84")
        # Then the file is that région's, and so is its permalink
        body = document.get_json()
        assert {r["area_code"] for r in body["records"]} == {"84"}
        assert body["permalink"].endswith(urls.area("region", "84"))
        unknown = urls.view_file(urls.indicator(PUBLIC), ".csv") + "?indicator_id=inconnu"
        assert client.get(unknown).status_code == 404

    def test_an_indicator_download_document_is_of_its_path_whatever_the_query(
        self, client: FlaskClient, catalog: Catalog
    ) -> None:
        # Given an indicator table as JSON, its query naming another indicator
        other = "mes_profils_crees"
        href = urls.indicator_download(PUBLIC, "serie") + f".json?indicator_id={other}"
        body = client.get(href).get_json()
        # Then its rows, title and permalink are all of the indicator of its path
        assert {r["indicator_id"] for r in body["records"]} == {PUBLIC}
        assert body["title"].startswith(catalog.get(PUBLIC).short_label[:8])
        assert body["permalink"].endswith(urls.indicator(PUBLIC))

    def test_objectives_dates_are_iso_text(self, client: FlaskClient) -> None:
        document = client.get(urls.view_file(urls.objectives(), ".json")).get_json()
        deadlines = [r["deadline"] for r in document["records"] if r["deadline"]]
        assert deadlines and all(len(d) == 10 and d[4] == "-" for d in deadlines)


class TestNotFound:
    @pytest.mark.parametrize("suffix", urls.VIEW_FILE_SUFFIXES)
    def test_a_restricted_indicator_is_the_404_of_an_unknown_one(
        self, client: FlaskClient, suffix: str
    ) -> None:
        restricted = client.get(urls.view_file(urls.indicator(RESTRICTED), suffix))
        unknown = client.get(urls.view_file(urls.indicator("indicateur_inconnu"), suffix))
        assert restricted.status_code == unknown.status_code == 404
        assert restricted.text.replace(RESTRICTED, "ID") == unknown.text.replace(
            "indicateur_inconnu", "ID"
        )
        assert restricted.headers["Cache-Control"] == "no-store"

    def test_the_delegation_gets_it(self, client: FlaskClient) -> None:
        response = client.get(
            urls.view_file(urls.indicator(RESTRICTED), ".csv"), headers={HEADER: "dns"}
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("path", [urls.area("region", "99"), urls.area("department", "2a-x")])
    def test_an_unknown_area_is_404(self, client: FlaskClient, path: str) -> None:
        assert client.get(urls.view_file(path, ".csv")).status_code == 404


def test_suffix_goes_before_the_query() -> None:
    assert urls.view_file("/regions/53?reel=oui", "-fr.csv") == "/regions/53-fr.csv?reel=oui"
