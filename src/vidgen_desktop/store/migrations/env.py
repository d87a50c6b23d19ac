"""Alembic's entry point, driven by ``vidgen_desktop.store.migrate`` (no alembic.ini).

The caller hands over an open connection in ``config.attributes["connection"]``
inside a transaction, so a migration is one write transaction: on SQLite that
is ``BEGIN IMMEDIATE``, and two processes opening the database at once migrate
it exactly once.
"""

from __future__ import annotations

from alembic import context

from vidgen_desktop.store import schema, search

config = context.config

if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=schema.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through vidgen_desktop.store.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=schema.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=search.include_name,  # the FTS5 index is not in schema
    )
    with context.begin_transaction():
        context.run_migrations()
