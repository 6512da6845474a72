"""Migrations up from empty on both databases; `init` twice is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from core import db
from core.models import Change, ChangeKind
from tests.conftest import PG_URL, drop_pg, fresh_pg_url, require_server

COUNTS = ("read", "inserted", "updated", "unchanged", "rejected", "deleted")
TABLES = {
    "areas",
    "indicators",
    "observations",
    "runs",
    "changes",
    "targets",
    "published_figures",
    "alembic_version",
}


class TestUpgrade:
    def test_empty_sqlite_is_migrated_to_head(self, tmp_path: Path) -> None:
        engine = db.make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
        db.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert db.current_revision(engine) == db.head_revision(engine)

    @pytest.mark.postgres
    def test_empty_postgresql_is_migrated_to_head(self) -> None:
        require_server(PG_URL, "postgres")
        url = fresh_pg_url("template0")
        try:
            engine = db.make_engine(url)
            db.upgrade(engine)
            assert set(inspect(engine).get_table_names()) >= TABLES
            assert db.current_revision(engine) == db.head_revision(engine)
            engine.dispose()
        finally:
            drop_pg(url)

    def test_upgrade_twice_is_a_no_op(self, tmp_path: Path) -> None:
        engine = db.make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
        db.upgrade(engine)
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision(engine)


class TestSafeUrl:
    def test_password_is_hidden(self) -> None:
        assert "secret" not in db.safe_url("postgresql+psycopg://u:secret@h/db")


class TestChangeHistoryMigration:
    """0003: `changes` replaces `revisions`, whose rows it keeps."""

    def at_0002_with_a_revision(self, tmp_path: Path) -> Engine:
        engine = db.make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
        command.upgrade(db.alembic_config(engine), "0002")
        counts = ", ".join(f"rows_{c}" for c in COUNTS)
        with engine.begin() as conn:
            for sql in (
                "INSERT INTO areas (id, level, code, name, population, population_year) "
                "VALUES (1, 'national', 'FR', 'France', 68000000, 2024)",
                "INSERT INTO indicators (id, label, axis, unit, nature, frequency, aggregation, "
                "visibility, definition) VALUES ('x', 'X', 'a', 'count', 'flow', 'monthly', "
                "'sum', 'public', '{}')",
                f"INSERT INTO runs (id, source, kind, status, started_at, {counts}) "
                f"VALUES (7, 's', 'import', 'success', '2025-01-01', {', '.join('0' * 6)})",
                "INSERT INTO observations (id, indicator_id, area_id, period_start, breakdown, "
                "value, is_masked, is_provisional, qualifier, origin, run_id) VALUES "
                "(3, 'x', 1, '2024-01-01', '_total', 12.0, 0, 0, 'exact', 'deposit', 7)",
                "INSERT INTO revisions (observation_id, run_id, old_value, new_value, "
                "old_origin, changed_at) VALUES (3, 7, 10.0, 12.0, 'source', '2025-01-01')",
            ):
                conn.execute(text(sql))
        return engine

    def test_revisions_become_update_changes_and_the_table_goes(self, tmp_path: Path) -> None:
        # Given a database at 0002 holding one revision
        engine = self.at_0002_with_a_revision(tmp_path)
        # When it is migrated to the head
        db.upgrade(engine)
        # Then the revision is an update change with what it knew of the previous row
        with engine.connect() as conn:
            row = conn.execute(
                select(Change.kind, Change.observation_id, Change.value, Change.previous)
            ).one()
        assert tuple(row) == (ChangeKind.update, 3, 12.0, {"value": 10.0, "origin": "source"})
        assert "revisions" not in inspect(engine).get_table_names()

    def test_an_unknown_change_kind_is_refused(self, tmp_path: Path) -> None:
        engine = self.at_0002_with_a_revision(tmp_path)
        db.upgrade(engine)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO changes (run_id, changed_at, kind, observation_id, "
                    "indicator_id, area_id, period_start, breakdown, origin) VALUES "
                    "(7, '2025-01-01', 'rename', 3, 'x', 1, '2024-01-01', '_total', 'deposit')"
                )
            )
