"""Engines for the job log: the local SQLite file and any SQLAlchemy URL.

SQLite is set up so the editor, the command line and queue workers can share
one file: WAL (readers never block the writer), foreign keys on, a busy
timeout, and write transactions that take the write lock up front
(``BEGIN IMMEDIATE``). Without that, two processes that both read then write
deadlock on the lock upgrade and one fails with "database is locked" at once,
whatever the timeout. Read-only work uses a plain deferred ``BEGIN``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

BUSY_TIMEOUT = 10.0  # seconds a connection waits for another process's write lock
READ_ONLY = "vidgen_read_only"  # execution option: begin a deferred, not immediate, transaction


def sqlite_url(path: Path | str) -> sa.URL:
    return sa.URL.create("sqlite+pysqlite", database=str(Path(path)))


def make_engine(
    target: sa.Engine | sa.URL | Path | str, *, busy_timeout: float = BUSY_TIMEOUT, **kwargs: Any
) -> sa.Engine:
    """An engine for a database URL, or for a SQLite file given as a path.

    ``busy_timeout`` (seconds, SQLite only): how long to wait for another
    process's write lock before giving up with DatabaseBusy.
    """
    if isinstance(target, sa.Engine):
        return target
    if isinstance(target, Path) or (isinstance(target, str) and "://" not in target):
        target = sqlite_url(target)
    url = sa.make_url(target)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ValueError("the job log needs a SQLite file, not an in-memory database")
        connect_args = {"timeout": busy_timeout, **kwargs.pop("connect_args", {})}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine, busy_timeout)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def _configure_sqlite(engine: sa.Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module: we emit our own below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
