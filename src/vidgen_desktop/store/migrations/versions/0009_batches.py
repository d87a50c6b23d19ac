"""Batches: the batch a job belongs to and the row of values it was made from.

Revision ID: 0009_batches
Revises: 0008_share_links
Create Date: 2026-12-02

``vidgen batch`` and the editor's Batch Render make one job per row (and
output size) of a template; each job carries its batch's id and its row
(``{"row": 3, "size": "1080x1920", "values": {...}}``), so the job history
filters by batch and a batch exports as one table. On SQLite the outbox
triggers are made again with the new columns (``store.outbox_triggers``), so
a local batch job's row reaches the team database with its batch.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from vidgen_desktop.store import outbox_triggers

revision = "0009_batches"
down_revision = "0008_share_links"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN on both databases: no copy of jobs, its triggers stay.
    op.add_column("jobs", sa.Column("batch_id", sa.Uuid()))
    op.add_column("jobs", sa.Column("batch_row", Json))
    op.create_index("ix_jobs_batch_id", "jobs", ["batch_id"])
    outbox_triggers.remake(op.get_bind())
    outbox_triggers.add_keys(op.get_bind(), {"jobs": ("batch_id", "batch_row")})


def downgrade() -> None:
    op.drop_index("ix_jobs_batch_id", table_name="jobs")
    connection = op.get_bind()
    outbox_triggers.drop(connection)  # SQLite refuses to drop a column a trigger names
    for column in ("batch_row", "batch_id"):
        connection.exec_driver_sql(f"ALTER TABLE jobs DROP COLUMN {column}")
    outbox_triggers.remake(connection)
