"""The HTTP API (`vidgen serve`): API keys, job owners and tracked share links.

Revision ID: 0012_api_keys
Revises: 0010_versions
Create Date: 2026-12-02

- ``api_keys``: one row per key made by ``vidgen api-key create``; only the
  sha256 of the key is stored (the key is printed once), with its owner;
- ``api_job_owners``: which owner made each job through the API (a key reads
  only its owner's jobs);
- ``tracked_links``: the share links the server answers at ``/s/{token}``
  (only the token's sha256), with their expiry and revocation; each access is
  a ``url_access_logs`` row.

Local tables: the outbox does not carry them to the team database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

UTCDateTime = lambda: sa.DateTime(timezone=True)  # noqa: E731 - as 0007: UTC, aware

revision = "0012_api_keys"
down_revision = "0010_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime()),
        sa.Column("revoked_at", UTCDateTime()),
    )
    op.create_table(
        "api_job_owners",
        sa.Column(
            "job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
        ),  # fmt: skip
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("key_id", sa.Uuid()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_api_job_owners_owner_created_at", "api_job_owners", ["owner", "created_at"])
    op.create_table(
        "tracked_links",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "job_id", sa.Uuid(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),  # fmt: skip
        sa.Column("owner", sa.String(200)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime()),
        sa.Column("revoked_at", UTCDateTime()),
    )
    op.create_index("ix_tracked_links_job_id", "tracked_links", ["job_id"])


def downgrade() -> None:
    op.drop_table("tracked_links")
    op.drop_table("api_job_owners")
    op.drop_table("api_keys")
