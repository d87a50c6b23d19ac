"""Figures for the history's analytics view: jobs per day, success rate, estimate vs actual.

Pure reads through ``store`` queries (counts per day and one bounded page of
finished jobs), so the cost does not grow with the size of the log; no Qt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from vidgen_desktop.jobs.states import JobStatus

DAYS = 14  # days shown
MAX_POINTS = 500  # finished jobs in the estimate-vs-actual chart
S = JobStatus


@dataclasses.dataclass(frozen=True)
class Analytics:
    days: list[dt.date]
    completed: list[int]  # per day
    failed: list[int]
    other: list[int]  # cancelled, waiting, running
    points: list[tuple[float, float]]  # (estimated s, actual s) of completed jobs
    in_log: int = 0  # jobs in the whole log, whenever they were made

    @property
    def total(self) -> int:
        return sum(self.completed) + sum(self.failed) + sum(self.other)

    @property
    def success_rate(self) -> float | None:
        """Completed / (completed + failed) over the period; None when nothing finished."""
        done = sum(self.completed) + sum(self.failed)
        return sum(self.completed) / done if done else None

    def daily_success(self) -> list[float | None]:
        return [
            c / (c + f) if c + f else None for c, f in zip(self.completed, self.failed, strict=True)
        ]

    @property
    def median_error(self) -> float | None:
        """Median of |estimate − actual| / actual."""
        errors = sorted(abs(e - a) / a for e, a in self.points if a > 0)
        return errors[len(errors) // 2] if errors else None


def _day_start(day: dt.date) -> dt.datetime:
    """Local midnight of ``day`` as an aware UTC time (the log stores UTC)."""
    return dt.datetime.combine(day, dt.time()).astimezone().astimezone(dt.UTC)


def compute(jobs: Any, *, days: int = DAYS, today: dt.date | None = None) -> Analytics:
    """``jobs``: the store's job repository (``count`` and ``list``)."""
    from vidgen_desktop.store import JobQuery  # in the worker: SQLAlchemy is loaded by then

    today = today or dt.date.today()
    dates = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    completed, failed, other = [], [], []
    for day in dates:
        window = {"created_from": _day_start(day),
                  "created_to": _day_start(day + dt.timedelta(days=1))}  # fmt: skip
        total = jobs.count(JobQuery(**window))
        done = jobs.count(JobQuery(statuses=(S.COMPLETED,), **window))
        bad = jobs.count(JobQuery(statuses=(S.FAILED,), **window))
        completed.append(done)
        failed.append(bad)
        other.append(total - done - bad)
    finished = jobs.list(
        JobQuery(statuses=(S.COMPLETED,), created_from=_day_start(dates[0]), limit=MAX_POINTS)
    )
    points = [
        (job.estimated_seconds, job.actual_seconds)
        for job in finished
        if job.estimated_seconds is not None and job.actual_seconds is not None
    ]
    return Analytics(days=dates, completed=completed, failed=failed, other=other, points=points,
                     in_log=jobs.count(JobQuery()))  # fmt: skip
