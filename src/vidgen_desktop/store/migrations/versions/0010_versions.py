"""What made each render, so a past render can be reproduced: versions and content hashes.

Revision ID: 0010_versions
Revises: 0009_batches
Create Date: 2026-12-02

- ``jobs.made_with`` (JSON): Vidgen's version, the FFmpeg build and its encoder
  list, written by the render step (``media.build_info.made_with``);
- ``elements.content_hash``: the sha256 of a local source's bytes, written by
  the probe step, so ``vidgen jobs reproduce`` finds a file that has moved.

SQLite: the outbox triggers of ``jobs`` and ``elements`` (revision 0005) list
their columns; they are made again here with the columns the tables have now
(``store.outbox_triggers``), so the new ones travel to the team database too;
the snapshots already waiting get the new keys as null.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from vidgen_desktop.store import outbox_triggers

revision = "0010_versions"
down_revision = "0009_batches"
branch_labels = None
depends_on = None

def upgrade() -> None:
    connection = op.get_bind()
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.add_column("jobs", sa.Column("made_with", json_type))
    op.add_column("elements", sa.Column("content_hash", sa.String(64)))
    outbox_triggers.remake(connection)
    outbox_triggers.add_keys(connection, {"jobs": ("made_with",), "elements": ("content_hash",)})


def downgrade() -> None:
    connection = op.get_bind()
    outbox_triggers.drop(connection)  # the triggers name the columns: not while they go
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of jobs would lose its other triggers.
    connection.exec_driver_sql("ALTER TABLE elements DROP COLUMN content_hash")
    connection.exec_driver_sql("ALTER TABLE jobs DROP COLUMN made_with")
    outbox_triggers.remake(connection)
