"""Production topology: several workers share PostgreSQL and Redis, and nothing in one
worker's memory is the only copy of anything.

The data version is read at most once every DATA_VERSION_TTL seconds per process; two
real gunicorn servers on the same PostgreSQL and Redis see each other's sign-in lockouts,
rate-limit counts and loads; the data cache is shared through Redis, page bodies stay in
each process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import flask
import pytest
import requests
from sqlalchemy import Engine, event

from core import accounts, db
from core.accounts import NewAccount
from core.catalog import Catalog
from core.policy import Actor, Role
from dashboard import app as app_module
from dashboard import queries, urls
from dashboard.api import records
from dashboard.api.answers import Answers
from dashboard.app import SERVER_PAGE_ID, create_app
from dashboard.cache import MemoryCache, RedisCache
from dashboard.queries import Queries
from etl.demo import run_demo
from tests.dashboard.demo_db import demo_url_fixture
from tests.dashboard.test_queries import _run
from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
VERSION_QUERY = re.compile(r"max\(runs\.id\)", re.I)
OBSERVATION_QUERY = re.compile(r"\bFROM observations\b", re.I)
PUBLIC = "mssante_messages_mois"
RESTRICTED = "patients_chroniques_acte_telesante"
TTL = 0.5
demo_url = demo_url_fixture("topology", seed=11, until=dt.date(2019, 6, 1))


class Statements:
    """The SQL statements an engine runs (a SQLAlchemy event listener)."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement)

    def count(self, pattern: re.Pattern[str]) -> int:
        return sum(1 for s in self.seen if pattern.search(s))


def version_of(health: str) -> int:
    """The data version a worker's health check (/sante) gives."""
    return int(json.loads(health)["version_donnees"])


class TestDataVersionTtl:
    def test_requests_within_the_ttl_read_the_version_once(
        self, demo_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a worker whose data version lives 60 s
        monkeypatch.setenv("DATA_VERSION_TTL", "60")
        monkeypatch.setenv("API_RATE_LIMIT", "0")
        client = create_app(database_url=demo_url, redis_url="").server.test_client()
        statements = Statements(queries.store().engine)
        # When it answers 30 requests of the API and its health check
        for i in range(30):
            path = urls.API_INDICATORS if i % 2 else urls.api_observations(PUBLIC)
            assert client.get(path).status_code == 200
        assert client.get(urls.HEALTH).status_code == 200
        # Then the database was asked for the version once, not once per request
        assert statements.count(VERSION_QUERY) == 1

    def test_a_load_is_seen_within_the_ttl(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a worker with a short TTL that has read the version
        monkeypatch.setenv("DATA_VERSION_TTL", str(TTL))
        engine = db.make_engine(db_url)
        first = _run(engine)
        client = create_app(database_url=db_url, redis_url="").server.test_client()
        assert version_of(client.get(urls.HEALTH).get_data(as_text=True)) == first
        # When a load succeeds
        second = _run(engine)
        engine.dispose()
        # Then, once the TTL is over, the next request sees it (never stale for longer)
        time.sleep(TTL)
        assert version_of(client.get(urls.HEALTH).get_data(as_text=True)) == second

    def test_two_workers_agree_on_the_version(self, engine: Engine, catalog: Catalog) -> None:
        # Given two workers' stores on one database (SQLite and PostgreSQL)
        workers = [
            Queries(engine, cache=MemoryCache(), catalog=catalog, version_ttl=TTL) for _ in range(2)
        ]
        first = _run(engine)
        assert [w.data_version() for w in workers] == [first, first]
        # When a load succeeds, Then both see it within the TTL
        second = _run(engine)
        time.sleep(TTL)
        assert [w.data_version() for w in workers] == [second, second]

    def test_a_write_by_the_process_is_seen_at_once(self, engine: Engine, catalog: Catalog) -> None:
        store = Queries(engine, cache=MemoryCache(), catalog=catalog, version_ttl=60)
        first = _run(engine)
        assert store.data_version() == first
        second = _run(engine)
        assert store.data_version() == first  # within the TTL
        store.forget_data_version()
        assert store.data_version() == second

    def test_ttl_zero_reads_at_every_call(self, engine: Engine, catalog: Catalog) -> None:
        store = Queries(engine, cache=MemoryCache(), catalog=catalog, version_ttl=0)
        first = _run(engine)
        assert store.data_version() == first
        second = _run(engine)
        assert store.data_version() == second


class TestAnswers:
    """An API answer is built once per tag (data version, catalog, scope, address) and day."""

    @pytest.fixture
    def built(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """The indicator records the API builds (each call of records.indicator_record)."""
        calls: list[str] = []
        real = records.indicator_record

        def counted(indicator: Any, **kwargs: Any) -> Any:
            calls.append(indicator.id)
            return real(indicator, **kwargs)

        monkeypatch.setattr(records, "indicator_record", counted)
        return calls

    @pytest.fixture
    def server(self, demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
        """A worker on a copy of the demo database, whose reader is the DNS when a request
        says so (as the sign-in layer would set it), anonymous otherwise."""
        monkeypatch.setenv("API_RATE_LIMIT", "0")
        monkeypatch.setenv("DATA_VERSION_TTL", "0")
        copy = tmp_path / "copy.sqlite"
        shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
        server = create_app(database_url=f"sqlite:///{copy}", redis_url="").server

        def reader() -> None:
            if flask.request.headers.get("X-Test-Reader") == "dns":
                flask.g.actor = Actor(Role.dns, email="dns@example.org")

        server.before_request_funcs.setdefault(None, []).insert(0, reader)
        server.config["TDB_TEST_DB"] = str(copy)
        return server

    def test_a_second_request_is_answered_without_building_again(
        self, server: Any, built: list[str]
    ) -> None:
        client = server.test_client()
        first = client.get(urls.API_INDICATORS)
        count = len(built)
        again = client.get(urls.API_INDICATORS)
        assert count > 0 and len(built) == count
        assert again.status_code == 200 and again.data == first.data
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Content-Type"] == first.headers["Content-Type"]

    def test_a_new_load_builds_the_answer_again(self, server: Any, built: list[str]) -> None:
        client = server.test_client()
        first = client.get(urls.API_INDICATORS)
        count = len(built)
        engine = db.make_engine(f"sqlite:///{server.config['TDB_TEST_DB']}")
        _run(engine)
        engine.dispose()
        again = client.get(urls.API_INDICATORS)
        assert len(built) == 2 * count
        assert again.headers["ETag"] != first.headers["ETag"]

    def test_a_reader_who_sees_more_never_gets_the_public_answer(self, server: Any) -> None:
        client = server.test_client()
        public = client.get(urls.API_INDICATORS).get_json()["data"]
        dns = client.get(urls.API_INDICATORS, headers={"X-Test-Reader": "dns"}).get_json()
        assert RESTRICTED not in [i["id"] for i in public]
        assert RESTRICTED in [i["id"] for i in dns["data"]]
        again = client.get(urls.API_INDICATORS).get_json()["data"]
        assert again == public

    def test_pages_keep_their_link_header(self, server: Any) -> None:
        client = server.test_client()
        path = urls.api_observations(PUBLIC, {"level": "department"})
        first, again = client.get(path), client.get(path)
        assert again.headers["Link"] == first.headers["Link"] and again.data == first.data

    def test_errors_are_not_kept(self, server: Any, built: list[str]) -> None:
        answers = Answers()
        with server.test_request_context():
            answers.keep("k", flask.Response("non", status=404))
            assert answers.get("k") is None

    def test_the_cache_is_bounded_in_bytes(self, server: Any) -> None:
        answers = Answers(max_bytes=100)
        with server.test_request_context():
            answers.keep("big", flask.Response(b"x" * 51))
            assert len(answers) == 0  # more than half of the bound: not kept
            for key in ("a", "b", "c"):
                answers.keep(key, flask.Response(b"x" * 40))
            assert answers.get("a") is None and len(answers) == 2
            assert answers.get("c") is not None

    def test_the_day_is_part_of_the_key(self) -> None:
        day, next_day = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
        assert Answers.key("t", today=day) != Answers.key("t", today=next_day)


class TestServerPages:
    """A server-rendered page's HTML is converted once per page, reader and version."""

    @pytest.fixture
    def converted(self, monkeypatch: pytest.MonkeyPatch) -> list[object]:
        """Each conversion of a page layout to HTML (dashboard.app._page_html)."""
        calls: list[object] = []
        real = app_module._page_html

        def counted(layout: Any, args: dict[str, str]) -> str:
            calls.append(args)
            return real(layout, args)

        monkeypatch.setattr(app_module, "_page_html", counted)
        return calls

    @pytest.fixture
    def client(self, demo_url: str) -> Any:
        return create_app(database_url=demo_url, redis_url="").server.test_client()

    def test_a_page_is_converted_once(self, client: Any, converted: list[object]) -> None:
        first = client.get(urls.HOME).get_data(as_text=True)
        again = client.get(urls.HOME).get_data(as_text=True)
        assert len(converted) == 1
        assert f'id="{SERVER_PAGE_ID}"' in first and f'id="{SERVER_PAGE_ID}"' in again
        assert server_copy(again) == server_copy(first)

    def test_a_search_is_never_kept(self, client: Any, converted: list[object]) -> None:
        for _ in range(2):
            assert client.get(urls.search() + "?q=bretagne").status_code == 200
        assert len(converted) == 2

    def test_a_page_built_while_the_database_fails_is_not_kept(
        self, client: Any, converted: list[object], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with monkeypatch.context() as m:

            def down(*_args: Any, **_kwargs: Any) -> Any:
                raise queries.DataUnavailable("Base injoignable (test).")

            m.setattr(queries.Queries, "series", down)
            assert "Base injoignable (test)." in client.get(urls.HOME).get_data(as_text=True)
        page = client.get(urls.HOME).get_data(as_text=True)
        assert "Base injoignable (test)." not in page and len(converted) == 2


def server_copy(page: str) -> str:
    """The server-rendered part of a page (Dash's own tokens around it differ)."""
    start = page.index(f'<div id="{SERVER_PAGE_ID}">')
    return page[start : page.index('<div id="react-entry-point"', start)]


@pytest.mark.redis
class TestSharedDataCache:
    def test_a_read_cached_by_one_worker_is_not_read_again_by_another(
        self, engine: Engine, catalog: Catalog, redis_url: str
    ) -> None:
        # Given two workers, each with its own Redis connection and page cache
        _run(engine)
        prefix = f"tdb-topology-{os.getpid()}-{time.time_ns()}:"
        a, b = (
            Queries(engine, cache=RedisCache(redis_url, prefix=prefix), catalog=catalog)
            for _ in range(2)
        )
        # When A reads a series
        a.series(indicator_id=PUBLIC, level="region")
        statements = Statements(engine)
        # Then B answers it from Redis without reading the observations
        b.series(indicator_id=PUBLIC, level="region")
        assert statements.count(OBSERVATION_QUERY) == 0
        # While page bodies (Dash components, not JSON) stay in each process
        a.memo("page", {}, lambda: "A", scope="tous")
        assert b.memo("page", {}, lambda: "B", scope="tous") == "B"


# -- two real gunicorn servers on one PostgreSQL and one Redis --------------------------------

SECRET = "clé-partagée-par-tous-les-processus-" + "x" * 16
EMAIL = "agent@ars.sante.fr"
PASSWORD = "Bretagne-Nord-2026!"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def pg_demo(pg_template: str, catalog: Catalog) -> Iterator[str]:
    from tests.conftest import drop_pg, fresh_pg_url

    url = fresh_pg_url(pg_template)
    engine = db.make_engine(url)
    run_demo(engine, catalog, seed=3, until=dt.date(2019, 3, 1), progress=lambda _: None)
    with db.transaction(engine) as session:
        accounts.add_user(
            session, NewAccount(email=EMAIL, role="ars", region="53", password=PASSWORD)
        )
    engine.dispose()
    yield url
    drop_pg(url)


@pytest.fixture
def two_workers(pg_demo: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two gunicorn servers (one worker each, as two hosts would run them) sharing the
    database, Redis and the secret key, behind one trusted proxy."""
    env = {
        **os.environ,
        "DATABASE_URL": pg_demo,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "DATA_DIR": str(tmp_path / "data"),
        "API_RATE_LIMIT": "2/minute",
        "TRUSTED_PROXIES": "1",
        "DATA_VERSION_TTL": str(TTL),
        "PYTHONPATH": str(ROOT),
    }

    def command(port: int) -> list[str]:
        app = "dashboard.app:create_app()"
        return [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", app]

    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                live_server(command, cwd=ROOT, env=env, log=tmp_path / f"worker-{name}.log")
            )
            for name in "ab"
        )
        yield a, b


def client_address() -> str:
    """An address of its own per run: Redis counters outlive a test."""
    return f"10.{os.getpid() % 250}.{time.time_ns() % 250}.{time.time_ns() // 7 % 250}"


@pytest.mark.postgres
@pytest.mark.redis
class TestTwoWorkers:
    def test_a_lockout_on_one_worker_holds_on_the_other(self, two_workers: tuple[str, str]) -> None:
        a, b = two_workers
        browser = requests.Session()
        browser.headers["X-Forwarded-For"] = client_address()

        def attempt(base: str, password: str) -> int:
            page = browser.get(base + urls.SIGN_IN).text
            token = CSRF.search(page)
            assert token, "no CSRF field on the page"
            data = {"csrf_token": token.group(1), "email": EMAIL, "password": password}
            return browser.post(base + urls.SIGN_IN, data=data, allow_redirects=False).status_code

        # Given five failed sign-ins on worker A
        for _ in range(accounts.MAX_FAILURES):
            assert attempt(a, "mauvais-mot-de-passe") == 422
        # Then worker B refuses even the right password: the account is locked
        assert attempt(b, PASSWORD) == 429

    def test_rate_limit_counts_are_shared(self, two_workers: tuple[str, str]) -> None:
        a, b = two_workers
        headers = {"X-Forwarded-For": client_address()}
        # Given a limit of 2 requests a minute, one request on A and one on B
        assert requests.get(a + urls.API_AREAS, headers=headers).status_code == 200
        assert requests.get(b + urls.API_AREAS, headers=headers).status_code == 200
        # Then the third, on either, is refused
        refused = requests.get(a + urls.API_AREAS, headers=headers)
        assert refused.status_code == 429 and refused.headers["Retry-After"]

    def test_both_see_a_load_within_the_ttl(
        self, two_workers: tuple[str, str], pg_demo: str
    ) -> None:
        a, b = two_workers
        before = [version_of(requests.get(base + urls.HEALTH).text) for base in (a, b)]
        assert before[0] == before[1]
        engine = db.make_engine(pg_demo)
        loaded = _run(engine)
        engine.dispose()
        time.sleep(TTL)
        after = [version_of(requests.get(base + urls.HEALTH).text) for base in (a, b)]
        assert after == [loaded, loaded]
