"""The job log as the platform's design has it: error log, audit trail, live-status view.

Revision ID: 0007_job_log_design
Revises: 0006_search_text_index
Create Date: 2026-12-02

Everywhere:
- ``processing_error_log``: one row per failed attempt with its class,
  severity, technical detail and the recovery strategy the failure table
  (``jobs.errors.recovery``) chose;
- ``job_audit_log``: who did what to a job (created, cancelled, retried,
  deleted, shared, link revoked), append-only: a trigger refuses UPDATE and
  DELETE (and TRUNCATE on PostgreSQL);
- the ``job_status_realtime`` view the live status screens read (its ETA is
  computed by each dialect's own date arithmetic).

SQLite: both new tables go to the team database through the outbox, as the
tables of revision 0005 do (insert triggers). On Supabase,
``sql/0007_supabase_setup.sql`` gives the new tables and the view the row
level security of 0005's. The column lists below are frozen
with this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from vidgen_desktop.store import migrate
from vidgen_desktop.store.team import database as team_db

revision = "0007_job_log_design"
down_revision = "0006_search_text_index"
branch_labels = None
depends_on = None

When = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NOW = "(julianday('now') - 2440587.5) * 86400.0"  # seconds since the epoch (as 0005)
REPLICATED = {
    "processing_error_log": (
        "id", "job_id", "step", "step_id", "attempt", "error_code", "error_class", "severity",
        "message", "detail", "strategy", "retry_after_seconds", "worker", "follows_from",
        "created_at",
    ),
    "job_audit_log": ("id", "job_id", "action", "machine", "user_name", "details", "created_at"),
}  # fmt: skip
JSON_COLUMNS = frozenset({"details"})
APPEND_ONLY = "the audit trail is append-only"
SUPABASE_SQL = "0007_supabase_setup.sql"  # row level security of the new tables


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


def _eta(elapsed: str) -> str:
    return f"""CASE
        WHEN status IN ('pending', 'queued') THEN estimated_seconds
        WHEN status = 'processing' AND progress > 0 AND started_at IS NOT NULL
            THEN ({elapsed}) * (1 - progress) / progress
        WHEN status = 'processing' THEN estimated_seconds
        ELSE 0 END"""


ELAPSED = {
    "sqlite": "(julianday('now') - julianday(started_at)) * 86400.0",
    "postgresql": "EXTRACT(EPOCH FROM (now() - started_at))",
}


def realtime_view(dialect: str) -> str:
    return f"""CREATE VIEW job_status_realtime AS
SELECT id, project_name, status, progress, current_step,
       {_eta(ELAPSED[dialect])} AS eta_seconds,
       updated_at, output_url, error_code, route
FROM jobs"""


def _snapshot(table: str, p: str) -> str:
    pairs = (
        f"'{c}', json({p}.{c})" if c in JSON_COLUMNS else f"'{c}', {p}.{c}"
        for c in REPLICATED[table]
    )
    return f"json_object({', '.join(pairs)})"


def seed(table: str) -> str:
    """Queue every row of ``table`` for the team database (also ``outbox.reseed``'s)."""
    return (
        "INSERT INTO vidgen_outbox (table_name, row_key, op, payload, queued_at) "
        f"SELECT '{table}', t.id, 'upsert', {_snapshot(table, 't')}, {NOW} "
        f"FROM {table} AS t ORDER BY created_at, rowid"
    )


def _outbox_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER vidgen_outbox_{table}_insert AFTER INSERT ON {table} BEGIN "
        "INSERT INTO vidgen_outbox (table_name, row_key, op, payload, queued_at) "
        f"VALUES ('{table}', NEW.id, 'upsert', {_snapshot(table, 'NEW')}, {NOW}); END"
    )


SQLITE_GUARDS = tuple(
    f"CREATE TRIGGER job_audit_log_no_{kind} BEFORE {kind.upper()} ON job_audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
    for kind in ("update", "delete")
)
POSTGRES_GUARDS = (
    f"""CREATE FUNCTION vidgen_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = '{APPEND_ONLY}: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$""",
    "CREATE TRIGGER job_audit_log_no_change BEFORE UPDATE OR DELETE ON job_audit_log "
    "FOR EACH ROW EXECUTE FUNCTION vidgen_audit_append_only()",
    "CREATE TRIGGER job_audit_log_no_truncate BEFORE TRUNCATE ON job_audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION vidgen_audit_append_only()",
)
TRIGGERS = {  # what this revision adds, by dialect (``store.check`` expects them)
    "sqlite": {
        "job_audit_log_no_update": "job_audit_log",
        "job_audit_log_no_delete": "job_audit_log",
        "vidgen_outbox_processing_error_log_insert": "processing_error_log",
        "vidgen_outbox_job_audit_log_insert": "job_audit_log",
    },
    "postgresql": {
        "job_audit_log_no_change": "job_audit_log",
        "job_audit_log_no_truncate": "job_audit_log",
    },
}


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    op.create_table(
        "processing_error_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(32)),
        sa.Column("step_id", sa.Uuid()),
        sa.Column("attempt", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error_code", sa.String(64), nullable=False),
        sa.Column("error_class", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("strategy", sa.String(16), nullable=False),
        sa.Column("retry_after_seconds", sa.Float()),
        sa.Column("worker", sa.String(255)),
        sa.Column("follows_from", sa.Uuid()),
        sa.Column("created_at", When, nullable=False),
        sa.CheckConstraint(
            _in("error_class", ("bad_input", "transient", "cancelled", "internal")),
            name="ck_processing_error_log_error_class",
        ),
        sa.CheckConstraint(
            _in("severity", ("warning", "error", "critical")),
            name="ck_processing_error_log_severity",
        ),
        sa.CheckConstraint(
            _in("strategy", ("retry", "skip_worker", "fail")),
            name="ck_processing_error_log_strategy",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            ondelete="CASCADE",
            name="fk_processing_error_log_job_id_jobs",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_processing_error_log"),
    )
    for columns in (("job_id", "created_at"), ("created_at",), ("error_code", "created_at")):
        op.create_index(
            f"ix_processing_error_log_{'_'.join(columns)}", "processing_error_log", list(columns)
        )
    op.create_table(
        "job_audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("machine", sa.String(255)),
        sa.Column("user_name", sa.String(255)),
        sa.Column("details", Json),
        sa.Column("created_at", When, nullable=False),
        sa.CheckConstraint(
            _in("action", ("created", "cancelled", "retried", "deleted", "shared", "link_revoked")),
            name="ck_job_audit_log_action",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_job_audit_log"),
    )
    for columns in (("job_id", "created_at"), ("created_at",)):
        op.create_index(f"ix_job_audit_log_{'_'.join(columns)}", "job_audit_log", list(columns))
    if dialect in ELAPSED:
        op.execute(realtime_view(dialect))
    if dialect == "sqlite":
        for statement in SQLITE_GUARDS:
            op.execute(statement)
        for table in REPLICATED:
            op.execute(_outbox_trigger(table))
    elif dialect == "postgresql":
        for statement in POSTGRES_GUARDS:
            op.execute(statement)
        wanted = op.get_context().config.attributes.get(migrate.SUPABASE)
        if wanted or (wanted is None and team_db.is_supabase(connection)):
            team_db.run_sql_file(connection, SUPABASE_SQL)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW IF EXISTS job_status_realtime")
    op.drop_table("job_audit_log")  # its triggers go with it
    op.drop_table("processing_error_log")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS vidgen_audit_append_only()")
    elif dialect == "sqlite":
        tables = ", ".join(f"'{table}'" for table in REPLICATED)
        op.execute(f"DELETE FROM vidgen_outbox WHERE table_name IN ({tables})")
