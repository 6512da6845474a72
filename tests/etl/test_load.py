"""Set-based upsert: idempotent, a history row per change, origins ranked by precedence."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.models import Change, ChangeKind, Observation, Origin
from etl.load import LoadError, diff_observations, purge_origin, upsert_observations
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


def changes(engine: Engine) -> list[Change]:
    with Session(engine) as session:
        return list(session.scalars(select(Change).order_by(Change.id)))


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
        assert [c.kind for c in changes(engine)] == [ChangeKind.insert] * 3

    def test_changed_value_is_updated_and_previous_row_kept_in_history(
        self, engine: Engine
    ) -> None:
        # Given two stored values
        load(engine, frame(engine, [1.0, 2.0]))
        # When the second changes
        report = load(engine, frame(engine, [1.0, 5.0]))
        # Then it is updated, and the history holds the whole previous row and the new value
        assert report.rows_updated == 1
        assert [v for v, _ in values(engine)] == [1.0, 5.0]
        update = changes(engine)[-1]
        assert (update.kind, update.value, update.origin) == (ChangeKind.update, 5.0, "source")
        assert update.previous is not None
        assert update.previous["value"] == 2.0
        assert update.previous["period_start"] == "2024-02-01"
        assert update.previous["is_masked"] is False
        assert update.previous["id"] == update.observation_id

    def test_demo_never_overwrites_real_data(self, engine: Engine) -> None:
        load(engine, frame(engine, [10.0], origin="published"))
        report = load(engine, frame(engine, [99.0, 98.0], origin="demo"))
        assert (report.rows_inserted, report.rows_kept) == (1, 1)
        assert values(engine) == [(10.0, Origin.published), (98.0, Origin.demo)]


class TestPrecedence:
    @pytest.mark.parametrize(
        ("first", "second", "kept"),
        [
            ("published", "deposit", "published"),
            ("published", "source", "published"),
            ("deposit", "source", "deposit"),
            ("deposit", "published", "published"),
            ("source", "deposit", "deposit"),
            ("source", "published", "published"),
        ],
    )
    def test_the_stronger_origin_keeps_the_key_whoever_writes_last(
        self, engine: Engine, first: str, second: str, kept: str
    ) -> None:
        # Given a value of one origin
        load(engine, frame(engine, [1.0], origin=first))
        # When another origin gives the same key
        load(engine, frame(engine, [2.0], origin=second))
        # Then the one of higher precedence holds it
        assert values(engine) == [(1.0 if kept == first else 2.0, Origin(kept))]

    def test_a_kept_row_leaves_no_history(self, engine: Engine) -> None:
        load(engine, frame(engine, [1.0], origin="published"))
        report = load(engine, frame(engine, [2.0], origin="source"))
        assert (report.rows_updated, report.rows_kept) == (0, 1)
        assert [c.kind for c in changes(engine)] == [ChangeKind.insert]


class TestDiff:
    def test_diff_names_each_changed_value_and_writes_nothing(self, engine: Engine) -> None:
        # Given two stored values
        load(engine, frame(engine, [1.0, 2.0]))
        before = values(engine), [c.id for c in changes(engine)]
        # When a batch changing the second and adding a third is diffed
        with engine.connect() as conn:
            diff = diff_observations(conn, frame(engine, [1.0, 5.0, 7.0]))
        # Then each row's fate and the value before → after are given, nothing written
        assert list(diff.status) == ["S", "U", "N"]
        assert [(c.row, c.column, c.before, c.after) for c in diff.changes] == [
            (1, "value", 2.0, 5.0)
        ]
        assert (values(engine), [c.id for c in changes(engine)]) == before

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
        run = start_run(engine, source="test", kind="demo")
        with engine.begin() as conn:
            assert purge_origin(conn, Origin.demo, run_id=run) == 2
        assert values(engine) == [(10.0, Origin.published)]

    def test_rows_missing_from_keep_are_deleted_and_kept_in_history(self, engine: Engine) -> None:
        # Given three demo rows
        load(engine, frame(engine, [1.0, 2.0, 3.0], origin="demo"))
        # When the origin is purged of every row but the first
        run = start_run(engine, source="test", kind="demo")
        keep = frame(engine, [1.0], origin="demo")
        with engine.begin() as conn:
            assert purge_origin(conn, Origin.demo, run_id=run, keep=keep) == 2
        # Then two delete rows hold the previous rows, though the observations are gone
        assert values(engine) == [(1.0, Origin.demo)]
        deletes = [c for c in changes(engine) if c.kind is ChangeKind.delete]
        assert [(c.run_id, c.value) for c in deletes] == [(run, None), (run, None)]
        assert {c.previous["value"] for c in deletes if c.previous} == {2.0, 3.0}
