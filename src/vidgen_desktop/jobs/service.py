"""JobService: create → probe → estimate → route → render → record.

>>> service = JobService(open_local(), queue=LocalQueue(...))
>>> answer = service.submit(composition)          # Submission
>>> answer.output_path or answer.job_id

Every job is logged with its elements and a timeline (``probe``, ``prepare``,
``render``, ``publish``). Short renders (estimate ≤ threshold) run now, in
this process, with FFmpeg as a subprocess; long ones are left ``queued`` for
a queue worker, which calls ``execute`` on the job it claimed. Failures are
classified (``jobs.errors``): bad input fails for good, a transient problem
goes back to the queue with backoff until ``max_attempts``, a cancel stays
cancelled. The store is used through ``jobs.ports`` only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs import routing, states, watch
from vidgen_desktop.jobs import speed as speeds
from vidgen_desktop.jobs.events import EventFeed, JobEvent, ProgressListener
from vidgen_desktop.jobs.ports import JobId, JobQueue, JobStore
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render import engine
from vidgen_desktop.render import estimate as estimating
from vidgen_desktop.render.graph import RenderPlan
from vidgen_desktop.render.runner import FFmpegProcess

log = logging.getLogger(__name__)
S = JobStatus

MIN_LEARN_SECONDS = 1.0  # shorter renders are mostly fixed cost: they teach the estimate nothing


@dataclasses.dataclass(frozen=True, kw_only=True)
class Prepared:
    """A composition resolved against its sources, with its estimate."""

    composition: Composition
    facts: Mapping[str, Any]
    plan: RenderPlan
    estimate: estimating.Estimate


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
    ) -> None:
        self.store = store
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
    ) -> routing.Submission:
        """Log a job, estimate it and render now (immediate) or leave it queued (async).

        Raises the job's failure (a ``VidgenError``) when probing, or an
        immediate render, fails; the job log keeps the reason either way.
        """
        started = time.perf_counter()
        threshold = self.threshold if threshold is None else float(threshold)
        target = self.target_for(comp, output, project_path)
        job = self.store.jobs.create(comp, output_path=str(target), threshold_seconds=threshold)
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
        if decision.response_type == "async":
            self.store.jobs.transition(job.id, S.QUEUED, expected=S.PENDING, **fields)
            self._emit(job.id, "status", status=str(S.QUEUED), message=decision.reason)
            if self.queue is not None:
                self.queue.enqueue(job.id)
            return routing.Submission(response_type="async", status=str(S.QUEUED), **common)
        self.store.jobs.transition(job.id, S.PROCESSING, expected=S.PENDING, **fields)
        self._emit(job.id, "status", status=str(S.PROCESSING), message=decision.reason)
        try:
            record = self._render_and_finish(job.id, prepared, target)
        except BaseException as exc:
            self._handle_failure(job.id, exc)
            raise
        return routing.Submission(
            response_type="immediate", status=str(record.status), output_path=target,
            output_url=record.output_url, duration=time.perf_counter() - started, **common,
        )  # fmt: skip

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
        self._emit(job.id, "status", status=str(S.PROCESSING))
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

    # Steps ---------------------------------------------------------------------

    def _probe_and_prepare(self, job_id: uuid.UUID, comp: Composition) -> Prepared:
        timeline = self.store.timeline
        step = timeline.start(job_id, "probe")
        self._emit(job_id, "step", step="probe", step_status="running")
        facts = engine.probe_sources(comp)
        for element_id, info in facts.items():
            self.store.jobs.mark_element(job_id, element_id, processed=False, probe=info)
        timeline.finish(step.id, details={"sources": len(facts)})
        step = timeline.start(job_id, "prepare")
        self._emit(job_id, "step", step="prepare", step_status="running")
        plan = engine.prepare(comp, facts)
        est = estimating.estimate(plan, facts, self.speed)
        timeline.finish(
            step.id,
            details={
                "estimate_seconds": round(est.seconds, 3), "encoder": est.encoder,
                "frames": est.frames, "duration": est.duration, "factor": est.factor,
                "parts": {k: round(v, 4) for k, v in est.parts.items()},
                "speed": self.speed.source,
            },
        )  # fmt: skip
        return Prepared(composition=comp, facts=facts, plan=plan, estimate=est)

    def _render_and_finish(self, job_id: uuid.UUID, prepared: Prepared, target: Path) -> Any:
        jobs, timeline, est = self.store.jobs, self.store.timeline, prepared.estimate
        step = timeline.start(
            job_id, "render",
            details={"target": str(target), "encoder": est.encoder, "estimate": est.seconds},
        )  # fmt: skip
        self._emit(job_id, "step", step="render", step_status="running")
        reporter = watch.ProgressRecorder(self.store, self.feed, job_id, step.id)
        process = engine.render_process(prepared.plan, target, on_progress=reporter)
        reporter.process = process
        watcher = watch.CancelWatcher(self.store, job_id, process)
        with self._lock:
            self._running[job_id] = process
        watcher.start()
        started = time.perf_counter()
        try:
            process.run()
        finally:
            watcher.stop()
            with self._lock:
                self._running.pop(job_id, None)
        seconds = time.perf_counter() - started
        for element_id in prepared.facts:
            jobs.mark_element(job_id, element_id, processed=True)
        timeline.finish(step.id, details={"ffmpeg_seconds": seconds, "ffmpeg_pid": process.pid})
        step = timeline.start(job_id, "publish")
        url = target.resolve().as_uri()
        timeline.finish(step.id, details={"output_url": url, "bytes": target.stat().st_size})
        try:
            record = jobs.transition(
                job_id, S.COMPLETED, expected=S.PROCESSING, output_path=str(target), output_url=url
            )
        except VidgenError:
            if self._status(job_id) in (S.CANCELLED, None):  # cancelled at the last moment
                target.unlink(missing_ok=True)
                raise failures.JobCancelled("the render was cancelled") from None
            raise
        self._emit(job_id, "status", status=str(S.COMPLETED), details={"output": str(target)})
        if self.learn and seconds >= MIN_LEARN_SECONDS:
            try:
                self._speed = speeds.learn(
                    self.store.metrics, est.encoder, est.raw_seconds, seconds
                )
            except VidgenError:
                log.warning("could not store the refined render speed", exc_info=True)
        return record

    def _status(self, job_id: uuid.UUID) -> JobStatus | None:
        try:
            return JobStatus(self.store.jobs.get(job_id).status)
        except LookupError:
            return None

    def _handle_failure(self, job_id: uuid.UUID, exc: BaseException) -> Any:
        """Record why the attempt ended and move the job on: retry later, fail, or cancel."""
        failure = failures.classify(exc)
        log.info("job %s: %s (%s)", job_id, failure.message, failure.code)
        jobs = self.store.jobs
        try:
            job = jobs.get(job_id)
        except LookupError:
            return None  # deleted while it ran
        status = JobStatus(job.status)
        if status not in (S.PENDING, S.PROCESSING) or job.worker_pid not in (None, os.getpid()):
            # cancelled (or taken over) from elsewhere: only close our step
            running = self.store.timeline.running(job_id)
            if running is not None:
                self.store.timeline.fail(running.id, "cancelled", "the render was stopped")
            self._emit(job_id, "status", status=str(status), message=failure.message)
            return job
        jobs.record_error(job_id, failure.code, failure.message)
        error = {"error_code": failure.code, "error_message": failure.message}
        if failure.kind is failures.FailureKind.CANCELLED:
            new, extra = S.CANCELLED, {}
        elif status is S.PROCESSING and failure.retryable and job.attempts < job.max_attempts:
            delay = self.backoff(max(job.attempts, 1))
            due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
            new, extra = S.QUEUED, {"next_attempt_at": due}
            note = f"{failure.message}; trying again in {delay:.0f} s"
            self.store.timeline.note(
                job_id, note, details={"attempt": job.attempts, "max_attempts": job.max_attempts}
            )
        else:
            new, extra = S.FAILED, {}
        try:
            record = jobs.transition(job_id, new, expected=status, **error, **extra)
        except VidgenError:
            return jobs.get(job_id)  # changed meanwhile (a cancel): that state stands
        if new is S.QUEUED and self.queue is not None:
            self.queue.enqueue(job_id, not_before=extra["next_attempt_at"])
        self._emit(job_id, "status", status=str(new), message=failure.message)
        return record

    # Cancel, retry, delete ------------------------------------------------------

    def cancel(self, job_id: JobId) -> Any:
        """Cancel a waiting or running job; a render running anywhere on this machine stops."""
        job = self.store.jobs.get(job_id)
        if JobStatus(job.status) not in states.CANCELLABLE:
            raise VidgenError(f"job {job.id} is {job.status}: there is nothing to cancel")
        record = self.store.jobs.transition(
            job.id, S.CANCELLED, error_code="cancelled", error_message="cancelled by the user"
        )
        self.store.timeline.note(job.id, "cancelled by the user", details={"was": str(job.status)})
        with self._lock:
            process = self._running.get(job.id)
        if process is not None:
            process.cancel()
        if self.queue is not None:
            self.queue.cancel(job.id)
        self._emit(job.id, "status", status=str(S.CANCELLED))
        return record

    def retry(self, job_id: JobId) -> Any:
        """Queue a failed or cancelled job again (with at least one more attempt allowed)."""
        job = self.store.jobs.get(job_id)
        if JobStatus(job.status) not in states.RETRYABLE:
            raise VidgenError(f"job {job.id} is {job.status}: only failed or cancelled jobs retry")
        record = self.store.jobs.transition(
            job.id, S.QUEUED, expected=job.status, error_code=None, error_message=None,
            max_attempts=max(job.max_attempts, job.attempts + 1),
        )  # fmt: skip
        self.store.timeline.note(job.id, "queued again by the user", details={"was": job.status})
        if self.queue is not None:
            self.queue.enqueue(job.id)
        self._emit(job.id, "status", status=str(S.QUEUED))
        return record

    def delete(self, job_id: JobId, *, remove_output: bool = False) -> bool:
        """Remove a job from the log (cancelling it first if it is still active)."""
        job = self.store.jobs.get(job_id)
        if JobStatus(job.status) in states.ACTIVE:
            self.cancel(job.id)
        if remove_output and job.output_path:
            Path(job.output_path).unlink(missing_ok=True)
        return self.store.jobs.delete(job.id)
