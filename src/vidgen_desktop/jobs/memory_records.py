"""The records and rules of the in-memory job store (``jobs.memory``).

The fields are those of ``store.records.JobRecord`` and ``StepRecord`` (this
package sits above ``store`` and cannot import them); ``entering`` says what
changes with a status, as ``store.job_rows.entering`` does for the job log.
``tests/test_jobs_memory.py`` holds the two to the same behaviour.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import uuid
from collections.abc import Mapping
from typing import Any

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.errors import DEFAULT_MAX_ATTEMPTS
from vidgen_desktop.jobs.states import JobStatus


class JobNotFound(VidgenError, LookupError):
    """No job has that id."""


class StepNotFound(VidgenError, LookupError):
    """No timeline step has that id."""


class ConcurrentChange(VidgenError):
    """The job changed meanwhile (its status is not the one the caller expected)."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MemoryJob:
    """A job, with the fields of ``store.records.JobRecord`` that the job flow reads."""

    id: uuid.UUID
    status: JobStatus
    composition: dict[str, Any]
    project_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    progress: float = 0.0
    current_step: str | None = None
    estimated_seconds: float | None = None
    actual_seconds: float | None = None
    threshold_seconds: float | None = None
    response_type: str | None = None
    route: str | None = None
    route_reason: str | None = None
    output_path: str | None = None
    output_url: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 0
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    next_attempt_at: dt.datetime | None = None
    host: str | None = None
    user_name: str | None = None
    worker_pid: int | None = None
    queued_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    elements: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)

    def evolve(self, **changes: Any) -> MemoryJob:
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MemoryStep:
    """A timeline step or note (the fields of ``store.records.StepRecord``)."""

    id: uuid.UUID
    job_id: uuid.UUID
    step: str
    status: str  # running, completed, failed, skipped, note
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    duration_seconds: float | None = None
    progress: float = 0.0
    details: dict[str, Any] | None = None
    cpu_percent: float | None = None
    memory_mb: float | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MemoryMetric:
    name: str
    value: float
    unit: str | None
    details: dict[str, Any] | None
    host: str | None
    recorded_at: dt.datetime


# Fields a caller may set with update() or alongside a transition (as in the job log).
UPDATABLE = frozenset(
    {
        "project_name", "estimated_seconds", "actual_seconds", "threshold_seconds",
        "response_type", "route", "route_reason", "output_path", "output_url",
        "error_code", "error_message", "max_attempts", "next_attempt_at", "host",
        "user_name", "worker_pid", "progress", "current_step",
    }
)  # fmt: skip


def check_fields(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot set job field(s) {sorted(unknown)} this way")


def entering(job: MemoryJob, new: JobStatus, at: dt.datetime) -> dict[str, Any]:
    """What changes with the status, before the caller's own changes are applied."""
    if new is JobStatus.QUEUED:
        return {
            "queued_at": at, "started_at": None, "completed_at": None, "worker_pid": None,
            "progress": 0.0, "current_step": None, "next_attempt_at": None,
        }  # fmt: skip
    if new is JobStatus.PROCESSING:
        return {
            "started_at": at, "completed_at": None, "worker_pid": os.getpid(),
            "host": socket.gethostname(), "progress": 0.0, "next_attempt_at": None,
            "error_code": None, "error_message": None, "attempts": job.attempts + 1,
        }  # fmt: skip
    values: dict[str, Any] = {"completed_at": at, "worker_pid": None}
    if new is JobStatus.COMPLETED:
        values.update(progress=1.0, current_step=None, error_code=None, error_message=None)
        if job.started_at is not None:
            values["actual_seconds"] = max(0.0, (at - job.started_at).total_seconds())
    return values
