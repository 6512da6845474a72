"""The one recorded, locked write path: every writer holds the lock and leaves its run."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.catalog import Catalog, load_catalog
from core.errors import UserError
from core.models import Observation, Run, RunStatus
from etl.demo import purge_demo, run_demo
from etl.http import HttpFetcher, HttpSettings, Progress
from etl.lock import LockTimeout
from etl.published import load_published
from etl.run import run_sources
from etl.service import confirm_deposit, plan_deposit
from etl.sync import sync_indicators
from etl.validate import ValidationFailed
from etl.write import EVENTS, EventName, Write
from tests.etl.test_demo import PUBLISHED_HEADER, subset, write_published

ROOT = Path(__file__).resolve().parents[2]
ARS_CATALOG = ROOT / "tests" / "fixtures" / "ars" / "catalog.yaml"
FLOW = "test_teleconsultations"
DEMO_INDICATOR = "mes_comptes_actives"


@pytest.fixture
def ars() -> Catalog:
    return load_catalog(ARS_CATALOG)


@pytest.fixture
def db(engine: Engine, ars: Catalog) -> Engine:
    with engine.begin() as conn:
        sync_indicators(conn, ars)
    return engine


@pytest.fixture
def listen() -> Iterator[Callable[[EventName, Callable[[Write], None]], None]]:
    """Register listeners on the write path's events, all removed after the test."""
    stops: list[Callable[[], None]] = []

    def add(name: EventName, listener: Callable[[Write], None]) -> None:
        stops.append(EVENTS.listen(name, listener))

    yield add
    for stop in stops:
        stop()


def deposit(path: Path, values: dict[str, str]) -> Path:
    lines = ["indicateur;niveau;code_territoire;periode;valeur"]
    lines += [f"{FLOW};departement;{code};2024-03;{v}" for code, v in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def published_rate(tmp_path: Path, value: str) -> Path:
    """A published file of one national activation rate (a ratio indicator), given alone."""
    path = tmp_path / "chiffres.csv"
    row = (f"mes_taux_activation;national;FR;month;2024-06-01;;{value};percent;exact;true;"
           "CNAM;Bilan;https://example.org/b;2024-07-01;true;")  # fmt: skip
    path.write_text(f"{PUBLISHED_HEADER}\n{row}\n", encoding="utf-8")
    return path


def runs(engine: Engine) -> list[Run]:
    with Session(engine) as session:
        return list(session.scalars(select(Run).order_by(Run.id)))


def counts(run: Run) -> tuple[Any, ...]:
    return (run.kind, run.status, run.rows_read, run.rows_inserted, run.rows_deleted)


def demo(engine: Engine, catalog: Catalog, **kwargs: Any) -> Any:
    return run_demo(engine, subset(catalog, [DEMO_INDICATOR]), seed=1, until=None,
                    progress=lambda _: None, **kwargs)  # fmt: skip


class TestEveryWriterLeavesItsRun:
    def test_import(self, db: Engine, ars: Catalog, tmp_path: Path) -> None:
        # When a deposit of two départements is imported
        confirm_deposit(db, deposit(tmp_path / "a.csv", {"29": "1", "22": "2"}), catalog=ars)
        # Then its run counts the two rows (too few départements for an aggregate)
        [run] = runs(db)
        assert counts(run) == ("import", RunStatus.success, 2, 2, 0)

    def test_connector(self, db: Engine, ars: Catalog, tmp_path: Path) -> None:
        # Given a local-file connector over a folder with one deposit
        folder = tmp_path / "depots"
        folder.mkdir()
        deposit(folder / "a.csv", {"29": "1"})
        entry = {"name": "depots-locaux", "type": "local_file", "label": "Dépôts locaux",
                 "directory": str(folder)}  # fmt: skip
        catalog = ars.model_copy(update={"sources": [entry]})
        settings = HttpSettings(timeout=2.0, retries=1, backoff=0.0, cache_dir=tmp_path / "c")
        fetcher = HttpFetcher(config=settings, progress=Progress(interactive=False))
        # When the sources run
        [result] = run_sources(db, catalog, fetcher=fetcher, say=lambda _: None)
        # Then the connector's run counts its row
        [run] = runs(db)
        assert result.run_id == run.id
        assert counts(run) == ("connector", RunStatus.success, 1, 1, 0)

    def test_published(self, engine: Engine, catalog: Catalog, tmp_path: Path) -> None:
        # When the published figures are loaded
        report = load_published(engine, write_published(tmp_path), catalog=catalog)
        # Then the run counts every row of the file and the observations inserted
        [run] = runs(engine)
        assert counts(run) == ("published", RunStatus.success, report.rows_read,
                               report.rows_inserted, 0)  # fmt: skip
        assert report.rows_read > report.rows_inserted > 0

    def test_published_rate_is_loaded_without_numerator_and_denominator(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        # Given a published national rate of an indicator aggregated by ratio, given alone
        path = published_rate(tmp_path, "45.5")
        # When it is loaded
        report = load_published(engine, path, catalog=catalog)
        # Then it passes validation and becomes the observation
        assert report.rows_inserted == 1
        with engine.connect() as conn:
            stored = conn.execute(select(Observation.indicator_id, Observation.value)).all()
        assert [tuple(r) for r in stored] == [("mes_taux_activation", 45.5)]

    def test_published_figure_out_of_range_is_rejected_like_any_load(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        # Given a published rate above 100 %
        path = published_rate(tmp_path, "145.5")
        # When it is loaded, the validation of every load names the file, row and value
        with pytest.raises(ValidationFailed, match=r"chiffres\.csv.*ligne 2.*« 145\.5 »"):
            load_published(engine, path, catalog=catalog)
        # And nothing is written but the failed run
        assert [(r.kind, r.status) for r in runs(engine)] == [("published", RunStatus.failed)]

    def test_published_again_is_unchanged(
        self, engine: Engine, catalog: Catalog, tmp_path: Path
    ) -> None:
        path = write_published(tmp_path)
        load_published(engine, path, catalog=catalog)
        load_published(engine, path, catalog=catalog)
        assert runs(engine)[-1].status is RunStatus.unchanged

    def test_demo_and_demo_purge(self, engine: Engine, catalog: Catalog) -> None:
        # When the demo of one indicator is loaded, then purged
        report = demo(engine, catalog)
        deleted = purge_demo(engine)
        # Then each left a run with its counts
        load, purge = runs(engine)
        assert counts(load) == ("demo", RunStatus.success, report.rows_read,
                                report.rows_inserted, 0)  # fmt: skip
        assert counts(purge) == ("demo", RunStatus.success, 0, 0, deleted)
        assert deleted == report.rows_inserted > 0


class TestLock:
    def hold_import(
        self, db: Engine, ars: Catalog, path: Path, listen: Any
    ) -> tuple[threading.Thread, threading.Event, list[BaseException]]:
        """An import running in a thread, paused while it holds the lock until released."""
        inside, release = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def hold(write: Write) -> None:
            if write.request.kind == "import":
                inside.set()
                assert release.wait(60)

        def work() -> None:
            try:
                confirm_deposit(db, path, catalog=ars)
            except BaseException as exc:  # reported to the test thread
                errors.append(exc)

        listen("locked", hold)
        thread = threading.Thread(target=work)
        thread.start()
        assert inside.wait(60)
        return thread, release, errors

    def test_demo_started_during_an_import_waits_then_is_refused(
        self, db: Engine, ars: Catalog, catalog: Catalog, tmp_path: Path, listen: Any
    ) -> None:
        # Given an import holding the load lock
        path = deposit(tmp_path / "a.csv", {"29": "1"})
        thread, release, errors = self.hold_import(db, ars, path, listen)
        waited = threading.Event()
        listen("lock_wait", lambda w: waited.set() if w.request.kind == "demo" else None)
        # When a demo load starts with a short wait
        try:
            with pytest.raises(LockTimeout) as caught:
                demo(db, catalog, lock_timeout=0.2)
        finally:
            release.set()
            thread.join(60)
        # Then it waited, was refused with the message two imports get, and its run says so
        assert waited.is_set()
        assert str(caught.value) == str(LockTimeout(0.2))
        assert "Un autre chargement est en cours sur cette base" in str(caught.value)
        assert errors == []
        refused = [r for r in runs(db) if r.kind == "demo"]
        assert [(r.status, r.error) for r in refused] == [(RunStatus.failed, str(caught.value))]

    def test_demo_waits_for_the_import_then_loads(
        self, db: Engine, ars: Catalog, catalog: Catalog, tmp_path: Path, listen: Any
    ) -> None:
        # Given an import holding the load lock
        path = deposit(tmp_path / "a.csv", {"29": "1"})
        thread, release, errors = self.hold_import(db, ars, path, listen)
        # When a demo load starts with a long wait, and the import ends once it waits
        listen("lock_wait", lambda w: release.set() if w.request.kind == "demo" else None)
        try:
            demo(db, catalog, lock_timeout=60)
        finally:
            release.set()
            thread.join(60)
        # Then both ran, one after the other
        assert errors == []
        assert [(r.kind, r.status) for r in runs(db)] == [
            ("import", RunStatus.success), ("demo", RunStatus.success)
        ]  # fmt: skip


class TestService:
    def test_plan_deposit_previews_the_file_then_confirm_loads_it(
        self, db: Engine, ars: Catalog, tmp_path: Path
    ) -> None:
        # Given a stored deposit, and a corrected file that changes it and adds a row
        confirm_deposit(db, deposit(tmp_path / "a.csv", {"29": "1"}), catalog=ars)
        path = deposit(tmp_path / "a.csv", {"29": "3", "22": "2"})
        before = runs(db)
        # When the corrected file is planned
        preview = plan_deposit(db, path, catalog=ars, indicator=FLOW)
        # Then the preview gives each row's fate and value, and records no run
        assert list(zip(preview.rows["code"], preview.rows["status"], strict=True)) == [
            ("29", "updated"), ("22", "new"),
        ]  # fmt: skip
        assert [(c.column, c.before, c.after) for c in preview.changes] == [("value", 1.0, 3.0)]
        assert [r.id for r in runs(db)] == [r.id for r in before]
        # And confirming it loads what the preview announced
        result = confirm_deposit(db, path, catalog=ars, indicator=FLOW)
        assert (result.report.rows_updated, result.report.rows_inserted) == (1, 1)

    def test_plan_of_a_missing_file_is_a_french_user_error(
        self, db: Engine, ars: Catalog, tmp_path: Path
    ) -> None:
        with pytest.raises(UserError, match="Fichier introuvable"):
            plan_deposit(db, tmp_path / "absent.csv", catalog=ars)
