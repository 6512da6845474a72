"""The change history as the dashboard reads it (`change_runs`, `changes`), on a small
database loaded, then revised, through the ETL's write path."""

from __future__ import annotations

import datetime as dt

import flask
import pandas as pd
from sqlalchemy import Engine

from core.catalog import Catalog
from core.policy import Actor, Role
from dashboard.cache import MemoryCache, RedisCache
from dashboard.queries import CHANGE_COLUMNS, CHANGE_RUN_COLUMNS, Queries
from tests.dashboard.changes_db import PUBLIC, RESTRICTED, SOURCE_URL, load, national, with_revision
from tests.fakes.queries import FakeQueries

DNS = Actor(Role.dns, email="dns@sante.test")


def _queries(engine: Engine, catalog: Catalog) -> Queries:
    return Queries(engine, cache=MemoryCache(), catalog=catalog)


class TestChangeRuns:
    def test_runs_are_listed_latest_first_with_their_source(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given a load, then an update of the same source
        first, second = with_revision(engine, catalog)
        # When the runs with changes are read
        runs = _queries(engine, catalog).change_runs()
        # Then the update comes first, and only the first run is a new source
        assert list(runs.columns) == CHANGE_RUN_COLUMNS
        assert list(runs["run_id"]) == [second, first]
        assert list(runs["new_source"]) == [False, True]
        assert set(runs["source_url"]) == {SOURCE_URL}

    def test_a_run_that_changed_nothing_is_not_listed(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given a revision, then a run of another source whose value is already stored
        _, second = with_revision(engine, catalog)
        load(engine, catalog, national(PUBLIC, "2025-03", "1400000"), source="autre")
        # When the runs are read
        runs = _queries(engine, catalog).change_runs()
        # Then the run without change is absent
        assert second in set(runs["run_id"])
        assert len(runs) == 2


class TestChanges:
    def test_a_revision_has_its_value_before_and_after(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given January revised from 1 200 000 to 1 250 000 and March added
        _, second = with_revision(engine, catalog)
        # When the update's changes are read
        found = _queries(engine, catalog).changes(run_ids=[second])
        # Then January is an update with both values, March an insert, February absent
        assert list(found.columns) == CHANGE_COLUMNS
        by_period = {
            p.strftime("%Y-%m"): r
            for p, r in zip(found["period_start"], found.itertuples(), strict=True)
        }
        assert set(by_period) == {"2025-01", "2025-03"}
        jan = by_period["2025-01"]
        assert (jan.kind, jan.previous_value, jan.value) == ("update", 1_200_000.0, 1_250_000.0)
        assert (jan.level, jan.code, jan.name) == ("national", "FR", "France")
        march = by_period["2025-03"]
        assert march.kind == "insert"
        assert pd.isna(march.previous_value)

    def test_the_public_never_reads_the_restricted_indicator(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given changes of a public and of a restricted indicator
        first, second = with_revision(engine, catalog)
        q = _queries(engine, catalog)
        # When the public reads them (no request: the anonymous reader)
        found = q.changes(run_ids=[first, second])
        # Then only the public indicator's changes are there
        assert set(found["indicator_id"]) == {PUBLIC}

    def test_the_delegation_reads_the_restricted_indicator(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given the same changes, read by the delegation (which may see everything)
        first, second = with_revision(engine, catalog)
        q = _queries(engine, catalog)
        app = flask.Flask(__name__)
        with app.test_request_context("/"):
            flask.g.actor = DNS
            found = q.changes(run_ids=[second])
            runs = q.change_runs(indicator_id=RESTRICTED)
        # Then the restricted indicator's revision is there too
        restricted = found[found["indicator_id"] == RESTRICTED]
        assert list(restricted["previous_value"]) == [850_000.0]
        assert list(restricted["value"]) == [900_000.0]
        assert list(runs["run_id"]) == [second, first]

    def test_one_indicator_can_be_read_alone(self, engine: Engine, catalog: Catalog) -> None:
        first, _ = with_revision(engine, catalog)
        found = _queries(engine, catalog).changes(run_ids=[first], indicator_id=PUBLIC)
        assert set(found["indicator_id"]) == {PUBLIC}
        assert len(found) == 2


class TestFakeChanges:
    def test_the_fake_reads_what_the_database_reads(self, engine: Engine, catalog: Catalog) -> None:
        # Given the real reads of a revised database
        first, second = with_revision(engine, catalog)
        q = _queries(engine, catalog)
        app = flask.Flask(__name__)
        with app.test_request_context("/"):
            flask.g.actor = DNS
            every = q.changes(run_ids=[first, second])
            runs = q.change_runs()
        # When a fake is given the same history and asked as the public
        fake = FakeQueries(catalog, changes=every, runs=runs)
        # Then the fake leaves out the restricted indicator, as the database does
        assert fake.changes(run_ids=[second]).equals(q.changes(run_ids=[second]))
        assert list(fake.change_runs()["run_id"]) == list(q.change_runs()["run_id"])

    def test_the_fake_leaves_out_demo_changes(self, catalog: Catalog) -> None:
        demo = pd.DataFrame(
            [[1, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "insert", PUBLIC, "national", "FR",
              "France", pd.Timestamp("2025-01-01"), "_total", "demo", 1.0, None, None]],
            columns=CHANGE_COLUMNS,
        )  # fmt: skip
        assert FakeQueries(catalog, changes=demo).changes(run_ids=[1]).empty


class TestRedisCache:
    def test_the_history_reads_survive_the_shared_cache(
        self, engine: Engine, catalog: Catalog, redis_url: str
    ) -> None:
        # Given a revised database read through the Redis cache, twice (the second a hit)
        first, second = with_revision(engine, catalog)
        cache = RedisCache(redis_url, prefix=f"t{id(engine)}:")
        q = Queries(engine, cache=cache, catalog=catalog)
        cold = (q.change_runs(), q.changes(run_ids=[first, second]))
        warm = (q.change_runs(), q.changes(run_ids=[first, second]))
        # Then the cached frames are those read from the database
        direct = _queries(engine, catalog)
        for frame, expected in zip(
            (*cold, *warm),
            (direct.change_runs(), direct.changes(run_ids=[first, second])) * 2,
            strict=True,
        ):
            pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
