"""The job log as one object: an engine, its repositories and its maintenance.

>>> db = open_local()                      # ~/.local/share/vidgen-desktop/jobs.sqlite3
>>> job = db.jobs.create(composition)
>>> db.jobs.transition(job.id, JobStatus.QUEUED)
>>> step = db.timeline.start(job.id, "render")

Every method opens and commits its own short transaction; nothing is held
between calls, so any number of processes can share the file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from vidgen_desktop import paths
from vidgen_desktop.store import engine as engines
from vidgen_desktop.store import exports, maintenance, migrate, search
from vidgen_desktop.store.audit import AuditRepository
from vidgen_desktop.store.errorlog import ErrorLogRepository
from vidgen_desktop.store.errors import DatabaseBusy, StoreError
from vidgen_desktop.store.jobs import JobRepository
from vidgen_desktop.store.metrics import MetricRepository
from vidgen_desktop.store.records import CheckReport, JobQuery
from vidgen_desktop.store.storage_log import StorageLogRepository
from vidgen_desktop.store.timeline import TimelineRepository

LOCAL_FILE = "jobs.sqlite3"


def default_path() -> Path:
    """Where the local job log lives (``$VIDGEN_HOME/data/jobs.sqlite3`` when that is set)."""
    return paths.data_dir() / LOCAL_FILE


class Database:
    """A job log: the local SQLite file, or a PostgreSQL database with the same schema."""

    def __init__(self, engine: sa.Engine, *, migrate_now: bool = True) -> None:
        self.engine = engine
        self.jobs = JobRepository(self)
        self.timeline = TimelineRepository(self)
        self.metrics = MetricRepository(self)
        self.storage_log = StorageLogRepository(self)
        self.errors = ErrorLogRepository(self)  # processing_error_log
        self.audit = AuditRepository(self)  # job_audit_log (append-only)
        self._search_index: bool | None = None  # known after the first search
        if migrate_now:
            self.upgrade()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        if self.dialect != "sqlite" or not self.engine.url.database:
            return None
        return Path(self.engine.url.database)

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"

    # Transactions -----------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success."""
        with _translated(), self.engine.begin() as connection:
            yield connection

    @contextlib.contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """One read transaction: a consistent snapshot that never takes the write lock."""
        with _translated(), self.engine.connect() as connection:
            connection.execution_options(**{engines.READ_ONLY: True})
            with connection.begin():
                yield connection

    # Schema and maintenance ---------------------------------------------------

    def upgrade(self, revision: str = "head") -> str | None:
        self._search_index = None
        with _translated():
            return migrate.upgrade(self.engine, revision)

    def search_index(self, connection: sa.Connection) -> bool:
        """Whether text search can use the trigram index (looked up once per schema change)."""
        if self._search_index is None:
            self._search_index = search.present(connection)
        return self._search_index

    def revision(self) -> str | None:
        with self.read() as connection:
            return migrate.current(connection)

    def check(self) -> CheckReport:
        """Integrity check (SQLite) and whether the schema is at the newest revision."""
        return maintenance.check(self)

    def backup(self, destination: Path | str) -> Path:
        """A consistent copy of the SQLite file, taken while others keep working."""
        return maintenance.backup(self, Path(destination))

    def restore(self, source: Path | str) -> Path:
        """Replace the whole job log with a backup, after checking it is one of ours.

        Returns the copy of the log as it was just before.
        """
        return maintenance.restore(self, Path(source))

    def export(
        self,
        destination: Path | str | Any,
        fmt: str = "csv",
        *,
        query: JobQuery | None = None,
        include_timeline: bool = False,
    ) -> int:
        """Write jobs as CSV or JSON to a path or a text stream; return how many."""
        return exports.export_jobs(
            self, destination, fmt, query=query, include_timeline=include_timeline
        )

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Driver errors out as our own: a lock held too long is transient, the rest a StoreError."""
    try:
        yield
    except sa_exc.OperationalError as exc:
        text = str(exc.orig)
        if "locked" in text or "busy" in text:
            raise DatabaseBusy(detail=text) from exc
        raise StoreError(f"the job database cannot be used: {text}", detail=str(exc)) from exc
    except sa_exc.DatabaseError as exc:
        raise StoreError(
            f"the job database refused the change: {exc.orig}", detail=str(exc)
        ) from exc
    except sa_exc.StatementError as exc:
        if isinstance(exc.orig, ValueError | TypeError):
            raise exc.orig from exc  # a bad value from the caller (a naive datetime…)
        raise


def open_local(path: Path | str | None = None, *, migrate_now: bool = True) -> Database:
    """Open (creating and migrating as needed) this machine's job log."""
    path = Path(path) if path is not None else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return Database(engines.make_engine(path), migrate_now=migrate_now)


def open_url(url: str | sa.URL, *, migrate_now: bool = False) -> Database:
    """Open a job log by SQLAlchemy URL (PostgreSQL for a team backend)."""
    return Database(engines.make_engine(url), migrate_now=migrate_now)
