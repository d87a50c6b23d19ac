"""A job's processing timeline: one row per step, plus notes.

Steps are ``probe``, ``prepare``, ``upload_sources``, ``render``,
``upload_output``, ``publish`` (any short name works); a note is a step that
starts and ends at once, for things like "put back in the queue after a crash".
Starting a step also makes it the job's ``current_step``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.store import queries
from vidgen_desktop.store.errors import StoreError
from vidgen_desktop.store.records import StepRecord
from vidgen_desktop.store.schema import jobs, processing_timeline

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

STEPS = ("probe", "prepare", "upload_sources", "render", "upload_output", "publish")
NOTE = "note"

t = processing_timeline


class StepNotFound(StoreError, LookupError):
    """No timeline step has that id."""


def _fetch(connection: sa.Connection, step_id: uuid.UUID) -> StepRecord:
    row = connection.execute(sa.select(t).where(t.c.id == step_id)).mappings().one_or_none()
    if row is None:
        raise StepNotFound(f"no timeline step with id {step_id}")
    return StepRecord.from_row(row)


def insert_note(
    connection: sa.Connection,
    job_id: uuid.UUID,
    message: str,
    *,
    details: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> uuid.UUID:
    at = at or queries.now()
    step_id = uuid.uuid4()
    connection.execute(
        sa.insert(t).values(
            id=step_id,
            job_id=job_id,
            step=NOTE,
            status=NOTE,
            started_at=at,
            ended_at=at,
            duration_seconds=0.0,
            progress=1.0,
            details={"message": message, **(queries.jsonable(details) or {})},
        )
    )
    return step_id


def end_step(
    connection: sa.Connection,
    step_id: uuid.UUID,
    status: str,
    *,
    at: dt.datetime,
    values: Mapping[str, Any],
) -> StepRecord:
    """Close a step: set its end, its duration and ``values``; return it."""
    step = _fetch(connection, step_id)
    duration = max(0.0, (at - step.started_at).total_seconds())
    changes = dict(values)
    if "details" in changes:
        changes["details"] = {
            **(step.details or {}),
            **(queries.jsonable(changes["details"]) or {}),
        }
    connection.execute(
        sa.update(t)
        .where(t.c.id == step_id)
        .values(status=status, ended_at=at, duration_seconds=duration, **changes)
    )
    return _fetch(connection, step_id)


class TimelineRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def start(
        self,
        job_id: uuid.UUID | str,
        step: str,
        *,
        details: Mapping[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> StepRecord:
        """Open a ``running`` step and make it the job's current step."""
        job_id, at = queries.as_uuid(job_id), at or queries.now()
        step_id = uuid.uuid4()
        with self._db.write() as connection:
            connection.execute(
                sa.insert(t).values(
                    id=step_id,
                    job_id=job_id,
                    step=step,
                    status="running",
                    started_at=at,
                    progress=0.0,
                    details=queries.jsonable(details),
                )
            )
            connection.execute(
                sa.update(jobs).where(jobs.c.id == job_id).values(current_step=step, updated_at=at)
            )
            return _fetch(connection, step_id)

    def progress(
        self,
        step_id: uuid.UUID | str,
        progress: float,
        *,
        cpu_percent: float | None = None,
        memory_mb: float | None = None,
        job_id: uuid.UUID | str | None = None,
    ) -> None:
        """Cheap: one UPDATE of the step's progress (0–1) and resource use.

        With ``job_id``, the job's progress and current step (this step) move in
        the same transaction: one lock, and no reader sees the two disagree.
        """
        fraction = min(1.0, max(0.0, float(progress)))
        values: dict[str, Any] = {"progress": fraction}
        if cpu_percent is not None:
            values["cpu_percent"] = cpu_percent
        if memory_mb is not None:
            values["memory_mb"] = memory_mb
        step_id = queries.as_uuid(step_id)
        with self._db.write() as connection:
            result = connection.execute(sa.update(t).where(t.c.id == step_id).values(**values))
            if result.rowcount != 1:
                raise StepNotFound(f"no timeline step with id {step_id}")
            if job_id is not None:
                name = sa.select(t.c.step).where(t.c.id == step_id).scalar_subquery()
                connection.execute(  # a job cancelled meanwhile keeps the progress it had
                    sa.update(jobs)
                    .where(jobs.c.id == queries.as_uuid(job_id), jobs.c.status == "processing")
                    .values(progress=fraction, current_step=name, updated_at=queries.now())
                )

    def finish(
        self,
        step_id: uuid.UUID | str,
        *,
        details: Mapping[str, Any] | None = None,
        skipped: bool = False,
        at: dt.datetime | None = None,
    ) -> StepRecord:
        """Close a step as completed (or skipped); ``details`` are merged into its own."""
        values: dict[str, Any] = {} if skipped else {"progress": 1.0}
        if details is not None:
            values["details"] = details
        with self._db.write() as connection:
            return end_step(
                connection,
                queries.as_uuid(step_id),
                "skipped" if skipped else "completed",
                at=at or queries.now(),
                values=values,
            )

    def fail(
        self,
        step_id: uuid.UUID | str,
        code: str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> StepRecord:
        """Close a step as failed with an error code and message (the job is not changed)."""
        values: dict[str, Any] = {"error_code": code, "error_message": message}
        if details is not None:
            values["details"] = details
        with self._db.write() as connection:
            return end_step(
                connection,
                queries.as_uuid(step_id),
                "failed",
                at=at or queries.now(),
                values=values,
            )

    def note(
        self,
        job_id: uuid.UUID | str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> StepRecord:
        """Add a note (``details["message"]``) to the job's timeline."""
        with self._db.write() as connection:
            step_id = insert_note(
                connection, queries.as_uuid(job_id), message, details=details, at=at
            )
            return _fetch(connection, step_id)

    def get(self, step_id: uuid.UUID | str) -> StepRecord:
        with self._db.read() as connection:
            return _fetch(connection, queries.as_uuid(step_id))

    def steps(self, job_id: uuid.UUID | str) -> list[StepRecord]:
        """The job's timeline, oldest first."""
        statement = (
            sa.select(t).where(t.c.job_id == queries.as_uuid(job_id)).order_by(t.c.started_at)
        )
        with self._db.read() as connection:
            return [StepRecord.from_row(row) for row in connection.execute(statement).mappings()]

    def running(self, job_id: uuid.UUID | str) -> StepRecord | None:
        """The job's most recently started step that is still running, if any."""
        with self._db.read() as connection:
            return latest_running(connection, queries.as_uuid(job_id))


def latest_running(connection: sa.Connection, job_id: uuid.UUID) -> StepRecord | None:
    row = (
        connection.execute(
            sa.select(t)
            .where(t.c.job_id == job_id, t.c.status == "running")
            .order_by(t.c.started_at.desc())
            .limit(1)
        )
        .mappings()
        .one_or_none()
    )
    return StepRecord.from_row(row) if row is not None else None
