"""Rows for the Supabase feed: where it re-reads them, and how a row becomes a ``ChangeEvent``.

Realtime's ``record`` and PostgREST's JSON are the same row shape; both carry
``change_seq`` (stamped by the 0005 triggers), which the feed uses to re-read
only what changed after the last row it saw, and to never deliver a row older
than one already delivered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from vidgen_desktop.realtime.base import ChangeEvent, normalise_op

Row = tuple[str, Mapping[str, Any]]  # (table, record) as PostgREST or Realtime sends it


class RowSource(Protocol):
    """Where the feed re-reads rows after a (re)subscribe: PostgREST, or the database."""

    async def rows(self, job_id: uuid.UUID | None, since: int | None) -> Sequence[Row]:
        """Rows of ``job_id`` (of every job when None) with ``change_seq > since`` (all: None)."""

    async def last_seq(self) -> int:
        """The highest ``change_seq`` of both tables now (0 when empty)."""


class RestRows:
    """``RowSource`` through PostgREST with the feed's supabase client (RLS applies)."""

    def __init__(self, supabase: Any) -> None:
        self._supabase = supabase

    async def rows(self, job_id: uuid.UUID | None, since: int | None) -> Sequence[Row]:
        found: list[Row] = []
        for table, column in (("jobs", "id"), ("processing_timeline", "job_id")):
            query = self._supabase.table(table).select("*")
            if job_id is not None:
                query = query.eq(column, str(job_id))
            if since is not None:
                query = query.gt("change_seq", since)
            response = await query.order("change_seq").execute()
            found.extend((table, record) for record in response.data)
        return found

    async def last_seq(self) -> int:
        latest = 0
        for table in ("jobs", "processing_timeline"):
            query = self._supabase.table(table).select("change_seq")
            response = await query.order("change_seq", desc=True).limit(1).execute()
            for record in response.data:
                latest = max(latest, int(record.get("change_seq") or 0))
        return latest


def event_from_record(
    table: str, record: Mapping[str, Any], op: Any
) -> tuple[ChangeEvent, int | None]:
    """A ``jobs`` or ``processing_timeline`` row (Realtime or PostgREST JSON) as an event.

    ``op``: ``INSERT``/``UPDATE``/``SNAPSHOT``, or realtime-py's enum member for them.
    """
    op = normalise_op(op)
    if table == "jobs":
        job_id, step, updated = record["id"], record.get("current_step"), record.get("updated_at")
    else:
        job_id, step = record["job_id"], record.get("step")
        updated = record.get("ended_at") or record.get("started_at")
    event = ChangeEvent.from_payload(
        {
            "table": table,
            "op": op,
            "job_id": job_id,
            "id": record["id"],
            "status": record.get("status"),
            "progress": record.get("progress"),
            "step": step,
            "updated_at": _utc(updated),
        },
        replayed=op == "SNAPSHOT",
    )
    seq = record.get("change_seq")
    return event, int(seq) if seq is not None else None


def _utc(value: Any) -> dt.datetime | None:
    """Realtime sends ``timestamp`` columns without a zone; ours are UTC either way."""
    if not value:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


__all__ = ["RestRows", "Row", "RowSource", "event_from_record"]
