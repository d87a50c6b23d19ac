"""Indexes that let history pages be read from the index, at any depth.

Revision ID: 0003_paging_indexes
Revises: 0002_views_and_guard
Create Date: 2025-01-03

Listing orders by (created_at, id); with id in the index, page 1,000 of a
100,000-job history costs about what page 1 does.
"""

from __future__ import annotations

from alembic import op

revision = "0003_paging_indexes"
down_revision = "0002_views_and_guard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_jobs_created_at", table_name="jobs")
    op.drop_index("ix_jobs_status_created_at", table_name="jobs")
    op.create_index("ix_jobs_created_at_id", "jobs", ["created_at", "id"])
    op.create_index("ix_jobs_status_created_at_id", "jobs", ["status", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_jobs_status_created_at_id", table_name="jobs")
    op.drop_index("ix_jobs_created_at_id", table_name="jobs")
    op.create_index("ix_jobs_status_created_at", "jobs", ["status", "created_at"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
