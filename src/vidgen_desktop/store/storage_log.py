"""What storage did, in the job log: ``storage_operations`` and ``url_access_logs``.

>>> db.storage_log.record_operation("upload", backend="s3", key=k, size_bytes=n, ...)
>>> db.storage_log.record_link(url, "created", job_id=job.id, expires_at=...)
>>> db.storage_log.operations(job.id), db.storage_log.links(job.id)
>>> storage = storage.from_settings(settings, recorder=db.storage_log.recorder(job.id))

``StorageLogRecorder`` is the adapter storage reports to; it reads the
reports by attribute, so the job log does not import storage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.store import queries
from vidgen_desktop.store.records import _Record
from vidgen_desktop.store.schema import storage_operations as so
from vidgen_desktop.store.schema import url_access_logs as ul

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class StorageOperationRecord(_Record):
    id: uuid.UUID
    job_id: uuid.UUID | None
    operation: str  # upload, download, delete, link
    backend: str  # local, s3
    bucket: str | None
    key: str
    size_bytes: int | None
    duration_seconds: float | None
    status: str  # completed, failed
    error_message: str | None
    details: dict[str, Any] | None
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class UrlAccessRecord(_Record):
    id: uuid.UUID
    job_id: uuid.UUID | None
    url: str
    action: str  # created, opened, copied, expired
    expires_at: dt.datetime | None
    client: str | None
    details: dict[str, Any] | None
    accessed_at: dt.datetime


class StorageLogRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record_operation(
        self,
        operation: str,
        *,
        backend: str,
        key: str,
        status: str = "completed",
        bucket: str | None = None,
        size_bytes: int | None = None,
        duration_seconds: float | None = None,
        error_message: str | None = None,
        details: Mapping[str, Any] | None = None,
        job_id: uuid.UUID | str | None = None,
        at: dt.datetime | None = None,
    ) -> StorageOperationRecord:
        record = StorageOperationRecord(
            id=uuid.uuid4(),
            job_id=queries.as_uuid(job_id) if job_id is not None else None,
            operation=operation,
            backend=backend,
            bucket=bucket,
            key=key,
            size_bytes=size_bytes,
            duration_seconds=duration_seconds,
            status=status,
            error_message=error_message,
            details=queries.jsonable(details),
            created_at=at or queries.now(),
        )
        with self._db.write() as connection:
            connection.execute(sa.insert(so).values(**dataclasses.asdict(record)))
        return record

    def record_link(
        self,
        url: str,
        action: str,
        *,
        job_id: uuid.UUID | str | None = None,
        expires_at: dt.datetime | None = None,
        client: str | None = None,
        details: Mapping[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> UrlAccessRecord:
        record = UrlAccessRecord(
            id=uuid.uuid4(),
            job_id=queries.as_uuid(job_id) if job_id is not None else None,
            url=url,
            action=action,
            expires_at=expires_at,
            client=client,
            details=queries.jsonable(details),
            accessed_at=at or queries.now(),
        )
        with self._db.write() as connection:
            connection.execute(sa.insert(ul).values(**dataclasses.asdict(record)))
        return record

    def operations(
        self, job_id: uuid.UUID | str | None = None, *, limit: int | None = 500
    ) -> list[StorageOperationRecord]:
        """A job's storage operations, oldest first (every job's, when ``job_id`` is None)."""
        statement = sa.select(so).order_by(so.c.created_at, so.c.id).limit(limit)
        if job_id is not None:
            statement = statement.where(so.c.job_id == queries.as_uuid(job_id))
        with self._db.read() as connection:
            rows = connection.execute(statement).mappings()
            return [StorageOperationRecord.from_row(r) for r in rows]

    def links(
        self, job_id: uuid.UUID | str | None = None, *, limit: int | None = 500
    ) -> list[UrlAccessRecord]:
        """A job's link log, oldest first (every job's, when ``job_id`` is None)."""
        statement = sa.select(ul).order_by(ul.c.accessed_at, ul.c.id).limit(limit)
        if job_id is not None:
            statement = statement.where(ul.c.job_id == queries.as_uuid(job_id))
        with self._db.read() as connection:
            return [UrlAccessRecord.from_row(r) for r in connection.execute(statement).mappings()]

    def recorder(self, job_id: uuid.UUID | str | None = None) -> StorageLogRecorder:
        """What storage reports to; ``job_id`` applies to reports that carry none."""
        return StorageLogRecorder(self, job_id)


class StorageLogRecorder:
    """A ``storage.OperationRecorder`` that writes to the job log."""

    def __init__(self, log_: StorageLogRepository, job_id: uuid.UUID | str | None = None) -> None:
        self._log = log_
        self._job_id = job_id

    def _job(self, reported: str | None, details: dict[str, Any]) -> uuid.UUID | None:
        value = reported if reported is not None else self._job_id
        if value is None:
            return None
        try:
            return queries.as_uuid(value)
        except ValueError:  # a job id that is not ours: keep it, but not as a reference
            details["job"] = str(value)
            return None

    def operation(self, op: Any) -> None:
        details = dict(op.details or {})
        self._log.record_operation(
            op.kind,
            backend=op.backend,
            key=op.key,
            status="completed" if op.success else "failed",
            bucket=op.bucket,
            size_bytes=op.size_bytes,
            duration_seconds=op.duration_seconds,
            error_message=op.error,
            job_id=self._job(op.job_id, details),
            details=details,
            at=op.at,
        )

    def link(self, event: Any) -> None:
        details = {"key": event.key, "mode": event.mode}
        self._log.record_link(
            event.url,
            event.action,
            job_id=self._job(event.job_id, details),
            expires_at=event.expires_at,
            client=event.client,
            details=details,
            at=event.at,
        )
