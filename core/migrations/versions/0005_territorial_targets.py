"""territorial targets: baseline, origin and run of each target

A target now keeps its baseline (value, date, where it is published), who set it
(`origin`: « catalog » for indicators.yaml, replaced at each sync; « source » for a
connector's file, such as the Baromètre's per-département targets) and, for a source
target, the run that loaded it. The same target may be stated by the catalog and by a
source: `origin` joins the unique key. Existing rows are catalog targets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_OLD_KEY = ["indicator_id", "area_id", "deadline", "comparison", "value"]


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("baseline_value", sa.Float(), nullable=True))
        batch.add_column(sa.Column("baseline_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("baseline_source", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="catalog")
        )
        batch.add_column(sa.Column("run_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_targets_run", "runs", ["run_id"], ["id"])
        batch.drop_constraint("uq_targets_key", type_="unique")
        batch.create_unique_constraint("uq_targets_key", [*_OLD_KEY, "origin"])
    op.create_index("ix_targets_indicator", "targets", ["indicator_id", "origin"], unique=False)


def downgrade() -> None:
    """Source targets do not fit the old key: they are dropped, catalog ones stay."""
    op.drop_index("ix_targets_indicator", table_name="targets")
    op.execute("DELETE FROM targets WHERE origin <> 'catalog'")
    with op.batch_alter_table("targets") as batch:
        batch.drop_constraint("uq_targets_key", type_="unique")
        batch.create_unique_constraint("uq_targets_key", _OLD_KEY)
        batch.drop_constraint("fk_targets_run", type_="foreignkey")
        for column in ("run_id", "origin", "baseline_source", "baseline_date", "baseline_value"):
            batch.drop_column(column)
