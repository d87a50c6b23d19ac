"""What a caller may change on a job, and what changes with each status: one home for both.

The job log (``store.jobs`` through ``store.job_rows``) and the in-memory
store (``jobs.memory``) follow these rules; ``jobs.states`` says which status
changes are allowed at all.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from vidgen_desktop.jobs.states import JobStatus

# Fields a caller may set with update() or alongside a transition.
UPDATABLE = frozenset(
    {
        "project_name", "estimated_seconds", "actual_seconds", "threshold_seconds",
        "response_type", "route", "route_reason", "output_path", "output_url",
        "error_code", "error_message", "max_attempts", "next_attempt_at", "host",
        "user_name", "worker_pid", "progress", "current_step", "batch_id", "batch_row",
        "made_with",  # what rendered it: Vidgen, FFmpeg build, encoders (media.build_info)
    }
)  # fmt: skip


def check_fields(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot set job field(s) {sorted(unknown)} this way")


def entering(
    new: JobStatus, started_at: dt.datetime | None, at: dt.datetime, *, attempts: Any, host: str
) -> dict[str, Any]:
    """What changes with the status, before the caller's own changes are applied.

    ``attempts``: the count after this try when entering ``processing`` (the
    store passes an SQL expression, the in-memory store a number).
    """
    if new is JobStatus.QUEUED:
        return {
            "queued_at": at, "started_at": None, "completed_at": None, "worker_pid": None,
            "progress": 0.0, "current_step": None, "next_attempt_at": None,
        }  # fmt: skip
    if new is JobStatus.PROCESSING:
        return {
            "started_at": at, "completed_at": None, "worker_pid": os.getpid(),
            "host": host, "progress": 0.0, "next_attempt_at": None,
            "error_code": None, "error_message": None, "attempts": attempts,
        }  # fmt: skip
    values: dict[str, Any] = {"completed_at": at, "worker_pid": None}
    if new is JobStatus.COMPLETED:
        values.update(progress=1.0, current_step=None, error_code=None, error_message=None)
        if started_at is not None:
            values["actual_seconds"] = max(0.0, (at - started_at).total_seconds())
    return values
