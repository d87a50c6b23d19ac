"""How far off the estimate has been on this machine: its own report card.

Read from the job log: the last ``WINDOW`` completed jobs this machine
rendered (``host``) that have both an estimate and a measured time, each
one's error ``|estimated − actual| / actual``, and their median. ``vidgen
estimate`` prints it beside every estimate, so a figure comes with how much
to trust it.
"""

from __future__ import annotations

import dataclasses
import socket
import statistics
from typing import Any

from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.store import JobQuery

WINDOW = 50  # renders
SCAN = 500  # newest completed jobs looked through for this machine's (a team log has others')


@dataclasses.dataclass(frozen=True, kw_only=True)
class Accuracy:
    """The median relative error of the last ``renders`` estimates (None: no render yet)."""

    median_error: float | None
    renders: int

    def text(self) -> str:
        if self.median_error is None:
            return "no finished render on this machine yet"
        return (
            f"median error {self.median_error:.0%} over the last {self.renders} "
            f"render{'s' if self.renders != 1 else ''} on this machine"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"median_error": self.median_error, "renders": self.renders}


def recent(jobs: Any, *, host: str | None = None, window: int = WINDOW) -> Accuracy:
    """The estimate's accuracy over the last ``window`` renders of ``host`` (this machine)."""
    host = host or socket.gethostname()
    finished = jobs.list(
        JobQuery(statuses=(JobStatus.COMPLETED,), order_by="completed_at", limit=SCAN)
    )
    errors = [
        abs(job.estimated_seconds - job.actual_seconds) / job.actual_seconds
        for job in finished
        if job.host == host
        and job.estimated_seconds is not None
        and job.actual_seconds is not None
        and job.actual_seconds > 0
    ][:window]
    if not errors:
        return Accuracy(median_error=None, renders=0)
    return Accuracy(median_error=round(statistics.median(errors), 4), renders=len(errors))
