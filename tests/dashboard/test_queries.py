"""Reads, typing of the shared frames, and caching keyed on the data version."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine, insert, select, update

from core.catalog import Catalog
from core.models import Area, Observation, Run, RunStatus
from dashboard.cache import MemoryCache, RedisCache
from dashboard.queries import DataUnavailable, Queries
from tests.fakes.queries import FakeQueries, Row

ACT = "mes_taux_activation"


def _run(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(Run)
                .values(
                    source="t",
                    kind="demo",
                    status=RunStatus.success,
                    started_at=dt.datetime.now(dt.UTC),
                    finished_at=dt.datetime.now(dt.UTC),
                )
                .returning(Run.id)
            ).scalar_one()
        )


def _load(engine: Engine, rows: list[Row], *, run_id: int | None = None) -> None:
    """Insert observations as the ETL would, under `run_id` or a new successful run."""
    run = _run(engine) if run_id is None else run_id
    with engine.begin() as conn:
        for row in rows:
            fields = dataclasses.asdict(row)
            level, code, period = fields.pop("level"), fields.pop("code"), fields.pop("period")
            fields.pop("run_id")  # the fake's; the database's is `run`
            area = conn.execute(
                select(Area.id).where(Area.level == level, Area.code == code)
            ).scalar_one()
            conn.execute(
                insert(Observation).values(**fields, area_id=area, period_start=period, run_id=run)
            )


class TestSeries:
    def test_frame_has_the_contract_columns_and_types(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given two national observations, one masked
        _load(
            engine,
            [
                Row(ACT, "national", "FR", dt.date(2025, 1, 1), 10.0),
                Row(ACT, "national", "FR", dt.date(2025, 2, 1), None, is_masked=True),
            ],
        )
        q = Queries(engine, cache=MemoryCache(), catalog=catalog)
        # When the series is read
        df = q.series(indicator_id="mes_taux_activation")
        # Then the columns and types are those the figures expect
        for col in (
            "period_start",
            "value",
            "origin",
            "qualifier",
            "is_masked",
            "code",
            "name",
            "breakdown",
        ):
            assert col in df.columns
        assert pd.api.types.is_datetime64_any_dtype(df["period_start"])
        assert list(df["origin"]) == ["demo", "demo"]
        assert df["is_masked"].tolist() == [False, True]
        assert pd.isna(df["value"].iloc[1])
        assert df["name"].iloc[0] == "France"


class TestSnapshot:
    def test_every_area_present_missing_ones_are_nan_not_zero(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        _load(engine, [Row(ACT, "region", "53", dt.date(2025, 3, 1), 42.0)])
        q = Queries(engine, cache=MemoryCache(), catalog=catalog)
        snap = q.snapshot(
            indicator_id="mes_taux_activation", level="region", period=dt.date(2025, 3, 1)
        )
        assert len(snap) == 18
        assert snap.set_index("code").loc["53", "value"] == 42.0
        assert snap.set_index("code")["value"].isna().sum() == 17
        assert {"tile_row", "tile_col", "parent_code", "population"} <= set(snap.columns)


class TestCaching:
    def test_new_successful_run_invalidates_the_cache(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given a cached read
        run = _run(engine)
        _load(engine, [Row(ACT, "national", "FR", dt.date(2025, 1, 1), 10.0)], run_id=run)
        q = Queries(engine, cache=MemoryCache(), catalog=catalog)
        assert len(q.series(indicator_id="mes_taux_activation")) == 1
        # When a row is added without a new run, the cached result stays
        _load(engine, [Row(ACT, "national", "FR", dt.date(2025, 2, 1), 11.0)], run_id=run)
        assert len(q.series(indicator_id="mes_taux_activation")) == 1
        # Then a new successful run changes the data version and the next read sees it
        _run(engine)
        assert len(q.series(indicator_id="mes_taux_activation")) == 2

    def test_failed_run_is_not_a_data_version(self, engine: Engine, catalog: Catalog) -> None:
        run = _run(engine)
        q = Queries(engine, cache=MemoryCache(), catalog=catalog)
        with engine.begin() as conn:
            conn.execute(
                insert(Run).values(
                    source="t",
                    kind="demo",
                    status=RunStatus.failed,
                    started_at=dt.datetime.now(dt.UTC),
                )
            )
        assert q.data_version() == run

    def test_redis_cache_shares_entries(
        self, engine: Engine, catalog: Catalog, redis_url: str
    ) -> None:
        run = _run(engine)
        _load(engine, [Row(ACT, "national", "FR", dt.date(2025, 1, 1), 10.0)], run_id=run)
        first = Queries(
            engine, cache=RedisCache(redis_url, prefix=f"t{id(engine)}:"), catalog=catalog
        )
        first.series(indicator_id="mes_taux_activation")
        with engine.begin() as conn:  # a change without a run is invisible to a second worker
            conn.execute(update(Observation).values(value=99.0))
        second = Queries(
            engine, cache=RedisCache(redis_url, prefix=f"t{id(engine)}:"), catalog=catalog
        )
        assert second.series(indicator_id="mes_taux_activation")["value"].iloc[0] == 10.0


class TestMemo:
    def test_page_bodies_stay_in_the_process_cache(self, engine: Engine, catalog: Catalog) -> None:
        # Given a store whose data cache may be shared (Redis) and a page body to keep
        _run(engine)
        data, pages = MemoryCache(), MemoryCache()
        q = Queries(engine, cache=data, catalog=catalog, pages=pages)
        body = [object()]  # Dash components: not JSON, never sent to a shared cache
        # When it is memoised twice
        first = q.memo("page", {"chemin": "/"}, lambda: body)
        second = q.memo("page", {"chemin": "/"}, lambda: [object()])
        # Then the second read is the first body, kept in the process cache only
        assert first is body and second is body
        assert (len(pages), len(data)) == (1, 0)

    def test_each_visibility_scope_has_its_own_entry(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        _run(engine)
        q = Queries(engine, cache=MemoryCache(), catalog=catalog)
        public = q.memo("page", {"chemin": "/"}, lambda: "public")
        other = q.memo("page", {"chemin": "/"}, lambda: "ars", scope="ars-53")
        assert (public, other) == ("public", "ars")


class TestUnavailable:
    def test_unreachable_database_raises_a_french_error(
        self, catalog: Catalog, tmp_path: object
    ) -> None:
        from core.db import make_engine

        q = Queries(
            make_engine(f"sqlite:///{tmp_path}/vide.sqlite"), cache=MemoryCache(), catalog=catalog
        )
        with pytest.raises(DataUnavailable, match="injoignable"):
            q.series(indicator_id="mes_taux_activation")


ROWS = [
    Row("mes_taux_activation", "national", "FR", dt.date(2025, 1, 1), 10.0, origin="published"),
    Row("mes_taux_activation", "national", "FR", dt.date(2025, 2, 1), None, is_masked=True),
    Row("mes_taux_activation", "national", "FR", dt.date(2025, 2, 1), 4.0, breakdown="ville"),
    Row("mes_taux_activation", "region", "53", dt.date(2025, 3, 1), 2.0, breakdown="ville"),
    Row(
        "mes_taux_activation",
        "region",
        "53",
        dt.date(2025, 2, 1),
        42.0,
        origin="source",
        qualifier="lower_bound",
        is_provisional=True,
        source_label="ANS",
        source_url="https://esante.gouv.fr",
        observed_on=dt.date(2025, 2, 14),
        numerator=42.0,
        denominator=100.0,
    ),
    Row("mes_taux_activation", "region", "11", dt.date(2025, 1, 1), 7.0),
    Row("mes_profils_crees", "region", "53", dt.date(2025, 1, 1), 1000.0),
]


class TestFakeQueries:
    """The fake of tests/fakes reads what the database would give for the same rows."""

    @pytest.fixture
    def both(self, engine: Engine, catalog: Catalog) -> tuple[Queries, FakeQueries]:
        _load(engine, ROWS)
        return Queries(engine, cache=MemoryCache(), catalog=catalog), FakeQueries(
            catalog, rows=ROWS
        )

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"indicator_id": "mes_taux_activation"},
            {"indicator_id": "mes_taux_activation", "breakdown": None},
            {"level": "region"},
            {"level": "region", "codes": ["53"]},
            {"indicator_id": "mes_taux_activation", "level": "department"},
        ],
    )
    def test_series_agree(self, both: tuple[Queries, FakeQueries], kwargs: dict) -> None:  # type: ignore[type-arg]
        real, fake = both
        pd.testing.assert_frame_equal(fake.series(**kwargs), real.series(**kwargs))

    @pytest.mark.parametrize("level", ["national", "region", "department"])
    def test_periods_and_snapshots_agree(
        self, both: tuple[Queries, FakeQueries], level: str
    ) -> None:
        real, fake = both
        periods = real.periods(indicator_id="mes_taux_activation", level=level)
        assert fake.periods(indicator_id="mes_taux_activation", level=level) == periods
        for period in [*periods, dt.date(2030, 1, 1)]:
            kwargs = {"indicator_id": "mes_taux_activation", "level": level, "period": period}
            pd.testing.assert_frame_equal(fake.snapshot(**kwargs), real.snapshot(**kwargs))
        real_periods = real.periods(indicator_id="mes_taux_activation", level=level, real_only=True)
        assert real_periods == fake.periods(
            indicator_id="mes_taux_activation", level=level, real_only=True
        )
        # Real-only periods leave out those with demo values only
        expected = {"national": [dt.date(2025, 1, 1)], "region": [dt.date(2025, 2, 1)]}
        assert real_periods == expected.get(level, [])

    def test_levels_flags_and_published_columns_agree(
        self, both: tuple[Queries, FakeQueries]
    ) -> None:
        real, fake = both
        for indicator_id in ("mes_taux_activation", "mes_profils_crees", "ecps_actives"):
            assert fake.territorial_levels(indicator_id=indicator_id) == (
                real.territorial_levels(indicator_id=indicator_id)
            )
        assert fake.has_demo() == real.has_demo()
        published = real.published_figures(indicator_id="mes_taux_activation")
        assert list(fake.published_figures(indicator_id="x").columns) == list(published.columns)
