"""Alembic, configured in code: no alembic.ini is needed at run time.

``upgrade()`` brings a database to the newest revision in one write
transaction; ``Database`` calls it whenever it opens the local file.

Alembic is imported only when there is something to migrate. A job log
already at ``HEAD`` (every start of the editor but the first after an
update) is recognised by one plain read of ``alembic_version``, without the
~110 modules Alembic pulls in (Mako, Pygments…): under busy editor threads
each import waits for the GIL, and they made the render hub seconds late.
``HEAD`` is kept in step with ``migrations/versions/`` by a test.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from vidgen_desktop.store import engine as engines
from vidgen_desktop.store.errors import SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
SUPABASE = "vidgen_supabase"  # config attribute: True, False or None (detect)
HEAD = "0012_api_keys"  # the newest file in migrations/versions/ (a test checks it)


def config(connection: sa.Connection | None = None) -> Config:
    """An Alembic Config for our migrations, optionally bound to an open connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def scripts() -> ScriptDirectory:
    """Alembic's view of ``migrations/`` (imports Alembic)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this Vidgen knows."""
    return HEAD


def script_head() -> str:
    """The newest revision as Alembic reads it from the files (what ``HEAD`` must say)."""
    revision = scripts().get_current_head()
    assert revision is not None
    return revision


def revisions() -> list[str]:
    """Every known revision, oldest first."""
    return [script.revision for script in reversed(list(scripts().walk_revisions()))]


def current(connection: sa.Connection) -> str | None:
    """The database's revision, or None for a database Alembic never touched.

    A plain read of ``alembic_version`` (one row: our history never branches).
    """
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    if len(rows) > 1:
        raise SchemaTooNew(
            f"the job database has {len(rows)} revisions at once "
            f"({', '.join(r[0] for r in rows)}): it was not made by this Vidgen"
        )
    return rows[0][0] if rows else None


def is_known(revision: str | None) -> bool:
    return revision is None or revision == HEAD or revision in revisions()


def _at_head(engine: sa.Engine) -> bool:
    """Whether the database is at HEAD already: one read, no write lock, no Alembic."""
    with engine.connect() as connection:
        connection.execution_options(**{engines.READ_ONLY: True})
        with connection.begin():
            return current(connection) == HEAD


def _run(
    target: sa.Engine | sa.URL | Path | str,
    revision: str,
    *,
    down: bool = False,
    supabase: bool | None = None,
) -> str | None:
    engine = engines.make_engine(target)
    try:
        if not down and revision in ("head", HEAD) and _at_head(engine):
            return HEAD
        from alembic import command

        with engine.begin() as connection:
            found = current(connection)
            if not is_known(found):
                raise SchemaTooNew(
                    f"the job database is at revision {found}, newer than this Vidgen ({head()})"
                )
            cfg = config(connection)
            cfg.attributes[SUPABASE] = supabase
            if down:
                command.downgrade(cfg, revision)
            else:
                command.upgrade(cfg, revision)
            return current(connection)
    finally:
        if engine is not target:
            engine.dispose()


def upgrade(
    target: sa.Engine | sa.URL | Path | str, revision: str = "head", *, supabase: bool | None = None
) -> str | None:
    """Migrate a database (engine, URL or SQLite path) up to ``revision``; return where it is.

    ``supabase`` (PostgreSQL): apply the row level security setup (True), skip it
    (False), or apply it when the database has Supabase's ``auth.uid()`` (None).
    """
    return _run(target, revision, supabase=supabase)


def downgrade(target: sa.Engine | sa.URL | Path | str, revision: str) -> str | None:
    """Migrate a database down to ``revision`` (``"base"`` removes every table)."""
    return _run(target, revision, down=True)
