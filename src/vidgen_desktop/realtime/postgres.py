"""Live progress with only a database URL: PostgreSQL LISTEN/NOTIFY.

The team database (revision 0005) sends a NOTIFY on the channel
``vidgen_events`` at the commit of every INSERT or UPDATE of ``jobs`` and
``processing_timeline``, with this JSON payload (the contract the Supabase
Realtime feed follows too; ``ChangeEvent.from_payload`` reads it)::

    {"table": "jobs" | "processing_timeline", "op": "INSERT" | "UPDATE",
     "job_id": "<uuid>", "id": "<row id: the job's or the step's uuid>",
     "status": "<job or step status>", "progress": 0..1,
     "step": "<job's current_step | step name>" | null,
     "updated_at": "<UTC ISO 8601 with Z: jobs.updated_at | step's ended_at or started_at>"}

One connection listens. After every (re)connect — LISTEN first, then read —
it re-reads what a subscriber may have missed: a job's rows for a
``subscribe(job_id)``, and every row whose ``change_seq`` is above the
sequence's value at the previous connect for a ``subscribe()``. Rows already
delivered in the same state are not delivered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.realtime.base import (
    CHANNEL,
    ChangeEvent,
    FeedState,
    ProgressFeed,
    Subscription,
)
from vidgen_desktop.store.team import database as team_db

log = logging.getLogger(__name__)

MAX_FAILURES = 5  # connection attempts in a row before the feed gives up for good
BACKOFF = (0.5, 30.0)  # seconds: the first wait after a failure, and the longest
POLL = 0.25  # seconds between looks for new subscribers while listening
PING = 15.0  # seconds of silence before the connection is checked
CONNECT_TIMEOUT = 5  # seconds

_ROWS = """
SELECT * FROM (
    SELECT 'jobs' AS "table", id AS job_id, id, status, progress, current_step AS step,
           updated_at, change_seq
    FROM jobs WHERE {jobs}
    UNION ALL
    SELECT 'processing_timeline', job_id, id, status, progress, step,
           COALESCE(ended_at, started_at), change_seq
    FROM processing_timeline WHERE {steps}
) AS changed ORDER BY change_seq NULLS FIRST
"""
_OF_JOBS = _ROWS.format(jobs="id = ANY(%(ids)s)", steps="job_id = ANY(%(ids)s)")
_SINCE = _ROWS.format(jobs="change_seq > %(since)s", steps="change_seq > %(since)s")
_LAST = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM vidgen_change_seq"


class PostgresFeed(ProgressFeed):
    """``ProgressFeed`` over LISTEN/NOTIFY on the team database (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        max_failures: int = MAX_FAILURES,
        backoff: tuple[float, float] = BACKOFF,
        poll: float = POLL,
        ping: float = PING,
    ) -> None:
        super().__init__()
        self._url = team_db.libpq_url(url)
        self._shown = team_db.describe(url)
        self.max_failures = max_failures
        self.backoff = backoff
        self.poll = poll
        self.ping = ping
        self.failures = 0  # consecutive failed attempts
        self.connections = 0  # successful connects so far
        self._task: asyncio.Task[None] | None = None
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._new: set[Subscription] = set()  # to catch up on the next chance
        self._since: int | None = None  # change_seq at the last connect

    @property
    def backend_pid(self) -> int | None:
        """The server process listening now (for tests and diagnostics)."""
        connection = self._connection
        return connection.info.backend_pid if connection is not None else None

    def _started(self, subscription: Subscription) -> None:
        self._new.add(subscription)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._supervise())

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # Supervisor ---------------------------------------------------------------

    async def _supervise(self) -> None:
        while self.state not in (FeedState.CLOSED, FeedState.FAILED):
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                self._connection = None
                self.failures += 1
                reason = team_db.first_line(exc)
                if self.failures >= self.max_failures:
                    log.error("live progress gave up after %d failures: %s", self.failures, reason)
                    self._give_up(f"{self._shown} could not be reached ({reason})")
                    return
                delay = failures.reconnect_delay(self.failures, *self.backoff)
                log.warning("live progress lost (%s); reconnecting in %.1f s", reason, delay)
                self._set_state(FeedState.RECONNECTING)
                await asyncio.sleep(delay)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, row_factory=dict_row
        ) as connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            self._connection = connection
            since, self._since = self._since, await _last(connection)
            # Everyone is caught up after a reconnect; only new subscribers on the first.
            subscribers = list(self._subscriptions) if self.connections else list(self._new)
            self._new.clear()
            await self._catch_up(connection, subscribers, since)
            self.connections += 1
            self.failures = 0
            self._set_state(FeedState.LIVE)
            quiet_since = time.monotonic()
            while True:
                async for notify in connection.notifies(timeout=self.poll):
                    self._receive(notify.payload)
                    quiet_since = time.monotonic()
                if self._new:
                    new, self._new = list(self._new), set()
                    await self._catch_up(connection, new, None)
                if time.monotonic() - quiet_since > self.ping:
                    await connection.execute("SELECT 1")
                    quiet_since = time.monotonic()

    async def _catch_up(
        self,
        connection: psycopg.AsyncConnection[Any],
        subscribers: Sequence[Subscription],
        since: int | None,
    ) -> None:
        """Re-read what the subscribers may have missed, and deliver what is new to them."""
        ids = [s.job_id for s in subscribers if s.job_id is not None and not s.closed]
        everyone = [s for s in subscribers if s.job_id is None and not s.closed]
        if ids:
            rows = await (await connection.execute(_OF_JOBS, {"ids": ids})).fetchall()
            self._replay(rows, [s for s in subscribers if s.job_id is not None])
        if everyone and since is not None:
            rows = await (await connection.execute(_SINCE, {"since": since})).fetchall()
            self._replay(rows, everyone)

    @staticmethod
    def _replay(rows: Sequence[dict[str, Any]], subscribers: Sequence[Subscription]) -> None:
        for row in rows:
            event = ChangeEvent.from_payload({**row, "op": "SNAPSHOT"}, replayed=True)
            for subscription in subscribers:
                subscription.deliver(event)

    def _receive(self, payload: str) -> None:
        try:
            event = ChangeEvent.from_payload(json.loads(payload))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring a %s notification that is not ours: %s", CHANNEL, exc)
            return
        self._publish(event)


async def _last(connection: psycopg.AsyncConnection[Any]) -> int:
    row = await (await connection.execute(_LAST)).fetchone()
    return int(next(iter(row.values()))) if row else 0


__all__ = ["PostgresFeed"]
