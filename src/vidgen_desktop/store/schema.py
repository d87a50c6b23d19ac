"""The job log's tables, one SQLAlchemy Core schema for SQLite and PostgreSQL.

This is the current shape of the schema; Alembic revisions in ``migrations/``
are how a database gets there (and a test checks the two agree). Every
timestamp is stored in UTC and comes back timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from vidgen_desktop.jobs.states import JobStatus

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STATUSES = tuple(s.value for s in JobStatus)
STEP_STATUSES = ("running", "completed", "failed", "skipped", "note")


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the job log stores aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
    sa.Column("current_step", sa.String(32)),
    sa.Column("project_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("composition", Json, nullable=False),
    sa.Column("output_settings", Json, nullable=False),
    sa.Column("output_format", sa.String(8)),
    sa.Column("estimated_seconds", sa.Float()),
    sa.Column("actual_seconds", sa.Float()),
    sa.Column("threshold_seconds", sa.Float()),
    sa.Column("response_type", sa.String(16)),
    sa.Column("route", sa.String(16)),
    sa.Column("route_reason", sa.Text()),
    sa.Column("output_path", sa.Text()),
    sa.Column("output_url", sa.Text()),
    sa.Column("error_code", sa.String(64)),
    sa.Column("error_message", sa.Text()),
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="3"),
    sa.Column("next_attempt_at", UTCDateTime()),
    sa.Column("host", sa.String(255)),
    sa.Column("user_name", sa.String(255)),
    sa.Column("worker_pid", sa.Integer()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("queued_at", UTCDateTime()),
    sa.Column("started_at", UTCDateTime()),
    sa.Column("completed_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    # Who may read the job on a team database with row level security (revision 0005).
    sa.Column("owner_id", sa.Uuid()),
    sa.Column("team_id", sa.String(64)),
    # Set by PostgreSQL on every change (a sequence); live feeds re-read from it. Null locally.
    sa.Column("change_seq", sa.BigInteger()),
    # What rendered it: Vidgen's version, the FFmpeg build and its encoders (0010)
    sa.Column("made_with", Json),
    # The batch the job is one row of, and that row (revision 0009): {"row", "size", "values"}.
    sa.Column("batch_id", sa.Uuid()),
    sa.Column("batch_row", Json),
    sa.CheckConstraint(_in("status", STATUSES), name="status"),
    sa.CheckConstraint("progress >= 0 AND progress <= 1", name="progress"),
    sa.CheckConstraint(
        "response_type IS NULL OR " + _in("response_type", ("immediate", "async")),
        name="response_type",
    ),
    sa.CheckConstraint("route IS NULL OR " + _in("route", ("local", "remote")), name="route"),
    sa.Index(None, "status", "created_at", "id"),
    sa.Index(None, "created_at", "id"),
    sa.Index(None, "status", "queued_at"),
    sa.Index(None, "owner_id"),
    sa.Index(None, "team_id"),
    sa.Index(None, "change_seq"),
    sa.Index(None, "batch_id"),
    # search terms too short for the trigram index scan this, not the jobs rows (0006)
    sa.Index(None, "project_name", "error_message", "error_code", "id"),
)

elements = sa.Table(
    "elements",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("element_id", sa.String(200), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("source", sa.Text()),
    sa.Column("track", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("x", sa.String(32)),
    sa.Column("y", sa.String(32)),
    sa.Column("width", sa.String(32)),
    sa.Column("height", sa.String(32)),
    sa.Column("fit", sa.String(16)),
    sa.Column("start", sa.Float(), nullable=False, server_default="0"),
    sa.Column("duration", sa.Float()),
    sa.Column("trim_start", sa.Float()),
    sa.Column("opacity", sa.Float()),
    sa.Column("volume", sa.Float()),
    sa.Column("probe", Json),
    sa.Column("processed", sa.Boolean(), nullable=False, server_default=sa.false()),
    # sha256 of a local source's bytes, so a moved file is found again (0010)
    sa.Column("content_hash", sa.String(64)),
    sa.UniqueConstraint("job_id", "element_id"),
    sa.Index(None, "job_id", "position"),
)

processing_timeline = sa.Table(
    "processing_timeline",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("step", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime()),
    sa.Column("duration_seconds", sa.Float()),
    sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
    sa.Column("details", Json),
    sa.Column("cpu_percent", sa.Float()),
    sa.Column("memory_mb", sa.Float()),
    sa.Column("error_code", sa.String(64)),
    sa.Column("error_message", sa.Text()),
    sa.Column("change_seq", sa.BigInteger()),  # as jobs.change_seq
    sa.CheckConstraint(_in("status", STEP_STATUSES), name="status"),
    sa.Index(None, "job_id", "started_at"),
    sa.Index(None, "change_seq"),
)

storage_operations = sa.Table(
    "storage_operations",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE")),
    sa.Column("operation", sa.String(16), nullable=False),  # upload, download, delete, link
    sa.Column("backend", sa.String(16), nullable=False),  # local, s3
    sa.Column("bucket", sa.String(255)),
    sa.Column("key", sa.Text(), nullable=False),
    sa.Column("size_bytes", sa.BigInteger()),
    sa.Column("duration_seconds", sa.Float()),
    sa.Column("status", sa.String(16), nullable=False),  # completed, failed
    sa.Column("error_message", sa.Text()),
    sa.Column("details", Json),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "job_id"),
    sa.Index(None, "created_at"),
)

url_access_logs = sa.Table(
    "url_access_logs",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE")),
    sa.Column("url", sa.Text(), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # created, opened, copied, expired
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("client", sa.String(255)),
    sa.Column("details", Json),
    sa.Column("accessed_at", UTCDateTime(), nullable=False),
    sa.Index(None, "job_id"),
)

# The HTTP API (revision 0012): keys (only a hash of each), who owns each job made
# through the API, and the tracked share links the server answers at /s/{token}.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the key
    sa.Column("prefix", sa.String(16), nullable=False),  # its first characters, listed
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
)

api_job_owners = sa.Table(
    "api_job_owners",
    metadata,
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("key_id", sa.Uuid()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "owner", "created_at"),
)

tracked_links = sa.Table(
    "tracked_links",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the token
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("owner", sa.String(200)),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
    sa.Index(None, "job_id"),
)

system_metrics = sa.Table(
    "system_metrics",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("value", sa.Float(), nullable=False),
    sa.Column("unit", sa.String(32)),
    sa.Column("details", Json),
    sa.Column("host", sa.String(255)),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.Index(None, "name", "recorded_at"),
)

ERROR_CLASSES = ("bad_input", "transient", "cancelled", "internal")  # jobs.errors.FailureKind
SEVERITIES = ("warning", "error", "critical")  # jobs.errors.Severity
STRATEGIES = ("retry", "skip_worker", "fail")  # jobs.errors.Action
AUDIT_ACTIONS = ("created", "cancelled", "retried", "deleted", "shared", "link_revoked")

# One row per failed attempt: what went wrong and what was done about it (revision 0007).
processing_error_log = sa.Table(
    "processing_error_log",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("step", sa.String(32)),
    sa.Column("step_id", sa.Uuid()),
    sa.Column("attempt", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("error_code", sa.String(64), nullable=False),
    sa.Column("error_class", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("message", sa.Text(), nullable=False),
    sa.Column("detail", sa.Text()),  # the technical detail: FFmpeg's stderr tail, a traceback
    sa.Column("strategy", sa.String(16), nullable=False),
    sa.Column("retry_after_seconds", sa.Float()),
    sa.Column("worker", sa.String(255)),  # host:pid of the process that ran the attempt
    sa.Column("follows_from", sa.Uuid()),  # the job's previous error, that this one follows
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(_in("error_class", ERROR_CLASSES), name="error_class"),
    sa.CheckConstraint(_in("severity", SEVERITIES), name="severity"),
    sa.CheckConstraint(_in("strategy", STRATEGIES), name="strategy"),
    sa.Index(None, "job_id", "created_at"),
    sa.Index(None, "created_at"),
    sa.Index(None, "error_code", "created_at"),
)

# Who did what to a job, append-only: triggers refuse UPDATE and DELETE (revision 0007).
# No foreign key: a job's "deleted" row outlives the job.
job_audit_log = sa.Table(
    "job_audit_log",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("job_id", sa.Uuid(), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("machine", sa.String(255)),
    sa.Column("user_name", sa.String(255)),
    sa.Column("details", Json),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint(_in("action", AUDIT_ACTIONS), name="action"),
    sa.Index(None, "job_id", "created_at"),
    sa.Index(None, "created_at"),
)

# Changes waiting to be sent to the team database, written by SQLite triggers in the same
# transaction as the change itself (revision 0005; see store/replication.py).
outbox = sa.Table(
    "vidgen_outbox",
    metadata,
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("rev", sa.Integer(), nullable=False, server_default="0"),  # bumped when coalesced
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("row_key", sa.String(100), nullable=False),
    sa.Column("op", sa.String(8), nullable=False),  # upsert, delete
    sa.Column("status", sa.String(16)),  # a job's status: a coalesced change never skips one
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("queued_at", sa.Float(), nullable=False),  # seconds since the epoch
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("error", sa.Text()),  # set when the team database refused the row for good
    sa.Index(None, "table_name", "row_key", "seq"),
)

VIEWS = (
    "job_summary", "active_jobs", "daily_job_stats", "storage_performance", "job_status_realtime",
)  # fmt: skip
