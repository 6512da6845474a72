"""change history: one row per insert, update, delete or withdrawal of an observation

Replaces `revisions`, which kept only the old and new value of a changed real figure and
was cascade-deleted with its observation. `changes` keeps the full previous row (JSON),
the new value, the run and the time, and has no foreign key to the observation so it
outlives it. The old revisions are copied as `update` rows whose `previous` holds what
they knew (value and origin) and the key of their observation.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("breakdown", sa.String(length=48), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("previous", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('insert', 'update', 'delete', 'withdrawal')", name="ck_changes_kind"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_changes_run", "changes", ["run_id"], unique=False)
    build = "json_build_object" if op.get_bind().dialect.name == "postgresql" else "json_object"
    op.execute(
        "INSERT INTO changes (run_id, changed_at, kind, observation_id, indicator_id, area_id, "
        "period_start, breakdown, origin, value, previous) "
        "SELECT r.run_id, r.changed_at, 'update', o.id, o.indicator_id, o.area_id, "
        "o.period_start, o.breakdown, o.origin, r.new_value, "
        f"{build}('value', r.old_value, 'origin', r.old_origin) "
        "FROM revisions r JOIN observations o ON o.id = r.observation_id ORDER BY r.id"
    )
    op.drop_index("ix_revisions_observation", table_name="revisions")
    op.drop_table("revisions")


def downgrade() -> None:
    """The history does not fit the old table: it is dropped, revisions start empty."""
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("old_origin", sa.String(length=16), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["observation_id"], ["observations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_revisions_observation", "revisions", ["observation_id"], unique=False)
    op.drop_index("ix_changes_run", table_name="changes")
    op.drop_table("changes")
