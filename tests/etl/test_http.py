"""etl/http.py against a local HTTP server: cache, conditional requests, retries, errors."""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from etl.http import HttpFetcher, HttpSettings, Progress, Sidecar, sha256_of
from etl.sources.base import SourceError, SourceTooLarge, SourceUnreachable

BODY = b"annee;dept;Ntop\n2023;29;52110\n"


def make_fetcher(
    tmp_path: Path, *, retries: int = 0, timeout: float = 2.0, **bounds: Any
) -> HttpFetcher:
    config = HttpSettings(
        timeout=timeout, retries=retries, backoff=0.0, cache_dir=tmp_path, **bounds
    )
    return HttpFetcher(config=config, progress=Progress(interactive=False))


def trickle(*, pieces: int, every: float, size: int = 1) -> Response:
    """A body sent piece by piece, without Content-Length: each read is quick, the whole is not."""

    def body() -> Iterator[bytes]:
        for _ in range(pieces):
            time.sleep(every)
            yield b"x" * size

    return Response(body(), content_type="text/csv")


def files_in(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


def refusal(fetcher: HttpFetcher, url: str) -> str:
    """The French message of a refused download, once checked that the cache keeps no file."""
    with pytest.raises(SourceError) as err:
        fetcher.download(url, source="s")
    assert files_in(fetcher.config.cache_dir) == []
    return str(err.value)


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


def announce_more(request: Request) -> Response:
    """Announces 5 000 bytes, sends 10 then stalls: only the header can refuse it at once."""
    response = Response(b"x" * 10)
    response.headers["Content-Length"] = "5000"  # set after the body, which resets it
    return response


def gzip_bomb(request: Request) -> Response:
    """About 200 bytes on the wire that inflate to 100 000: the cap counts what is stored."""
    body = gzip.compress(b"0" * 100_000)
    return Response(body, headers={"Content-Encoding": "gzip"}, content_type="text/csv")


DEADLINE_CUT = "Source injoignable : {url} (délai total de 1 s dépassé, paramètre HTTP_DEADLINE). "
TOO_LARGE = "Source trop volumineuse : {url} (plus de 1 000 octets, paramètre HTTP_MAX_BYTES). "
INTERRUPTED = "Source injoignable : {url} (téléchargement interrompu). "


class TestBounds:
    @pytest.mark.parametrize(
        ("handler", "bounds", "expected"),
        [
            # one byte every 0.2 s for 10 s: each read is well within the 2 s timeout
            pytest.param(
                lambda request: trickle(pieces=50, every=0.2),
                {"deadline": 1.0},
                DEADLINE_CUT,
                id="lent",
            ),
            pytest.param(announce_more, {"max_bytes": 1000}, TOO_LARGE, id="longueur-annoncee"),
            # the same body under the default cap: read, and found short
            pytest.param(announce_more, {}, INTERRUPTED, id="longueur-non-tenue"),
            # 2 000 bytes without Content-Length: cut once past the cap
            pytest.param(
                lambda request: trickle(pieces=10, every=0, size=200),
                {"max_bytes": 1000},
                TOO_LARGE,
                id="sans-longueur",
            ),
            pytest.param(gzip_bomb, {"max_bytes": 1000}, TOO_LARGE, id="gzip"),
        ],
    )
    def test_unbounded_download_is_refused_and_nothing_kept(
        self,
        httpserver: HTTPServer,
        tmp_path: Path,
        handler: Callable[[Request], Response],
        bounds: dict[str, float],
        expected: str,
    ) -> None:
        # Given a server too slow or too large for the bounds
        httpserver.expect_request("/f.csv").respond_with_handler(handler)
        url = httpserver.url_for("/f.csv")
        # When the file is downloaded
        started = time.monotonic()
        message = refusal(make_fetcher(tmp_path, timeout=2.0, **bounds), url)
        # Then it stops early, with a French message naming the URL and the setting
        assert time.monotonic() - started < 5
        assert message == expected.format(url=url) + "Aucune donnée modifiée."

    @pytest.mark.parametrize(
        ("handler", "bounds", "size"),
        [
            pytest.param(
                lambda request: trickle(pieces=5, every=0.1, size=3),
                {"deadline": 10.0},
                15,
                id="lent-dans-le-delai",
            ),
            pytest.param(
                lambda request: trickle(pieces=5, every=0, size=200),
                {"max_bytes": 1000},
                1000,
                id="taille-maximale-exacte",
            ),
        ],
    )
    def test_download_within_bounds_is_kept(
        self,
        httpserver: HTTPServer,
        tmp_path: Path,
        handler: Callable[[Request], Response],
        bounds: dict[str, float],
        size: int,
    ) -> None:
        # Given a body sent in pieces, within the bounds
        httpserver.expect_request("/f.csv").respond_with_handler(handler)
        # When it is downloaded
        raw = make_fetcher(tmp_path, **bounds).download(httpserver.url_for("/f.csv"), source="s")
        # Then every byte is kept
        assert raw.path.read_bytes() == b"x" * size

    def test_retry_after_is_capped(self, httpserver: HTTPServer, tmp_path: Path) -> None:
        # Given a server answering 503 and asking to come back in 30 s
        httpserver.expect_request("/f.csv").respond_with_data(
            "", status=503, headers={"Retry-After": "30"}
        )
        url = httpserver.url_for("/f.csv")
        # When the fetcher may retry once and wait 1 s at most
        started = time.monotonic()
        with pytest.raises(SourceUnreachable) as err:
            make_fetcher(tmp_path, retries=1, retry_after_max=1).download(url, source="s")
        # Then it retried once after the capped wait, not 30 s, and names the status
        assert time.monotonic() - started < 10
        assert len(httpserver.log) == 2
        assert str(err.value) == f"Source injoignable : {url} (HTTP 503). Aucune donnée modifiée."

    def test_json_body_has_its_own_smaller_cap(
        self, httpserver: HTTPServer, tmp_path: Path
    ) -> None:
        # Given an API answer of about 2 kB
        document = {"resources": ["r" * 100] * 20}
        httpserver.expect_request("/api/1/datasets/x/").respond_with_json(document)
        url = httpserver.url_for("/api/1/datasets/x/")
        fetcher = make_fetcher(tmp_path, max_bytes=10_000, json_max_bytes=1000)
        # When it is read as JSON, the file cap being larger
        with pytest.raises(SourceTooLarge) as err:
            fetcher.get_json(url)
        # Then the JSON cap refuses it, named in French
        assert str(err.value) == (
            f"Source trop volumineuse : {url} (plus de 1 000 octets, "
            "paramètre HTTP_JSON_MAX_BYTES). Aucune donnée modifiée."
        )

    def test_bounds_come_from_the_settings(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Given each bound set in the environment
        environment = {"HTTP_DEADLINE": "7", "HTTP_RETRY_AFTER_MAX": "3",
                       "HTTP_MAX_BYTES": "5000", "HTTP_JSON_MAX_BYTES": "500"}  # fmt: skip
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        # When the fetcher's settings are read
        config = HttpSettings.from_settings()
        # Then each is taken
        assert (config.deadline, config.retry_after_max, config.max_bytes) == (7, 3, 5000)
        assert config.json_max_bytes == 500
