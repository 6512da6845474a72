"""No 500 on any address, parameter or callback body: a French 400 or 404 instead,
bounded logs, explicit cache headers. Integration tests over HTTP (Flask's test client)
on a small SQLite database holding demo data, fuzzed with hypothesis."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from core import geography
from dashboard import guards, queries, urls
from dashboard.app import SERVER_PAGE_MAX_AGE, create_app
from dashboard.downloads import FORMATS
from tests.dashboard.test_guards import router_body
from tests.fakes.cache import RecordingCache

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible
    database=None,  # so nothing is written in the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FRENCH_ERRORS = (
    *guards.ERROR_TEXTS.values(),
    "Territoire inconnu",
    "Indicateur inconnu",
    "Tableau inconnu",
    "Format de fichier inconnu",
)
SAFE_FILENAME = re.compile(r'attachment; filename="[\w.-]+"')


@pytest.fixture
def client(demo_url: str) -> FlaskClient:
    return create_app(database_url=demo_url, redis_url="").server.test_client()


def assert_answered(response: TestResponse) -> None:
    """Never a 500; an error is French text or the French Dash page, and stored nowhere."""
    assert response.status_code < 500, response.data[:300]
    if response.status_code < 400:
        return
    assert response.headers["Cache-Control"] == "no-store"
    if response.request.method == "HEAD":  # headers only
        return
    if response.mimetype == "text/plain":
        text = response.get_data(as_text=True)
        assert text.startswith(FRENCH_ERRORS), text[:300]
        assert "<" not in text and not re.search(r"[\x00-\x1f]", text)
        assert len(text) < 400
    else:
        assert 'lang="fr"' in response.get_data(as_text=True)


# -- strategies ------------------------------------------------------------------------------


def mostly(likely: st.SearchStrategy[str], other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`likely` three times out of four: hostile values must reach real pages and views."""
    return st.one_of(likely, likely, likely, other)


CONTROL = st.sampled_from(["%00", "%0A", "%0D%0A", "%FF", "%C0%AF", "%E2%80%AE", "%", "%2F", "%3C"])
HUGE = st.integers(min_value=10**12, max_value=10**40).map(str)
ANY_TEXT = st.text(max_size=40)
HOSTILE = st.sampled_from(
    [
        "99999999999999999999-01",
        "2019-13",
        "0000-01",
        "2019-06-31",
        "-1-01",
        "2019-06",
        "region-53",
        "departement-29\n",
        "departement-2a",
        "53,11,24,27,28,32,44,52,53",
        "oui",
        "departements",
        "geo",
        "statut",
        "a" * 5000,
    ]
)
VALUE = mostly(HOSTILE, st.one_of(ANY_TEXT, HUGE, HUGE.map(lambda n: f"{n}-01")))
NAME = mostly(
    st.sampled_from([p.name for p in urls.PARAMS] + list(urls.MIGRATIONS)),
    st.one_of(ANY_TEXT, st.sampled_from(["code", "indicator_id", "_", "path"])),
)
QUERY = st.lists(st.tuples(NAME, VALUE), max_size=6).map(urlencode)
RAW_QUERY = st.tuples(QUERY, st.lists(st.tuples(NAME, CONTROL), max_size=3)).map(
    lambda q: "&".join([q[0], *(f"{quote(k, safe='')}={v}" for k, v in q[1])]).strip("&")
)
SEGMENT = mostly(
    st.sampled_from(["53", "2A", "29", "971", "mes_taux_activation", "choisir"]),
    st.one_of(
        ANY_TEXT.map(lambda t: quote(t, safe="")),
        st.tuples(st.sampled_from(["29", "53", "mes_taux_activation"]), CONTROL).map("".join),
        HUGE,
    ),
)


def page_paths() -> st.SearchStrategy[str]:
    """Every page of urls.PAGES, its `<variables>` filled with codes, ids or anything."""
    return st.sampled_from(urls.PAGES).flatmap(
        lambda page: st.fixed_dictionaries(
            {name: SEGMENT for name in re.findall(r"<(\w+)>", page.path)}
        ).map(lambda values: page.fill(**values))
    )


def download_paths() -> st.SearchStrategy[str]:
    suffix = mostly(st.sampled_from(list(FORMATS)), ANY_TEXT.map(lambda t: quote(t)))
    indicator = st.tuples(
        SEGMENT, mostly(st.sampled_from(["serie", "carte"]), SEGMENT), suffix
    ).map(lambda p: urls.indicator_download(p[0], p[1]) + p[2])
    slugs = st.sampled_from([*urls.LEVEL_VALUES, urls.OBJECTIVES_SLUG, "communes"])
    area = st.tuples(slugs, SEGMENT, suffix).map(lambda p: f"{urls.DOWNLOADS}{p[0]}/{p[1]}{p[2]}")
    objectives = suffix.map(lambda s: urls.objectives_download() + s)
    return st.one_of(indicator, area, objectives)


def with_query(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


# -- no 500 ----------------------------------------------------------------------------------


class TestNamedCases:
    """The cases that answered 500 before, kept by name."""

    def test_a_twenty_digit_year_is_the_default_period(self, client: FlaskClient) -> None:
        # Given a period whose year overflows a date
        query = "periode=99999999999999999999-01"
        # When a page and a download are asked with it
        page = client.post(
            "/_dash-update-component",
            json=router_body("/indicateurs/mes_taux_activation", f"?{query}"),
        )
        download = client.get(f"/donnees/indicateurs/mes_taux_activation/carte.csv?{query}")
        default = client.get("/donnees/indicateurs/mes_taux_activation/carte.csv")
        # Then both are the default view
        assert page.status_code == download.status_code == 200
        assert download.data == default.data

    def test_a_line_feed_in_a_download_code_is_a_french_404(self, client: FlaskClient) -> None:
        response = client.get("/donnees/departements/29%0A.csv")
        assert response.status_code == 404
        assert response.get_data(as_text=True) == "Territoire inconnu « departements/29%0A »."
        assert "Content-Disposition" not in response.headers

    def test_a_download_is_named_with_the_canonical_code(self, client: FlaskClient) -> None:
        response = client.get("/donnees/departements/2a.csv")
        assert (
            response.headers["Content-Disposition"] == 'attachment; filename="departements-2A.csv"'
        )

    def test_the_404_text_escapes_the_address_and_names_its_charset_once(
        self, client: FlaskClient
    ) -> None:
        response = client.get("/donnees/regions/%3Cscript%3E.csv")
        assert response.status_code == 404
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "<" not in response.get_data(as_text=True)
        assert "%3Cscript%3E" in response.get_data(as_text=True)


class TestFuzzPagesAndDownloads:
    def test_no_page_answers_500(self, client: FlaskClient) -> None:
        @FUZZ
        @given(path=page_paths(), query=RAW_QUERY)
        @example(path="/regions/53", query="code=99999999999999999999-01&code=%00")
        @example(path="/indicateurs/mes_taux_activation", query="indicator_id=a&indicator_id=")
        def check(path: str, query: str) -> None:
            # Given any page address and parameters, When the browser opens it
            # (the index, then the page router builds the layout)
            index = client.get(with_query(path, query))
            layout = client.post(
                "/_dash-update-component", json=router_body(path, f"?{query}" if query else "")
            )
            # Then no 500, and errors are French
            assert_answered(index)
            assert_answered(layout)
            assert layout.status_code in (200, 204, 400)

        check()

    def test_no_download_answers_500(self, client: FlaskClient) -> None:
        @FUZZ
        @given(path=download_paths(), query=RAW_QUERY)
        def check(path: str, query: str) -> None:
            response = client.get(with_query(path, query))
            assert_answered(response)
            if response.status_code == 200:
                assert SAFE_FILENAME.fullmatch(response.headers["Content-Disposition"])

        check()


OTHER_ROUTES = st.sampled_from(
    [
        urls.DSFR,
        urls.STATIC,
        urls.PLOTLY_JS,
        urls.HEALTH,
        urls.DOWNLOADS,
        "/_dash-component-suites/dash/",
        "/_dash-component-suites/",
        "/_dash-layout",
        "/_dash-dependencies",
        "/_dash-update-component",
        "/assets/",
    ]
)
METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"])


class TestFuzzOtherRoutes:
    def test_no_file_or_service_route_answers_500(self, client: FlaskClient) -> None:
        @FUZZ
        @given(route=OTHER_ROUTES, rest=st.lists(SEGMENT, max_size=3), method=METHODS)
        @example(route="/_dash-component-suites/", rest=["inconnu", "x.js"], method="GET")
        def check(route: str, rest: list[str], method: str) -> None:
            response = client.open(route + "/".join(rest), method=method)
            assert_answered(response)

        check()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["output", "outputs", "inputs", "state", "changedPropIds"])


def mutated_body() -> st.SearchStrategy[Any]:
    """The router's body with fields replaced, dropped or made huge, or any JSON at all."""
    replaced = st.dictionaries(FIELDS, JSON, max_size=3).map(
        lambda changes: {**router_body("/objectifs", ""), **changes}
    )
    dropped = st.sets(FIELDS, min_size=1).map(
        lambda names: {k: v for k, v in router_body("/", "").items() if k not in names}
    )
    huge = st.tuples(FIELDS, st.integers(1, 70_000)).map(
        lambda p: {**router_body("/", ""), p[0]: "x" * p[1]}
    )
    values = st.tuples(JSON, JSON).map(lambda v: router_body(*v))
    return st.one_of(JSON, replaced, dropped, huge, values)


class TestFuzzCallbackEndpoint:
    def test_a_malformed_body_gets_a_french_400(self, client: FlaskClient) -> None:
        @FUZZ
        @given(body=mutated_body())
        @example(body=router_body("", ""))
        def check(body: Any) -> None:
            response = client.post("/_dash-update-component", json=body)
            assert_answered(response)
            assert response.status_code in (200, 204, 400)

        check()

    @pytest.mark.parametrize(
        ("data", "content_type"),
        [
            (b"{", "application/json"),
            (b"\xff\xfe", "application/json"),
            (b"[" * 50_000, "application/json"),
            (json.dumps(router_body("/", "")).encode(), "text/plain"),
            (b"", "application/json"),
            (b"x" * 200_000, "application/json"),
        ],
    )
    def test_a_body_that_is_not_json_gets_a_french_400(
        self, client: FlaskClient, data: bytes, content_type: str
    ) -> None:
        response = client.post("/_dash-update-component", data=data, content_type=content_type)
        assert response.status_code == 400
        assert_answered(response)

    def test_a_method_a_route_does_not_take_gets_a_french_405(self, client: FlaskClient) -> None:
        response = client.put("/_dash-update-component")
        assert response.status_code == 405
        assert "POST" in response.headers["Allow"]
        assert_answered(response)

    def test_logs_stay_bounded(self, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
        # Given a request whose output is a megabyte long
        body = {**router_body("/", ""), "output": "x" * 1_000_000}
        # When it is refused
        with caplog.at_level(logging.INFO):
            client.post(
                "/_dash-update-component", data=json.dumps(body), content_type="application/json"
            )
        # Then no log record comes near its size
        assert caplog.records
        assert max(len(caplog.handler.format(r)) for r in caplog.records) < 3 * guards.MAX_LOGGED


class TestUncaughtExceptions:
    def test_an_uncaught_exception_is_a_french_500_with_a_bounded_log(
        self, demo_url: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        # Given a route that fails with a huge message (a bug, not a bad request)
        server = create_app(database_url=demo_url, redis_url="").server

        def failing() -> str:
            raise RuntimeError("z" * 1_000_000)

        server.add_url_rule("/test-panne", view_func=failing)
        # When it is asked
        with caplog.at_level(logging.ERROR):
            response = server.test_client().get("/test-panne")
        # Then a short French 500, never stored, and a log of bounded size
        assert response.status_code == 500
        assert response.get_data(as_text=True) == guards.ERROR_TEXTS[500]
        assert response.headers["Cache-Control"] == "no-store"
        assert max(len(caplog.handler.format(r)) for r in caplog.records) < 3 * guards.MAX_LOGGED


# -- cache -------------------------------------------------------------------------------


class TestCacheHeaders:
    @pytest.mark.parametrize("path", ["/", "/objectifs", "/indicateurs/mes_taux_activation"])
    @pytest.mark.parametrize("method", ["GET", "HEAD"])
    def test_a_page_may_be_reused_briefly(
        self, client: FlaskClient, path: str, method: str
    ) -> None:
        response = client.open(path, method=method)
        assert response.status_code == 200
        # every page arrives rendered by the server: it may be kept longer (dashboard/app.py)
        assert response.headers["Cache-Control"] == f"public, max-age={SERVER_PAGE_MAX_AGE}"

    def test_files_keep_their_own_policy(self, client: FlaskClient) -> None:
        assert client.get("/donnees/regions/53.csv").headers["Cache-Control"] == "no-cache"
        assert "Cache-Control" not in client.get("/sante").headers

    @pytest.mark.parametrize(
        "path", ["/page-inexistante", "/regions/99", "/donnees/regions/99.csv", "/donnees/x"]
    )
    def test_an_error_is_never_stored(self, client: FlaskClient, path: str) -> None:
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["Cache-Control"] == "no-store"

    def test_unknown_parameters_add_no_cache_entry_over_http(self, client: FlaskClient) -> None:
        # Given a store whose page-cache writes are counted
        store = queries.store()
        recorder = RecordingCache(store.pages)
        written = recorder.written
        store.pages = recorder

        def page_entries(search: str) -> list[str]:
            client.post("/_dash-update-component", json=router_body("/objectifs", search))
            return [k for k in written if k.startswith("page:")]

        # When the same view is asked with unknown, invalid or default parameters
        first = page_entries("")
        for search in ("?utm_source=x", "?zz=1&tri=echeance", "?axe=!", "?x=" + "y" * 500):
            assert page_entries(search) == first
        # Then only a real change of view adds an entry
        assert len(page_entries("?tri=statut")) == len(first) + 1


# -- parsing -------------------------------------------------------------------------------


class TestParsing:
    @pytest.mark.parametrize(
        "text", ["99999999999999999999-01", "2025-13", "٢٠٢٥-٠٣", " 2025-03", "2025-03\n", "-1-01"]
    )
    def test_a_period_that_is_not_a_month_is_none(self, text: str) -> None:
        assert urls.parse_period(text) is None

    def test_a_month_is_parsed(self) -> None:
        assert urls.parse_period("2025-3") == urls.parse_period("2025-03-01") == dt.date(2025, 3, 1)

    @pytest.mark.parametrize("code", ["29\n", " 29", "2 9", "29%", "٢٩", "0029", ""])
    def test_an_area_code_with_other_characters_is_unknown(self, code: str) -> None:
        assert urls.valid_code("department", code) is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("53", "53"), (["53", "11"], "11"), (["53", ""], ""), ([], ""), (None, ""), (3, "")],
    )
    def test_a_path_variable_overridden_by_the_query_is_one_text(
        self, value: object, expected: str
    ) -> None:
        assert urls.path_value(value) == expected

    def test_an_area_code_is_canonical(self) -> None:
        assert urls.valid_code("department", "2a") == geography.get_area("department", "2A").code

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("29", "29"), ("<b>", "%3Cb%3E"), ("a\nb", "a%0Ab"), ("é", "%C3%A9")],
    )
    def test_an_echoed_address_part_is_percent_encoded(self, text: str, expected: str) -> None:
        assert urls.shown(text) == expected

    def test_an_echoed_address_part_is_cut(self) -> None:
        assert len(urls.shown("x" * 10_000)) == urls.SHOWN_LENGTH
