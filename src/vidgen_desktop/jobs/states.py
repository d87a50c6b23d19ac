"""Job states and the one table of allowed transitions.

``pending → queued → processing → completed | failed | cancelled``; a failed or
cancelled job may be queued again (retry). An immediate render goes straight
from ``pending`` to ``processing``. Everything that changes a job's status
(the store, its database triggers, the queue) checks against ``TRANSITIONS``.
"""

from __future__ import annotations

from enum import StrEnum

from vidgen_desktop.errors import VidgenError


class JobStatus(StrEnum):
    PENDING = "pending"  # created, being probed and estimated
    QUEUED = "queued"  # waiting for a worker
    PROCESSING = "processing"  # a worker (or the editor, for an immediate render) has it
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


S = JobStatus

TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    # pending → failed: the probe or validation found bad input before routing.
    S.PENDING: frozenset({S.QUEUED, S.PROCESSING, S.FAILED, S.CANCELLED}),
    S.QUEUED: frozenset({S.PROCESSING, S.CANCELLED}),
    # processing → queued: recovery of a job whose worker process died.
    S.PROCESSING: frozenset({S.COMPLETED, S.FAILED, S.CANCELLED, S.QUEUED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset({S.QUEUED}),
    S.CANCELLED: frozenset({S.QUEUED}),
}

TERMINAL: frozenset[JobStatus] = frozenset({S.COMPLETED, S.FAILED, S.CANCELLED})
ACTIVE: frozenset[JobStatus] = frozenset({S.PENDING, S.QUEUED, S.PROCESSING})
RETRYABLE: frozenset[JobStatus] = frozenset(s for s in TERMINAL if S.QUEUED in TRANSITIONS[s])
CANCELLABLE: frozenset[JobStatus] = frozenset(s for s in JobStatus if S.CANCELLED in TRANSITIONS[s])


class IllegalTransition(VidgenError):
    """This job cannot change to that state."""

    def __init__(
        self, old: JobStatus | str, new: JobStatus | str, *, job_id: object = None
    ) -> None:
        self.old, self.new, self.job_id = str(old), str(new), job_id
        allowed = _allowed_text(old)
        which = f"job {job_id}" if job_id is not None else "a job"
        super().__init__(
            f"{which} cannot go from '{self.old}' to '{self.new}' ({allowed})",
            detail=f"old={self.old} new={self.new}",
        )


def _allowed_text(old: JobStatus | str) -> str:
    try:
        allowed = sorted(TRANSITIONS[JobStatus(old)])
    except ValueError:
        return f"'{old}' is not a job state"
    if not allowed:
        return f"'{old}' is final"
    return "from '{}' it can go to {}".format(old, ", ".join(f"'{s}'" for s in allowed))


def parse(value: JobStatus | str) -> JobStatus:
    """The status named ``value``; raise VidgenError for an unknown name."""
    try:
        return JobStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in JobStatus)
        raise VidgenError(f"'{value}' is not a job state (one of: {names})") from None


def can_transition(old: JobStatus | str, new: JobStatus | str) -> bool:
    try:
        return JobStatus(new) in TRANSITIONS[JobStatus(old)]
    except ValueError:
        return False


def check_transition(
    old: JobStatus | str, new: JobStatus | str, *, job_id: object = None
) -> JobStatus:
    """Return ``new`` as a JobStatus, or raise IllegalTransition naming both states."""
    if not can_transition(old, new):
        raise IllegalTransition(old, new, job_id=job_id)
    return JobStatus(new)


def is_terminal(status: JobStatus | str) -> bool:
    """Completed, failed or cancelled: nothing is running and nothing will run unless retried."""
    return JobStatus(status) in TERMINAL


def is_active(status: JobStatus | str) -> bool:
    """Pending, queued or processing: the job still has work ahead of it."""
    return JobStatus(status) in ACTIVE


def allowed_pairs() -> list[tuple[JobStatus, JobStatus]]:
    """Every legal (old, new) pair, sorted; database guards are generated from it."""
    return sorted((old, new) for old, targets in TRANSITIONS.items() for new in targets)
