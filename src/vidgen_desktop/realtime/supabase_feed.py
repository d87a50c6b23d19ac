"""Live progress through Supabase Realtime (``postgres_changes``), supervised.

>>> feed = SupabaseFeed.from_config()            # URL from settings, keys from config.secret()
>>> unsubscribe = feed.on_event(callback, job_id)  # the ProgressFeed port (realtime/base.py)
>>> await feed.close()

One websocket (the supabase client's ``AsyncRealtimeClient``) and one channel
per watched job with two bindings: ``processing_timeline`` filtered by
``job_id=eq.<id>`` and ``jobs`` filtered by ``id=eq.<id>`` (unfiltered for a
``subscribe()`` of every job). It runs on the asyncio loop that subscribes
first: Qt's, through qasync, in the editor.

Two things the Realtime protocol does not do for us:

* It does not replay. After every (re)subscribe the feed re-reads the job's
  rows whose ``change_seq`` (stamped by the 0005 triggers) is above the last
  one it saw, through PostgREST by default or the ``rows`` source it is
  given, and a row older than one already delivered is never delivered.
* The client reconnects by itself only ``client_retries`` times, then stops
  for good. A supervisor notices (socket gone and no reconnect running, a
  channel closed by the server, or not joined for too long), throws the
  client away and makes a new one, with backoff; after ``max_failures``
  failed attempts in a row the feed gives up: ``FeedState.FAILED``, ``error``
  starting "live progress unavailable".

The anon key and the access token are never logged, nor shown by ``repr``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.realtime import supabase_client as clients
from vidgen_desktop.realtime.base import (
    ChangeEvent,
    FeedState,
    FeedUnavailable,
    ProgressFeed,
    Subscription,
)
from vidgen_desktop.realtime.supabase_client import Limits
from vidgen_desktop.realtime.supabase_rows import RestRows, Row, RowSource, event_from_record

log = logging.getLogger(__name__)


@dataclasses.dataclass(eq=False)
class _Watch:
    """One channel: a job's (``job_id``), or every job's (None)."""

    job_id: uuid.UUID | None
    channel: Any = None
    client: Any = None  # the realtime client ``channel`` belongs to
    last_seq: int | None = None  # the newest change_seq seen on this channel
    fresh: set[Subscription] = dataclasses.field(default_factory=set)  # want the current rows
    unjoined_since: float | None = None


class SupabaseFeed(ProgressFeed):
    """``ProgressFeed`` over Supabase Realtime (see the module docstring)."""

    def __init__(
        self,
        supabase_url: str,
        anon_key: str,
        access_token: str | None = None,
        *,
        rows: RowSource | None = None,
        limits: Limits | None = None,
    ) -> None:
        super().__init__()
        self.url = supabase_url.rstrip("/")
        self._anon_key = anon_key
        self._access_token = access_token
        self._source = rows
        self.limits = limits or Limits()
        self.failures = 0  # failed clients in a row
        self.clients_made = 0  # realtime clients created so far (tests count recreations)
        self._watches: dict[uuid.UUID | None, _Watch] = {}
        self._row_seq: dict[tuple[str, uuid.UUID], int] = {}  # newest change_seq per row
        self._supabase: Any = None
        self._http: Any = None
        self._client: Any = None  # the current AsyncRealtimeClient
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._wake: asyncio.Event | None = None
        self._offline_since: float | None = None  # the current client lost its socket then

    def __repr__(self) -> str:  # never the key or the token
        return f"SupabaseFeed({self.url!r}, state={self.state.value!r})"

    @classmethod
    def from_config(cls, settings: config.Settings | None = None, **kwargs: Any) -> SupabaseFeed:
        """The feed the settings describe; the anon key and token come from ``config.secret``."""
        settings = settings or config.load()
        url = settings.backend.supabase_url
        key = config.secret("supabase_anon_key")
        if not url or not key:
            raise FeedUnavailable(
                "live progress through Supabase needs its URL and anon key: set them in "
                "Settings (the key is kept in the OS keyring)"
            )
        return cls(url, key, config.secret("supabase_access_token"), **kwargs)

    @property
    def client(self) -> Any:
        """The realtime client in use now (None between clients)."""
        return self._client

    # -- the port ------------------------------------------------------------------------------

    def _started(self, subscription: Subscription) -> None:
        watch = self._watches.get(subscription.job_id)
        if watch is None:
            watch = self._watches[subscription.job_id] = _Watch(subscription.job_id)
        watch.fresh.add(subscription)
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._supervise())
        elif watch.client is self._client and watch.channel is not None and watch.channel.is_joined:
            self._spawn(self._catch_up(watch))  # already live: only the newcomer's rows
        elif self._client is not None and self._client.is_connected and watch.client is None:
            self._spawn(self._join_quietly(self._client, watch))

    def unsubscribe(self, subscription: Subscription) -> None:
        super().unsubscribe(subscription)
        job_id = subscription.job_id
        watch = self._watches.get(job_id)
        if watch is None or any(s.job_id == job_id for s in self._subscriptions):
            return
        del self._watches[job_id]
        if watch.channel is not None and watch.client is self._client and self._task is not None:
            self._spawn(watch.channel.unsubscribe())

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for pending in list(self._tasks):
            pending.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await clients.dispose(self._client)
            self._client = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- supervision ---------------------------------------------------------------------------

    async def _supervise(self) -> None:
        self._open_supabase()
        while True:
            client = self._new_client()
            try:
                await self._connect(client)
            except Exception as exc:  # noqa: BLE001 - every way of not connecting counts alike
                why = clients.describe(exc)
            else:
                self.failures = 0
                self.error = None
                self._set_state(FeedState.LIVE)
                why = await self._until_dead(client)
            self.failures += 1
            self._client = None
            await clients.dispose(client)
            log.warning(
                "live progress: realtime client %d stopped (%s); failure %d of %d",
                self.clients_made, why, self.failures, self.limits.max_failures,
                extra={"action": "realtime_supervise"},
            )  # fmt: skip
            if self.failures >= self.limits.max_failures:
                self._give_up(
                    f"live progress unavailable: Supabase Realtime at {self.url} failed "
                    f"{self.failures} times in a row (last: {why})"
                )
                return
            self._set_state(FeedState.RECONNECTING)
            await asyncio.sleep(
                failures.reconnect_delay(
                    self.failures, self.limits.backoff, self.limits.backoff_max
                )
            )

    def _open_supabase(self) -> None:
        self._supabase, self._http = clients.open_supabase(
            self.url, self._anon_key, self._access_token, self.limits
        )
        if self._source is None:
            self._source = RestRows(self._supabase)

    def _new_client(self) -> Any:
        client = clients.new_realtime(
            str(self._supabase.realtime_url), self._anon_key, self._access_token, self.limits
        )
        self._supabase.realtime = client
        self.clients_made += 1
        self._client, self._offline_since = client, None
        for watch in self._watches.values():
            watch.channel = watch.client = watch.unjoined_since = None
        return client

    async def _connect(self, client: Any) -> None:
        await client.connect()  # bounded by the client's own retries and open timeout
        for watch in list(self._watches.values()):
            await self._join(client, watch)

    async def _join_quietly(self, client: Any, watch: _Watch) -> None:
        try:
            await self._join(client, watch)
        except Exception as exc:  # noqa: BLE001 - the supervisor makes a new client
            log.info("live progress: joining %s failed: %s", watch.job_id, clients.describe(exc))
            self._poke()

    async def _join(self, client: Any, watch: _Watch) -> None:
        if watch.client is client or self._watches.get(watch.job_id) is not watch:
            return
        topic = f"vidgen-job-{watch.job_id}" if watch.job_id else "vidgen-jobs"
        channel = client.channel(topic)
        on_change = functools.partial(self._on_change, client, watch)
        job_filter = f"job_id=eq.{watch.job_id}" if watch.job_id else None
        id_filter = f"id=eq.{watch.job_id}" if watch.job_id else None
        channel.on_postgres_changes("*", on_change, table="processing_timeline", filter=job_filter)
        channel.on_postgres_changes("*", on_change, table="jobs", filter=id_filter)
        watch.channel, watch.client = channel, client
        await channel.subscribe(functools.partial(self._on_channel_state, client, watch))
        if not channel.is_joined:
            raise FeedUnavailable(f"the subscription to {topic} was not answered")

    def _on_channel_state(self, client: Any, watch: _Watch, status: Any, error: Any) -> None:
        if client is not self._client or watch.client is not client:
            return  # from a client already thrown away
        if str(getattr(status, "value", status)) == "SUBSCRIBED":
            watch.unjoined_since = None
            # the re-read starts from what was seen before any event of the new subscription
            self._spawn(self._catch_up(watch, since=watch.last_seq, resubscribed=True))
            if self.state is FeedState.RECONNECTING and self._task is not None:
                self._set_state(FeedState.LIVE)
        else:
            state = getattr(status, "value", status)
            log.info("live progress: the channel of %s is %s (%s)",
                     watch.job_id or "all jobs", state, clients.describe(error))  # fmt: skip
            if self.state is FeedState.LIVE:
                self._set_state(FeedState.RECONNECTING)
        self._poke()

    async def _until_dead(self, client: Any) -> str:
        """Return, with the reason, once ``client`` will not recover by itself."""
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.limits.check_interval):
                    await self._wake.wait()
            self._wake.clear()
            if why := self._dead(client):
                return why

    def _dead(self, client: Any) -> str:
        # The client reconnects inside its listen (or heartbeat) task; when its last
        # attempt fails, that task ends with the error and nothing else will try again.
        if not client.is_connected:
            if why := clients.gave_up(client):
                return why
            self._offline_since = self._offline_since or time.monotonic()
            if time.monotonic() - self._offline_since > self.limits.reconnect_budget():
                return "it did not reconnect in time"
        else:
            self._offline_since = None
        now = time.monotonic()
        for watch in list(self._watches.values()):
            channel = watch.channel
            if watch.client is not client or channel is None:
                if client.is_connected:
                    self._spawn(self._join_quietly(client, watch))  # subscribed meanwhile
                continue
            if channel.is_closed or client.channels.get(channel.topic) is not channel:
                return f"the server closed the channel {channel.topic}"
            if channel.is_joined or not client.is_connected:
                watch.unjoined_since = None
            elif watch.unjoined_since is None:
                watch.unjoined_since = now
            elif now - watch.unjoined_since > self.limits.stall:
                return f"{channel.topic} stayed unsubscribed for {self.limits.stall:g} s"
        return ""

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # -- events --------------------------------------------------------------------------------

    def _on_change(self, client: Any, watch: _Watch, payload: Mapping[str, Any]) -> None:
        if client is not self._client:
            return
        data = payload.get("data") or {}
        record = data.get("record")
        if not record:
            return
        event, seq = event_from_record(data.get("table", ""), record, data.get("type"))
        if self._fresh(event, seq, watch):
            self._publish(event)

    async def _catch_up(
        self, watch: _Watch, since: int | None = None, *, resubscribed: bool = False
    ) -> None:
        """Re-read and deliver rows newer than ``since``, or all of a job's for newcomers.

        Every row passes ``_fresh`` (never older than what was delivered), and
        subscriptions drop states they already have.
        """
        fresh, watch.fresh = watch.fresh, set()
        if not (resubscribed or fresh):
            return
        if watch.job_id is None and since is None:
            latest = await self._read(None, None, latest=True)  # every job: from now on
            if isinstance(latest, int):
                watch.last_seq = max(latest, watch.last_seq or 0)
            return
        rows = await self._read(watch.job_id, None if fresh and watch.job_id else since)
        if not isinstance(rows, Sequence):
            watch.fresh |= fresh  # the next (re)subscribe tries again
            return
        pending = [event_from_record(table, record, "SNAPSHOT") for table, record in rows]
        for event, seq in sorted(pending, key=lambda pair: pair[1] or 0):
            if not self._fresh(event, seq, watch):
                continue
            if resubscribed and (since is None or seq is None or seq > since):
                self._publish(event)  # possibly missed by anyone
            else:
                for subscription in fresh:  # the newcomers' starting rows
                    subscription.deliver(event)

    async def _read(
        self, job_id: uuid.UUID | None, since: int | None, *, latest: bool = False
    ) -> Sequence[Row] | int | None:
        """The rows (or, ``latest``, the highest change_seq); None when the source failed."""
        assert self._source is not None
        for attempt in range(self.limits.catch_up_attempts):
            try:
                async with asyncio.timeout(self.limits.join_timeout):
                    if latest:
                        return await self._source.last_seq()
                    return await self._source.rows(job_id, since)
            except Exception as exc:  # noqa: BLE001 - retried, then left to the next subscribe
                log.warning("live progress: re-reading %s failed: %s", job_id or "all jobs",
                            clients.describe(exc))  # fmt: skip
                await asyncio.sleep(
                    failures.backoff_seconds(attempt + 1, base=self.limits.backoff, factor=2.0)
                )
        return None

    def _fresh(self, event: ChangeEvent, seq: int | None, watch: _Watch) -> bool:
        """Whether the row's state is not older than one already delivered (and note it)."""
        if seq is None:
            return True
        key = (event.table, event.id)
        if seq < self._row_seq.get(key, -1):
            return False
        self._row_seq[key] = seq
        watch.last_seq = max(seq, watch.last_seq or 0)
        return True

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


__all__ = ["Limits", "SupabaseFeed"]
