"""The supabase client for the Realtime feed: how hard it tries, making one, throwing one away.

The realtime client (``realtime.AsyncRealtimeClient``) reconnects on its own
``client_retries`` times, inside its listen (or heartbeat) task; when the last
attempt fails that task ends with the error and the client never tries again.
``gave_up`` reads exactly that; ``dispose`` stops the timers a client leaves
behind. The anon key and the access token go into the clients, never a log.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """How hard the feed tries. Defaults suit a designer's laptop; tests shrink them."""

    client_retries: int = 5  # reconnects the realtime client makes itself before it stops
    client_backoff: float = 1.0  # s: its first wait, doubled each time (its own rule)
    join_timeout: float = 10.0  # s to wait for a join, a connect or a re-read to be answered
    max_failures: int = 6  # failed clients in a row before the feed gives up
    backoff: float = 1.0  # s before the first new client; doubles up to backoff_max
    backoff_max: float = 30.0  # s
    stall: float = 60.0  # s a channel may stay unjoined on a live socket before a new client
    check_interval: float = 0.5  # s between health checks (state callbacks also wake it)
    catch_up_attempts: int = 3

    def reconnect_budget(self) -> float:
        """The longest the client's own reconnects can take, and then some (seconds)."""
        waits = sum(min(self.client_backoff * 2**i, 60) for i in range(self.client_retries))
        return waits + self.client_retries * self.join_timeout + self.stall


def open_supabase(
    url: str, anon_key: str, access_token: str | None, limits: Limits
) -> tuple[Any, Any]:
    """The supabase ``AsyncClient`` (PostgREST as the designer), and its HTTP client to close."""
    import httpx
    from supabase import AsyncClient, AsyncClientOptions

    # our own HTTP client: PostgREST is then not handed a (deprecated) timeout
    http = httpx.AsyncClient(timeout=limits.join_timeout)
    token = access_token or anon_key
    options = AsyncClientOptions(headers={"Authorization": f"Bearer {token}"}, httpx_client=http)
    return AsyncClient(url, anon_key, options), http


def new_realtime(realtime_url: str, anon_key: str, access_token: str | None, limits: Limits) -> Any:
    """A fresh realtime client; the designer's token goes with every join, as ``set_auth``'s."""
    from realtime import AsyncRealtimeClient

    client = AsyncRealtimeClient(
        realtime_url,
        token=anon_key,
        auto_reconnect=True,
        max_retries=limits.client_retries,
        initial_backoff=limits.client_backoff,
        timeout=limits.join_timeout,  # type: ignore[arg-type] - seconds; a float works
    )
    if access_token:
        client.access_token = access_token
    return client


def gave_up(client: Any) -> str:
    """Why ``client`` stopped reconnecting for good, or "" while it may still recover."""
    for name in ("_listen_task", "_heartbeat_task"):
        task = getattr(client, name, None)
        if task is not None and task.done() and not task.cancelled() and task.exception():
            return f"it gave up reconnecting ({describe(task.exception())})"
    return ""


async def dispose(client: Any) -> None:
    """Close a realtime client and the timers it leaves running (no leave messages sent)."""
    for name in ("_listen_task", "_heartbeat_task"):  # the client's reconnect gave up in these
        task = getattr(client, name, None)
        if task is not None and task.done() and not task.cancelled():
            task.exception()  # retrieved: it is why we are here, and was logged by _supervise
    for channel in list(client.channels.values()):
        channel.rejoin_timer.reset()
        channel.join_push.destroy()
        for push in list(channel.messages_waiting_for_ack.values()):
            push.destroy()
        channel.messages_waiting_for_ack.clear()
    client.channels.clear()
    with contextlib.suppress(Exception):
        await client.close()


def describe(error: BaseException | None) -> str:
    if error is None:
        return ""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
