"""The batches in a job log: one line per batch id, newest first (the history's filter)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from vidgen_desktop.store.schema import jobs

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class BatchSummary:
    batch_id: uuid.UUID
    project_name: str
    jobs: int
    completed: int
    created_at: dt.datetime

    @property
    def label(self) -> str:
        when = self.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"{self.project_name} · {when} · {self.completed}/{self.jobs} done"


def summaries(db: Database, limit: int = 200) -> list[BatchSummary]:
    done = sa.func.sum(sa.case((jobs.c.status == "completed", 1), else_=0))
    statement = (
        sa.select(
            jobs.c.batch_id,
            sa.func.max(jobs.c.project_name),
            sa.func.count(),
            done,
            sa.func.min(jobs.c.created_at),
        )  # fmt: skip
        .where(jobs.c.batch_id.is_not(None))
        .group_by(jobs.c.batch_id)
        .order_by(sa.func.min(jobs.c.created_at).desc())
        .limit(limit)
    )
    with db.read() as connection:
        rows = connection.execute(statement).all()
    return [
        BatchSummary(
            batch_id=batch,
            project_name=name or "Untitled",
            jobs=count,
            completed=int(ok or 0),
            created_at=when,
        )  # fmt: skip
        for batch, name, count, ok, when in rows
    ]
