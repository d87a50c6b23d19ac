"""Plain, frozen records that come out of the job log (no SQLAlchemy objects leak out)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from vidgen_desktop.jobs.states import JobStatus


class _Record:
    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Self:
        """Build from a database row (a RowMapping or any mapping with every column)."""
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        return cls(**{name: row[name] for name in names})

    def evolve(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: UUIDs and datetimes (ISO 8601, UTC) become strings."""
        return {
            f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, JobStatus):
        return value.value
    return value


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class JobRecord(_Record):
    id: uuid.UUID
    status: JobStatus
    progress: float
    current_step: str | None
    project_name: str
    composition: dict[str, Any]
    output_settings: dict[str, Any]
    output_format: str | None
    estimated_seconds: float | None
    actual_seconds: float | None
    threshold_seconds: float | None
    response_type: str | None
    route: str | None
    route_reason: str | None
    output_path: str | None
    output_url: str | None
    error_code: str | None
    error_message: str | None
    attempts: int
    max_attempts: int
    next_attempt_at: dt.datetime | None
    host: str | None
    user_name: str | None
    worker_pid: int | None
    created_at: dt.datetime
    queued_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    updated_at: dt.datetime
    made_with: dict[str, Any] | None = None  # Vidgen, FFmpeg build, encoders that rendered it
    batch_id: uuid.UUID | None = None  # the batch this job is one row of (vidgen batch)
    batch_row: dict[str, Any] | None = None  # {"row": n, "size": "WxH", "values": {...}}

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", JobStatus(self.status))


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ElementRecord(_Record):
    job_id: uuid.UUID
    element_id: str
    position: int
    type: str
    name: str | None
    source: str | None
    track: int
    x: str | None
    y: str | None
    width: str | None
    height: str | None
    fit: str | None
    start: float
    duration: float | None
    trim_start: float | None
    opacity: float | None
    volume: float | None
    probe: dict[str, Any] | None
    processed: bool
    content_hash: str | None = None  # sha256 of a local source's bytes (media.fingerprint)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class StepRecord(_Record):
    id: uuid.UUID
    job_id: uuid.UUID
    step: str
    status: str  # running, completed, failed, skipped, note
    started_at: dt.datetime
    ended_at: dt.datetime | None
    duration_seconds: float | None
    progress: float
    details: dict[str, Any] | None
    cpu_percent: float | None
    memory_mb: float | None
    error_code: str | None
    error_message: str | None


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class MetricRecord(_Record):
    name: str
    value: float
    unit: str | None
    details: dict[str, Any] | None
    host: str | None
    recorded_at: dt.datetime


Order = Literal["created_at", "updated_at", "completed_at", "project_name", "status"]


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class JobQuery:
    """Which jobs to list or count, and which page of them."""

    statuses: tuple[JobStatus, ...] = ()  # empty: any status
    created_from: dt.datetime | None = None  # inclusive
    created_to: dt.datetime | None = None  # exclusive
    search: str = ""  # in the project name, the job id, the error message
    batch_id: uuid.UUID | None = None  # only the jobs of this batch
    order_by: Order = "created_at"
    descending: bool = True
    limit: int | None = 50
    offset: int = 0


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CleanupResult:
    """What a retention clean-up removed (or would remove, on a dry run)."""

    job_ids: tuple[uuid.UUID, ...]
    output_paths: tuple[Path, ...]  # the caller deletes these files
    dry_run: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class CheckReport:
    """The health of a job database."""

    revision: str | None
    head: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and self.revision == self.head
