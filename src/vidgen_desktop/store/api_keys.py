"""API keys and who owns each job made through the API (``api_keys``, ``api_job_owners``).

>>> keys = ApiKeys(db)
>>> made = keys.create("ci", owner="ci")      # made.key is shown once, never stored
>>> keys.authenticate(made.key).owner          # "ci"; None for an unknown or revoked key
>>> keys.own(job_id, key)                      # the job is the key owner's
>>> keys.owner_of(job_id)                      # "ci"

Only the sha256 of a key is stored; keys are 32 random bytes (urlsafe), so a
plain hash is enough (no salt or slow hash needed for high-entropy secrets).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.store.schema import api_job_owners as owners
from vidgen_desktop.store.schema import api_keys as table
from vidgen_desktop.store.schema import jobs as jobs_table

KEY_PREFIX = "vg_"
SHOWN = 10  # characters of a key kept to tell keys apart in `vidgen api-key list`


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class ApiKey:
    id: uuid.UUID
    name: str
    owner: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {
            k: (v.isoformat() if isinstance(v, dt.datetime) else str(v) if k == "id" else v)
            for k, v in data.items()
        }


@dataclasses.dataclass(frozen=True, slots=True)
class MadeKey:
    record: ApiKey
    key: str  # the secret: printed once


def _record(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        owner=row.owner,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class ApiKeys:
    """The key table and job ownership, on the local job log (``store.Database``)."""

    def __init__(self, db: Any) -> None:
        self._db = db

    def create(self, name: str, *, owner: str | None = None) -> MadeKey:
        name = name.strip()
        if not name:
            raise VidgenError("an API key needs a name (--name)")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(
            id=uuid.uuid4(),
            name=name,
            owner=(owner or name).strip(),
            prefix=key[:SHOWN],
            created_at=_now(),
            last_used_at=None,
            revoked_at=None,
        )
        with self._db.write() as connection:
            connection.execute(
                sa.insert(table).values(key_hash=digest(key), **dataclasses.asdict(record))
            )
        return MadeKey(record=record, key=key)

    def list(self) -> list[ApiKey]:
        with self._db.read() as connection:
            rows = connection.execute(sa.select(table).order_by(table.c.created_at)).all()
        return [_record(row) for row in rows]

    def find(self, text: str) -> ApiKey:
        """A key by id, name or shown prefix; VidgenError when none or several match."""
        found = [
            k
            for k in self.list()
            if text in (str(k.id), k.name, k.prefix) or str(k.id).startswith(text)
        ]
        if len(found) != 1:
            what = "no API key" if not found else f"{len(found)} API keys"
            raise VidgenError(f"{what} match '{text}' (vidgen api-key list shows them)")
        return found[0]

    def revoke(self, key_id: uuid.UUID) -> ApiKey:
        with self._db.write() as connection:
            connection.execute(
                sa.update(table)
                .where(table.c.id == key_id, table.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            )
        return next(k for k in self.list() if k.id == key_id)

    def authenticate(self, key: str) -> ApiKey | None:
        """The live key this secret is, else None (unknown or revoked)."""
        with self._db.read() as connection:
            row = connection.execute(
                sa.select(table).where(table.c.key_hash == digest(key))
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        return _record(row)

    def touch(self, key_id: uuid.UUID) -> None:
        with self._db.write() as connection:
            connection.execute(
                sa.update(table).where(table.c.id == key_id).values(last_used_at=_now())
            )

    # Ownership ---------------------------------------------------------------

    def own(self, job_id: uuid.UUID, key: ApiKey | None) -> None:
        owner = key.owner if key is not None else ""
        with self._db.write() as connection:
            connection.execute(
                sa.insert(owners).values(
                    job_id=job_id,
                    owner=owner,
                    key_id=key.id if key else None,
                    created_at=_now(),
                )
            )

    def owner_of(self, job_id: uuid.UUID) -> str | None:
        with self._db.read() as connection:
            return connection.execute(
                sa.select(owners.c.owner).where(owners.c.job_id == job_id)
            ).scalar()

    def owned(
        self,
        owner: str | None,
        *,
        statuses: Sequence[str] = (),
        limit: int = 50,
        offset: int = 0,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        search: str | None = None,
    ) -> tuple[int, list[uuid.UUID]]:
        """(total, ids newest first) of the jobs ``owner`` made (None: every API job)."""
        query = sa.select(owners.c.job_id).join(jobs_table, jobs_table.c.id == owners.c.job_id)
        if owner is not None:
            query = query.where(owners.c.owner == owner)
        if statuses:
            query = query.where(jobs_table.c.status.in_(list(statuses)))
        if since is not None:
            query = query.where(jobs_table.c.created_at >= since)
        if until is not None:
            query = query.where(jobs_table.c.created_at < until)
        if search:
            query = query.where(jobs_table.c.project_name.ilike(f"%{search}%"))
        with self._db.read() as connection:
            total = connection.execute(
                sa.select(sa.func.count()).select_from(query.subquery())
            ).scalar_one()
            ids = (
                connection.execute(
                    query.order_by(jobs_table.c.created_at.desc()).limit(limit).offset(offset)
                )
                .scalars()
                .all()
            )
        return int(total), list(ids)
