"""Targets a source sets per territory (etl.targets): migration 0005, the DITP connector
loading them in its run's one transaction, idempotent reloads, the catalog sync keeping
them, bad target rows refused in French."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from core import db
from core.catalog import Catalog
from core.models import Area, Observation, Run, RunStatus, Target
from core.vocabulary import TargetOrigin
from etl.http import HttpFetcher, HttpSettings, Progress
from etl.run import run_sources
from etl.sources.ditp import REFERENCE_DIR, SNAPSHOT_COMMIT
from etl.sync import sync_reference
from etl.write import EVENTS, Write

SNAPSHOT = REFERENCE_DIR / "ditp"
HEADER = "indic_id,enforce_zone_id,metric_enforce_date,maille,indic_vi,indic_va,indic_vc,indic_ta"
SAS = "ditp-sas-population"
AIDANTS = "ditp-aidants-numeriques"


@pytest.fixture
def fetcher(tmp_path: Path) -> HttpFetcher:
    config = HttpSettings(timeout=2.0, retries=0, backoff=0.0, cache_dir=tmp_path / "cache")
    return HttpFetcher(config=config, progress=Progress(interactive=False))


def run(engine: Engine, catalog: Catalog, fetcher: HttpFetcher, *names: str, force: bool = False):  # type: ignore[no-untyped-def]
    return run_sources(
        engine, catalog, names=names, fetcher=fetcher, force=force, say=lambda _: None
    )


def source_targets(engine: Engine, indicator_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(level, code) -> stored source target of an indicator."""
    t = Target
    stmt = (
        select(Area.level, Area.code, t.id, t.value, t.deadline, t.baseline_value,
               t.baseline_date, t.baseline_source, t.run_id, t.source_title, t.source_url)
        .join(Area, Area.id == t.area_id)
        .where(t.indicator_id == indicator_id, t.origin == TargetOrigin.source.value)
    )  # fmt: skip
    with engine.connect() as conn:
        return {(r.level, r.code): r._asdict() for r in conn.execute(stmt)}


def count(engine: Engine, model: type[Any], **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)


def with_directory(catalog: Catalog, name: str, directory: Path) -> Catalog:
    """The catalog with one DITP source reading its file from `directory`."""
    entries = [
        {**e, "directory": str(directory)} if e.get("name") == name else e for e in catalog.sources
    ]
    return catalog.model_copy(update={"sources": entries})


class TestMigration:
    def at_0003_with_a_target(self, tmp_path: Path) -> Engine:
        engine = db.make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
        command.upgrade(db.alembic_config(engine), "0003")
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO areas (id, level, code, name, population, population_year) "
                "VALUES (1, 'national', 'FR', 'France', 68000000, 2024)",
                "INSERT INTO indicators (id, label, axis, unit, nature, frequency, aggregation, "
                "visibility, definition) VALUES ('x', 'X', 'a', 'percent', 'stock', 'monthly', "
                "'sum', 'public', '{}')",
                "INSERT INTO targets (indicator_id, area_id, value, unit, deadline, comparison, "
                "label, source_title, date_verified) VALUES ('x', 1, 100, 'percent', "
                "'2026-12-31', 'latest', 'Cible', 'Texte', 1)",
            ):
                conn.execute(text(sql))
        return engine

    def test_upgrade_from_0003_keeps_targets_as_catalog_ones(self, tmp_path: Path) -> None:
        # Given a database at 0003 holding one target
        engine = self.at_0003_with_a_target(tmp_path)
        # When it is migrated to the head
        db.upgrade(engine)
        # Then the target is a catalog one, with no baseline and no run
        with engine.connect() as conn:
            row = conn.execute(
                select(Target.origin, Target.baseline_value, Target.baseline_date, Target.run_id)
            ).one()
        assert tuple(row) == ("catalog", None, None, None)
        columns = {c["name"] for c in inspect(engine).get_columns("targets")}
        assert {"baseline_value", "baseline_date", "baseline_source", "origin", "run_id"} <= columns

    def test_a_source_may_state_the_same_target_but_not_twice(self, tmp_path: Path) -> None:
        engine = self.at_0003_with_a_target(tmp_path)
        db.upgrade(engine)
        same = (
            "INSERT INTO targets (indicator_id, area_id, value, unit, deadline, comparison, "
            "label, source_title, date_verified, origin) VALUES ('x', 1, 100, 'percent', "
            "'2026-12-31', 'latest', 'Cible', 'Fichier', 1, 'source')"
        )
        # When the source states the catalog's target: Then it is stored beside it
        with engine.begin() as conn:
            conn.execute(text(same))
        # And a second copy from the source breaks the unique key
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(same))

    def test_downgrade_drops_the_source_targets(self, tmp_path: Path) -> None:
        engine = self.at_0003_with_a_target(tmp_path)
        db.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE targets SET value = 90"))
            conn.execute(
                text(
                    "INSERT INTO targets (indicator_id, area_id, value, unit, deadline, "
                    "comparison, label, source_title, date_verified, origin) VALUES ('x', 1, "
                    "100, 'percent', '2026-12-31', 'latest', 'Cible', 'Fichier', 1, 'source')"
                )
            )
        command.downgrade(db.alembic_config(engine), "0003")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT value FROM targets")).scalars().all() == [90.0]


class TestDitpTargetsLoad:
    def test_each_department_gets_its_own_target_and_baseline(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        # When the SAS file of the Baromètre is loaded
        (result,) = run(engine, catalog, fetcher, SAS)
        assert result.status is RunStatus.success, result.message
        stored = source_targets(engine, "sas_couverture_population")
        # Then France and the 100 départements it covers (no Mayotte) have a target of 100
        assert len(stored) == 101
        assert ("department", "976") not in stored
        assert {t["value"] for t in stored.values()} == {100.0}
        assert {t["deadline"] for t in stored.values()} == {dt.date(2026, 12, 31)}
        # each with its own baseline and date (France 36, Pyrénées-Atlantiques 66)
        fr, d64 = stored[("national", "FR")], stored[("department", "64")]
        assert (fr["baseline_value"], fr["baseline_date"]) == (36.0, dt.date(2022, 12, 1))
        assert d64["baseline_value"] == 66.0
        assert "ind-587.csv" in d64["baseline_source"] and "indic_vi" in d64["baseline_source"]
        # loaded by the run of the observations, from the pinned published file
        assert {t["run_id"] for t in stored.values()} == {result.run_id}
        assert fr["source_url"] == (
            "https://raw.githubusercontent.com/DITP-pilotage/barometre-resultats/"
            f"{SNAPSHOT_COMMIT}/data/ind-587.csv"
        )
        assert "IND-587" in fr["source_title"] and "« ind-587.csv »" in fr["source_title"]

    def test_aidants_have_targets_at_every_level(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        # When IND-734 is loaded (a stock that really falls: not refused)
        (result,) = run(engine, catalog, fetcher, AIDANTS)
        assert result.status is RunStatus.success, result.message
        assert count(engine, Observation, indicator_id="aidants_numeriques_formes") == 1920
        stored = source_targets(engine, "aidants_numeriques_formes")
        # Then France, 18 régions and 101 départements have their own target
        levels = [level for level, _ in stored]
        assert (levels.count("national"), levels.count("region")) == (1, 18)
        assert levels.count("department") == 101
        assert stored[("national", "FR")]["value"] == 20000.0
        assert stored[("department", "01")]["value"] == 192.0

    def test_without_its_reason_the_falling_aidants_series_would_be_refused(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        # Given the catalog without the reason why IND-734 is not a running total
        ind = catalog.get("aidants_numeriques_formes")
        assert ind.not_cumulative and "cumul: false" in ind.not_cumulative
        data = catalog.model_dump()
        for entry in data["indicators"]:
            if entry["id"] == ind.id:
                entry["not_cumulative"] = None
        strict = Catalog.model_validate(data)
        # When the same file is loaded
        (result,) = run(engine, strict, fetcher, AIDANTS)
        # Then its real falls (Corse-du-Sud 73 → 56 in October 2023) are refused, nothing written
        assert result.status is RunStatus.failed
        assert "Fichier rejeté : 16 erreurs" in result.message
        assert "« 56.0 »" in result.message and "(période 2023-09-01 : 73)" in result.message
        assert count(engine, Observation) == 0
        assert count(engine, Target, origin=TargetOrigin.source.value) == 0

    def test_a_second_run_changes_nothing(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        (first,) = run(engine, catalog, fetcher, SAS)
        before = source_targets(engine, "sas_couverture_population")
        # When the same file is loaded again, forced past the checksum, then normally
        (forced,) = run(engine, catalog, fetcher, SAS, force=True)
        (again,) = run(engine, catalog, fetcher, SAS)
        # Then the forced run changed nothing (targets kept with the run that loaded them)
        assert forced.status is RunStatus.unchanged
        assert "101 inchangées" in forced.message
        assert again.status is RunStatus.unchanged and "rien à charger" in again.message
        assert source_targets(engine, "sas_couverture_population") == before
        assert {t["run_id"] for t in before.values()} == {first.run_id}

    def test_a_file_loaded_before_targets_existed_is_read_again(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        # Given the file loaded, then its targets gone (a database loaded before 0005)
        run(engine, catalog, fetcher, SAS)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM targets WHERE origin = 'source'"))
        # When the same file is run again (same SHA-256)
        (again,) = run(engine, catalog, fetcher, SAS)
        # Then it is not skipped: its targets come back
        assert again.status is RunStatus.success, again.message
        assert len(source_targets(engine, "sas_couverture_population")) == 101

    def test_a_target_the_file_drops_goes_and_a_changed_baseline_is_updated(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher, tmp_path: Path
    ) -> None:
        # Given the SAS file loaded
        run(engine, catalog, fetcher, SAS)
        # When a new file no longer sets Ain's target and moves France's baseline
        lines = (SNAPSHOT / "ind-587.csv").read_text(encoding="utf-8").splitlines()
        edited = [
            line.replace("FRANCE,2022-12-01,NAT,36.0", "FRANCE,2022-12-01,NAT,37.0").replace(
                "D01,2026-12-01,DEPT,,,100.0,", "D01,2026-12-01,DEPT,,,,"
            )
            for line in lines
        ]
        (tmp_path / "ind-587.csv").write_text("\n".join(edited) + "\n", encoding="utf-8")
        (result,) = run(engine, with_directory(catalog, SAS, tmp_path), fetcher, SAS)
        # Then Ain has no target any more, France's baseline is the new one, from this run
        stored = source_targets(engine, "sas_couverture_population")
        assert result.status is RunStatus.success, result.message
        assert ("department", "01") not in stored and len(stored) == 100
        assert stored[("national", "FR")]["baseline_value"] == 37.0
        assert stored[("national", "FR")]["run_id"] == result.run_id
        assert "1 mises à jour" in result.message and "1 supprimées" in result.message

    def test_targets_and_observations_are_one_transaction(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        # Given a failure just before the write commits
        def fail(_: Write) -> None:
            raise RuntimeError("coupure")

        stop = EVENTS.listen("before_commit", fail)
        try:
            (result,) = run(engine, catalog, fetcher, SAS)
        finally:
            stop()
        # Then neither the observations nor the targets were written, and the run says why
        assert result.status is RunStatus.failed
        assert count(engine, Observation) == 0
        assert count(engine, Target, origin=TargetOrigin.source.value) == 0
        assert count(engine, Run, status=RunStatus.failed) == 1


class TestSyncKeepsSourceTargets:
    def test_the_catalog_sync_replaces_only_its_own_targets(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher
    ) -> None:
        # Given the SAS targets loaded from the source
        run(engine, catalog, fetcher, SAS)
        catalog_count = count(engine, Target, origin=TargetOrigin.catalog.value)
        before = source_targets(engine, "sas_couverture_population")
        # When the catalog is synced again (every ETL command does it)
        with engine.begin() as conn:
            sync_reference(conn, catalog)
        # Then the source targets are untouched and the catalog's are there once
        assert source_targets(engine, "sas_couverture_population") == before
        assert count(engine, Target, origin=TargetOrigin.catalog.value) == catalog_count
        expected = sum(len(i.targets) for i in catalog.indicators)
        assert catalog_count == expected

    def test_catalog_targets_keep_their_baseline(self, engine: Engine) -> None:
        stmt = select(Target.baseline_value, Target.baseline_date).where(
            Target.indicator_id == "mes_activation_population",
            Target.origin == TargetOrigin.catalog.value,
        )
        with engine.connect() as conn:
            assert tuple(conn.execute(stmt).one()) == (12.0, dt.date(2022, 12, 1))


class TestBadTargetRows:
    def refusal(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher, tmp_path: Path, body: str
    ) -> str:
        (tmp_path / "ind-587.csv").write_text(f"{HEADER}\n{body}\n", encoding="utf-8")
        (result,) = run(engine, with_directory(catalog, SAS, tmp_path), fetcher, SAS)
        assert result.status is RunStatus.failed
        # nothing written: neither observations nor targets
        assert count(engine, Observation) == 0
        assert count(engine, Target, origin=TargetOrigin.source.value) == 0
        return result.message

    def test_a_bad_target_value_names_file_row_and_column(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher, tmp_path: Path
    ) -> None:
        message = self.refusal(
            engine, catalog, fetcher, tmp_path,
            "IND-587,D01,2022-12-01,DEPT,0.0,,,\nIND-587,D01,2024-09-01,DEPT,,100.0,,\n"
            "IND-587,D01,2026-12-01,DEPT,,,cent,",
        )  # fmt: skip
        assert (
            "Fichier « ind-587.csv », ligne 4, colonne « indic_vc » : valeur invalide « cent »"
        ) in message

    def test_a_target_without_its_date_is_refused(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher, tmp_path: Path
    ) -> None:
        message = self.refusal(
            engine, catalog, fetcher, tmp_path,
            "IND-587,D01,2024-09-01,DEPT,,100.0,,\nIND-587,D01,,DEPT,,,100.0,",
        )  # fmt: skip
        assert "ligne 3, colonne « metric_enforce_date » : valeur invalide «  »" in message
        assert "la date de la valeur « indic_vc »" in message

    def test_two_targets_for_one_zone_are_refused(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher, tmp_path: Path
    ) -> None:
        message = self.refusal(
            engine, catalog, fetcher, tmp_path,
            "IND-587,D01,2024-09-01,DEPT,,100.0,,\nIND-587,D01,2026-12-01,DEPT,,,100.0,\n"
            "IND-587,D01,2027-12-01,DEPT,,,90.0,",
        )  # fmt: skip
        assert "ligne 4, colonne « indic_vc » : valeur invalide « 90.0 »" in message
        assert "une seule valeur « indic_vc » par zone (déjà donnée ligne 3)" in message

    def test_a_baseline_after_the_deadline_is_refused(
        self, engine: Engine, catalog: Catalog, fetcher: HttpFetcher, tmp_path: Path
    ) -> None:
        message = self.refusal(
            engine, catalog, fetcher, tmp_path,
            "IND-587,D01,2027-01-01,DEPT,5.0,,,\nIND-587,D01,2024-09-01,DEPT,,100.0,,\n"
            "IND-587,D01,2026-12-01,DEPT,,,100.0,",
        )  # fmt: skip
        assert "ligne 2, colonne « metric_enforce_date » : valeur invalide « 2027-01-01 »" in (
            message
        )
        assert "antérieure à l'échéance" in message
