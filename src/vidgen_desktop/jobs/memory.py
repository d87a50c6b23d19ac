"""An in-memory job store and queue: the ports of ``jobs.ports``, held in dicts.

Like procrastinate's in-memory connector, it ships in the package so that the
failure policy (retries, backoff, cancel races, state rules) can be run in
milliseconds, without SQLite, PostgreSQL or FFmpeg. It is a second real
implementation, not a mock: every status change goes through the same table
(``jobs.states``), ``expected`` is checked as ``UPDATE … WHERE status = old``
checks it, and entering a state changes the same fields as the job log does
(``jobs.lifecycle``). ``tests/test_jobs_memory.py`` runs one suite of
rules against this store and the SQLite job log, so the two cannot drift.

>>> store = MemoryStore()
>>> service = JobService(store, queue=MemoryQueue())

Thread-safe (one lock); records are frozen and handed out as copies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from vidgen_desktop.jobs import lifecycle, states
from vidgen_desktop.jobs.errors import DEFAULT_MAX_ATTEMPTS
from vidgen_desktop.jobs.lifecycle import check_fields
from vidgen_desktop.jobs.memory_logs import MemoryAudit, MemoryErrorLog
from vidgen_desktop.jobs.memory_queue import MemoryQueue  # noqa: F401 - re-exported
from vidgen_desktop.jobs.memory_records import (
    ConcurrentChange,
    JobNotFound,
    MemoryJob,
    MemoryMetric,
    MemoryStep,
    StepNotFound,
)
from vidgen_desktop.jobs.ports import JobId
from vidgen_desktop.jobs.states import JobStatus

__all__ = ["ConcurrentChange", "JobNotFound", "MemoryJob", "MemoryQueue", "MemoryStore",
           "StepNotFound"]  # fmt: skip

S = JobStatus
Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _uuid(value: JobId) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _entering(job: MemoryJob, new: JobStatus, at: dt.datetime) -> dict[str, Any]:
    return lifecycle.entering(
        new, job.started_at, at, attempts=job.attempts + 1, host=socket.gethostname()
    )


class _Tables:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.jobs: dict[uuid.UUID, MemoryJob] = {}
        self.steps: dict[uuid.UUID, MemoryStep] = {}
        self.metrics: list[MemoryMetric] = []

    def job(self, job_id: JobId) -> MemoryJob:
        try:
            return self.jobs[_uuid(job_id)]
        except KeyError:
            raise JobNotFound(f"no job with id {job_id}") from None

    def step(self, step_id: Any) -> MemoryStep:
        try:
            return self.steps[_uuid(step_id)]
        except KeyError:
            raise StepNotFound(f"no timeline step with id {step_id}") from None

    def put(self, job: MemoryJob, **changes: Any) -> MemoryJob:
        job = job.evolve(updated_at=changes.pop("updated_at", None) or self.clock(), **changes)
        self.jobs[job.id] = job
        return job

    def running(self, job_id: uuid.UUID) -> MemoryStep | None:
        found = [s for s in self.steps.values() if s.job_id == job_id and s.status == "running"]
        return max(found, key=lambda s: s.started_at, default=None)

    def end(self, step_id: Any, status: str, at: dt.datetime, **values: Any) -> MemoryStep:
        step = self.step(step_id)
        if "details" in values:
            values["details"] = {**(step.details or {}), **dict(values["details"] or {})}
        duration = max(0.0, (at - step.started_at).total_seconds())
        step = dataclasses.replace(
            step, status=status, ended_at=at, duration_seconds=duration, **values
        )
        self.steps[step.id] = step
        return step

    def note(self, job_id: uuid.UUID, message: str, details: Mapping[str, Any] | None,
             at: dt.datetime) -> MemoryStep:  # fmt: skip
        step = MemoryStep(
            id=uuid.uuid4(), job_id=job_id, step="note", status="note", started_at=at,
            ended_at=at, duration_seconds=0.0, progress=1.0,
            details={"message": message, **dict(details or {})},
        )  # fmt: skip
        self.steps[step.id] = step
        return step


class MemoryJobs:
    """The ``JobRepo`` port."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def create(
        self, composition: Any, *, job_id: uuid.UUID | None = None,
        status: JobStatus = S.PENDING, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        probes: Mapping[str, Any] | None = None, **fields: Any,
    ) -> MemoryJob:  # fmt: skip
        if status not in (S.PENDING, S.QUEUED):
            raise ValueError(f"a new job starts 'pending' or 'queued', not '{status}'")
        check_fields(fields)
        at = self._t.clock()
        data = composition.model_dump(mode="json")
        elements = {e.id: {"probe": (probes or {}).get(e.id), "processed": False}
                    for e in composition.elements}  # fmt: skip
        job = MemoryJob(
            **{"host": socket.gethostname(), "project_name": composition.name, **fields},
            id=job_id or uuid.uuid4(), status=status, composition=data, created_at=at,
            updated_at=at, max_attempts=max_attempts, elements=elements,
            queued_at=at if status is S.QUEUED else None,
        )  # fmt: skip
        with self._t.lock:
            if job.id in self._t.jobs:
                raise ConcurrentChange(f"job {job.id} exists already")
            self._t.jobs[job.id] = job
        return job

    def get(self, job_id: JobId) -> MemoryJob:
        with self._t.lock:
            return self._t.job(job_id)

    def find(self, job_id: JobId) -> MemoryJob | None:
        with self._t.lock:
            return self._t.jobs.get(_uuid(job_id))

    def update(self, job_id: JobId, **changes: Any) -> MemoryJob:
        check_fields(changes)
        with self._t.lock:
            return self._t.put(self._t.job(job_id), **changes)

    def update_progress(
        self, job_id: JobId, progress: float, current_step: str | None = None
    ) -> None:
        changes: dict[str, Any] = {"progress": min(1.0, max(0.0, float(progress)))}
        if current_step is not None:
            changes["current_step"] = current_step
        with self._t.lock:
            self._t.put(self._t.job(job_id), **changes)

    def transition(
        self, job_id: JobId, new: JobStatus | str, *, expected: JobStatus | str | None = None,
        at: dt.datetime | None = None, finish_step: tuple[Any, Mapping[str, Any]] | None = None,
        **changes: Any,
    ) -> MemoryJob:  # fmt: skip
        new = states.parse(new)
        check_fields(changes)
        with self._t.lock:
            job = self._t.job(job_id)
            if expected is not None and job.status != states.parse(expected):
                raise ConcurrentChange(f"job {job.id} is '{job.status}', not '{expected}' any more")
            states.check_transition(job.status, new, job_id=job.id)
            at = at or self._t.clock()
            job = self._t.put(
                job, status=new, updated_at=at, **{**_entering(job, new, at), **changes}
            )
            if finish_step is not None:  # under the same lock, as SQLite in one transaction
                step_id, details = finish_step
                self._t.end(step_id, "completed", at, progress=1.0, details=dict(details))
            return job

    def record_error(
        self, job_id: JobId, code: str, message: str, *, step_id: Any = None
    ) -> MemoryJob:
        error = {"error_code": code, "error_message": message}
        with self._t.lock:
            job = self._t.put(self._t.job(job_id), **error)
            step = self._t.step(step_id) if step_id is not None else self._t.running(job.id)
            if step is not None:
                self._t.end(step.id, "failed", self._t.clock(), **error)
            return job

    def mark_element(
        self, job_id: JobId, element_id: str, *, processed: bool = True, probe: Any = None,
        content_hash: str | None = None,
    ) -> None:  # fmt: skip
        with self._t.lock:
            job = self._t.job(job_id)
            if element_id not in job.elements:
                return  # as an UPDATE matching no row
            row = {**job.elements[element_id], "processed": processed}
            if probe is not None:
                row["probe"] = probe
            if content_hash is not None:
                row["content_hash"] = content_hash
            self._t.put(job, elements={**job.elements, element_id: row})

    def delete(self, job_id: JobId) -> bool:
        with self._t.lock:
            job = self._t.jobs.pop(_uuid(job_id), None)
            if job is None:
                return False
            for step in [s for s in self._t.steps.values() if s.job_id == job.id]:
                del self._t.steps[step.id]
            return True

    def claim_next(self, worker_pid: int | None = None, *, at: dt.datetime | None = None) -> Any:
        """Take the oldest due queued job (not a farm job) for this worker, atomically."""
        with self._t.lock:
            at = at or self._t.clock()
            due = [
                j for j in self._t.jobs.values()
                if j.status is S.QUEUED and j.route != "remote"
                and (j.next_attempt_at is None or j.next_attempt_at <= at)
            ]  # fmt: skip
            if not due:
                return None
            job = min(due, key=lambda j: (j.queued_at or j.created_at, j.created_at, str(j.id)))
            values = _entering(job, S.PROCESSING, at)
            values["worker_pid"] = worker_pid if worker_pid is not None else os.getpid()
            return self._t.put(job, status=S.PROCESSING, updated_at=at, **values)

    def orphans(self, *, host: str | None = None,
                alive: Callable[[int], bool] | None = None) -> list[MemoryJob]:  # fmt: skip
        """Jobs left ``processing`` by a worker that is gone.

        This store lives in one process's memory, so by default only this
        process counts as alive: any other ``worker_pid`` is a lost worker.
        """
        host = host or socket.gethostname()
        alive = alive or (lambda pid: pid == os.getpid())
        with self._t.lock:
            found = [
                j for j in self._t.jobs.values()
                if j.status is S.PROCESSING and j.host == host and j.route != "remote"
            ]  # fmt: skip
        return [j for j in found if j.worker_pid is None or not alive(j.worker_pid)]

    def requeue_orphan(self, job: Any, note: str) -> bool:
        states.check_transition(S.PROCESSING, S.QUEUED, job_id=job.id)
        with self._t.lock:
            now = self._t.jobs.get(job.id)
            if now is None or now.status is not S.PROCESSING or now.worker_pid != job.worker_pid:
                return False  # someone else got there first
            at = self._t.clock()
            self._t.put(now, status=S.QUEUED, updated_at=at, **_entering(now, S.QUEUED, at))
            running = self._t.running(job.id)
            if running is not None:
                self._t.end(running.id, "failed", at, error_code="worker_lost", error_message=note)
            self._t.note(job.id, note, {"worker_pid": job.worker_pid}, at)
            return True

    def list(self, query: Any = None) -> list[MemoryJob]:
        """Newest first; ``query.statuses`` and ``query.batch_id`` filter (the rest is ignored)."""
        wanted = set(getattr(query, "statuses", ()) or ())
        batch = getattr(query, "batch_id", None)
        with self._t.lock:
            found = [j for j in self._t.jobs.values() if not wanted or j.status in wanted]
        found = [j for j in found if batch is None or j.batch_id == batch]
        return sorted(found, key=lambda j: j.created_at, reverse=True)


class MemoryTimeline:
    """The ``TimelineRepo`` port."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def start(
        self, job_id: JobId, step: str, *, details: Mapping[str, Any] | None = None
    ) -> MemoryStep:
        with self._t.lock:
            job, at = self._t.job(job_id), self._t.clock()
            record = MemoryStep(
                id=uuid.uuid4(), job_id=job.id, step=step, status="running", started_at=at,
                details=dict(details) if details else None,
            )  # fmt: skip
            self._t.steps[record.id] = record
            self._t.put(job, current_step=step, updated_at=at)
            return record

    def progress(self, step_id: Any, progress: float, *, cpu_percent: float | None = None,
                 memory_mb: float | None = None, job_id: JobId | None = None) -> None:  # fmt: skip
        """The step's progress; with ``job_id``, the job's progress and current step too,
        under the one lock (as the SQLite log does in one transaction)."""
        with self._t.lock:
            step = self._t.step(step_id)
            fraction = min(1.0, max(0.0, float(progress)))
            changes: dict[str, Any] = {"progress": fraction}
            if cpu_percent is not None:
                changes["cpu_percent"] = cpu_percent
            if memory_mb is not None:
                changes["memory_mb"] = memory_mb
            self._t.steps[step.id] = dataclasses.replace(step, **changes)
            job = self._t.job(job_id) if job_id is not None else None
            if job is not None and job.status is JobStatus.PROCESSING:  # a cancel keeps it
                self._t.put(job, progress=fraction, current_step=step.step)

    def finish(self, step_id: Any, *, details: Mapping[str, Any] | None = None,
               skipped: bool = False) -> MemoryStep:  # fmt: skip
        values: dict[str, Any] = {} if skipped else {"progress": 1.0}
        if details is not None:
            values["details"] = details
        with self._t.lock:
            return self._t.end(
                step_id, "skipped" if skipped else "completed", self._t.clock(), **values
            )

    def fail(self, step_id: Any, code: str, message: str, *,
             details: Mapping[str, Any] | None = None) -> MemoryStep:  # fmt: skip
        values: dict[str, Any] = {"error_code": code, "error_message": message}
        if details is not None:
            values["details"] = details
        with self._t.lock:
            return self._t.end(step_id, "failed", self._t.clock(), **values)

    def note(
        self, job_id: JobId, message: str, *, details: Mapping[str, Any] | None = None
    ) -> MemoryStep:
        with self._t.lock:
            return self._t.note(self._t.job(job_id).id, message, details, self._t.clock())

    def get(self, step_id: Any) -> MemoryStep:
        with self._t.lock:
            return self._t.step(step_id)

    def steps(self, job_id: JobId) -> list[MemoryStep]:
        """The job's timeline, oldest first (ties in the order they were written)."""
        with self._t.lock:
            found = [s for s in self._t.steps.values() if s.job_id == _uuid(job_id)]
        return sorted(found, key=lambda s: s.started_at)  # stable: dicts keep insertion order

    def running(self, job_id: JobId) -> MemoryStep | None:
        with self._t.lock:
            return self._t.running(_uuid(job_id))


class MemoryMetrics:
    """The ``MetricRepo`` port: every value kept, the newest returned."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def put(self, name: str, value: float, *, unit: str | None = None,
            details: Mapping[str, Any] | None = None) -> MemoryMetric:  # fmt: skip
        record = MemoryMetric(name=name, value=float(value), unit=unit,
                              details=dict(details) if details else None,
                              host=socket.gethostname(), recorded_at=self._t.clock())  # fmt: skip
        with self._t.lock:
            self._t.metrics.append(record)
        return record

    def get(self, name: str) -> MemoryMetric | None:
        with self._t.lock:
            return next((m for m in reversed(self._t.metrics) if m.name == name), None)


class MemoryStore:
    """The ``JobStore`` port in memory. ``clock``: the time every write is stamped with."""

    def __init__(self, *, clock: Clock = _now) -> None:
        tables = _Tables(clock)
        self.jobs = MemoryJobs(tables)
        self.timeline = MemoryTimeline(tables)
        self.metrics = MemoryMetrics(tables)
        self.errors, self.audit = MemoryErrorLog(clock), MemoryAudit(clock)

    def close(self) -> None:
        """Nothing to release (kept so code that closes its store can close this one)."""
