"""The small interfaces jobs/ works through, so a team backend can plug in later.

``JobStore`` is what ``store.Database`` offers (``.jobs``, ``.timeline``,
``.metrics``); a remote store or an in-memory fake may stand in for it.
``JobQueue`` is where async jobs go: the embedded ``queue.local.LocalQueue``
today, a procrastinate queue on the team database later. Records coming back
are the store's frozen records (``JobRecord``…), used here by attribute only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

JobId = uuid.UUID | str


class JobRepo(Protocol):
    def create(self, composition: Any, **fields: Any) -> Any: ...
    def get(self, job_id: JobId) -> Any: ...
    def update(self, job_id: JobId, **changes: Any) -> Any: ...
    def update_progress(
        self, job_id: JobId, progress: float, current_step: str | None = None
    ) -> None: ...
    def transition(
        self, job_id: JobId, new: Any, *, expected: Any = None, **changes: Any
    ) -> Any: ...
    def record_error(
        self, job_id: JobId, code: str, message: str, *, step_id: Any = None
    ) -> Any: ...
    def mark_element(
        self, job_id: JobId, element_id: str, *, processed: bool = True, probe: Any = None,
        content_hash: str | None = None,
    ) -> None: ...  # fmt: skip
    def delete(self, job_id: JobId) -> bool: ...
    def claim_next(self, worker_pid: int | None = None) -> Any: ...
    def orphans(self) -> list[Any]: ...
    def requeue_orphan(self, job: Any, note: str) -> bool: ...
    def list(self, query: Any = None) -> list[Any]: ...


class TimelineRepo(Protocol):
    def start(
        self, job_id: JobId, step: str, *, details: Mapping[str, Any] | None = None,
        at: Any = None,
    ) -> Any: ...  # fmt: skip
    def progress(
        self, step_id: Any, progress: float, *, cpu_percent: float | None = None,
        memory_mb: float | None = None, job_id: JobId | None = None,
    ) -> None: ...  # fmt: skip
    def finish(
        self, step_id: Any, *, details: Mapping[str, Any] | None = None, skipped: bool = False,
        at: Any = None,
    ) -> Any: ...  # fmt: skip
    def fail(
        self, step_id: Any, code: str, message: str, *, details: Mapping[str, Any] | None = None
    ) -> Any: ...
    def note(
        self, job_id: JobId, message: str, *, details: Mapping[str, Any] | None = None
    ) -> Any: ...
    def steps(self, job_id: JobId) -> list[Any]: ...
    def running(self, job_id: JobId) -> Any: ...


class MetricRepo(Protocol):
    def put(
        self, name: str, value: float, *, unit: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Any: ...  # fmt: skip
    def get(self, name: str) -> Any: ...


class ErrorLogRepo(Protocol):
    def record(
        self, job_id: JobId, failure: Any, strategy: Any, *, step: str | None = None,
        step_id: Any = None, attempt: int = 0, worker: str | None = None, at: Any = None,
    ) -> Any: ...  # fmt: skip
    def list(
        self, *, job_id: JobId | None = None, since: Any = None, code: str | None = None,
        limit: int | None = 500,
    ) -> list[Any]: ...  # fmt: skip


class AuditRepo(Protocol):
    def record(
        self, job_id: JobId, action: str, *, details: Mapping[str, Any] | None = None,
        at: Any = None,
    ) -> Any: ...  # fmt: skip
    def trail(self, job_id: JobId | None = None) -> list[Any]: ...


class JobStore(Protocol):
    """Where jobs are logged (``store.Database`` satisfies it)."""

    jobs: JobRepo
    timeline: TimelineRepo
    metrics: MetricRepo
    errors: ErrorLogRepo  # one row per failed attempt (processing_error_log)
    audit: AuditRepo  # who did what to a job (job_audit_log)


class JobQueue(Protocol):
    """Where async jobs wait. The job is already ``queued`` in the store when handed over."""

    route: str  # stored on the job: "local" (this machine) or "remote" (the farm)
    # Optional, default False. True: once handed over, the queue's database owns the job
    # (the farm's team database); the service cancels and retries through the queue and
    # the local row follows as a mirror the queue writes, never the service.
    owns_jobs: bool

    def enqueue(self, job_id: uuid.UUID, *, not_before: dt.datetime | None = None) -> None:
        """Make sure a worker will pick the job up (wake the local runner, send a task…)."""

    def cancel(self, job_id: uuid.UUID) -> bool:
        """Stop the job if this queue is running it now; True if it was."""
