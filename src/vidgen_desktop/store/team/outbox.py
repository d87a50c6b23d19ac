"""The replication outbox's upkeep: how much waits, emptying it, and re-queuing everything.

The outbox itself is filled by SQLite triggers (revision 0005) and drained by
``store.team.relay.Relay``. It carries the laptop's own jobs only: a farm job
(route "remote") belongs to the team database, and the laptop's rows of it are
a mirror, so ``disown`` takes them out of the outbox in the same transaction
as the write that made them (the routing to the farm, the mirror's copy).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from vidgen_desktop.store import migrate, queries, schema

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

OUTBOX_REVISION = "0005_remote_backend"  # the migration that made the outbox and its triggers
LOG_REVISION = "0007_job_log_design"  # the error log and audit trail, replicated since
SEEDED_METRIC = "replication_seeded"  # system_metrics: the relay re-queued the whole history


def discard_outbox(local: Database) -> int:
    """Empty the outbox (no team backend will ever read it); return how many rows went."""
    with local.write() as connection:
        return connection.execute(sa.delete(schema.outbox)).rowcount


def reseed(local: Database) -> int:
    """Queue every row of the replicated tables once more, oldest first (idempotent remotely)."""
    seeding = migrate.scripts().get_revision(OUTBOX_REVISION).module
    with local.write() as connection:
        connection.execute(sa.delete(schema.outbox))
        for table in seeding.REPLICATED:
            connection.exec_driver_sql(seeding._seed(table))
        logs = migrate.scripts().get_revision(LOG_REVISION).module
        for table in logs.REPLICATED:
            connection.exec_driver_sql(logs.seed(table))
        disown(connection)  # farm jobs are the team database's, never sent from here
        return connection.execute(sa.select(sa.func.count()).select_from(schema.outbox)).scalar()


def disown(connection: sa.Connection, job_id: Any = None) -> None:
    """Drop the waiting outbox rows of ``job_id`` if it is a farm job (SQLite only).

    Call it inside the transaction that wrote them: nothing of a farm job ever
    leaves the laptop, so no relay needs to sort them out afterwards. Without
    ``job_id``: every farm job's (after ``reseed``, and once per relay start for
    outboxes filled by an older Vidgen).
    """
    if connection.dialect.name != "sqlite":
        return  # the team database has no outbox
    o, jobs = schema.outbox, schema.jobs
    key = sa.func.json_extract(
        o.c.payload, sa.case((o.c.table_name == "jobs", "$.id"), else_="$.job_id")
    )
    if job_id is None:
        farm = sa.select(jobs.c.id).where(jobs.c.route == "remote")
        connection.execute(sa.delete(o).where(key.in_(farm)))
        return
    one = (
        sa.select(jobs.c.id)
        .where(jobs.c.id == queries.as_uuid(job_id), jobs.c.route == "remote")
        .scalar_subquery()
    )
    connection.execute(sa.delete(o).where(key == one))


def backlog(local: Database) -> tuple[int, int]:
    """How many outbox rows wait to be sent, and how many the team database refused."""
    o = schema.outbox
    with local.read() as connection:
        waiting, refused = connection.execute(
            sa.select(
                sa.func.count().filter(o.c.error.is_(None)),
                sa.func.count().filter(o.c.error.is_not(None)),
            )
        ).one()
    return waiting, refused
