"""A job's stamp: its ``updated_at`` and the state a poller watches, read in a few µs.

>>> stamps = JobStamps(db)
>>> stamps.stamp(job_id)        # "2026-12-02 04:41:03.123456 processing 0.25 render"; None: none

Every write to a job's row sets ``updated_at`` (``store.jobs``, the
timeline's step and progress, the team mirror, retention), and the stamp
also holds the status, progress and step (in case two writes ever share a
time given by a caller), so an unchanged stamp means an unchanged job: a
reader that kept the record it read with a stamp may answer from it while
the stamp stays the same, whichever process wrote. For the local SQLite log
the stamp is read on a connection of its own through the ``sqlite3`` module,
without SQLAlchemy's pool, transaction and result machinery (5 µs against
``jobs.get``'s 330 µs here): this is what an HTTP poller costs
(``api.snapshots``). A connection in autocommit mode reads the newest
committed state of a WAL file each statement. Any other database reads the
stamp through SQLAlchemy.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.store import queries
from vidgen_desktop.store.engine import BUSY_TIMEOUT
from vidgen_desktop.store.schema import jobs

COLUMNS = ("updated_at", "status", "progress", "current_step")
QUERY = f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE id = ?"


class JobStamps:
    def __init__(self, db: Any) -> None:
        self._db = db
        self._lock = threading.Lock()  # one sqlite3 connection, any thread (mostly the loop's)
        self._connection: sqlite3.Connection | None = None
        if db.path is not None:
            self._connection = sqlite3.connect(
                db.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            self._connection.execute("PRAGMA query_only = ON")

    def stamp(self, job_id: uuid.UUID) -> str | None:
        """The job's stamp (changes with every write to its row), or None if there is no job."""
        if self._connection is None:
            columns = [jobs.c[name] for name in COLUMNS]
            with self._db.read() as connection:
                row = connection.execute(
                    sa.select(*columns).where(jobs.c.id == queries.as_uuid(job_id))
                ).first()
        else:
            with self._lock:
                row = self._connection.execute(QUERY, (job_id.hex,)).fetchone()
        return None if row is None else " ".join(str(value) for value in row)

    def close(self) -> None:
        if self._connection is not None:
            with self._lock:
                self._connection.close()
                self._connection = None
