"""Alembic, configured in code: no alembic.ini is needed at run time.

``upgrade()`` brings a database to the newest revision in one write
transaction; ``Database`` calls it whenever it opens the local file.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from vidgen_desktop.store import engine as engines
from vidgen_desktop.store.errors import SchemaTooNew

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
SUPABASE = "vidgen_supabase"  # config attribute: True, False or None (detect)


def config(connection: sa.Connection | None = None) -> Config:
    """An Alembic Config for our migrations, optionally bound to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    return cfg


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this Vidgen knows."""
    revision = _scripts().get_current_head()
    assert revision is not None
    return revision


def revisions() -> list[str]:
    """Every known revision, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def current(connection: sa.Connection) -> str | None:
    """The database's revision, or None for a database Alembic never touched."""
    return MigrationContext.configure(connection).get_current_revision()


def is_known(revision: str | None) -> bool:
    return revision is None or revision in revisions()


def _run(
    target: sa.Engine | sa.URL | Path | str,
    revision: str,
    *,
    down: bool = False,
    supabase: bool | None = None,
) -> str | None:
    engine = engines.make_engine(target)
    try:
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
