"""The records and errors of the in-memory job store (``jobs.memory``).

The fields are those of ``store.records.JobRecord`` and ``StepRecord`` (this
package sits above ``store`` and cannot import them); ``tests/test_jobs_memory.py``
holds the two stores to the same behaviour.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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
    made_with: dict[str, Any] | None = None
    batch_id: uuid.UUID | None = None
    batch_row: dict[str, Any] | None = None
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
