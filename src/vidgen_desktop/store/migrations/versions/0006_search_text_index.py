"""A covering index of the searchable text, for search terms too short for the trigram index.

Revision ID: 0006_search_text_index
Revises: 0005_remote_backend
Create Date: 2026-11-21

One- and two-character terms cannot use the FTS5 trigram index; scanning
this narrow index (name, error, code, id) instead of the jobs table, whose
rows carry each job's composition, answers them in a third of the time.
"""

from __future__ import annotations

from alembic import op

revision = "0006_search_text_index"
down_revision = "0005_remote_backend"
branch_labels = None
depends_on = None

NAME = "ix_jobs_project_name_error_message_error_code_id"


def upgrade() -> None:
    op.create_index(NAME, "jobs", ["project_name", "error_message", "error_code", "id"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="jobs")
