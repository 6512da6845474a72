"""Set-based upsert: idempotent, revisions for changed real values, demo never beats real."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from core.models import Observation, Origin, Revision
from etl.load import LoadError, purge_origin, upsert_observations
from etl.runlog import start_run
from etl.sync import area_ids

SLUG = "mes_comptes_actives"


def frame(engine: Engine, values: list[float], *, origin: str = "source") -> pd.DataFrame:
    with engine.connect() as conn:
        fr = area_ids(conn)[("national", "FR")]
    return pd.DataFrame(
        {
            "indicator_id": SLUG,
            "area_id": fr,
            "period_start": [dt.date(2024, m + 1, 1) for m in range(len(values))],
            "value": values,
            "origin": origin,
        }
    )


def load(engine: Engine, df: pd.DataFrame):  # type: ignore[no-untyped-def]
    run = start_run(engine, source="test", kind="test")
    with engine.begin() as conn:
        return upsert_observations(conn, df, run_id=run)


def values(engine: Engine) -> list[tuple[float | None, Origin]]:
    with engine.connect() as conn:
        return [
            (v, o)
            for v, o in conn.execute(
                select(Observation.value, Observation.origin).order_by(Observation.period_start)
            )
        ]


class TestUpsertObservations:
    def test_first_load_inserts_every_row(self, engine: Engine) -> None:
        report = load(engine, frame(engine, [1.0, 2.0, 3.0]))
        assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (3, 0, 0)

    def test_same_input_twice_changes_nothing(self, engine: Engine) -> None:
        load(engine, frame(engine, [1.0, 2.0, 3.0]))
        report = load(engine, frame(engine, [1.0, 2.0, 3.0]))
        assert (report.rows_inserted, report.rows_updated, report.rows_unchanged) == (0, 0, 3)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(Revision)).scalar_one() == 0

    def test_changed_value_is_updated_and_previous_kept_as_revision(self, engine: Engine) -> None:
        load(engine, frame(engine, [1.0, 2.0]))
        report = load(engine, frame(engine, [1.0, 5.0]))
        assert report.rows_updated == 1
        assert [v for v, _ in values(engine)] == [1.0, 5.0]
        with engine.connect() as conn:
            rev = conn.execute(select(Revision.old_value, Revision.new_value)).one()
        assert tuple(rev) == (2.0, 5.0)

    def test_demo_never_overwrites_real_data(self, engine: Engine) -> None:
        load(engine, frame(engine, [10.0], origin="published"))
        report = load(engine, frame(engine, [99.0, 98.0], origin="demo"))
        assert report.rows_inserted == 1
        assert values(engine) == [(10.0, Origin.published), (98.0, Origin.demo)]

    def test_real_data_replaces_demo(self, engine: Engine) -> None:
        load(engine, frame(engine, [99.0], origin="demo"))
        load(engine, frame(engine, [10.0], origin="source"))
        assert values(engine) == [(10.0, Origin.source)]

    def test_masked_value_is_stored_as_null_not_zero(self, engine: Engine) -> None:
        df = frame(engine, [float("nan")]).assign(is_masked=True)
        load(engine, df)
        with engine.connect() as conn:
            row = conn.execute(select(Observation.value, Observation.is_masked)).one()
        assert (row.value, row.is_masked) == (None, True)

    def test_duplicate_key_is_rejected_before_any_write(self, engine: Engine) -> None:
        df = pd.concat([frame(engine, [1.0]), frame(engine, [2.0])])
        with pytest.raises(LoadError, match="Clé en double"):
            load(engine, df)
        assert values(engine) == []


class TestPurgeOrigin:
    def test_purge_demo_keeps_real_rows(self, engine: Engine) -> None:
        load(engine, frame(engine, [10.0], origin="published"))
        load(engine, frame(engine, [1.0, 2.0, 3.0], origin="demo"))
        with engine.begin() as conn:
            assert purge_origin(conn, Origin.demo) == 2
        assert values(engine) == [(10.0, Origin.published)]
