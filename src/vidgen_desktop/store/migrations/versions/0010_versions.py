"""What made each render, so a past render can be reproduced: versions and content hashes.

Revision ID: 0010_versions
Revises: 0006_search_text_index
Create Date: 2026-12-02

- ``jobs.made_with`` (JSON): Vidgen's version, the FFmpeg build and its encoder
  list, written by the render step (``media.build_info.made_with``);
- ``elements.content_hash``: the sha256 of a local source's bytes, written by
  the probe step, so ``vidgen jobs reproduce`` finds a file that has moved.

SQLite: the outbox triggers of ``jobs`` and ``elements`` (revision 0005) list
their columns; they are made again here with the columns the tables have now
(every column but the local-only ones), so the new ones travel to the team
database too, whatever other revision added columns before this one; the
snapshots already waiting get the new keys as null.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_versions"
down_revision = "0006_search_text_index"
branch_labels = None
depends_on = None

LOCAL_ONLY = {"jobs": {"change_seq"}, "elements": {"id"}}  # as 0005: never sent
NEW_JSON = {"made_with"}


def _outbox_revision() -> ModuleType:
    """Revision 0005's module, whose trigger builder this revision reuses."""
    path = Path(__file__).with_name("0005_remote_backend.py")
    spec = importlib.util.spec_from_file_location("vidgen_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _remake_triggers(connection: sa.Connection) -> None:
    outbox = _outbox_revision()
    replicated = dict(outbox.REPLICATED)
    for table in ("jobs", "elements"):
        for kind in ("insert", "update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS vidgen_outbox_{table}_{kind}")
        columns = [
            row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")
            if row[1] not in LOCAL_ONLY[table]
        ]  # fmt: skip
        replicated[table] = (tuple(columns), *replicated[table][1:])
    outbox.REPLICATED = replicated
    outbox.JSON_COLUMNS = outbox.JSON_COLUMNS | NEW_JSON
    for table in ("jobs", "elements"):
        for statement in outbox._triggers(table):
            connection.exec_driver_sql(statement)


def upgrade() -> None:
    connection = op.get_bind()
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.add_column("jobs", sa.Column("made_with", json_type))
    op.add_column("elements", sa.Column("content_hash", sa.String(64)))
    if connection.dialect.name == "sqlite":
        _remake_triggers(connection)
        # snapshots waiting in the outbox get the new keys too (null): the relay sends a
        # table's rows in one INSERT, whose rows must all name the same columns
        for table, column in (("jobs", "made_with"), ("elements", "content_hash")):
            connection.exec_driver_sql(
                f"UPDATE vidgen_outbox SET payload = json_set(payload, '$.{column}', NULL) "
                f"WHERE table_name = '{table}' AND op = 'upsert'"
            )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":  # the triggers name the columns: not while they go
        for table in ("jobs", "elements"):
            for kind in ("insert", "update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS vidgen_outbox_{table}_{kind}")
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of jobs would lose its other triggers.
    connection.exec_driver_sql("ALTER TABLE elements DROP COLUMN content_hash")
    connection.exec_driver_sql("ALTER TABLE jobs DROP COLUMN made_with")
    if connection.dialect.name == "sqlite":
        _remake_triggers(connection)
