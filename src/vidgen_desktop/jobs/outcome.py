"""How a job attempt ends, and the state rules every owner of a job applies.

``settle`` is the one place that turns an exception into the job's next
state, through the failure table (``jobs.errors``): retry later, fail, or
cancel; the caller then tells its queue (the embedded queue, procrastinate).
``cancel`` and ``queue_again`` are what the user's Cancel and Retry do, on
whichever store owns the job. ``jobs.pipeline`` re-exports them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs import states
from vidgen_desktop.jobs.ports import JobStore
from vidgen_desktop.jobs.states import JobStatus

log = logging.getLogger(__name__)
S = JobStatus
CANCEL_TRIES = 3  # a job moving on while it is cancelled is looked at again this many times


# How an attempt ends -------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outcome:
    """What ``settle`` did with a failed attempt."""

    failure: failures.Failure
    status: JobStatus | None  # the job's state now; None: it was deleted
    ours: bool = True  # False: cancelled or taken over elsewhere; only our step was closed
    delay: float | None = None  # seconds until the retry, when it went back to the queue
    record: Any = None
    strategy: failures.Strategy | None = None  # the failure table's recovery (logged with it)

    @property
    def retry_at(self) -> dt.datetime | None:
        if self.delay is None:
            return None
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.delay)


Delay = Callable[[failures.Failure, int, int], "float | None"]


def settle(
    store: JobStore, job_id: uuid.UUID, exc: BaseException, *, delay: Delay = failures.retry_delay,
    worker_pid: int | None = None, note: Mapping[str, Any] | None = None,
) -> Outcome:  # fmt: skip
    """Record why the attempt ended and move the job on: retry later, fail, or cancel.

    ``delay(failure, attempts, max_attempts)``: the failure table's retry
    decision (``jobs.errors.retry_delay``), or a caller's own backoff.
    """
    failure = failures.classify(exc)
    log.info("job %s: %s (%s)", job_id, failure.message, failure.code)
    jobs, pid = store.jobs, worker_pid if worker_pid is not None else os.getpid()
    try:
        job = jobs.get(job_id)
    except LookupError:
        return Outcome(failure=failure, status=None, ours=False)
    status = JobStatus(job.status)
    if status not in (S.PENDING, S.PROCESSING) or job.worker_pid not in (None, pid):
        running = store.timeline.running(job_id)  # cancelled or taken elsewhere: close our step
        if running is not None:
            store.timeline.fail(running.id, "cancelled", "the render was stopped")
        return Outcome(failure=failure, status=status, ours=False, record=job)
    running = store.timeline.running(job_id)
    jobs.record_error(job_id, failure.code, failure.message)  # fails the running step too
    error = {"error_code": failure.code, "error_message": failure.message}
    wait = delay(failure, job.attempts, job.max_attempts) if status is S.PROCESSING else None
    if failure.kind is failures.FailureKind.CANCELLED:
        new, extra, wait = S.CANCELLED, {}, None
    elif wait is not None:
        due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=wait)
        new, extra = S.QUEUED, {"next_attempt_at": due}
        store.timeline.note(
            job_id, f"{failure.message}; trying again in {wait:.0f} s",
            details={"attempt": job.attempts, "max_attempts": job.max_attempts, **(note or {})},
        )  # fmt: skip
    else:
        new, extra = S.FAILED, {}
    strategy = failures.strategy_for(failure, wait)
    _log_error(store, job, failure, strategy, running, pid)
    try:
        record = jobs.transition(job_id, new, expected=status, **error, **extra)
    except VidgenError:  # changed meanwhile (a cancel): that state stands
        now = jobs.get(job_id)
        return Outcome(failure=failure, status=JobStatus(now.status), ours=False, record=now)
    return Outcome(failure=failure, status=new, delay=wait if new is S.QUEUED else None,
                   record=record, strategy=strategy)  # fmt: skip


def _log_error(
    store: JobStore, job: Any, failure: failures.Failure, strategy: failures.Strategy,
    running: Any, pid: int,
) -> None:  # fmt: skip
    """One ``processing_error_log`` row for the attempt; a log that cannot be written is
    not a reason to leave the job where it is."""
    try:
        store.errors.record(
            job.id, failure, strategy, step=running.step if running is not None else None,
            step_id=running.id if running is not None else None, attempt=job.attempts,
            worker=f"{socket.gethostname()}:{pid}",
        )  # fmt: skip
    except VidgenError as exc:
        log.warning("job %s: error not logged: %s", job.id, exc)


# Cancel and queue again: the state rules every owner of a job applies ----------------


def cancel(store: JobStore, job_id: Any, note: str) -> Any | None:
    """Cancel a waiting or running job in ``store``; None if it is past cancelling.

    Tried again when the job moves on meanwhile (a worker taking it, say).
    """
    for _ in range(CANCEL_TRIES):
        try:
            job = store.jobs.get(job_id)
        except LookupError:
            return None
        if JobStatus(job.status) not in states.CANCELLABLE:
            return None
        try:
            record = store.jobs.transition(
                job.id, S.CANCELLED, expected=job.status,
                error_code="cancelled", error_message="cancelled by the user",
            )  # fmt: skip
        except VidgenError:
            continue
        store.timeline.note(job.id, note, details={"was": str(job.status)})
        store.audit.record(job.id, "cancelled", details={"note": note, "was": str(job.status)})
        return record
    return None


def queue_again(store: JobStore, job_id: Any, note: str) -> Any | None:
    """Queue a failed or cancelled job again, with one more attempt allowed; None if not one."""
    job = store.jobs.get(job_id)
    if JobStatus(job.status) not in states.RETRYABLE:
        return None
    record = store.jobs.transition(
        job.id, S.QUEUED, expected=job.status, error_code=None, error_message=None,
        max_attempts=max(job.max_attempts, job.attempts + 1),
    )  # fmt: skip
    store.timeline.note(job.id, note, details={"was": str(job.status)})
    store.audit.record(job.id, "retried", details={"note": note, "was": str(job.status)})
    return record
