"""The team database: PostgreSQL (Supabase or any) with the job log's schema.

>>> url = config.database_url()            # password from the keyring; never print it
>>> remote.upgrade(url)                     # `vidgen db upgrade --remote`
>>> report = remote.inspect(url)            # what `vidgen backend check` prints

Besides the tables Alembic creates everywhere, revision 0005 gives PostgreSQL
the live-event triggers of ``sql/0005_postgres_events.sql`` (the NOTIFY
payload contract is written there and in ``realtime/postgres.py``) and, on a
Supabase database, the row level security and Realtime publication of
``sql/0005_supabase_setup.sql``. Both files are shipped as package data so a
team can read them, or run them by hand.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Iterator
from importlib import resources
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.store import engine as engines
from vidgen_desktop.store import migrate
from vidgen_desktop.store.errors import StoreError

CONNECT_TIMEOUT = 5  # seconds to wait for the team database to answer
EVENTS_SQL = "0005_postgres_events.sql"
SUPABASE_SQL = "0005_supabase_setup.sql"
PRIVILEGES_SQL = "0008_privileges.sql"  # Supabase's default privileges taken back (0008)
TRIGGERS = {  # trigger -> table, that the migrations make on PostgreSQL
    "jobs_status_guard": "jobs",
    "jobs_change_seq": "jobs",
    "jobs_notify": "jobs",
    "processing_timeline_change_seq": "processing_timeline",
    "processing_timeline_notify": "processing_timeline",
    "job_audit_log_no_change": "job_audit_log",  # revision 0007: the audit trail is append-only
    "job_audit_log_no_truncate": "job_audit_log",
}


def sqlalchemy_url(url: str | sa.URL) -> sa.URL:
    """A PostgreSQL URL as SQLAlchemy wants it, with the psycopg 3 driver."""
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def libpq_url(url: str | sa.URL) -> str:
    """The same URL as psycopg (libpq) takes it: ``postgresql://…``, password included."""
    parsed = sa.make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str | sa.URL, **kwargs: Any) -> sa.Engine:
    """An engine for the team database that gives up after ``CONNECT_TIMEOUT`` seconds."""
    target = sqlalchemy_url(url)
    connect_args = kwargs.pop("connect_args", {})
    if target.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": CONNECT_TIMEOUT, **connect_args}
    return engines.make_engine(target, connect_args=connect_args, **kwargs)


def sql_text(name: str) -> str:
    """One of the SQL files shipped in ``store/sql``."""
    return resources.files("vidgen_desktop.store").joinpath("sql", name).read_text("utf-8")


def split_sql(text: str) -> list[str]:
    """The statements of a SQL file: split at ``;`` outside quotes, ``$$`` bodies and comments."""
    statements, current, i = [], [], 0
    quote: str | None = None
    while i < len(text):
        char = text[i]
        if quote is None and text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if text.startswith("$$", i) and quote in (None, "$$"):
            quote = None if quote else "$$"
            current.append("$$")
            i += 2
            continue
        if char == "'" and quote in (None, "'"):
            quote = None if quote else "'"
        if char == ";" and quote is None:
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def run_sql_file(connection: sa.Connection, name: str) -> None:
    for statement in split_sql(sql_text(name)):
        connection.exec_driver_sql(statement)


def is_supabase(connection: sa.Connection) -> bool:
    """Whether the database is a Supabase one: it has the function ``auth.uid()``."""
    if connection.dialect.name != "postgresql":
        return False
    return bool(
        connection.exec_driver_sql("SELECT to_regprocedure('auth.uid()') IS NOT NULL").scalar()
    )


def upgrade(url: str | sa.URL, revision: str = "head", *, supabase: bool | None = None) -> str:
    """Migrate the team database; ``supabase``: force (True) or skip (False) the RLS setup.

    By default the setup is applied when the database is a Supabase one.
    """
    with _one_shot(make_engine(url), f"cannot reach the team database {describe(url)}") as engine:
        found = migrate.upgrade(engine, revision, supabase=supabase)
    return found or ""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class TeamReport:
    """What ``inspect`` found; ``problems`` say what is wrong in a designer's words."""

    server: str
    revision: str | None
    head: str
    triggers: tuple[str, ...]
    supabase: bool
    row_security: bool
    writable: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@contextlib.contextmanager
def _one_shot(engine: sa.Engine, cannot: str) -> Iterator[sa.Engine]:
    """Use an engine once and dispose of it; a server out of reach is one StoreError line."""
    try:
        yield engine
    except sa.exc.OperationalError as exc:
        raise StoreError(f"{cannot}: {first_line(exc.orig)}", detail=first_line(exc.orig)) from exc
    finally:
        engine.dispose()


def one_shot(url: str | sa.URL) -> contextlib.AbstractContextManager[sa.Engine]:
    """An engine on the team database for one task, disposed after it; out of reach: a
    StoreError of one line."""
    return _one_shot(
        make_engine(url, poolclass=sa.pool.NullPool),
        f"cannot reach the team database {describe(url)}",
    )


def inspect(url: str | sa.URL) -> TeamReport:
    """Connect, compare the schema with this Vidgen's, look for the triggers, try a write.

    The write is a job row inserted and rolled back: nothing stays, nothing is notified.
    Raises StoreError (with the password left out) when the database cannot be reached.
    """
    problems: list[str] = []
    head = migrate.head()
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    with _one_shot(engine, f"cannot connect to {describe(url)}"), engine.connect() as connection:
        server = str(connection.exec_driver_sql("SHOW server_version").scalar())
        revision = migrate.current(connection)
        triggers = _triggers(connection)
        supabase = is_supabase(connection)
        row_security = bool(
            connection.exec_driver_sql(
                "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('jobs')"
            ).scalar()
        )
        connection.rollback()
        writable, why = _try_write(connection) if revision else (False, "no schema")
    if revision is None:
        problems.append("the database has no Vidgen schema yet: run `vidgen db upgrade --remote`")
    elif not migrate.is_known(revision):
        problems.append(f"its schema {revision} is newer than this Vidgen ({head}): update Vidgen")
    elif revision != head:
        problems.append(f"its schema {revision} is behind {head}: run `vidgen db upgrade --remote`")
    missing = sorted(set(TRIGGERS) - set(triggers))
    if revision is not None and missing:
        problems.append(
            f"trigger(s) missing: {', '.join(missing)}: run `vidgen db upgrade --remote`"
        )
    if supabase and revision == head and not row_security:
        problems.append(
            "row level security is off on jobs: run `vidgen db upgrade --remote` "
            f"or the SQL in store/sql/{SUPABASE_SQL}"
        )
    if revision is not None and not writable:
        problems.append(f"cannot write to jobs: {why}")
    return TeamReport(
        server=server,
        revision=revision,
        head=head,
        triggers=tuple(sorted(triggers)),
        supabase=supabase,
        row_security=row_security,
        writable=writable,
        problems=tuple(problems),
    )


def _triggers(connection: sa.Connection) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
    ).all()
    return {name for name, table in rows if TRIGGERS.get(name) == table}


def _try_write(connection: sa.Connection) -> tuple[bool, str]:
    from vidgen_desktop.store import queries, schema

    now = queries.now()
    try:
        with connection.begin() as transaction:
            connection.execute(
                sa.insert(schema.jobs).values(
                    id=uuid.uuid4(), status="pending", composition={}, output_settings={},
                    project_name="vidgen backend check", created_at=now, updated_at=now,
                )
            )  # fmt: skip
            transaction.rollback()
    except sa.exc.DBAPIError as exc:
        return False, first_line(exc.orig)
    return True, ""


def describe(url: str | sa.URL) -> str:
    """The URL without its password, for messages."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=True)


def first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
