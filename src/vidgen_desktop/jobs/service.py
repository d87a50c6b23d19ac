"""JobService: create → probe → estimate → route → render → record.

>>> service = JobService(open_local(), queue=LocalQueue(...))
>>> answer = service.submit(composition)          # Submission
>>> answer.output_path or answer.job_id

Every job is logged with its elements and a timeline (``probe``, ``prepare``,
``render``, ``publish``). Short renders (estimate ≤ threshold) run now, in
this process, with FFmpeg as a subprocess; long ones are left ``queued`` for
a queue worker, which calls ``execute`` on the job it claimed. The steps are
``jobs.pipeline``'s, shared with the farm worker. Failures are classified
(``jobs.errors``, ``pipeline.settle``): bad input fails for good, a transient
problem goes back to the queue with backoff until ``max_attempts``, a cancel
stays cancelled. A farm job belongs to the team database: it is handed over
while still pending (the pipeline's ``upload_sources`` step, through the farm
queue), then cancelled and retried through its queue. The store is used
through ``jobs.ports`` only.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.composition import variables
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs import pipeline, routing, states
from vidgen_desktop.jobs import speed as speeds
from vidgen_desktop.jobs.chunking import ChunkPolicy
from vidgen_desktop.jobs.events import EventFeed, JobEvent, ProgressListener
from vidgen_desktop.jobs.pipeline import LocalFiles, Pipeline, Prepared, settle
from vidgen_desktop.jobs.ports import JobId, JobQueue, JobStore
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render import engine
from vidgen_desktop.render import estimate as estimating
from vidgen_desktop.render.runner import FFmpegProcess

log = logging.getLogger(__name__)
S = JobStatus

MIN_LEARN_SECONDS = 1.0  # shorter renders are mostly fixed cost: they teach the estimate nothing


class JobService:
    """Creates, routes, runs and records render jobs. Thread-safe; no Qt, no SQL."""

    def __init__(
        self,
        store: JobStore,
        *,
        queue: JobQueue | None = None,
        threshold: float | None = None,
        speed: estimating.MachineSpeed | None = None,
        output_folder: Path | None = None,
        backoff: Callable[[int], float] = failures.backoff_seconds,
        learn: bool = True,
        chunking: ChunkPolicy | None = None,
    ) -> None:
        self.store = store
        self.chunking = chunking  # None: every render in one FFmpeg run (jobs.chunking)
        self.queue = queue
        self.threshold = routing.default_threshold() if threshold is None else float(threshold)
        self.output_folder = output_folder
        self.backoff = backoff  # seconds to wait after failed try number n (1-based)
        self.learn = learn
        self.feed = EventFeed()
        self._speed = speed
        self._running: dict[uuid.UUID, FFmpegProcess] = {}
        self._lock = threading.Lock()

    # Listening -----------------------------------------------------------------

    def subscribe(self, listener: ProgressListener) -> Callable[[], None]:
        """Call ``listener(JobEvent)`` for every event; returns the unsubscribe function."""
        return self.feed.subscribe(listener)

    def events(self, job_id: uuid.UUID | None = None) -> AsyncIterator[JobEvent]:
        return self.feed.stream(job_id)

    def _emit(self, job_id: uuid.UUID, kind: str, **fields: Any) -> None:
        self.feed.publish(JobEvent(job_id=job_id, kind=kind, **fields))

    # Estimate ------------------------------------------------------------------

    @property
    def speed(self) -> estimating.MachineSpeed:
        """This machine's speed (stored calibration and refinements, else the defaults)."""
        if self._speed is None:
            self._speed = speeds.load(self.store.metrics)
        return self._speed

    def reload_speed(self) -> None:
        """Read the stored speed again on next use (a calibration in another process)."""
        self._speed = None

    def prepare(self, comp: Composition) -> Prepared:
        """Probe, plan and estimate without logging anything (``vidgen estimate``)."""
        facts = engine.probe_sources(comp)
        plan = engine.prepare(comp, facts)
        return Prepared(
            composition=comp, facts=facts, plan=plan,
            estimate=estimating.estimate(plan, facts, self.speed),
        )  # fmt: skip

    def decide(self, estimate: float, threshold: float | None = None) -> routing.Decision:
        threshold = self.threshold if threshold is None else threshold
        return routing.decide(
            estimate, threshold, queue_route=getattr(self.queue, "route", "local")
        )

    # Submit --------------------------------------------------------------------

    def submit(
        self,
        comp: Composition,
        *,
        output: Path | str | None = None,
        project_path: str | None = None,
        threshold: float | None = None,
        batch: Mapping[str, Any] | None = None,
    ) -> routing.Submission:
        """Log a job, estimate it and render now (immediate) or leave it queued (async).

        Raises the job's failure (a ``VidgenError``) when probing, or an
        immediate render, fails; the job log keeps the reason either way.
        A template is logged filled in (its defaults); ``batch`` is the job's
        ``batch_id`` and ``batch_row`` when it is one row of a batch.
        """
        started = time.perf_counter()
        threshold = self.threshold if threshold is None else float(threshold)
        comp = variables.fill(comp)  # the log holds no {{name}}: a worker draws what we saw
        target = self.target_for(comp, output, project_path)
        job = self.store.jobs.create(
            comp, output_path=str(target), threshold_seconds=threshold, **(batch or {})
        )
        self._emit(job.id, "status", status=str(S.PENDING))
        try:
            prepared = self._probe_and_prepare(job.id, comp)
        except BaseException as exc:
            self._handle_failure(job.id, exc)
            raise
        decision = self.decide(prepared.estimate.seconds, threshold)
        fields = {
            "estimated_seconds": prepared.estimate.seconds, "threshold_seconds": threshold,
            "response_type": decision.response_type, "route": decision.route,
            "route_reason": decision.reason,
        }  # fmt: skip
        common = {"job_id": job.id, "estimate": decision.estimate, "reason": decision.reason}
        if decision.response_type == "async" and self._hands_over(decision.route):
            self._hand_over(job.id, fields)  # the farm's from now on
            self._emit(job.id, "status", status=str(S.QUEUED), message=decision.reason,
                       details=_estimated(fields["estimated_seconds"]))  # fmt: skip
            return routing.Submission(response_type="async", status=str(S.QUEUED), **common)
        if decision.response_type == "async":
            self.store.jobs.transition(job.id, S.QUEUED, expected=S.PENDING, **fields)
            self._emit(job.id, "status", status=str(S.QUEUED), message=decision.reason,
                       details=_estimated(fields["estimated_seconds"]))  # fmt: skip
            if self.queue is not None:
                self.queue.enqueue(job.id)
            return routing.Submission(response_type="async", status=str(S.QUEUED), **common)
        self.store.jobs.transition(job.id, S.PROCESSING, expected=S.PENDING, **fields)
        self._emit(job.id, "status", status=str(S.PROCESSING), message=decision.reason,
                   details=_estimated(fields["estimated_seconds"]))  # fmt: skip
        try:
            record = self._render_and_finish(job.id, prepared, target)
        except BaseException as exc:
            self._handle_failure(job.id, exc)
            raise
        return routing.Submission(
            response_type="immediate", status=str(record.status), output_path=target,
            output_url=record.output_url, duration=time.perf_counter() - started, **common,
        )  # fmt: skip

    def _hands_over(self, route: str | None) -> bool:
        """Whether the queue takes the job over (the farm: the team database owns its jobs)."""
        return bool(getattr(self.queue, "owns_jobs", False)) and route == self.queue.route

    def _hand_over(self, job_id: uuid.UUID, fields: dict[str, Any]) -> None:
        """The last step of the laptop's side of a farm job: ``upload_sources``, then the farm.

        The job is still pending here: if its sources cannot go up, it fails
        like a probe that failed (``settle``, the same failure table), and Retry
        hands it over again. Once published, the queue's mirror makes it queued.
        """
        self.store.jobs.update(job_id, **fields)
        try:
            self.queue.enqueue(job_id)  # type: ignore[union-attr]  # checked by _hands_over
        except BaseException as exc:
            self._handle_failure(job_id, exc)
            raise

    def target_for(
        self, comp: Composition, output: Path | str | None, project_path: str | None = None
    ) -> Path:
        """The output file: ``output`` (a file, or a folder to put it in) or the default."""
        folder = self.output_folder or config.load().output_dir()
        if output is not None:
            output = Path(output).expanduser()
            if not output.is_dir():
                return output.absolute()
            folder = output
        return engine.default_output_path(comp, project_path, folder).absolute()

    # Run a queued job ------------------------------------------------------------

    def execute(self, job: Any) -> Any:
        """Render a job this worker has claimed (``processing``); return its final record."""
        self._emit(job.id, "status", status=str(S.PROCESSING),
                   details=_estimated(getattr(job, "estimated_seconds", None)))  # fmt: skip
        try:
            comp = Composition.model_validate(job.composition)
            prepared = self._probe_and_prepare(job.id, comp)
            target = Path(job.output_path) if job.output_path else self.target_for(comp, None)
            return self._render_and_finish(job.id, prepared, target)
        except BaseException as exc:
            record = self._handle_failure(job.id, exc)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            return record

    # Steps (``jobs.pipeline``) ---------------------------------------------------

    @property
    def steps(self) -> Pipeline:
        return Pipeline(self.store, self.feed, speed=lambda: self.speed, chunking=self.chunking)

    def _probe_and_prepare(self, job_id: uuid.UUID, comp: Composition) -> Prepared:
        steps = self.steps
        return steps.prepare(job_id, comp, steps.probe(job_id, comp))

    def _render_and_finish(self, job_id: uuid.UUID, prepared: Prepared, target: Path) -> Any:
        job = self.store.jobs.get(job_id)
        done = self.steps.finish(
            job, prepared, LocalFiles(target), on_process=lambda p: self._track(job_id, p)
        )
        est, seconds = prepared.estimate, done.seconds
        if self.learn and seconds >= MIN_LEARN_SECONDS:
            try:
                self._speed = speeds.learn(
                    self.store.metrics, est.encoder, est.raw_seconds, seconds, est.resolution
                )
            except VidgenError:
                log.warning("could not store the refined render speed", exc_info=True)
        return done.record

    def _track(self, job_id: uuid.UUID, process: FFmpegProcess | None) -> None:
        """The FFmpeg of a job rendering in this process, so ``cancel`` can stop it at once."""
        with self._lock:
            if process is None:
                self._running.pop(job_id, None)
            else:
                self._running[job_id] = process

    def _status(self, job_id: uuid.UUID) -> JobStatus | None:
        try:
            return JobStatus(self.store.jobs.get(job_id).status)
        except LookupError:
            return None

    def _handle_failure(self, job_id: uuid.UUID, exc: BaseException) -> Any:
        """Record why the attempt ended (``pipeline.settle``); a retry goes back to the queue."""
        outcome = settle(self.store, job_id, exc, delay=self._delay)
        if outcome.status is None:
            return None  # deleted while it ran
        if outcome.delay is not None and self.queue is not None:
            self.queue.enqueue(job_id, not_before=outcome.record.next_attempt_at)
        self._emit(job_id, "status", status=str(outcome.status), message=outcome.failure.message)
        return outcome.record

    def _delay(self, failure: failures.Failure, attempts: int, max_attempts: int) -> float | None:
        """The failure table's retry decision, with this service's backoff."""
        if failures.retry_delay(failure, attempts, max_attempts) is None:
            return None
        return self.backoff(max(attempts, 1))

    # Cancel, retry, delete ------------------------------------------------------

    def cancel(self, job_id: JobId) -> Any:
        """Cancel a waiting or running job; a render running anywhere on this machine stops.

        A farm job is cancelled where it is owned, on the team database; the
        local row follows through the mirror.
        """
        job = self.store.jobs.get(job_id)
        if JobStatus(job.status) not in states.CANCELLABLE:
            raise VidgenError(f"job {job.id} is {job.status}: there is nothing to cancel")
        if self._owned_by_queue(job):
            self.queue.cancel(job.id)  # type: ignore[union-attr]
            record = self.store.jobs.get(job.id)
        else:
            record = pipeline.cancel(self.store, job.id, "cancelled by the user")
            if self.queue is not None:
                self.queue.cancel(job.id)
        if record is None or JobStatus(record.status) is not S.CANCELLED:
            job = self.store.jobs.get(job.id)
            raise VidgenError(f"job {job.id} is {job.status}: there is nothing to cancel")
        with self._lock:
            process = self._running.get(job.id)
        if process is not None:
            process.cancel()
        self._emit(job.id, "status", status=str(S.CANCELLED))
        return record

    def retry(self, job_id: JobId) -> Any:
        """Queue a failed or cancelled job again (with at least one more attempt allowed)."""
        job = self.store.jobs.get(job_id)
        if JobStatus(job.status) not in states.RETRYABLE:
            raise VidgenError(f"job {job.id} is {job.status}: only failed or cancelled jobs retry")
        if self._owned_by_queue(job):
            self.queue.enqueue(job.id)  # type: ignore[union-attr]  # queued again there
            record = self.store.jobs.get(job.id)
        else:
            record = pipeline.queue_again(self.store, job.id, "queued again by the user")
            if self.queue is not None:
                self.queue.enqueue(job.id)
        if record is None or JobStatus(record.status) is not S.QUEUED:
            job = self.store.jobs.get(job.id)
            raise VidgenError(f"job {job.id} is {job.status}: only failed or cancelled jobs retry")
        self._emit(job.id, "status", status=str(S.QUEUED))
        return record

    def _owned_by_queue(self, job: Any) -> bool:
        """Whether the job belongs to the queue's database (a farm job), not to this log."""
        queue = self.queue
        return bool(
            queue is not None and getattr(queue, "owns_jobs", False) and job.route == queue.route
        )

    def delete(self, job_id: JobId, *, remove_output: bool = False) -> bool:
        """Remove a job from the log (cancelling it first if it is still active)."""
        job = self.store.jobs.get(job_id)
        if JobStatus(job.status) in states.ACTIVE:
            self.cancel(job.id)
        if remove_output and job.output_path:
            Path(job.output_path).unlink(missing_ok=True)
        return self.store.jobs.delete(job.id)


def _estimated(seconds: float | None) -> dict[str, float] | None:
    """A status event's details: the job's estimate, so a view shows the time left at once
    (before its read of the job log lands)."""
    return None if seconds is None else {"estimated_seconds": seconds}
