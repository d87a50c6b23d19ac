"""``/videoresult/{id}/events``: Server-Sent Events from the progress feed.

The job's events on the service's feed (``JobService.subscribe``: status,
step, progress, on whatever thread renders) wake the stream; each wake reads
the job log and sends a ``status`` event when what ``videoresult`` would say
has changed, so the data are always the log's, whichever process renders
(the embedded queue here, or the farm through the mirror). Without events it
reads again every second and sends a comment line every 15 s to keep
proxies from closing the connection. It ends after a final state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi.responses import StreamingResponse

FINAL = ("completed", "failed", "cancelled")
POLL = 1.0  # s between reads of the log without an event
KEEPALIVE = 15.0  # s between comment lines


def stream(
    server: Any, job_id: uuid.UUID, render: Callable[[Any], dict[str, Any]]
) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def on_event(event: Any) -> None:
            if event.job_id == job_id:
                loop.call_soon_threadsafe(wake.set)

        unsubscribe = server.service.subscribe(on_event)
        last, last_sent, n = None, time.monotonic(), 0
        try:
            yield b"retry: 2000\n\n"
            while True:
                job = await asyncio.to_thread(server.db.jobs.get, job_id)
                data = await asyncio.to_thread(render, job)
                text = json.dumps(data, sort_keys=True)
                if text != last:
                    n += 1
                    last, last_sent = text, time.monotonic()
                    yield f"id: {n}\nevent: status\ndata: {text}\n\n".encode()
                    if data["status"] in FINAL:
                        return
                elif time.monotonic() - last_sent > KEEPALIVE:
                    last_sent = time.monotonic()
                    yield b": keep-alive\n\n"
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL)
                wake.clear()
                await asyncio.sleep(0.05)  # progress comes in bursts: one read per burst
        finally:
            unsubscribe()

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
