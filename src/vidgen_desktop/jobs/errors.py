"""Why a job failed, and whether trying again can help.

Every exception that ends a job attempt is classified into a ``Failure``:

- ``bad_input``: the project or its media cannot work (missing file, bad
  composition); never retried.
- ``transient``: the machine, disk or network had a bad moment; retried with
  backoff until ``max_attempts``.
- ``cancelled``: someone asked the job to stop; not retried automatically.
- ``internal``: a bug on our side; not retried (it would fail the same way).

The failure's ``code`` and ``message`` are stored on the job and on the
timeline step that failed; ``recovery`` says what is done about it (retry
after a wait, skip this worker, fail), and the job log's
``processing_error_log`` keeps one row per failed attempt with that strategy.
This module is the one place strategies come from.
"""

from __future__ import annotations

import asyncio
import errno
import random
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from vidgen_desktop import errors

DEFAULT_MAX_ATTEMPTS = 3  # tries in all, the first included
BACKOFF_BASE = 10.0  # seconds before the second try
BACKOFF_FACTOR = 3.0  # each later wait is this many times longer
BACKOFF_CAP = 600.0  # seconds: never wait longer than this between tries


class Severity(StrEnum):
    WARNING = "warning"  # the job goes on (retried, or cancelled on purpose)
    ERROR = "error"  # the job failed
    CRITICAL = "critical"  # a bug on our side


class Action(StrEnum):
    RETRY = "retry"  # queued again after a backoff
    SKIP_WORKER = "skip_worker"  # this machine is the problem (disk, memory): another one tries
    FAIL = "fail"  # no retry: the job fails (or stays cancelled)


class FailureKind(StrEnum):
    BAD_INPUT = "bad_input"
    TRANSIENT = "transient"
    CANCELLED = "cancelled"
    INTERNAL = "internal"


class JobFailure(errors.VidgenError):
    """The job failed."""

    kind: ClassVar[FailureKind] = FailureKind.INTERNAL

    def __init__(self, message: str | None = None, *, code: str = "", detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.code = code or self.kind.value


class BadInput(JobFailure):
    """The project or its media cannot be rendered as they are."""

    kind = FailureKind.BAD_INPUT


class TransientFailure(JobFailure):
    """A temporary problem stopped the job; it will be tried again."""

    kind = FailureKind.TRANSIENT


class JobCancelled(JobFailure):
    """The job was cancelled."""

    kind = FailureKind.CANCELLED


@dataclass(frozen=True, kw_only=True, slots=True)
class Failure:
    """A classified exception, ready to be stored on a job."""

    kind: FailureKind
    code: str
    message: str
    detail: str = ""

    @property
    def retryable(self) -> bool:
        return self.kind is FailureKind.TRANSIENT


@dataclass(frozen=True, kw_only=True, slots=True)
class Strategy:
    """What is done about a failed attempt: ``action``, after ``delay`` seconds."""

    action: Action
    delay: float | None = None  # seconds before the next try (retry, skip_worker)
    severity: Severity = Severity.ERROR

    def describe(self) -> str:
        if self.action is Action.RETRY:
            return f"retry with backoff after {self.delay:.0f} s"
        if self.action is Action.SKIP_WORKER:
            return f"skip this worker; another one tries after {self.delay:.0f} s"
        return "fail"


# Codes whose cause is the machine that ran the attempt, not the job: another worker tries.
SKIP_WORKER_CODES = frozenset({"disk_full", "out_of_memory"})


# (exception type, kind, code): first match wins, so subclasses come first.
_RULES: tuple[tuple[type[BaseException], FailureKind, str], ...] = (
    (errors.RenderCancelled, FailureKind.CANCELLED, "cancelled"),
    (asyncio.CancelledError, FailureKind.CANCELLED, "cancelled"),
    (KeyboardInterrupt, FailureKind.CANCELLED, "cancelled"),
    (errors.ProjectFileError, FailureKind.BAD_INPUT, "project_file"),
    (errors.CompositionError, FailureKind.BAD_INPUT, "invalid_composition"),
    (errors.MediaError, FailureKind.BAD_INPUT, "media"),
    (errors.FFmpegNotFoundError, FailureKind.BAD_INPUT, "ffmpeg_not_found"),
    (errors.RenderError, FailureKind.TRANSIENT, "render"),
    (FileNotFoundError, FailureKind.BAD_INPUT, "file_not_found"),
    (IsADirectoryError, FailureKind.BAD_INPUT, "file_not_found"),
    (NotADirectoryError, FailureKind.BAD_INPUT, "file_not_found"),
    (PermissionError, FailureKind.BAD_INPUT, "permission_denied"),
    (TimeoutError, FailureKind.TRANSIENT, "timeout"),
    (subprocess.TimeoutExpired, FailureKind.TRANSIENT, "timeout"),
    (ConnectionError, FailureKind.TRANSIENT, "connection"),
    (MemoryError, FailureKind.TRANSIENT, "out_of_memory"),
    (OSError, FailureKind.TRANSIENT, "os_error"),
)


def classify(exc: BaseException) -> Failure:
    """Say what kind of failure ``exc`` is, with a code and a message for the job log."""
    detail = getattr(exc, "detail", "") or f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    message = str(exc) or (type(exc).__doc__ or type(exc).__name__).strip().splitlines()[0]
    if isinstance(exc, JobFailure):
        return Failure(kind=exc.kind, code=exc.code, message=message, detail=detail)
    for exc_type, kind, code in _RULES:
        if isinstance(exc, exc_type):
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                code = "disk_full"
            return Failure(kind=kind, code=code, message=message, detail=detail)
    return Failure(kind=FailureKind.INTERNAL, code="internal", message=message, detail=detail)


def backoff_seconds(
    attempt: int,
    *,
    base: float = BACKOFF_BASE,
    factor: float = BACKOFF_FACTOR,
    cap: float = BACKOFF_CAP,
    jitter: float = 0.0,
) -> float:
    """How long to wait after failed try number ``attempt`` (1-based) before the next.

    ``base × factor^(attempt-1)``, capped; ``jitter`` (0–1) spreads retries of
    many jobs by up to that fraction, downwards, so they do not all wake at once.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    delay = min(cap, base * factor ** (attempt - 1))
    if jitter:
        delay *= 1.0 - random.uniform(0.0, min(max(jitter, 0.0), 1.0))
    return delay


def reconnect_delay(failures: int, first: float, longest: float) -> float:
    """How long to wait before reconnecting after ``failures`` failed tries in a row.

    The one backoff of every connection (the relay, the live-progress feeds,
    a farm worker's link): ``first`` doubled per failure up to ``longest``,
    spread ±20 % so many clients coming back do not all knock at once.
    """
    delay = backoff_seconds(max(failures, 1), base=first, factor=2.0, cap=longest)
    return delay * random.uniform(0.8, 1.2)


def backoff_schedule(max_attempts: int = DEFAULT_MAX_ATTEMPTS, **kwargs: float) -> list[float]:
    """The waits between tries for a job allowed ``max_attempts`` tries."""
    return [backoff_seconds(n, **kwargs) for n in range(1, max_attempts)]


def strategy_for(failure: Failure, delay: float | None) -> Strategy:
    """The strategy for a failure whose retry decision is ``delay`` (None: no retry)."""
    if failure.kind is FailureKind.CANCELLED:
        return Strategy(action=Action.FAIL, severity=Severity.WARNING)
    if failure.kind is FailureKind.INTERNAL:
        return Strategy(action=Action.FAIL, severity=Severity.CRITICAL)
    if delay is None:
        return Strategy(action=Action.FAIL)
    action = Action.SKIP_WORKER if failure.code in SKIP_WORKER_CODES else Action.RETRY
    return Strategy(action=action, delay=delay, severity=Severity.WARNING)


def recovery(
    failure: Failure, attempts: int, max_attempts: int = DEFAULT_MAX_ATTEMPTS, **backoff: float
) -> Strategy:
    """The recovery strategy for a failed attempt after ``attempts`` tries, from this table."""
    return strategy_for(failure, retry_delay(failure, attempts, max_attempts, **backoff))


def retry_delay(
    failure: Failure,
    attempts: int,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    **backoff: float,
) -> float | None:
    """Seconds to wait before retrying after ``attempts`` tries, or None: do not retry.

    The one retry decision of every path (immediate, embedded queue, farm);
    ``backoff``: ``backoff_seconds``' keywords (a farm's shorter ``base``…).
    """
    if not failure.retryable or attempts >= max_attempts:
        return None
    return backoff_seconds(max(attempts, 1), **backoff)
