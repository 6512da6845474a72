"""etl/http.py against a local HTTP server: cache, conditional requests, retries, errors."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from etl.http import HttpFetcher, HttpSettings, Progress, Sidecar, sha256_of
from etl.sources.base import SourceUnreachable

BODY = b"annee;dept;Ntop\n2023;29;52110\n"


def make_fetcher(tmp_path: Path, *, retries: int = 0, timeout: float = 2.0) -> HttpFetcher:
    config = HttpSettings(timeout=timeout, retries=retries, backoff=0.0, cache_dir=tmp_path)
    return HttpFetcher(config=config, progress=Progress(interactive=False))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestDownload:
    def test_keeps_file_and_sidecar_with_url_and_sha256(
        self, httpserver: HTTPServer, tmp_path: Path
    ) -> None:
        # Given a server publishing a CSV with an ETag
        httpserver.expect_request("/f.csv").respond_with_data(
            BODY, content_type="text/csv", headers={"ETag": '"v1"'}
        )
        url = httpserver.url_for("/f.csv")
        # When it is downloaded
        raw = make_fetcher(tmp_path).download(url, source="s")
        # Then the cache holds the body under its SHA-256, and the sidecar names the URL
        assert raw.path.read_bytes() == BODY
        assert raw.sha256 == sha256_of(raw.path) == raw.path.name.removesuffix(".csv")
        side = json.loads(Sidecar(tmp_path, source="s", url=url).path.read_text())
        assert (side["url"], side["sha256"], side["etag"]) == (url, raw.sha256, '"v1"')
        assert raw.not_modified is False

    def test_304_reuses_cached_file_without_download(
        self, httpserver: HTTPServer, tmp_path: Path
    ) -> None:
        # Given a file downloaded once with an ETag
        httpserver.expect_oneshot_request("/f.csv").respond_with_data(
            BODY, headers={"ETag": '"v1"'}
        )
        fetcher = make_fetcher(tmp_path)
        first = fetcher.download(httpserver.url_for("/f.csv"), source="s")
        # And a server that answers 304 only to the matching conditional request
        httpserver.expect_oneshot_request(
            "/f.csv", headers={"If-None-Match": '"v1"'}
        ).respond_with_data("", status=304)
        # When it is requested again
        again = fetcher.download(httpserver.url_for("/f.csv"), source="s")
        # Then the cached file is returned, flagged as not modified
        assert again.not_modified is True
        assert (again.path, again.sha256) == (first.path, first.sha256)
        httpserver.check_assertions()

    def test_same_fingerprint_makes_no_request(
        self, httpserver: HTTPServer, tmp_path: Path
    ) -> None:
        # Given a download recorded with an upstream fingerprint
        httpserver.expect_oneshot_request("/f.csv").respond_with_data(BODY)
        fetcher = make_fetcher(tmp_path)
        fetcher.download(httpserver.url_for("/f.csv"), source="s", fingerprint="abc|2025")
        # When the same fingerprint is announced again
        again = fetcher.download(httpserver.url_for("/f.csv"), source="s", fingerprint="abc|2025")
        # Then the server saw a single request
        assert again.not_modified is True
        assert len(httpserver.log) == 1

    def test_retries_after_500_then_succeeds(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        # Given a server failing once with 500, then answering
        httpserver.expect_ordered_request("/f.csv").respond_with_data("panne", status=500)
        httpserver.expect_ordered_request("/f.csv").respond_with_data(BODY)
        # When the fetcher may retry twice
        raw = make_fetcher(tmp_path, retries=2).download(httpserver.url_for("/f.csv"), source="s")
        # Then the second answer is kept
        assert raw.path.read_bytes() == BODY
        assert len(httpserver.log) == 2

    def test_404_is_not_retried_and_names_url(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        # Given a missing file
        httpserver.expect_request("/absent.csv").respond_with_data("non", status=404)
        url = httpserver.url_for("/absent.csv")
        # When it is requested with retries allowed
        with pytest.raises(SourceUnreachable) as err:
            make_fetcher(tmp_path, retries=3).download(url, source="s")
        # Then one request only, and a French message naming the URL and the status
        assert len(httpserver.log) == 1
        assert str(err.value) == f"Source injoignable : {url} (HTTP 404). Aucune donnée modifiée."

    def test_persistent_503_reports_status(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        # Given a server always answering 503
        httpserver.expect_request("/f.csv").respond_with_data("", status=503)
        url = httpserver.url_for("/f.csv")
        # When retries are exhausted
        with pytest.raises(SourceUnreachable, match=r"\(HTTP 503\)\. Aucune donnée modifiée\."):
            make_fetcher(tmp_path, retries=2).download(url, source="s")
        # Then every attempt was made
        assert len(httpserver.log) == 3

    def test_timeout_names_url(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        # Given a server slower than the timeout
        def slow(request: Request) -> Response:
            time.sleep(0.6)
            return Response(BODY)

        httpserver.expect_request("/lent.csv").respond_with_handler(slow)
        url = httpserver.url_for("/lent.csv")
        # When the fetcher waits 0.2 s at most
        with pytest.raises(SourceUnreachable) as err:
            make_fetcher(tmp_path, timeout=0.2).download(url, source="s")
        # Then the message names the URL and the delay
        assert str(err.value).startswith(f"Source injoignable : {url} (délai")
        assert not list(tmp_path.glob("s/*.csv"))

    def test_unreachable_host_names_url(self, tmp_path: Path) -> None:
        # Given a closed port on the loopback
        url = f"http://127.0.0.1:{closed_port()}/donnees.csv"
        # When it is downloaded
        with pytest.raises(SourceUnreachable) as err:
            make_fetcher(tmp_path, retries=1).download(url, source="s")
        # Then the French message names the URL
        assert str(err.value) == (
            f"Source injoignable : {url} (connexion impossible). Aucune donnée modifiée."
        )

    def test_query_string_is_part_of_the_url_shown(
        self, httpserver: HTTPServer, tmp_path: Path
    ) -> None:
        # Given an export taking parameters
        httpserver.expect_request(
            "/exports/csv", query_string={"delimiter": ";"}
        ).respond_with_data(BODY, content_type="text/csv; charset=utf-8")
        # When it is downloaded with them
        raw = make_fetcher(tmp_path).download(
            httpserver.url_for("/exports/csv"), source="s", params={"delimiter": ";"}
        )
        # Then the recorded URL carries them, and the content type gives the suffix
        assert raw.url.endswith("/exports/csv?delimiter=%3B")
        assert raw.path.suffix == ".csv"


class TestGetJson:
    def test_returns_document(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        httpserver.expect_request("/api/1/datasets/x/").respond_with_json({"id": "x"})
        assert make_fetcher(tmp_path).get_json(httpserver.url_for("/api/1/datasets/x/")) == {
            "id": "x"
        }

    def test_error_status_names_url(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        httpserver.expect_request("/api/1/datasets/x/").respond_with_data("", status=410)
        with pytest.raises(SourceUnreachable, match=r"datasets/x/ \(HTTP 410\)"):
            make_fetcher(tmp_path).get_json(httpserver.url_for("/api/1/datasets/x/"))


class TestRegisterLocal:
    def test_copies_into_cache_with_sha256(self, tmp_path: Path) -> None:
        # Given a file dropped in a folder
        src = tmp_path / "depot" / "ars-bretagne.csv"
        src.parent.mkdir()
        src.write_bytes(BODY)
        # When it is registered
        raw = make_fetcher(tmp_path / "cache").register_local(src, source="ars")
        # Then its copy is in the cache, named by its hash, shown by its own name
        assert raw.path.parent == tmp_path / "cache" / "ars"
        assert raw.sha256 == sha256_of(src)
        assert raw.display_name == "ars-bretagne.csv"
