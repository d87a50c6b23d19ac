"""The job log's tables.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01

A frozen copy of the schema as it was at this revision: later changes to
``store/schema.py`` go in new revisions, never here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
When = sa.DateTime(timezone=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{v}'" for v in values))


STATUSES = ("pending", "queued", "processing", "completed", "failed", "cancelled")
STEP_STATUSES = ("running", "completed", "failed", "skipped", "note")


def _job_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["job_id"], ["jobs.id"], name=f"fk_{table}_job_id_jobs", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
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
        sa.Column("next_attempt_at", When),
        sa.Column("host", sa.String(255)),
        sa.Column("user_name", sa.String(255)),
        sa.Column("worker_pid", sa.Integer()),
        sa.Column("created_at", When, nullable=False),
        sa.Column("queued_at", When),
        sa.Column("started_at", When),
        sa.Column("completed_at", When),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_jobs_status"),
        sa.CheckConstraint("progress >= 0 AND progress <= 1", name="ck_jobs_progress"),
        sa.CheckConstraint(
            "response_type IS NULL OR " + _in("response_type", ("immediate", "async")),
            name="ck_jobs_response_type",
        ),
        sa.CheckConstraint(
            "route IS NULL OR " + _in("route", ("local", "remote")), name="ck_jobs_route"
        ),
    )
    op.create_index("ix_jobs_status_created_at", "jobs", ["status", "created_at"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    op.create_index("ix_jobs_status_queued_at", "jobs", ["status", "queued_at"])

    op.create_table(
        "elements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_elements"),
        _job_fk("elements"),
        sa.UniqueConstraint("job_id", "element_id", name="uq_elements_job_id_element_id"),
    )
    op.create_index("ix_elements_job_id_position", "elements", ["job_id", "position"])

    op.create_table(
        "processing_timeline",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("ended_at", When),
        sa.Column("duration_seconds", sa.Float()),
        sa.Column("progress", sa.Float(), nullable=False, server_default="0"),
        sa.Column("details", Json),
        sa.Column("cpu_percent", sa.Float()),
        sa.Column("memory_mb", sa.Float()),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_processing_timeline"),
        _job_fk("processing_timeline"),
        sa.CheckConstraint(_in("status", STEP_STATUSES), name="ck_processing_timeline_status"),
    )
    op.create_index(
        "ix_processing_timeline_job_id_started_at",
        "processing_timeline",
        ["job_id", "started_at"],
    )

    op.create_table(
        "storage_operations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid()),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(16), nullable=False),
        sa.Column("bucket", sa.String(255)),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger()),
        sa.Column("duration_seconds", sa.Float()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_message", sa.Text()),
        sa.Column("details", Json),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_storage_operations"),
        _job_fk("storage_operations"),
    )
    op.create_index("ix_storage_operations_job_id", "storage_operations", ["job_id"])
    op.create_index("ix_storage_operations_created_at", "storage_operations", ["created_at"])

    op.create_table(
        "url_access_logs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid()),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("expires_at", When),
        sa.Column("client", sa.String(255)),
        sa.Column("details", Json),
        sa.Column("accessed_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_url_access_logs"),
        _job_fk("url_access_logs"),
    )
    op.create_index("ix_url_access_logs_job_id", "url_access_logs", ["job_id"])

    op.create_table(
        "system_metrics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(32)),
        sa.Column("details", Json),
        sa.Column("host", sa.String(255)),
        sa.Column("recorded_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_system_metrics"),
    )
    op.create_index("ix_system_metrics_name_recorded_at", "system_metrics", ["name", "recorded_at"])


def downgrade() -> None:
    for table in (
        "system_metrics",
        "url_access_logs",
        "storage_operations",
        "processing_timeline",
        "elements",
        "jobs",
    ):
        op.drop_table(table)
