"""The error log: one row per failed attempt, with the recovery strategy chosen for it.

>>> db.errors.record(job.id, failure, strategy, step="render", attempt=2)
>>> db.errors.list(job_id=job.id)            # a job's errors, oldest first
>>> db.errors.list(since=yesterday, code="render")

The failure (``jobs.errors.Failure``) and its strategy (``jobs.errors.recovery``,
the one place strategies come from) are read by attribute, so the job log
does not decide anything here. ``follows_from`` links an error to the job's
previous one: the chain of attempts reads back from the last.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.store import queries
from vidgen_desktop.store.records import _Record
from vidgen_desktop.store.schema import processing_error_log as e

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

DETAIL_LIMIT = 8000  # characters of technical detail kept (FFmpeg's stderr tail is ~40 lines)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ErrorRecord(_Record):
    id: uuid.UUID
    job_id: uuid.UUID
    step: str | None
    step_id: uuid.UUID | None
    attempt: int
    error_code: str
    error_class: str  # bad_input, transient, cancelled, internal
    severity: str  # warning, error, critical
    message: str
    detail: str | None
    strategy: str  # retry, skip_worker, fail
    retry_after_seconds: float | None
    worker: str | None
    follows_from: uuid.UUID | None
    created_at: dt.datetime


def this_worker(pid: int | None = None) -> str:
    return f"{queries.this_host()}:{pid if pid is not None else os.getpid()}"


class ErrorLogRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self, job_id: uuid.UUID | str, failure: Any, strategy: Any, *, step: str | None = None,
        step_id: uuid.UUID | str | None = None, attempt: int = 0, worker: str | None = None,
        at: dt.datetime | None = None,
    ) -> ErrorRecord:  # fmt: skip
        """Append the failure of one attempt and what was done about it."""
        job_id = queries.as_uuid(job_id)
        detail = (failure.detail or "")[-DETAIL_LIMIT:] or None
        with self._db.write() as connection:
            previous = connection.execute(
                sa.select(e.c.id).where(e.c.job_id == job_id)
                .order_by(e.c.created_at.desc(), e.c.id.desc()).limit(1)
            ).scalar()  # fmt: skip
            record = ErrorRecord(
                id=uuid.uuid4(), job_id=job_id, step=step,
                step_id=queries.as_uuid(step_id) if step_id is not None else None,
                attempt=attempt, error_code=failure.code, error_class=str(failure.kind),
                severity=str(strategy.severity), message=failure.message, detail=detail,
                strategy=str(strategy.action), retry_after_seconds=strategy.delay,
                worker=worker or this_worker(), follows_from=previous,
                created_at=at or queries.now(),
            )  # fmt: skip
            connection.execute(sa.insert(e).values(**dataclasses.asdict(record)))
        return record

    def list(
        self, *, job_id: uuid.UUID | str | None = None, since: dt.datetime | None = None,
        code: str | None = None, limit: int | None = 500,
    ) -> list[ErrorRecord]:  # fmt: skip
        """Errors oldest first; of one job, since a time, or with one code."""
        statement = sa.select(e).order_by(e.c.created_at, e.c.id)
        if job_id is not None:
            statement = statement.where(e.c.job_id == queries.as_uuid(job_id))
        if since is not None:
            statement = statement.where(e.c.created_at >= since)
        if code:
            statement = statement.where(e.c.error_code == code)
        if limit is not None:  # the newest ``limit``, still oldest first
            inner = statement.order_by(None).order_by(e.c.created_at.desc(), e.c.id.desc())
            sub = inner.limit(limit).subquery()
            statement = sa.select(sub).order_by(sub.c.created_at, sub.c.id)
        with self._db.read() as connection:
            return [ErrorRecord.from_row(r) for r in connection.execute(statement).mappings()]
