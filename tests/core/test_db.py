"""Migrations up from empty on both databases; `init` twice is a no-op."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from core import db
from tests.conftest import PG_URL, drop_pg, fresh_pg_url, require_server

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
