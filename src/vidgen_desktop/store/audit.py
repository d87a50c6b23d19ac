"""The audit trail: who did what to a job, from which machine and user, and when.

>>> db.audit.record(job.id, "shared", details={"expires_at": ..., "url_key": ...})
>>> db.audit.record(job.id, "link_revoked", details={"link": link_id})
>>> db.audit.trail(job.id)                   # oldest first

``job_audit_log`` is append-only in both databases (revision 0007's triggers
refuse UPDATE and DELETE), and has no foreign key: a job's "deleted" row
outlives the job. ``created`` and ``deleted`` are written by
``JobRepository`` in the same transaction as the change (``insert``);
``cancelled`` and ``retried`` by ``jobs.outcome``'s state rules, on whichever
store owns the job; ``shared`` and ``link_revoked`` by the share feature
through ``record``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.store import job_rows, queries
from vidgen_desktop.store.records import _Record
from vidgen_desktop.store.schema import AUDIT_ACTIONS
from vidgen_desktop.store.schema import job_audit_log as a

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

ACTIONS = AUDIT_ACTIONS


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class AuditRecord(_Record):
    id: uuid.UUID
    job_id: uuid.UUID
    action: str  # created, cancelled, retried, deleted, shared, link_revoked
    machine: str | None
    user_name: str | None
    details: dict[str, Any] | None
    created_at: dt.datetime


def insert(
    connection: sa.Connection, job_id: uuid.UUID | str, action: str, *,
    details: Mapping[str, Any] | None = None, at: dt.datetime | None = None,
    machine: str | None = None, user: str | None = None,
) -> AuditRecord:  # fmt: skip
    """Append one row inside the caller's transaction (the change it records commits with it)."""
    if action not in ACTIONS:
        raise ValueError(f"'{action}' is not an audit action (one of: {', '.join(ACTIONS)})")
    record = AuditRecord(
        id=uuid.uuid4(), job_id=queries.as_uuid(job_id), action=action,
        machine=machine or queries.this_host(), user_name=user or job_rows.user(),
        details=queries.jsonable(details) if details else None, created_at=at or queries.now(),
    )  # fmt: skip
    connection.execute(sa.insert(a).values(**dataclasses.asdict(record)))
    return record


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def record(
        self, job_id: uuid.UUID | str, action: str, *,
        details: Mapping[str, Any] | None = None, at: dt.datetime | None = None,
    ) -> AuditRecord:  # fmt: skip
        """Append what was done to ``job_id``, by this machine and user (its own transaction)."""
        with self._db.write() as connection:
            return insert(connection, job_id, action, details=details, at=at)

    def trail(
        self, job_id: uuid.UUID | str | None = None, *, since: dt.datetime | None = None,
        limit: int | None = 500,
    ) -> list[AuditRecord]:  # fmt: skip
        """A job's trail (every job's when ``job_id`` is None), oldest first."""
        statement = sa.select(a).order_by(a.c.created_at, a.c.id).limit(limit)
        if job_id is not None:
            statement = statement.where(a.c.job_id == queries.as_uuid(job_id))
        if since is not None:
            statement = statement.where(a.c.created_at >= since)
        with self._db.read() as connection:
            return [AuditRecord.from_row(r) for r in connection.execute(statement).mappings()]
