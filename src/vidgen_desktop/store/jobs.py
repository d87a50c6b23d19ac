"""Jobs: create, read, change status, claim for a worker, recover, list, clean up.

Status changes go through ``transition``: the rule in ``jobs.states`` is
checked and the row is changed with ``UPDATE … WHERE status = <old>`` in the
same transaction, so a change made meanwhile by another process is detected
(``ConcurrentChange``) instead of overwritten. Timestamps, the worker, the
attempt count and progress follow the state (see ``job_rows.entering``).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.jobs import states
from vidgen_desktop.jobs.errors import DEFAULT_MAX_ATTEMPTS
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import audit, job_rows, queries, timeline
from vidgen_desktop.store.errors import ConcurrentChange, JobNotFound
from vidgen_desktop.store.records import CleanupResult, ElementRecord, JobQuery, JobRecord
from vidgen_desktop.store.schema import elements, jobs
from vidgen_desktop.store.team import outbox

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

_DELETE_BATCH = 500  # ids per DELETE statement during clean-up


class JobRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # Create and read ---------------------------------------------------------

    def create(
        self,
        composition: Composition,
        *,
        job_id: uuid.UUID | None = None,
        probes: Mapping[str, Any] | None = None,
        status: JobStatus = JobStatus.PENDING,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        at: dt.datetime | None = None,
        **fields: Any,
    ) -> JobRecord:
        """Log a new job with one element row per element of ``composition``.

        ``probes`` maps element ids to their probe facts (any JSON-able mapping
        or dataclass). ``status`` is ``pending`` or, to skip a step, ``queued``.
        ``fields`` are any of ``job_rows.UPDATABLE`` (estimate, route, output path…).
        """
        if status not in (JobStatus.PENDING, JobStatus.QUEUED):
            raise ValueError(f"a new job starts 'pending' or 'queued', not '{status}'")
        job_rows.check_fields(fields)
        job_id, at = job_id or uuid.uuid4(), at or queries.now()
        values: dict[str, Any] = {
            "host": queries.this_host(),
            "user_name": job_rows.user(),
            "project_name": composition.name,
            **fields,
            "id": job_id,
            "status": str(status),
            "composition": composition.model_dump(mode="json"),
            "output_settings": composition.output.model_dump(mode="json"),
            "output_format": composition.output.format,
            "max_attempts": max_attempts,
            "created_at": at,
            "updated_at": at,
            "queued_at": at if status is JobStatus.QUEUED else None,
        }
        with self._db.write() as connection:
            connection.execute(sa.insert(jobs).values(**values))
            rows = job_rows.element_rows(job_id, composition, probes or {})
            if rows:
                connection.execute(sa.insert(elements), rows)
            audit.insert(connection, job_id, "created", at=at, details={"status": str(status)})
            return self._fetch(connection, job_id)

    def get(self, job_id: uuid.UUID | str) -> JobRecord:
        """The job, or JobNotFound."""
        with self._db.read() as connection:
            return self._fetch(connection, queries.as_uuid(job_id))

    def find(self, job_id: uuid.UUID | str) -> JobRecord | None:
        with self._db.read() as connection:
            return queries.fetch_job(connection, queries.as_uuid(job_id))

    def elements(self, job_id: uuid.UUID | str) -> list[ElementRecord]:
        """The job's elements in composition order."""
        statement = (
            sa.select(elements)
            .where(elements.c.job_id == queries.as_uuid(job_id))
            .order_by(elements.c.position)
        )
        with self._db.read() as connection:
            return [ElementRecord.from_row(r) for r in connection.execute(statement).mappings()]

    def mark_element(
        self, job_id: uuid.UUID | str, element_id: str, *, processed: bool = True,
        probe: Any = None, content_hash: str | None = None,
    ) -> None:  # fmt: skip
        """Set an element's processed flag (and its probe facts and source hash, when given)."""
        values: dict[str, Any] = {"processed": processed}
        if probe is not None:
            values["probe"] = queries.jsonable(probe)
        if content_hash is not None:
            values["content_hash"] = content_hash
        with self._db.write() as connection:
            connection.execute(
                sa.update(elements)
                .where(elements.c.job_id == queries.as_uuid(job_id))
                .where(elements.c.element_id == element_id)
                .values(**values)
            )

    # Change -----------------------------------------------------------------

    def update(self, job_id: uuid.UUID | str, **changes: Any) -> JobRecord:
        """Set fields other than the status (estimate, route, output path…)."""
        job_rows.check_fields(changes)
        job_id = queries.as_uuid(job_id)
        with self._db.write() as connection:
            self._update(connection, job_id, changes)
            return self._fetch(connection, job_id)

    def update_progress(
        self, job_id: uuid.UUID | str, progress: float, current_step: str | None = None
    ) -> None:
        """Cheap: one UPDATE of progress (clamped to 0–1) and, if given, the current step."""
        values: dict[str, Any] = {"progress": min(1.0, max(0.0, float(progress)))}
        if current_step is not None:
            values["current_step"] = current_step
        with self._db.write() as connection:
            self._update(connection, queries.as_uuid(job_id), values)

    def transition(
        self,
        job_id: uuid.UUID | str,
        new: JobStatus | str,
        *,
        expected: JobStatus | str | None = None,
        at: dt.datetime | None = None,
        finish_step: tuple[uuid.UUID | str, Mapping[str, Any]] | None = None,
        **changes: Any,
    ) -> JobRecord:
        """Move the job to ``new``; raise IllegalTransition (row untouched) if not allowed.

        ``expected``: the status the caller believes the job has; ConcurrentChange
        if it has another. ``changes``: fields of ``job_rows.UPDATABLE`` to set too.
        ``finish_step``: ``(step_id, details)`` of a step that completes in the same
        transaction (the publish step and the job's completion: a database lost between
        the two must not leave a published step on a job that is not completed).
        """
        new = states.parse(new)
        job_rows.check_fields(changes)
        job_id, at = queries.as_uuid(job_id), at or queries.now()
        with self._db.write() as connection:
            row = connection.execute(
                sa.select(jobs.c.status, jobs.c.started_at).where(jobs.c.id == job_id)
            ).one_or_none()
            if row is None:
                raise JobNotFound(job_id)
            old = JobStatus(row.status)
            if expected is not None and old != states.parse(expected):
                raise ConcurrentChange(f"job {job_id} is '{old}', not '{expected}' any more")
            states.check_transition(old, new, job_id=job_id)
            values = {**job_rows.entering(new, row.started_at, at), **changes}
            result = connection.execute(
                sa.update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status == str(old))
                .values(status=str(new), updated_at=at, **values)
            )
            if result.rowcount != 1:
                raise ConcurrentChange(f"job {job_id} changed while it was being set to '{new}'")
            outbox.disown(connection, job_id)  # routed to the farm: the team's from now on
            if finish_step is not None:
                step_id, details = finish_step
                done = {"progress": 1.0, "details": dict(details)}
                timeline.end_step(connection, queries.as_uuid(step_id), "completed", at=at,
                                  values=done)  # fmt: skip
            return self._fetch(connection, job_id)

    def record_error(
        self,
        job_id: uuid.UUID | str,
        code: str,
        message: str,
        *,
        step_id: uuid.UUID | str | None = None,
        at: dt.datetime | None = None,
    ) -> JobRecord:
        """Store the error on the job, and fail its step (``step_id``, else the running one)."""
        job_id, at = queries.as_uuid(job_id), at or queries.now()
        error = {"error_code": code, "error_message": message}
        with self._db.write() as connection:
            self._update(connection, job_id, {**error, "updated_at": at})
            if step_id is None:
                running = timeline.latest_running(connection, job_id)
                step_id = running.id if running is not None else None
            if step_id is not None:
                timeline.end_step(
                    connection, queries.as_uuid(step_id), "failed", at=at, values=error
                )
            return self._fetch(connection, job_id)

    def increment_attempts(self, job_id: uuid.UUID | str) -> int:
        """Count one more try (entering ``processing`` already counts one); return the total."""
        job_id = queries.as_uuid(job_id)
        with self._db.write() as connection:
            self._update(connection, job_id, {"attempts": jobs.c.attempts + 1})
            return self._fetch(connection, job_id).attempts

    def delete(self, job_id: uuid.UUID | str, *, details: Mapping[str, Any] | None = None) -> bool:
        """Remove the job with its elements and timeline; False if it did not exist.

        The audit trail keeps a "deleted" row (with ``details``: who asked, why).
        """
        job_id = queries.as_uuid(job_id)
        with self._db.write() as connection:
            result = connection.execute(sa.delete(jobs).where(jobs.c.id == job_id))
            if result.rowcount == 1:
                audit.insert(connection, job_id, "deleted", details=details)
            return result.rowcount == 1

    # Workers ------------------------------------------------------------------

    def claim_next(
        self, worker_pid: int | None = None, *, at: dt.datetime | None = None
    ) -> JobRecord | None:
        """Atomically take the oldest queued job that is due, for this worker process.

        The job becomes ``processing`` with ``worker_pid`` and this host, and its
        attempt count goes up. Two workers never get the same job.
        """
        at = at or queries.now()
        due = sa.or_(jobs.c.next_attempt_at.is_(None), jobs.c.next_attempt_at <= at)
        due_first = (
            sa.select(jobs.c.id)
            .where(
                jobs.c.status == str(JobStatus.QUEUED),
                due,
                # farm jobs wait on the team database; the laptop's row is a mirror
                sa.or_(jobs.c.route.is_(None), jobs.c.route != "remote"),
            )
            .order_by(jobs.c.queued_at, jobs.c.created_at, jobs.c.id)
            .limit(1)
        )
        # Postgres; SQLite's BEGIN IMMEDIATE serializes
        candidates = due_first.with_for_update(skip_locked=True)
        values = job_rows.entering(JobStatus.PROCESSING, None, at)
        values["worker_pid"] = worker_pid if worker_pid is not None else os.getpid()
        # an idle queue polls this twice a second: look first, take the write lock only for
        # a job (a write transaction per poll kept other processes' writers waiting)
        with self._db.read() as connection:
            if connection.execute(due_first).first() is None:
                return None
        with self._db.write() as connection:
            for _ in range(10):  # another worker may win a race for a row on Postgres
                job_id = connection.execute(candidates).scalar_one_or_none()
                if job_id is None:
                    return None
                result = connection.execute(
                    sa.update(jobs)
                    .where(jobs.c.id == job_id, jobs.c.status == str(JobStatus.QUEUED))
                    .values(status=str(JobStatus.PROCESSING), updated_at=at, **values)
                )
                if result.rowcount == 1:
                    return self._fetch(connection, job_id)
        return None

    def orphans(
        self, *, host: str | None = None, alive: Callable[[int], bool] = queries.pid_alive
    ) -> list[JobRecord]:
        """Local jobs left ``processing`` by a process of this host that no longer exists."""
        host = host or queries.this_host()
        statement = sa.select(jobs).where(
            jobs.c.status == str(JobStatus.PROCESSING),
            jobs.c.host == host,
            sa.or_(jobs.c.route.is_(None), jobs.c.route != "remote"),
        )
        with self._db.read() as connection:
            found = [JobRecord.from_row(r) for r in connection.execute(statement).mappings()]
        return [job for job in found if job.worker_pid is None or not alive(job.worker_pid)]

    def requeue_orphan(self, job: JobRecord, note: str, *, at: dt.datetime | None = None) -> bool:
        """Put an orphan (from ``orphans()``) back in the queue with a timeline note.

        Only if it is still ``processing`` by the same dead worker, in the same
        attempt (its ``started_at``): False if someone else got there first.
        """
        at = at or queries.now()
        states.check_transition(JobStatus.PROCESSING, JobStatus.QUEUED, job_id=job.id)
        same_worker = (
            jobs.c.worker_pid.is_(None) if job.worker_pid is None
            else jobs.c.worker_pid == job.worker_pid
        )  # fmt: skip
        if job.started_at is not None:  # the same attempt, not a newer one by the same pid
            same_worker = sa.and_(same_worker, jobs.c.started_at == job.started_at)
        with self._db.write() as connection:
            result = connection.execute(
                sa.update(jobs)
                .where(jobs.c.id == job.id, jobs.c.status == str(JobStatus.PROCESSING), same_worker)
                .values(
                    status=str(JobStatus.QUEUED),
                    updated_at=at,
                    **job_rows.entering(JobStatus.QUEUED, None, at),
                )
            )
            if result.rowcount != 1:
                return False
            running = timeline.latest_running(connection, job.id)
            if running is not None:
                values = {"error_code": "worker_lost", "error_message": note}
                timeline.end_step(connection, running.id, "failed", at=at, values=values)
            timeline.insert_note(
                connection, job.id, note, details={"worker_pid": job.worker_pid}, at=at
            )
            return True

    # History ------------------------------------------------------------------

    def list(self, query: JobQuery | None = None) -> list[JobRecord]:
        """One page of jobs matching ``query`` (newest first by default)."""
        with self._db.read() as connection:
            statement = queries.select_jobs(
                query or JobQuery(), self._db.dialect, indexed=self._db.search_index(connection)
            )
            return [JobRecord.from_row(r) for r in connection.execute(statement).mappings()]

    def count(self, query: JobQuery | None = None) -> int:
        """How many jobs match ``query`` (its paging is ignored)."""
        with self._db.read() as connection:
            indexed = self._db.search_index(connection)
            where = queries.job_filter(query or JobQuery(), self._db.dialect, indexed=indexed)
            return connection.execute(
                sa.select(sa.func.count()).select_from(jobs).where(*where)
            ).scalar_one()

    def cleanup(
        self,
        older_than: dt.timedelta,
        *,
        statuses: Iterable[JobStatus] = states.TERMINAL,
        dry_run: bool = False,
        at: dt.datetime | None = None,
    ) -> CleanupResult:
        """Delete finished jobs created more than ``older_than`` ago.

        Returns their ids and output paths: deleting the files is the caller's
        job (the database cannot undo a file deletion, so it goes last).
        """
        cutoff = (at or queries.now()) - older_than
        statement = sa.select(jobs.c.id, jobs.c.output_path).where(
            jobs.c.created_at < cutoff, jobs.c.status.in_([str(s) for s in statuses])
        )
        with self._db.write() as connection:
            rows = connection.execute(statement).all()
            ids = [row.id for row in rows]
            if not dry_run:
                for start in range(0, len(ids), _DELETE_BATCH):
                    batch = ids[start : start + _DELETE_BATCH]
                    connection.execute(sa.delete(jobs).where(jobs.c.id.in_(batch)))
        return CleanupResult(
            job_ids=tuple(ids),
            output_paths=tuple(Path(row.output_path) for row in rows if row.output_path),
            dry_run=dry_run,
        )

    # Helpers -------------------------------------------------------------------

    @staticmethod
    def _fetch(connection: sa.Connection, job_id: uuid.UUID) -> JobRecord:
        job = queries.fetch_job(connection, job_id)
        if job is None:
            raise JobNotFound(job_id)
        return job

    @staticmethod
    def _update(connection: sa.Connection, job_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        values = {"updated_at": queries.now(), **values}
        result = connection.execute(sa.update(jobs).where(jobs.c.id == job_id).values(**values))
        if result.rowcount != 1:
            raise JobNotFound(job_id)
