"""drop low-value indexes on observations

The indexes on `origin` (four values) and `run_id` served no hot query: `demo --purge`
deletes by origin with a scan, and run provenance is read per observation. Each cost
a B-tree insert per loaded row, a third of the write time of a million-row load.
The unique key and `ix_observations_area` stay.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_observations_run", table_name="observations")
    op.drop_index("ix_observations_origin", table_name="observations")


def downgrade() -> None:
    op.create_index("ix_observations_origin", "observations", ["origin"], unique=False)
    op.create_index("ix_observations_run", "observations", ["run_id"], unique=False)
