"""A trigram index over the text a history search looks in (SQLite FTS5).

Revision ID: 0004_job_search
Revises: 0003_paging_indexes
Create Date: 2025-01-04

``vidgen jobs list --search`` matches any part of the project name, error
message, error code or job id. Without an index every search read every row
of ``jobs`` (~150 ms at 100,000 jobs); an FTS5 table with the trigram
tokenizer answers substring queries of three characters or more from its
index, ignoring case. Its rows are keyed by the job's rowid (VACUUM keeps the
rowids of a table that has an index, and ``jobs`` always has its primary key's)
and kept in step by triggers, so no writer has to know it exists.

SQLite older than 3.34 has no trigram tokenizer, and PostgreSQL has no FTS5:
there the revision creates nothing and search falls back to scanning with
LIKE / ILIKE (``store.search`` checks which one it has). The DDL is frozen
here on purpose; a later change to it is a new revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_job_search"
down_revision = "0003_paging_indexes"
branch_labels = None
depends_on = None

TABLE = "jobs_search"
# The id as 32 lowercase hex digits, whatever way it was stored.
_ROW = (
    "lower(replace({p}.id, '-', '')), {p}.project_name, "
    "coalesce({p}.error_message, ''), coalesce({p}.error_code, '')"
)
COLUMNS = "id_hex, project_name, error_message, error_code"

STATEMENTS = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS}, tokenize = 'trigram')",
    f"INSERT INTO {TABLE} (rowid, {COLUMNS}) SELECT rowid, {_ROW.format(p='jobs')} FROM jobs",
    f"""CREATE TRIGGER {TABLE}_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO {TABLE} (rowid, {COLUMNS}) VALUES (new.rowid, {_ROW.format(p="new")});
    END""",
    f"""CREATE TRIGGER {TABLE}_update
    AFTER UPDATE OF id, project_name, error_message, error_code ON jobs BEGIN
        DELETE FROM {TABLE} WHERE rowid = old.rowid;
        INSERT INTO {TABLE} (rowid, {COLUMNS}) VALUES (new.rowid, {_ROW.format(p="new")});
    END""",
    f"""CREATE TRIGGER {TABLE}_delete AFTER DELETE ON jobs BEGIN
        DELETE FROM {TABLE} WHERE rowid = old.rowid;
    END""",
)


def _has_trigram(connection: sa.Connection) -> bool:
    try:
        connection.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp._vidgen_trigram_probe USING fts5(x, tokenize = 'trigram')"
        )
    except sa.exc.OperationalError:  # no FTS5, or no trigram tokenizer (SQLite < 3.34)
        return False
    connection.exec_driver_sql("DROP TABLE temp._vidgen_trigram_probe")
    return True


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite" or not _has_trigram(connection):
        return
    for statement in STATEMENTS:
        connection.exec_driver_sql(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for trigger in ("insert", "update", "delete"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {TABLE}_{trigger}")
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
