"""Privileges that hold under Supabase's defaults (the revision of the share-links work).

Revision ID: 0008_share_links
Revises: 0007_job_log_design
Create Date: 2026-12-02

Share links need no new column: ``url_access_logs`` already keeps each link
made (``created``, with its expiry) and copied. What this revision changes
is who may touch the team database: on Supabase, the ``postgres`` role's
default privileges grant everything on new tables and functions to ``anon``
and ``authenticated``; ``sql/0008_privileges.sql`` revokes all of it on
Vidgen's and procrastinate's objects and grants back only SELECT on the job
log to ``authenticated`` (see the file). Applied where the Supabase setup
is (``auth.uid()`` exists, or ``upgrade(supabase=True)``); the first worker
runs it again after applying procrastinate's schema
(``queue.farm.ensure_schema``). Nothing changes on SQLite or a plain
PostgreSQL.
"""

from __future__ import annotations

from alembic import op

from vidgen_desktop.store import migrate
from vidgen_desktop.store.team import database as team_db

revision = "0008_share_links"
down_revision = "0007_job_log_design"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    wanted = op.get_context().config.attributes.get(migrate.SUPABASE)
    if wanted or (wanted is None and team_db.is_supabase(connection)):
        team_db.run_sql_file(connection, team_db.PRIVILEGES_SQL)


def downgrade() -> None:
    """Privileges taken back stay taken back: granting them again would reopen the hole."""
