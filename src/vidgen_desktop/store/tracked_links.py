"""Tracked share links: ``/s/{token}`` on the server, each access logged, expiry, revocation.

>>> links = TrackedLinks(db)
>>> made = links.create(job_id, base_url="http://127.0.0.1:8000", expires_in=7 * 86400)
>>> made.url                                  # http://127.0.0.1:8000/s/<token>, shown once
>>> links.resolve(token)                      # the link row; LinkGone when revoked or expired
>>> links.revoke(made.link.id)                # /s/<token> answers 410 from now on

Only the token's sha256 is stored (``tracked_links``). Every access is a
``url_access_logs`` row (``opened``; ``refused`` for a gone link) with the
time, a hash of the client's address (never the address), its user agent
and referrer; the creation is a ``created`` row and an audit ``shared``; a
revocation the audit's ``link_revoked``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

import sqlalchemy as sa

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.store.schema import tracked_links as table

PATH = "/s/"


class LinkGone(VidgenError):
    """The link was revoked or has expired (410)."""


class UnknownLink(VidgenError):
    """No link has this token (404)."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def client_hash(address: str | None, salt: str = "") -> str | None:
    """What the access log keeps of a client's address: a hash, never the address."""
    if not address:
        return None
    return hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()[:32]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    id: uuid.UUID
    job_id: uuid.UUID
    owner: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= _now():
            return "expired"
        return "active"


@dataclasses.dataclass(frozen=True, slots=True)
class MadeLink:
    link: Link
    url: str


def _link(row: Any) -> Link:
    return Link(
        id=row.id,
        job_id=row.job_id,
        owner=row.owner,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class TrackedLinks:
    def __init__(self, db: Any) -> None:
        self._db = db

    def create(
        self,
        job_id: uuid.UUID,
        *,
        base_url: str,
        expires_in: float | None,
        owner: str | None = None,
        client: str = "api",
    ) -> MadeLink:
        token = secrets.token_urlsafe(24)
        now = _now()
        link = Link(
            id=uuid.uuid4(),
            job_id=job_id,
            owner=owner,
            created_at=now,
            revoked_at=None,
            expires_at=now + dt.timedelta(seconds=expires_in) if expires_in else None,
        )
        url = base_url.rstrip("/") + PATH + token
        with self._db.write() as connection:
            connection.execute(
                sa.insert(table).values(token_hash=digest(token), **dataclasses.asdict(link))
            )
        shown = base_url.rstrip("/") + PATH + token[:6] + "…"  # the log never holds the token
        self._db.storage_log.record_link(
            shown,
            "created",
            job_id=job_id,
            expires_at=link.expires_at,
            client=client,
            details={"link": str(link.id), "tracked": True},
        )
        self._db.audit.record(job_id, "shared", details={"link": str(link.id), "tracked": True})
        return MadeLink(link=link, url=url)

    def get(self, link_id: uuid.UUID) -> Link:
        with self._db.read() as connection:
            row = connection.execute(sa.select(table).where(table.c.id == link_id)).first()
        if row is None:
            raise UnknownLink(f"no share link {link_id}")
        return _link(row)

    def by_token(self, token: str) -> Link:
        with self._db.read() as connection:
            row = connection.execute(
                sa.select(table).where(table.c.token_hash == digest(token))
            ).first()
        if row is None:
            raise UnknownLink("no such share link")
        return _link(row)

    def for_job(self, job_id: uuid.UUID) -> list[Link]:
        with self._db.read() as connection:
            rows = connection.execute(
                sa.select(table).where(table.c.job_id == job_id).order_by(table.c.created_at)
            ).all()
        return [_link(row) for row in rows]

    def find(self, text: str) -> Link:
        """A link by its id (or a unique start of it), or by its URL or token."""
        token = text.rsplit(PATH, 1)[-1] if PATH in text else text
        try:
            return self.by_token(token)
        except UnknownLink:
            pass
        with self._db.read() as connection:
            rows = connection.execute(sa.select(table)).all()
        found = [_link(row) for row in rows if str(row.id).startswith(text.lower())]
        if len(found) != 1:
            raise UnknownLink(f"{'no' if not found else len(found)} share link(s) match '{text}'")
        return found[0]

    def revoke(self, link_id: uuid.UUID, *, by: str = "cli") -> Link:
        link = self.get(link_id)
        if link.revoked_at is None:
            with self._db.write() as connection:
                connection.execute(
                    sa.update(table).where(table.c.id == link_id).values(revoked_at=_now())
                )
            self._db.audit.record(
                link.job_id, "link_revoked", details={"link": str(link_id), "by": by}
            )
        return self.get(link_id)

    def access(
        self, token: str, *, client: str | None, user_agent: str | None, referrer: str | None
    ) -> Link:
        """The live link for ``token``, with this access logged; LinkGone / UnknownLink."""
        link = self.by_token(token)
        state = link.state
        self._db.storage_log.record_link(
            f"{PATH}{token[:6]}…",
            "opened" if state == "active" else "refused",
            job_id=link.job_id,
            expires_at=link.expires_at,
            client="server",
            details={
                "link": str(link.id),
                "client_hash": client,
                "user_agent": user_agent,
                "referrer": referrer,
                "state": state,
            },
        )
        if state != "active":
            raise LinkGone(f"this share link was {state}")
        return link

    def accesses(self, link_id: uuid.UUID) -> list[Any]:
        job_id = self.get(link_id).job_id
        return [
            row
            for row in self._db.storage_log.links(job_id)
            if (row.details or {}).get("link") == str(link_id)
            and row.action in ("opened", "refused")
        ]
