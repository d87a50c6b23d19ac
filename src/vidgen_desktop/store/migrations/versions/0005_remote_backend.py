"""The team backend: job owners, a replication outbox, and PostgreSQL's live events and RLS.

Revision ID: 0005_remote_backend
Revises: 0004_job_search
Create Date: 2025-01-05

Everywhere:
- ``jobs.owner_id`` / ``jobs.team_id``: who may read a job under row level security;
- ``change_seq`` on ``jobs`` and ``processing_timeline``: filled by PostgreSQL
  from a sequence on every change (null in SQLite), so a live feed re-reads
  exactly what it missed;
- ``vidgen_outbox``: changes waiting to be sent to the team database.

SQLite (the desktop's local log): triggers write every change of the
replicated tables into ``vidgen_outbox`` in the same transaction as the
change, as a JSON snapshot of the row, so no repository has to know. Rows
already in the log are queued once, here. A change coalesces into the newest
waiting snapshot of the same row (its ``rev`` goes up) when nothing would be
lost: always for elements, steps and logs; for a job only while its status
stays the same, so the team database sees every status in order and its
transition guard never trips.

PostgreSQL: ``sql/0005_postgres_events.sql`` (change numbers and NOTIFY), and
on Supabase ``sql/0005_supabase_setup.sql`` (row level security, grants, the
Realtime publication). The column lists below and those files are frozen
with this revision: a later change to them is a new revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from vidgen_desktop.store import migrate
from vidgen_desktop.store.team import database as team_db

revision = "0005_remote_backend"
down_revision = "0004_job_search"
branch_labels = None
depends_on = None

JSON_COLUMNS = frozenset({"composition", "output_settings", "probe", "details"})
# table -> (columns in a snapshot, the row's key as SQL over {p}, the job status or NULL)
REPLICATED = {
    "jobs": (
        (
            "id", "status", "progress", "current_step", "project_name", "composition",
            "output_settings", "output_format", "estimated_seconds", "actual_seconds",
            "threshold_seconds", "response_type", "route", "route_reason", "output_path",
            "output_url", "error_code", "error_message", "attempts", "max_attempts",
            "next_attempt_at", "host", "user_name", "worker_pid", "created_at", "queued_at",
            "started_at", "completed_at", "updated_at", "owner_id", "team_id",
        ),
        "{p}.id",
        "{p}.status",
    ),
    "elements": (  # the local integer id is not sent: (job_id, element_id) is the key
        (
            "job_id", "element_id", "position", "type", "name", "source", "track", "x", "y",
            "width", "height", "fit", "start", "duration", "trim_start", "opacity", "volume",
            "probe", "processed",
        ),
        "{p}.job_id || ':' || {p}.element_id",
        "NULL",
    ),
    "processing_timeline": (
        (
            "id", "job_id", "step", "status", "started_at", "ended_at", "duration_seconds",
            "progress", "details", "cpu_percent", "memory_mb", "error_code", "error_message",
        ),
        "{p}.id",
        "NULL",
    ),
    "storage_operations": (
        (
            "id", "job_id", "operation", "backend", "bucket", "key", "size_bytes",
            "duration_seconds", "status", "error_message", "details", "created_at",
        ),
        "{p}.id",
        "NULL",
    ),
    "url_access_logs": (
        ("id", "job_id", "url", "action", "expires_at", "client", "details", "accessed_at"),
        "{p}.id",
        "NULL",
    ),
}  # fmt: skip
DELETE_KEYS = {"elements": ("job_id", "element_id")}  # others: ("id",)
NOW = "(julianday('now') - 2440587.5) * 86400.0"  # seconds since the epoch


def _snapshot(table: str, p: str) -> str:
    columns = REPLICATED[table][0]
    pairs = (f"'{c}', json({p}.{c})" if c in JSON_COLUMNS else f"'{c}', {p}.{c}" for c in columns)
    return f"json_object({', '.join(pairs)})"


def _latest(table: str, key: str, status: str) -> str:
    """The newest waiting snapshot of the row, if a new change may coalesce into it."""
    same_status = f" AND status = {status}" if table == "jobs" else ""
    return (
        f"seq = (SELECT max(seq) FROM vidgen_outbox WHERE table_name = '{table}' "
        f"AND row_key = {key}) AND op = 'upsert' AND error IS NULL{same_status}"
    )


def _triggers(table: str) -> list[str]:
    _, key_sql, status_sql = REPLICATED[table]
    key, status, snapshot = (
        key_sql.format(p="NEW"),
        status_sql.format(p="NEW"),
        _snapshot(table, "NEW"),
    )
    upsert = f"""
        UPDATE vidgen_outbox SET payload = {snapshot}, rev = rev + 1
        WHERE {_latest(table, key, status)};
        INSERT INTO vidgen_outbox (table_name, row_key, op, status, payload, queued_at)
        SELECT '{table}', {key}, 'upsert', {status}, {snapshot}, {NOW}
        WHERE NOT EXISTS (SELECT 1 FROM vidgen_outbox WHERE {_latest(table, key, status)});
    """
    old_key = key_sql.format(p="OLD")
    deleted = ", ".join(f"'{c}', OLD.{c}" for c in DELETE_KEYS.get(table, ("id",)))
    return [
        f"CREATE TRIGGER vidgen_outbox_{table}_insert AFTER INSERT ON {table} BEGIN {upsert} END",
        f"CREATE TRIGGER vidgen_outbox_{table}_update AFTER UPDATE ON {table} BEGIN {upsert} END",
        f"""CREATE TRIGGER vidgen_outbox_{table}_delete AFTER DELETE ON {table} BEGIN
            INSERT INTO vidgen_outbox (table_name, row_key, op, payload, queued_at)
            VALUES ('{table}', {old_key}, 'delete', json_object({deleted}), {NOW});
        END""",
    ]


def _seed(table: str) -> str:
    _, key_sql, status_sql = REPLICATED[table]
    order = "created_at, id" if table == "jobs" else "rowid"
    return (
        "INSERT INTO vidgen_outbox (table_name, row_key, op, status, payload, queued_at) "
        f"SELECT '{table}', {key_sql.format(p='t')}, 'upsert', {status_sql.format(p='t')}, "
        f"{_snapshot(table, 't')}, {NOW} FROM {table} AS t ORDER BY {order}"
    )


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column("jobs", sa.Column("owner_id", sa.Uuid()))
    op.add_column("jobs", sa.Column("team_id", sa.String(64)))
    op.add_column("jobs", sa.Column("change_seq", sa.BigInteger()))
    op.add_column("processing_timeline", sa.Column("change_seq", sa.BigInteger()))
    op.create_index("ix_jobs_owner_id", "jobs", ["owner_id"])
    op.create_index("ix_jobs_team_id", "jobs", ["team_id"])
    op.create_index("ix_jobs_change_seq", "jobs", ["change_seq"])
    op.create_index("ix_processing_timeline_change_seq", "processing_timeline", ["change_seq"])
    op.create_table(
        "vidgen_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_key", sa.String(100), nullable=False),
        sa.Column("op", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16)),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("queued_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("seq", name="pk_vidgen_outbox"),
    )
    op.create_index(
        "ix_vidgen_outbox_table_name_row_key_seq", "vidgen_outbox", ["table_name", "row_key", "seq"]
    )
    if connection.dialect.name == "sqlite":
        for table in REPLICATED:
            connection.exec_driver_sql(_seed(table))
            for statement in _triggers(table):
                connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        team_db.run_sql_file(connection, team_db.EVENTS_SQL)
        wanted = op.get_context().config.attributes.get(migrate.SUPABASE)
        if wanted or (wanted is None and team_db.is_supabase(connection)):
            team_db.run_sql_file(connection, team_db.SUPABASE_SQL)


POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS jobs_notify ON jobs",
    "DROP TRIGGER IF EXISTS processing_timeline_notify ON processing_timeline",
    "DROP TRIGGER IF EXISTS jobs_change_seq ON jobs",
    "DROP TRIGGER IF EXISTS processing_timeline_change_seq ON processing_timeline",
    "DROP FUNCTION IF EXISTS vidgen_notify_change()",
    "DROP FUNCTION IF EXISTS vidgen_stamp_change()",
    "DROP FUNCTION IF EXISTS vidgen_utc(timestamptz)",
    "DROP SEQUENCE IF EXISTS vidgen_change_seq",
)
RLS_TABLES = (
    "jobs", "elements", "processing_timeline", "storage_operations", "url_access_logs",
    "system_metrics",
)  # fmt: skip


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for table in REPLICATED:
            for kind in ("insert", "update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS vidgen_outbox_{table}_{kind}")
    elif connection.dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            connection.exec_driver_sql(statement)
        for table in RLS_TABLES:
            connection.exec_driver_sql(f"DROP POLICY IF EXISTS vidgen_{table}_read ON {table}")
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for table in ("jobs", "processing_timeline"):
            connection.exec_driver_sql(
                "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_publication_tables WHERE "
                f"pubname = 'supabase_realtime' AND tablename = '{table}') "
                f"THEN ALTER PUBLICATION supabase_realtime DROP TABLE {table}; END IF; END $$"
            )
    op.drop_index("ix_vidgen_outbox_table_name_row_key_seq", table_name="vidgen_outbox")
    op.drop_table("vidgen_outbox")
    op.drop_index("ix_processing_timeline_change_seq", table_name="processing_timeline")
    op.drop_index("ix_jobs_change_seq", table_name="jobs")
    op.drop_index("ix_jobs_team_id", table_name="jobs")
    op.drop_index("ix_jobs_owner_id", table_name="jobs")
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of jobs would lose its other triggers.
    for table, column in (
        ("processing_timeline", "change_seq"),
        ("jobs", "change_seq"),
        ("jobs", "team_id"),
        ("jobs", "owner_id"),
    ):
        connection.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
