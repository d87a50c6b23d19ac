"""What a job row holds when it is created and each time its status changes."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import uuid
from collections.abc import Mapping
from typing import Any

from vidgen_desktop.composition.model import AudioElement, Composition
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import queries
from vidgen_desktop.store.schema import jobs

# Fields a caller may set with update() or alongside a transition.
UPDATABLE = frozenset(
    {
        "project_name", "estimated_seconds", "actual_seconds", "threshold_seconds",
        "response_type", "route", "route_reason", "output_path", "output_url",
        "error_code", "error_message", "max_attempts", "next_attempt_at", "host",
        "user_name", "worker_pid", "progress", "current_step",
    }
)  # fmt: skip


def user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def check_fields(changes: Mapping[str, Any]) -> None:
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"cannot set job field(s) {sorted(unknown)} this way")


def element_rows(
    job_id: uuid.UUID, composition: Composition, probes: Mapping[str, Any]
) -> list[dict[str, Any]]:
    rows = []
    for position, element in enumerate(composition.elements):
        visual = not isinstance(element, AudioElement)
        rows.append(
            {
                "job_id": job_id,
                "element_id": element.id,
                "position": position,
                "type": element.type,
                "name": element.name,
                "source": getattr(element, "source", None),
                "track": element.track,
                "x": str(element.x) if visual else None,
                "y": str(element.y) if visual else None,
                "width": str(element.width) if visual else None,
                "height": str(element.height) if visual else None,
                "fit": getattr(element, "fit", None),
                "start": element.start,
                "duration": element.duration,
                "trim_start": getattr(element, "trim_start", None),
                "opacity": getattr(element, "opacity", None),
                "volume": getattr(element, "volume", None),
                "probe": queries.jsonable(probes.get(element.id)),
                "processed": False,
            }
        )
    return rows


def entering(new: JobStatus, started_at: dt.datetime | None, at: dt.datetime) -> dict[str, Any]:
    """What changes with the status, before the caller's own changes are applied."""
    if new is JobStatus.QUEUED:
        return {
            "queued_at": at, "started_at": None, "completed_at": None, "worker_pid": None,
            "progress": 0.0, "current_step": None, "next_attempt_at": None,
        }  # fmt: skip
    if new is JobStatus.PROCESSING:
        return {
            "started_at": at, "completed_at": None, "worker_pid": os.getpid(),
            "host": queries.this_host(), "progress": 0.0, "next_attempt_at": None,
            "error_code": None, "error_message": None, "attempts": jobs.c.attempts + 1,
        }  # fmt: skip
    values: dict[str, Any] = {"completed_at": at, "worker_pid": None}
    if new is JobStatus.COMPLETED:
        values.update(progress=1.0, current_step=None, error_code=None, error_message=None)
        if started_at is not None:
            values["actual_seconds"] = max(0.0, (at - started_at).total_seconds())
    return values
