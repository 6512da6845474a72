"""Migration 0004 (access): accounts, throttling, audit, pending deposits, the run's actor."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from core import db

NEW_TABLES = {"users", "login_throttle", "audit_log", "pending_deposits"}


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


class TestMigration0004:
    def test_downgrade_then_upgrade_round_trips(self, engine: Engine) -> None:
        # Given a database at head
        assert tables(engine) >= NEW_TABLES
        assert "actor" in {c["name"] for c in inspect(engine).get_columns("runs")}
        # When it goes back to 0003, the access tables and the run's actor go
        command.downgrade(db.alembic_config(engine), "0003")
        assert tables(engine) & NEW_TABLES == set()
        assert "actor" not in {c["name"] for c in inspect(engine).get_columns("runs")}
        # And they come back with the upgrade, the audit log append-only again
        db.upgrade(engine)
        assert tables(engine) >= NEW_TABLES
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO audit_log (at, action) VALUES (CURRENT_TIMESTAMP, 'sign_in')")
            )
        with pytest.raises(Exception, match="ajout seul"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET action = 'x'"))

    def test_an_ars_account_needs_a_region_and_a_dns_none(self, engine: Engine) -> None:
        insert = (
            "INSERT INTO users (email, role, region, sso_only, disabled, created_at, updated_at) "
            "VALUES (:email, :role, :region, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        for role, region in (("ars", None), ("dns", "53"), ("admin", None)):
            with pytest.raises(Exception, match="ck_users"), engine.begin() as conn:
                values = {"email": f"{role}@x.fr", "role": role, "region": region}
                conn.execute(text(insert), values)
