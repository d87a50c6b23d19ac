"""The team database's two views of a farm job, kept in step: its job row and its task.

A farm job is a row of ``jobs`` (route "remote") and a procrastinate render
task whose lock is the job id. procrastinate decides what happens to the
task; the job row says what the user sees. These queries find where the two
disagree for longer than a worker could be busy, so recovery can settle it:

- ``lost_jobs``: rows still ``queued`` or ``processing`` while no render task
  of theirs (nor a chunked job's chunk or join task) waits or runs (it
  failed, succeeded, was aborted or deleted while the database or a worker
  went away);
- ``retry_doing``: a task left ``doing`` by this worker's lost render, back
  to ``todo`` (procrastinate's own retry function, so its rules hold).
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.store.database import Database

RENDER_TASK = "vidgen.render"  # the task name queue.farm registers
ANY: Any = object()  # retry_doing: whichever worker holds the task

_LOST = sa.text(
    """
    SELECT j.id, j.status, j.worker_pid, j.host
      FROM jobs j
     WHERE j.route = 'remote'
       AND j.status IN ('queued', 'processing')
       AND j.updated_at < NOW() - make_interval(secs => :seconds)
       AND NOT EXISTS (
           SELECT 1 FROM procrastinate_jobs p
            WHERE (p.task_name = :task AND p.lock = j.id::text
                   OR p.lock LIKE j.id::text || '#%')  -- a chunked job's chunk and join tasks
              AND p.status IN ('todo', 'doing'))
     ORDER BY j.updated_at
     LIMIT :limit
    """
)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class LostJob:
    id: uuid.UUID
    status: str
    worker_pid: int | None
    host: str | None


def lost_jobs(db: Database, older_than: float, *, limit: int = 100) -> list[LostJob]:
    """Farm jobs waiting or running with no render task to move them on (see module doc)."""
    with db.read() as connection:
        rows = connection.execute(
            _LOST, {"seconds": float(older_than), "task": RENDER_TASK, "limit": limit}
        ).all()
    return [
        LostJob(id=row.id, status=row.status, worker_pid=row.worker_pid, host=row.host)
        for row in rows
    ]


def retry_doing(db: Database, procrastinate_id: int, *, worker_id: Any = ANY) -> bool:
    """Put a ``doing`` render task back to ``todo`` now; False if it is not ``doing`` any more.

    ``worker_id``: only if the task is still that (stalled) worker's. A task
    retried meanwhile and taken by a live worker is left alone: procrastinate's
    own ``retry_job`` would pull it from under that worker.
    """
    with db.write() as connection:
        row = connection.execute(
            sa.text(
                "SELECT status::text AS status, worker_id FROM procrastinate_jobs "
                "WHERE id = :id FOR UPDATE"
            ),
            {"id": procrastinate_id},
        ).one_or_none()
        if row is None or row.status != "doing":
            return False
        if worker_id is not ANY and row.worker_id not in (worker_id, None):  # None: pruned
            return False
        connection.execute(
            sa.text("SELECT procrastinate_retry_job_v1(:id, NOW(), NULL, NULL, NULL)"),
            {"id": procrastinate_id},
        )
    return True
