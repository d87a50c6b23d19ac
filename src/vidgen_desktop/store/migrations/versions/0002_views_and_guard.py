"""Reporting views, and a trigger that refuses illegal status changes.

Revision ID: 0002_views_and_guard
Revises: 0001_initial
Create Date: 2025-01-02

The views are plain SQL that SQLite and PostgreSQL both accept. The guard
repeats ``jobs.states.TRANSITIONS`` as it was at this revision (frozen here
on purpose): when the table changes, a new revision replaces the trigger.
"""

from __future__ import annotations

from alembic import op

revision = "0002_views_and_guard"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

ALLOWED = (
    "pending>queued",
    "pending>processing",
    "pending>failed",
    "pending>cancelled",
    "queued>processing",
    "queued>cancelled",
    "processing>completed",
    "processing>failed",
    "processing>cancelled",
    "processing>queued",
    "failed>queued",
    "cancelled>queued",
)

JOB_SUMMARY = """
CREATE VIEW job_summary AS
SELECT j.id, j.project_name, j.status, j.progress, j.current_step,
       j.response_type, j.route, j.output_format,
       j.estimated_seconds, j.actual_seconds, j.threshold_seconds,
       j.attempts, j.error_code, j.error_message, j.output_path, j.output_url,
       j.created_at, j.started_at, j.completed_at,
       (SELECT COUNT(*) FROM elements e WHERE e.job_id = j.id) AS element_count,
       (SELECT COUNT(*) FROM processing_timeline t WHERE t.job_id = j.id) AS step_count,
       (SELECT COALESCE(SUM(t.duration_seconds), 0) FROM processing_timeline t
         WHERE t.job_id = j.id) AS timeline_seconds
FROM jobs j
"""

ACTIVE_JOBS = """
CREATE VIEW active_jobs AS
SELECT id, project_name, status, progress, current_step, route, attempts,
       estimated_seconds, host, worker_pid, created_at, queued_at, started_at
FROM jobs
WHERE status IN ('pending', 'queued', 'processing')
"""

DAILY_JOB_STATS = """
CREATE VIEW daily_job_stats AS
SELECT date(created_at) AS day,
       COUNT(*) AS total_jobs,
       SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed_jobs,
       SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed_jobs,
       SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled_jobs,
       SUM(CASE WHEN response_type = 'immediate' THEN 1 ELSE 0 END) AS immediate_jobs,
       SUM(CASE WHEN response_type = 'async' THEN 1 ELSE 0 END) AS async_jobs,
       AVG(actual_seconds) AS avg_actual_seconds,
       AVG(estimated_seconds) AS avg_estimated_seconds,
       AVG(CASE WHEN actual_seconds > 0 AND estimated_seconds IS NOT NULL
                THEN ABS(estimated_seconds - actual_seconds) / actual_seconds END)
           AS avg_estimate_error
FROM jobs
GROUP BY date(created_at)
"""

STORAGE_PERFORMANCE = """
CREATE VIEW storage_performance AS
SELECT backend, operation,
       COUNT(*) AS operations,
       SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed_operations,
       SUM(size_bytes) AS total_bytes,
       AVG(duration_seconds) AS avg_seconds,
       SUM(size_bytes) / NULLIF(SUM(duration_seconds), 0) AS bytes_per_second
FROM storage_operations
GROUP BY backend, operation
"""

VIEWS = {
    "job_summary": JOB_SUMMARY,
    "active_jobs": ACTIVE_JOBS,
    "daily_job_stats": DAILY_JOB_STATS,
    "storage_performance": STORAGE_PERFORMANCE,
}

_ALLOWED_SQL = ", ".join(f"'{pair}'" for pair in ALLOWED)
_ILLEGAL = f"NEW.status <> OLD.status AND (OLD.status || '>' || NEW.status) NOT IN ({_ALLOWED_SQL})"

SQLITE_GUARD = f"""
CREATE TRIGGER jobs_status_guard BEFORE UPDATE OF status ON jobs
FOR EACH ROW WHEN {_ILLEGAL}
BEGIN
    SELECT RAISE(ABORT, 'illegal job transition');
END
"""

POSTGRES_GUARD_FUNCTION = f"""
CREATE FUNCTION vidgen_check_job_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF {_ILLEGAL} THEN
        RAISE EXCEPTION USING
            MESSAGE = 'illegal job transition: ' || OLD.status || ' -> ' || NEW.status,
            ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

POSTGRES_GUARD_TRIGGER = """
CREATE TRIGGER jobs_status_guard BEFORE UPDATE OF status ON jobs
FOR EACH ROW EXECUTE FUNCTION vidgen_check_job_transition()
"""


def upgrade() -> None:
    for sql in VIEWS.values():
        op.execute(sql)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(SQLITE_GUARD)
    elif dialect == "postgresql":
        op.execute(POSTGRES_GUARD_FUNCTION)
        op.execute(POSTGRES_GUARD_TRIGGER)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS jobs_status_guard")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS jobs_status_guard ON jobs")
        op.execute("DROP FUNCTION IF EXISTS vidgen_check_job_transition()")
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
