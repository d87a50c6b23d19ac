"""What a job row holds when it is created and each time its status changes."""

from __future__ import annotations

import datetime as dt
import getpass
import uuid
from collections.abc import Mapping
from typing import Any

from vidgen_desktop.composition.model import AudioElement, Composition
from vidgen_desktop.jobs import lifecycle
from vidgen_desktop.jobs.lifecycle import UPDATABLE, check_fields  # noqa: F401 - re-exported
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import queries
from vidgen_desktop.store.schema import jobs


def user() -> str | None:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


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
    """What changes with the status (``jobs.lifecycle``), as column values."""
    return lifecycle.entering(
        new, started_at, at, attempts=jobs.c.attempts + 1, host=queries.this_host()
    )
