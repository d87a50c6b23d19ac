"""Backup, restore and health check of the local SQLite job log.

Backups use SQLite's online backup API, so they are consistent while the
editor and workers keep writing. A restore checks that the file really is a
Vidgen job log (SQLite, intact, our tables, a revision we know), keeps a copy
of the current log, then copies the backup *into* the live file in one
transaction: processes that have it open see the old log or the new one,
never a mix, and no file is swapped from under them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from vidgen_desktop import files
from vidgen_desktop.store import migrate
from vidgen_desktop.store.errors import NotAVidgenDatabase, SchemaTooNew, StoreError
from vidgen_desktop.store.records import CheckReport

if TYPE_CHECKING:
    from vidgen_desktop.store.database import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset({"alembic_version", "jobs", "elements", "processing_timeline"})


def _local_path(db: Database) -> Path:
    if db.path is None:
        raise StoreError(
            "backup and restore work on the local job log; use the server's own tools "
            f"(pg_dump) for {db.dialect}"
        )
    return db.path


def _copy(source: sqlite3.Connection, destination: Path) -> None:
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    finally:
        target.close()


def backup(db: Database, destination: Path) -> Path:
    """Copy the live log to ``destination`` (written beside it, then renamed into place)."""
    _local_path(db)
    destination = destination.expanduser().resolve()
    raw = db.engine.raw_connection()
    try:
        with files.atomic_path(destination) as partial:
            _copy(raw.driver_connection, partial)  # type: ignore[arg-type]
    finally:
        raw.close()
    return destination


def validate(path: Path) -> str:
    """Return the backup's schema revision; raise NotAVidgenDatabase if it is not ours."""
    name = path.name
    if not path.is_file():
        raise NotAVidgenDatabase(f"{name} does not exist or is not a file")
    with open(path, "rb") as stream:
        if stream.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise NotAVidgenDatabase(f"{name} is not a Vidgen job database (not SQLite)")
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
            check = [row[0] for row in connection.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise NotAVidgenDatabase(f"{name} is damaged: {'; '.join(check[:3])}")
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            missing = REQUIRED_TABLES - tables
            if missing:
                raise NotAVidgenDatabase(
                    f"{name} is not a Vidgen job database (no {', '.join(sorted(missing))} table)"
                )
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise NotAVidgenDatabase(f"{name} cannot be read: {exc}", detail=repr(exc)) from exc
    revision = row[0] if row else None
    if revision is None:
        raise NotAVidgenDatabase(f"{name} is not a Vidgen job database (no schema revision)")
    if not migrate.is_known(revision):
        raise SchemaTooNew(f"{name} was made by a newer Vidgen (schema {revision})")
    return revision


def restore(db: Database, source: Path) -> Path:
    """Replace the live log with ``source``; return where the previous log was saved."""
    live = _local_path(db)
    source = source.expanduser().resolve()
    validate(source)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    previous = backup(db, live.with_name(f"{live.stem}.before-restore-{stamp}{live.suffix}"))
    uri = source.as_uri() + "?mode=ro"
    raw = db.engine.raw_connection()
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as backup_file:
            backup_file.backup(raw.driver_connection)  # type: ignore[arg-type]  # one transaction
    finally:
        raw.close()
    db.engine.dispose()
    db.upgrade()  # a backup from an older Vidgen is brought up to date
    return previous


def check(db: Database) -> CheckReport:
    """Integrity (SQLite), dangling rows, and the schema revision against the newest."""
    problems: list[str] = []
    head = migrate.head()
    with db.read() as connection:
        revision = migrate.current(connection)
        if db.dialect == "sqlite":
            rows = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
            if rows != ["ok"]:
                problems.extend(f"integrity: {row}" for row in rows)
            dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if dangling:
                problems.append(f"{len(dangling)} row(s) refer to jobs that no longer exist")
    if revision is None:
        problems.append("the database has no schema yet; run `vidgen db upgrade`")
    elif not migrate.is_known(revision):
        problems.append(f"schema {revision} is newer than this Vidgen ({head})")
    elif revision != head:
        problems.append(f"schema {revision} is behind {head}; run `vidgen db upgrade`")
    return CheckReport(revision=revision, head=head, problems=tuple(problems))
