"""The ``JobQueue`` port in memory (``jobs.memory``'s queue): what was handed over, and when."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class MemoryQueue:
    """The ``JobQueue`` port in memory: what was handed over, and when it is due."""

    route = "local"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waiting: dict[uuid.UUID, dt.datetime | None] = {}  # job -> not before (None: now)
        self.cancelled: list[uuid.UUID] = []

    def enqueue(self, job_id: uuid.UUID, *, not_before: dt.datetime | None = None) -> None:
        with self._lock:
            self.waiting[_uuid(job_id)] = not_before

    def cancel(self, job_id: uuid.UUID) -> bool:
        """Drop the job if it is waiting here; this queue runs nothing itself (False)."""
        with self._lock:
            self.waiting.pop(_uuid(job_id), None)
            self.cancelled.append(_uuid(job_id))
        return False

    def due(self, at: dt.datetime) -> list[uuid.UUID]:
        """The jobs a worker may take at ``at``, in the order they were handed over."""
        with self._lock:
            return [j for j, when in self.waiting.items() if when is None or when <= at]
