"""Farm jobs, mirrored back into the laptop's job log.

A job routed to the render farm lives on the team database: the desktop's
shared queue publishes it there and the workers move it on. The laptop keeps
its own row for the history, the queue panel and ``vidgen jobs``; ``pull``
brings that row (status, progress, step, link, errors, times) and the job's
timeline up to date from the team's, one transaction per job. The mirror is
the only writer of that row once the job is routed to the farm, and its
writes never reach the outbox (``store.team.outbox.disown`` in the same
transaction), so nothing of a farm job travels back.

Status changes are replayed along legal transitions (queued → processing →
completed), so the local state-transition guard holds here too.
"""

from __future__ import annotations

import collections
import logging
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from vidgen_desktop.jobs import states
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import queries, schema
from vidgen_desktop.store.database import Database
from vidgen_desktop.store.team import outbox

log = logging.getLogger(__name__)
# One pull at a time in this process: the relay's once-a-second pull and the progress
# feed's pull of one job read the team's row, then write ours; two of them interleaved
# could write an older read last and move the row back.
_PULLING = threading.Lock()

MIRRORED = (  # job fields copied as they are on the team database
    "progress", "current_step", "output_url", "error_code", "error_message",
    "actual_seconds", "max_attempts",
)  # fmt: skip
TIMES = ("started_at", "completed_at", "attempts")  # set by transitions; corrected after


def path(old: JobStatus, new: JobStatus) -> list[JobStatus]:
    """The shortest run of legal transitions from ``old`` to ``new`` (empty if none)."""
    if old == new:
        return []
    seen, queue = {old: None}, collections.deque([old])
    while queue:
        current = queue.popleft()
        for following in states.TRANSITIONS.get(current, ()):
            if following in seen:
                continue
            seen[following] = current
            if following == new:
                steps = [following]
                while seen[steps[-1]] != old:
                    steps.append(seen[steps[-1]])
                return list(reversed(steps))
            queue.append(following)
    return []


def _watched(local: Database, limit: int) -> list[Any]:
    """Farm jobs the laptop still expects to change: not finished, or finished without a link."""
    jobs = schema.jobs
    open_states = [str(s) for s in JobStatus if not states.is_terminal(s)]
    statement = (
        sa.select(jobs.c.id, jobs.c.status)
        .where(
            jobs.c.route == "remote",
            sa.or_(
                jobs.c.status.in_(open_states),
                sa.and_(jobs.c.status == str(JobStatus.COMPLETED), jobs.c.output_url.is_(None)),
            ),
        )
        .order_by(jobs.c.updated_at)
        .limit(limit)
    )
    with local.read() as connection:
        return connection.execute(statement).all()


def _copy_timeline(connection: sa.Connection, remote: Database, job_id: Any) -> int:
    table = schema.processing_timeline
    with remote.read() as theirs:
        rows = [dict(r) for r in theirs.execute(
            sa.select(table).where(table.c.job_id == job_id)
        ).mappings()]  # fmt: skip
    if not rows:
        return 0
    columns = [c.name for c in table.columns if c.name != "change_seq" and c.name in rows[0]]
    rows = [{c: row[c] for c in columns} for row in rows]
    statement = sqlite.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={c: statement.excluded[c] for c in columns if c != "id"},
    )
    connection.execute(statement, rows)
    return len(rows)


def _copy_errors(connection: sa.Connection, remote: Database, job_id: Any) -> int:
    """The farm's error log of the job (written once there, so copied once here)."""
    table = schema.processing_error_log
    with remote.read() as theirs:
        rows = [dict(r) for r in theirs.execute(
            sa.select(table).where(table.c.job_id == job_id)
        ).mappings()]  # fmt: skip
    if rows:
        connection.execute(sqlite.insert(table).on_conflict_do_nothing(), rows)
    return len(rows)


def pull(local: Database, remote: Database, *, limit: int = 200) -> int:
    """Bring the laptop's rows of farm jobs up to date; return how many jobs changed."""
    return sum(pull_job(local, remote, row.id) for row in _watched(local, limit))


def pull_job(local: Database, remote: Database, job_id: Any) -> bool:
    """Mirror one farm job now (after a cancel or retry from here, say); True if it changed.

    One local transaction: the status replayed along legal transitions, the
    fields and the timeline copied, and the outbox rows this made dropped.
    """
    with _PULLING:
        return _pull_job(local, remote, job_id)


def _pull_job(local: Database, remote: Database, job_id: Any) -> bool:
    theirs = remote.jobs.find(job_id)
    if theirs is None:
        return False  # not published yet (the shared queue does that)
    jobs = schema.jobs
    with local.write() as connection:
        ours = connection.execute(sa.select(jobs).where(jobs.c.id == theirs.id)).mappings().one()
        steps = path(JobStatus(ours["status"]), JobStatus(theirs.status))
        fields = {name: getattr(theirs, name) for name in MIRRORED}
        if not steps and all(ours[name] == value for name, value in fields.items()):
            return False  # nothing new on the team's side (this runs about once a second)
        for status in steps:  # one UPDATE each, so the local transition guard holds
            connection.execute(
                sa.update(jobs).where(jobs.c.id == theirs.id).values(status=str(status))
            )
        connection.execute(
            sa.update(jobs)
            .where(jobs.c.id == theirs.id)
            .values(
                **fields, **{name: getattr(theirs, name) for name in TIMES},
                updated_at=queries.now(),
            )
        )  # fmt: skip
        _copy_timeline(connection, remote, theirs.id)
        _copy_errors(connection, remote, theirs.id)
        outbox.disown(connection, theirs.id)
    return True


def set_local_output(local: Database, job_id: Any, output_path: str) -> None:
    """Where this laptop keeps a farm job's output (a local fact: never sent to the team)."""
    jobs = schema.jobs
    with _PULLING, local.write() as connection:
        connection.execute(
            sa.update(jobs)
            .where(jobs.c.id == queries.as_uuid(job_id))
            .values(output_path=output_path, updated_at=queries.now())
        )
        outbox.disown(connection, queries.as_uuid(job_id))


def finished_not_downloaded(local: Database, limit: int) -> list[Any]:
    """Ids of completed farm jobs whose render this laptop has not downloaded (nor tried)."""
    jobs, ops = schema.jobs, schema.storage_operations
    tried = sa.select(ops.c.id).where(ops.c.job_id == jobs.c.id, ops.c.operation == "download")
    statement = (
        sa.select(jobs.c.id)
        .where(
            jobs.c.route == "remote",
            jobs.c.status == str(JobStatus.COMPLETED),
            jobs.c.output_url.is_not(None),
            ~sa.exists(tried),
        )
        .order_by(jobs.c.completed_at.desc())
        .limit(limit)
    )
    with local.read() as connection:
        return list(connection.execute(statement).scalars())
