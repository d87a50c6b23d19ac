"""The progress feed port: live changes of team-database jobs and their timeline steps.

>>> feed = PostgresFeed(config.database_url())      # or the Supabase Realtime feed
>>> async for event in feed.subscribe(job_id):       # one job; subscribe() for every job
...     print(event.table, event.status, event.progress)
>>> unsubscribe = feed.on_event(callback, job_id)    # the same, as a callback on the loop
>>> await feed.close()

The port lives here rather than in ``jobs/ports.py`` because what it carries
is the team database's rows (``jobs`` and ``processing_timeline``), and both
implementations (LISTEN/NOTIFY and Supabase Realtime) live in this package.

Every implementation promises the same:

- events are ``ChangeEvent``s, the NOTIFY payload contract of
  ``store/sql/0005_postgres_events.sql`` as a frozen dataclass;
- after every (re)subscribe it re-reads the rows changed since the last one
  it saw, and delivers those whose state is new to the subscriber (marked
  ``replayed``, ``op == "SNAPSHOT"``), because neither NOTIFY nor Realtime
  replays what was sent while a client was away; a ``subscribe(job_id)``
  starts with the job's current rows;
- a supervisor reconnects with backoff and, after ``max_failures``
  consecutive failed attempts, gives up for good: ``state`` becomes
  ``FeedState.FAILED``, ``error`` says why, and every subscription ends with
  ``FeedUnavailable``. Only a new feed tries again.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import dataclasses
import datetime as dt
import enum
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from vidgen_desktop.errors import VidgenError

log = logging.getLogger(__name__)

CHANNEL = "vidgen_events"  # the NOTIFY channel of store/sql/0005_postgres_events.sql


class FeedState(enum.StrEnum):
    CONNECTING = "connecting"  # first attempt under way
    LIVE = "live"  # connected, listening, caught up
    RECONNECTING = "reconnecting"  # lost the connection; trying again with backoff
    FAILED = "failed"  # gave up for good after too many failures in a row
    CLOSED = "closed"  # closed by its owner


class FeedUnavailable(VidgenError):
    """Live progress from the team database stopped: it could not be reached."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ChangeEvent:
    """A job or timeline step changed on the team database.

    ``table``: ``jobs`` or ``processing_timeline``. ``op``: ``INSERT``,
    ``UPDATE``, or ``SNAPSHOT`` for a row re-read after a (re)subscribe.
    ``id``: the job's id, or the step's. ``status``: the job's status or the
    step's. ``step``: the job's current step, or the step's name.
    """

    table: str
    op: str
    job_id: uuid.UUID
    id: uuid.UUID
    status: str
    progress: float
    step: str | None
    updated_at: dt.datetime | None
    replayed: bool = False

    @property
    def is_job(self) -> bool:
        return self.table == "jobs"

    @classmethod
    def from_payload(cls, data: Mapping[str, Any], *, replayed: bool = False) -> ChangeEvent:
        """From the NOTIFY payload (JSON already parsed) or a row with the same keys."""
        updated = data.get("updated_at")
        if isinstance(updated, str):
            updated = dt.datetime.fromisoformat(updated)
        if isinstance(updated, dt.datetime):
            updated = updated.astimezone(dt.UTC)
        return cls(
            table=str(data["table"]),
            op=normalise_op(data["op"]),
            job_id=uuid.UUID(str(data["job_id"])),
            id=uuid.UUID(str(data["id"])),
            status=str(data["status"]),
            progress=float(data["progress"] or 0.0),
            step=data.get("step"),
            updated_at=updated,
            replayed=replayed,
        )

    def signature(self) -> tuple[Any, ...]:
        """What a subscriber has seen of the row: a re-read with the same is not delivered."""
        return (self.status, self.progress, self.step, self.updated_at)


EventCallback = Callable[[ChangeEvent], None]
StateCallback = Callable[[FeedState], None]
_END = object()


class Subscription:
    """Events of one job (or all) as an async iterator; ``close()`` ends it."""

    def __init__(
        self, feed: ProgressFeed, job_id: uuid.UUID | None, callback: EventCallback | None = None
    ) -> None:
        self.feed = feed
        self.job_id = job_id
        self._callback = callback
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._seen: dict[tuple[str, uuid.UUID], tuple[Any, ...]] = {}
        self.closed = False

    def wants(self, event: ChangeEvent) -> bool:
        return self.job_id is None or event.job_id == self.job_id

    def deliver(self, event: ChangeEvent) -> None:
        """Hand the event over unless this subscriber already has that state of the row."""
        if self.closed or not self.wants(event):
            return
        key = (event.table, event.id)
        if self._seen.get(key) == event.signature():
            return
        self._seen[key] = event.signature()
        if self._callback is None:
            self._queue.put_nowait(event)
            return
        try:
            self._callback(event)
        except Exception:  # noqa: BLE001 - a view's bug must not stop the feed
            log.exception("a progress feed callback failed", extra={"action": "deliver"})

    def end(self, error: BaseException | None = None) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(error if error is not None else _END)

    def close(self) -> None:
        self.feed.unsubscribe(self)
        self.end()

    def __aiter__(self) -> AsyncIterator[ChangeEvent]:
        return self

    async def __anext__(self) -> ChangeEvent:
        item = await self._queue.get()
        if item is _END:
            self._queue.put_nowait(_END)  # stays ended
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            self._queue.put_nowait(item)
            raise item
        return item


class ProgressFeed(abc.ABC):
    """Live changes of team-database jobs (see the module docstring for the promises)."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._state_callbacks: list[StateCallback] = []
        self._state = FeedState.CONNECTING
        self.error: str | None = None

    @property
    def state(self) -> FeedState:
        return self._state

    def subscribe(self, job_id: uuid.UUID | str | None = None) -> Subscription:
        """Events of ``job_id`` (every job's when None), from now on, as an async iterator.

        Call it on the event loop that should receive them.
        """
        return self._add(Subscription(self, _job(job_id)))

    def on_event(
        self, callback: EventCallback, job_id: uuid.UUID | str | None = None
    ) -> Callable[[], None]:
        """Call ``callback`` on the loop for each event; returns a function that stops it."""
        return self._add(Subscription(self, _job(job_id), callback)).close

    def on_state(self, callback: StateCallback) -> Callable[[], None]:
        """Call ``callback`` with each new ``FeedState``; returns a function that stops it."""
        self._state_callbacks.append(callback)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._state_callbacks.remove(callback)

        return remove

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    async def close(self) -> None:
        self._set_state(FeedState.CLOSED)
        await self._stop()
        for subscription in list(self._subscriptions):
            subscription.end()
        self._subscriptions.clear()

    async def __aenter__(self) -> ProgressFeed:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # For implementations ------------------------------------------------------

    def _add(self, subscription: Subscription) -> Subscription:
        if self._state is FeedState.FAILED:
            subscription.end(FeedUnavailable(self.error or "the feed gave up"))
            return subscription
        if self._state is FeedState.CLOSED:
            subscription.end()
            return subscription
        self._subscriptions.add(subscription)
        self._started(subscription)
        return subscription

    def _publish(self, event: ChangeEvent) -> None:
        for subscription in list(self._subscriptions):
            subscription.deliver(event)

    def _set_state(self, state: FeedState) -> None:
        if state is self._state:
            return
        self._state = state
        for callback in list(self._state_callbacks):
            try:
                callback(state)
            except Exception:  # noqa: BLE001
                log.exception("a progress feed state callback failed")

    def _give_up(self, reason: str) -> None:
        self.error = reason
        self._set_state(FeedState.FAILED)
        for subscription in list(self._subscriptions):
            subscription.end(FeedUnavailable(f"live progress stopped: {reason}"))
        self._subscriptions.clear()

    @abc.abstractmethod
    def _started(self, subscription: Subscription) -> None:
        """A subscription was added: make sure it is served and caught up."""

    @abc.abstractmethod
    async def _stop(self) -> None:
        """Stop the connection and its supervisor."""


OPS = ("INSERT", "UPDATE", "DELETE", "SNAPSHOT")


def normalise_op(value: Any) -> str:
    """``INSERT``, whatever the client made of it: realtime-py sends an enum member whose
    text is ``RealtimePostgresChangesListenEvent.Insert``; some versions its value."""
    raw = getattr(value, "value", value)
    text = str(raw).rsplit(".", 1)[-1].strip().upper()
    return text if text in OPS else str(raw)


def _job(job_id: uuid.UUID | str | None) -> uuid.UUID | None:
    return None if job_id is None else uuid.UUID(str(job_id))
