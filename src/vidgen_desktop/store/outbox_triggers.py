"""The laptop's outbox triggers on ``jobs`` and ``elements``, made again for the columns they have now.

Revision 0005 made the SQLite triggers that queue every change of a
replicated table for the team database; they name each column. A later
revision that adds or drops a replicated column drops them first (SQLite
refuses to drop a column a trigger names) and makes them again afterwards,
with the columns the tables have at that moment, so whatever revisions ran
before, every column travels. Used by revisions 0009 (batches) and 0010
(versions); the builder is revision 0005's own, loaded afresh each time so
changing its tables here never leaks into another caller.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa

TABLES = ("jobs", "elements")
LOCAL_ONLY = {"jobs": {"change_seq"}, "elements": {"id"}}  # as 0005: never sent
LATER_JSON = frozenset({"batch_row", "made_with"})  # JSON columns added after 0005
_REVISION_0005 = Path(__file__).with_name("migrations") / "versions" / "0005_remote_backend.py"


def _revision_0005() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vidgen_migration_0005", _REVISION_0005)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drop(connection: sa.Connection) -> None:
    """Drop the triggers (SQLite only), before a replicated column goes."""
    if connection.dialect.name != "sqlite":
        return
    for table in TABLES:
        for kind in ("insert", "update", "delete"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS vidgen_outbox_{table}_{kind}")


def remake(connection: sa.Connection) -> None:
    """Make the triggers again with every column the tables have now (SQLite only)."""
    if connection.dialect.name != "sqlite":
        return
    drop(connection)
    outbox = _revision_0005()
    replicated = dict(outbox.REPLICATED)
    for table in TABLES:
        columns = [
            row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")
            if row[1] not in LOCAL_ONLY[table]
        ]  # fmt: skip
        replicated[table] = (tuple(columns), *replicated[table][1:])
    outbox.REPLICATED = replicated
    outbox.JSON_COLUMNS = outbox.JSON_COLUMNS | LATER_JSON
    for table in TABLES:
        for statement in outbox._triggers(table):
            connection.exec_driver_sql(statement)


def add_keys(connection: sa.Connection, columns: dict[str, tuple[str, ...]]) -> None:
    """Give the snapshots already waiting in the outbox the new columns, as null (SQLite only).

    The relay sends a table's rows in one INSERT, whose rows must all name the
    same columns: one queued before the column existed would not.
    """
    if connection.dialect.name != "sqlite":
        return
    for table, names in columns.items():
        for column in names:
            connection.exec_driver_sql(
                f"UPDATE vidgen_outbox SET payload = json_set(payload, '$.{column}', NULL) "
                f"WHERE table_name = '{table}' AND op = 'upsert'"
            )
