"""In-process progress feed: plain callbacks and an async iterator, no Qt.

The editor adapts this into its own signals; the command line prints from it.
``publish`` may be called from any thread (renders report from worker threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class JobEvent:
    """Something happened to a job.

    ``kind``: ``status`` (``status`` changed), ``step`` (``step`` started or
    ended, ``step_status`` says which), ``progress`` (``progress`` 0–1 of the
    current step, with ``eta`` seconds and the FFmpeg ``pid`` when known).
    """

    job_id: uuid.UUID
    kind: str
    status: str | None = None
    step: str | None = None
    step_status: str | None = None
    progress: float | None = None
    eta: float | None = None
    pid: int | None = None
    message: str = ""
    details: dict[str, Any] | None = None


ProgressListener = Callable[[JobEvent], None]


class EventFeed:
    """Fan-out of ``JobEvent``s to listeners; a failing listener never stops a render."""

    def __init__(self) -> None:
        self._listeners: list[ProgressListener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: ProgressListener) -> Callable[[], None]:
        """Call ``listener`` for every event; returns a function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def publish(self, event: JobEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - a view's bug must not fail the job
                log.exception("a job event listener failed", extra={"action": "publish"})

    async def stream(self, job_id: uuid.UUID | None = None) -> AsyncIterator[JobEvent]:
        """Events (of one job, or all) as an async iterator, delivered on the running loop."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[JobEvent] = asyncio.Queue()

        def deliver(event: JobEvent) -> None:
            if job_id is None or event.job_id == job_id:
                loop.call_soon_threadsafe(queue.put_nowait, event)

        unsubscribe = self.subscribe(deliver)
        try:
            while True:
                yield await queue.get()
        finally:
            unsubscribe()
