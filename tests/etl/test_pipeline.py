"""The one atomic load path: validation before writing, rollback on failure, run log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core import geography
from core.catalog import Catalog, load_catalog
from core.models import Area, Base, Change, ChangeKind, Observation, Origin, Run, RunStatus
from etl import pipeline
from etl.pipeline import LoadRequest, LoadResult, load_tidy, plan
from etl.sync import sync_indicators
from etl.template import TIDY_TO_FRENCH
from etl.validate import ValidationFailed
from etl.write import STALE_RUN_ERROR, Provenance

ARS = Path(__file__).resolve().parent.parent / "fixtures" / "ars"
RATE = "test_taux_activation"  # percent, ratio, monthly, stock
STOCK = "test_comptes"  # count, sum, quarterly, stock, breakdown secteur
FLOW = "test_teleconsultations"  # count, sum, monthly, flow


@pytest.fixture(scope="module")
def ars_catalog() -> Catalog:
    return load_catalog(ARS / "catalog.yaml")


@pytest.fixture
def db(engine: Engine, ars_catalog: Catalog) -> Engine:
    """The fresh database, with the test indicators synced beside the real ones."""
    with engine.begin() as conn:
        sync_indicators(conn, ars_catalog)
    return engine


def rows(*records: dict[str, Any]) -> pd.DataFrame:
    """Tidy rows with defaults: a département total for March 2024."""
    base = {"level": "department", "breakdown": "", "numerator": "", "denominator": ""}
    out = [{**base, **r} for r in records]
    frame = pd.DataFrame(out)
    frame["row"] = range(2, len(out) + 2)
    frame["file"] = "test.csv"
    return frame


def request(catalog: Catalog, tidy: Any, **kwargs: Any) -> LoadRequest:
    options: dict[str, Any] = {"source": "test", "kind": "import", "origin": Origin.deposit}
    options.update(kwargs)
    return LoadRequest(catalog=catalog, tidy=tidy, **options)


def load(db: Engine, catalog: Catalog, tidy: Any, **kwargs: Any) -> LoadResult:
    return load_tidy(db, request(catalog, tidy, **kwargs))


def tables(db: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: proof that nothing was written."""
    with db.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(select(table)).all()]
            for name, table in Base.metadata.tables.items()
        }


def observations(db: Engine) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(
                    Observation.indicator_id,
                    Area.level,
                    Area.code,
                    Observation.period_start,
                    Observation.breakdown,
                    Observation.value,
                    Observation.numerator,
                    Observation.denominator,
                    Observation.is_masked,
                    Observation.origin,
                )
                .join(Area, Area.id == Observation.area_id)
                .order_by(Observation.indicator_id, Area.level, Area.code, Observation.period_start)
            )
        ]


def runs(db: Engine) -> list[Run]:
    with Session(db) as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def flow_row(code: str, value: str, *, period: str = "2024-03") -> dict[str, Any]:
    return {"indicator_id": FLOW, "code": code, "period": period, "value": value}


class TestLoadTidy:
    def test_first_load_inserts_rows_with_origin_deposit(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given two département rows of a flow
        tidy = rows(flow_row("29", "1 200"), flow_row("2A", "3,5"))
        # When they are loaded
        result = load(db, ars_catalog, tidy)
        # Then both are stored as deposits and the run is a success with its counts
        assert result.status is RunStatus.success
        assert [(o[2], o[5], o[9]) for o in observations(db)] == [
            ("29", 1200.0, Origin.deposit),
            ("2A", 3.5, Origin.deposit),
        ]
        (run,) = runs(db)
        assert (run.status, run.rows_read, run.rows_inserted) == (RunStatus.success, 2, 2)
        assert run.finished_at is not None and run.finished_at >= run.started_at

    def test_masked_value_is_null_and_flagged_never_zero(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given a row under statistical secrecy
        tidy = rows(flow_row("29", "NS"))
        # When it is loaded
        load(db, ars_catalog, tidy)
        # Then the value is NULL and marked masked
        ((*_, value, _num, _den, masked, _origin),) = observations(db)
        assert value is None
        assert masked is True

    def test_same_input_twice_changes_nothing(self, db: Engine, ars_catalog: Catalog) -> None:
        # Given a loaded file
        tidy = rows(flow_row("29", "10"), flow_row("22", "20"))
        load(db, ars_catalog, tidy)
        before = observations(db)
        # When the same rows are loaded again
        result = load(db, ars_catalog, tidy)
        # Then nothing changed and the run says so
        assert observations(db) == before
        assert (result.report.rows_inserted, result.report.rows_updated) == (0, 0)
        assert result.report.rows_unchanged == 2
        assert result.status is RunStatus.unchanged

    def test_changed_value_keeps_previous_row_in_history(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given a loaded value
        load(db, ars_catalog, rows(flow_row("29", "10")))
        # When a corrected file changes it
        result = load(db, ars_catalog, rows(flow_row("29", "12")))
        # Then the value is updated and the previous row kept in the history, with the run
        assert result.report.rows_updated == 1
        assert observations(db)[0][5] == 12.0
        with Session(db) as session:
            [change] = session.scalars(
                select(Change).where(Change.kind == ChangeKind.update, Change.area_id != 0)
                .join(Area, Area.id == Change.area_id).where(Area.code == "29")
            ).all()  # fmt: skip
        assert change.previous is not None
        assert (change.previous["value"], change.value, change.run_id) == (
            10.0,
            12.0,
            result.run_id,
        )

    def test_same_checksum_is_skipped_without_reading(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given a file already loaded with its checksum
        prov = Provenance(checksum="abc", source_url="file:///depot.csv")
        load(db, ars_catalog, rows(flow_row("29", "10")), provenance=prov)

        def must_not_read() -> pd.DataFrame:
            raise AssertionError("le fichier ne devait pas être relu")

        # When the same checksum comes again
        result = load(db, ars_catalog, must_not_read, provenance=prov)
        # Then the run is recorded as unchanged and nothing was parsed
        assert result.skipped
        last = runs(db)[-1]
        assert (last.status, last.checksum) == (RunStatus.unchanged, "abc")

    def test_rejected_file_writes_nothing_but_the_run_log(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given a loaded value and a file with one bad row among good ones
        load(db, ars_catalog, rows(flow_row("29", "10")))
        before = observations(db)
        bad = rows(flow_row("29", "11"), flow_row("2C", "5"))
        # When it is loaded
        with pytest.raises(ValidationFailed) as caught:
            load(db, ars_catalog, bad)
        # Then the database is unchanged and the run failed with the French report
        assert observations(db) == before
        last = runs(db)[-1]
        assert last.status is RunStatus.failed
        assert (last.rows_read, last.rows_rejected) == (2, 1)
        assert "ligne 3, colonne « code » : valeur invalide « 2C »" in (last.error or "")
        assert str(caught.value) == last.error

    def test_failure_in_the_middle_rolls_back(
        self, db: Engine, ars_catalog: Catalog, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Given a loaded value, and aggregation that fails after the upsert
        load(db, ars_catalog, rows(flow_row("29", "10")))
        before = observations(db)

        def broken(*_: Any, **__: Any) -> Any:
            raise RuntimeError("panne simulée")

        monkeypatch.setattr(pipeline, "recompute_aggregates", broken)
        # When a changed file is loaded
        with pytest.raises(RuntimeError):
            load(db, ars_catalog, rows(flow_row("29", "99"), flow_row("22", "5")))
        # Then neither the update nor the insert survived; the run log did
        assert observations(db) == before
        with db.connect() as conn:
            kinds = set(conn.execute(select(Change.kind)).scalars())
        assert kinds == {ChangeKind.insert}
        last = runs(db)[-1]
        assert (last.status, last.error) == (RunStatus.failed, "panne simulée")

    def test_real_replaces_demo_and_demo_never_replaces_real(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given a demo value
        load(db, ars_catalog, rows(flow_row("29", "1")), origin=Origin.demo, source="demo")
        # When a deposit brings the real value, then the demo comes again
        load(db, ars_catalog, rows(flow_row("29", "10")))
        load(db, ars_catalog, rows(flow_row("29", "2")), origin=Origin.demo, source="demo")
        # Then the real value stays
        ((*_, value, _n, _d, _m, origin),) = observations(db)
        assert (value, origin) == (10.0, Origin.deposit)

    def test_region_and_france_are_recomputed_from_departments(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given every département with the value 1 (Bretagne's 29 with 5)
        deps = [d.code for d in geography.by_level("department")]
        tidy = rows(*(flow_row(code, "5" if code == "29" else "1") for code in deps))
        # When they are loaded
        result = load(db, ars_catalog, tidy)
        # Then each région is the sum of its départements, and France of all
        stored = {(o[1], o[2]): o[5] for o in observations(db)}
        assert stored[("region", "53")] == 8.0  # 22, 29, 35, 56
        assert stored[("region", "11")] == 8.0  # the 8 départements of Île-de-France
        assert stored[("national", "FR")] == 105.0
        assert result.aggregates.rows_inserted == 19

    def test_ratio_aggregate_sums_numerators_and_denominators(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given the four départements of Bretagne with their components
        comps = {"22": ("10", "100"), "29": ("30", "100"), "35": ("0", "100"), "56": ("60", "100")}
        tidy = rows(
            *(
                {"indicator_id": RATE, "code": c, "period": "2024-03", "value": "",
                 "numerator": n, "denominator": d}
                for c, (n, d) in comps.items()
            )
        )  # fmt: skip
        # When they are loaded
        load(db, ars_catalog, tidy)
        # Then the région is 100 × Σnum / Σden, not the mean of the rates
        stored = {(o[1], o[2]): o[5:8] for o in observations(db)}
        assert stored[("region", "53")] == (25.0, 100.0, 400.0)
        assert stored[("department", "29")] == (30.0, 30.0, 100.0)

    def test_aggregate_given_by_the_source_is_kept(self, db: Engine, ars_catalog: Catalog) -> None:
        # Given all départements and a région row given by the source itself
        deps = [d.code for d in geography.by_level("department")]
        tidy = rows(
            *(flow_row(code, "1") for code in deps),
            {**flow_row("53", "7"), "level": "region"},
        )
        # When they are loaded
        load(db, ars_catalog, tidy)
        # Then the given région value wins over the recomputed one
        stored = {(o[1], o[2]): o[5] for o in observations(db)}
        assert stored[("region", "53")] == 7.0
        assert stored[("region", "11")] == 8.0

    def test_run_left_running_by_a_killed_load_is_marked_failed(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        # Given a run left « running » (its process was killed)
        load(db, ars_catalog, rows(flow_row("29", "10")))
        with db.begin() as conn:
            conn.execute(update(Run).values(status=RunStatus.running, finished_at=None))
        # When the next load takes the lock
        load(db, ars_catalog, rows(flow_row("29", "11")))
        # Then the dead run is closed as failed with a French reason
        first = runs(db)[0]
        assert first.status is RunStatus.failed
        assert first.error == STALE_RUN_ERROR

    def test_provenance_is_stored_on_the_run(self, db: Engine, ars_catalog: Catalog) -> None:
        # Given a download's provenance
        when = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)
        prov = Provenance(
            source_url="https://example.org/f.csv", retrieved_at=when, checksum="c0ffee",
            etag='"v1"', last_modified="Sat, 01 Mar 2025 08:00:00 GMT",
        )  # fmt: skip
        # When the rows are loaded
        load(db, ars_catalog, rows(flow_row("29", "10")), provenance=prov)
        # Then the run keeps it
        (run,) = runs(db)
        assert (run.source_url, run.checksum, run.etag) == (prov.source_url, "c0ffee", '"v1"')
        assert run.retrieved_at is not None
        assert run.retrieved_at.replace(tzinfo=dt.UTC) == when


class TestPlan:
    def test_plan_gives_the_diff_and_writes_nothing(self, db: Engine, ars_catalog: Catalog) -> None:
        # Given two loaded values
        load(db, ars_catalog, rows(flow_row("29", "10"), flow_row("22", "4")))
        before = tables(db)
        # When a file changing one, keeping one and adding one is planned
        tidy = rows(flow_row("29", "12"), flow_row("22", "4"), flow_row("35", "7"))
        result = plan(db, request(ars_catalog, tidy))
        # Then each row's fate and the value before → after are given
        assert list(zip(result.rows["code"], result.rows["status"], strict=True)) == [
            ("29", "updated"), ("22", "unchanged"), ("35", "new"),
        ]  # fmt: skip
        assert [(c.row, c.column, c.before, c.after) for c in result.changes] == [
            (0, "value", 10.0, 12.0)
        ]
        assert (result.count("new"), result.count("updated"), result.count("unchanged")) == (
            1,
            1,
            1,
        )
        # And not one row of any table changed: no data, no run, no history
        assert tables(db) == before

    def test_plan_of_a_bad_file_raises_the_french_report_and_records_no_run(
        self, db: Engine, ars_catalog: Catalog
    ) -> None:
        before = tables(db)
        with pytest.raises(ValidationFailed, match="valeur invalide « 2C »"):
            plan(db, request(ars_catalog, rows(flow_row("2C", "5"))))
        assert tables(db) == before


STOCK_MONTHLY = "mes_comptes_actives"  # count, sum, monthly, stock, départements


def deposit(file: str, *records: tuple[str, str, str]) -> pd.DataFrame:
    """A deposit file of the real catalog's monthly stock: (code, period, value) per row."""
    frame = pd.DataFrame(
        [
            {"indicator_id": STOCK_MONTHLY, "level": "department", "code": code,
             "period": period, "breakdown": "", "value": value, "numerator": "",
             "denominator": ""}
            for code, period, value in records
        ]
    )  # fmt: skip
    frame["row"] = range(2, len(records) + 2)
    frame["file"] = file
    return frame


def load_file(
    engine: Engine, catalog: Catalog, tidy: pd.DataFrame, origin: Origin = Origin.deposit
) -> LoadResult:
    return load_tidy(
        engine,
        LoadRequest(
            catalog=catalog, source=f"depot-{origin.value}", kind="import", origin=origin,
            tidy=tidy, columns=TIDY_TO_FRENCH,
        ),
    )  # fmt: skip


def stored_stock(engine: Engine) -> list[tuple[str, dt.date, float, str]]:
    with engine.connect() as conn:
        return [
            (str(code), period, float(value), str(Origin(origin).value))
            for code, period, value, origin in conn.execute(
                select(Area.code, Observation.period_start, Observation.value, Observation.origin)
                .join(Area, Area.id == Observation.area_id)
                .where(Observation.indicator_id == STOCK_MONTHLY, Area.level == "department")
                .order_by(Area.code, Observation.period_start)
            )
        ]


class TestStockAgainstStored:
    def test_fall_between_two_files_is_refused_naming_the_cell(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given 200 000 accounts stored for January by a first file
        load_file(engine, catalog, deposit("depot-janvier.csv", ("29", "2024-01", "200 000")))
        before = tables(engine)
        # When a second file gives 1 000 for February
        second = deposit("depot-fevrier.csv", ("22", "2024-02", "5"), ("29", "2024-02", "1 000"))
        with pytest.raises(ValidationFailed) as caught:
            load_file(engine, catalog, second)
        # Then the file is refused naming its file, row, column and value
        (error,) = caught.value.errors
        assert (error.file, error.row, error.column, error.value) == (
            "depot-fevrier.csv", 3, "valeur", "1000",
        )  # fmt: skip
        assert "valeur enregistrée pour 2024-01-01 : 200000" in error.expected
        # And nothing was written but the failed run, which carries the French report
        after = tables(engine)
        run = runs(engine)[-1]
        assert {k: v for k, v in after.items() if k != "runs"} == {
            k: v for k, v in before.items() if k != "runs"
        }
        assert (run.status, run.rows_inserted) == (RunStatus.failed, 0)
        assert run.error == caught.value.report()
        assert "Fichier « depot-fevrier.csv », ligne 3, colonne « valeur »" in run.error

    def test_plan_refuses_the_fall_too(self, engine: Engine, catalog: Catalog) -> None:
        # Given 200 000 stored for January
        load_file(engine, catalog, deposit("depot-janvier.csv", ("29", "2024-01", "200 000")))
        # When February's 1 000 is previewed
        feb = deposit("depot-fevrier.csv", ("29", "2024-02", "1 000"))
        request = LoadRequest(
            catalog=catalog, source="depot", kind="import", origin=Origin.deposit, tidy=feb
        )
        # Then the preview refuses it as the load would
        with pytest.raises(ValidationFailed, match="valeur enregistrée pour 2024-01-01"):
            plan(engine, request)

    def test_stored_value_after_the_file_that_would_fall_is_refused(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given February stored at 200 000
        load_file(engine, catalog, deposit("depot-fevrier.csv", ("29", "2024-02", "200 000")))
        # When a later file gives January at 300 000, above what follows it
        late = deposit("depot-janvier.csv", ("29", "2024-01", "300 000"))
        # Then it is refused, naming the stored period after it
        with pytest.raises(ValidationFailed, match="valeur enregistrée pour 2024-02-01"):
            load_file(engine, catalog, late)

    def test_each_series_is_compared_with_its_own_last_stored_period(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given Finistère last stored in October, Côtes-d'Armor in January
        load_file(engine, catalog, deposit("depot-1.csv", ("29", "2023-10", "200 000")))
        load_file(engine, catalog, deposit("depot-2.csv", ("22", "2024-01", "100")))
        # When February rises in Côtes-d'Armor and falls in Finistère
        feb = deposit("depot-3.csv", ("22", "2024-02", "150"), ("29", "2024-02", "1 000"))
        # Then only Finistère is refused, against its October value
        with pytest.raises(ValidationFailed) as caught:
            load_file(engine, catalog, feb)
        (error,) = caught.value.errors
        assert error.row == 3
        assert "valeur enregistrée pour 2023-10-01 : 200000" in error.expected

    @pytest.mark.parametrize("february", ["250 000", "196 000"], ids=["rise", "small-dip"])
    def test_rise_or_dip_within_tolerance_is_accepted(
        self, engine: Engine, catalog: Catalog, february: str
    ) -> None:
        # Given 200 000 stored for January
        load_file(engine, catalog, deposit("depot-janvier.csv", ("29", "2024-01", "200 000")))
        # When February rises, or dips by less than the tolerance
        result = load_file(
            engine, catalog, deposit("depot-fevrier.csv", ("29", "2024-02", february))
        )
        # Then it is stored
        assert result.status is RunStatus.success
        assert stored_stock(engine)[-1][:3] == (
            "29",
            dt.date(2024, 2, 1),
            float(february.replace(" ", "")),
        )

    def test_demo_rows_are_not_compared_with(self, engine: Engine, catalog: Catalog) -> None:
        # Given a demo January of 200 000
        load_file(engine, catalog, deposit("demo.csv", ("29", "2024-01", "200 000")), Origin.demo)
        # When a deposit gives 1 000 for February
        result = load_file(
            engine, catalog, deposit("depot-fevrier.csv", ("29", "2024-02", "1 000"))
        )
        # Then it is stored: only real rows are what a real file is compared with
        assert result.status is RunStatus.success
        assert stored_stock(engine) == [
            ("29", dt.date(2024, 1, 1), 200_000.0, "demo"),
            ("29", dt.date(2024, 2, 1), 1_000.0, "deposit"),
        ]

    def test_a_row_kept_for_a_stronger_origin_is_compared_as_stored(
        self, engine: Engine, catalog: Catalog
    ) -> None:
        # Given a deposit of 200 000 for January
        load_file(engine, catalog, deposit("depot-janvier.csv", ("29", "2024-01", "200 000")))
        # When a source gives 1 000 for January and February: its January stays unwritten
        source = deposit("source.csv", ("29", "2024-01", "1 000"), ("29", "2024-02", "1 000"))
        # Then its February is refused against the deposit's January
        with pytest.raises(ValidationFailed) as caught:
            load_file(engine, catalog, source, Origin.source)
        (error,) = caught.value.errors
        assert (error.row, error.value) == (3, "1000")
