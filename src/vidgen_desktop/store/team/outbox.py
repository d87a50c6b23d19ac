"""The replication outbox's upkeep: how much waits, emptying it, and re-queuing everything.

The outbox itself is filled by SQLite triggers (revision 0005) and drained by
``store.team.relay.Relay``.
"""

from __future__ import annotations

import sqlalchemy as sa

from vidgen_desktop.store import migrate, schema
from vidgen_desktop.store.database import Database

OUTBOX_REVISION = "0005_remote_backend"  # the migration that made the outbox and its triggers
SEEDED_METRIC = "replication_seeded"  # system_metrics: the relay re-queued the whole history


def discard_outbox(local: Database) -> int:
    """Empty the outbox (no team backend will ever read it); return how many rows went."""
    with local.write() as connection:
        return connection.execute(sa.delete(schema.outbox)).rowcount


def reseed(local: Database) -> int:
    """Queue every row of the replicated tables once more, oldest first (idempotent remotely)."""
    seeding = migrate._scripts().get_revision(OUTBOX_REVISION).module
    with local.write() as connection:
        connection.execute(sa.delete(schema.outbox))
        for table in seeding.REPLICATED:
            connection.exec_driver_sql(seeding._seed(table))
        return connection.execute(sa.select(sa.func.count()).select_from(schema.outbox)).scalar()


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
