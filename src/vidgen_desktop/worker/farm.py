"""What a farm worker does with one job, and with the jobs of workers that died.

``render``: take the job in the remote log (``queued`` → ``processing``; a
job someone else took, cancelled or finished is left alone), check and fetch
its sources, probe, plan, render with FFmpeg while watching for an abort,
upload the output, publish its share link, complete. Every step is a
timeline row in the remote log; progress is written a few times a second.

Failures are classified (``jobs.errors``) and recorded on the job: bad input
fails for good; a transient failure goes back to ``queued`` and procrastinate
runs the task again after the backoff; a job this worker failed
``skip_after`` times is left to other workers. ``recover`` finds render
tasks of workers whose heartbeat stopped and puts them back in the queue.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from procrastinate import JobContext
from procrastinate import exceptions as pexc
from procrastinate.job_context import AbortReason

from vidgen_desktop import storage, store
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs import watch
from vidgen_desktop.jobs.events import EventFeed
from vidgen_desktop.jobs.states import IllegalTransition, JobStatus
from vidgen_desktop.queue import farm as shared
from vidgen_desktop.render import engine
from vidgen_desktop.render.runner import FFmpegProcess
from vidgen_desktop.worker import sources
from vidgen_desktop.worker.metrics import JOB_SECONDS, Metrics
from vidgen_desktop.worker.options import FarmOptions

log = logging.getLogger(__name__)
S = JobStatus
WATCH_EVERY = 0.25  # seconds between looks for an abort while FFmpeg runs
ROW_EVERY = 1.0  # seconds between looks at the job row (a cancel written by anyone)


class FarmJobFailed(VidgenError):
    """The farm job failed (the reason is on the job); procrastinate records it as failed."""


class _Stopping(Exception):  # noqa: N818 - internal signal: the worker shuts down
    pass


class AbortWatcher(threading.Thread):
    """Cancels FFmpeg when procrastinate asks for an abort or the job row is no longer ours."""

    def __init__(
        self, remote: store.Database, job_id: uuid.UUID, process: FFmpegProcess, context: JobContext
    ) -> None:
        super().__init__(name=f"abort-watch-{job_id}", daemon=True)
        self.remote, self.job_id, self.process, self.context = remote, job_id, process, context
        self.reason: str | None = None  # "shutdown", "abort" or "row"
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.join(5)

    def run(self) -> None:
        last_row, noted = 0.0, False
        while not self._stopped.wait(WATCH_EVERY):
            if not noted and self.process.pid is not None:
                noted = True
                self._note_pid()
            abort = self.context.abort_reason()
            if abort is not None:
                self._cancel("shutdown" if abort is AbortReason.SHUTDOWN else "abort")
                return
            if time.monotonic() - last_row >= ROW_EVERY:
                last_row = time.monotonic()
                if not self._still_ours():
                    self._cancel("row")
                    return

    def _cancel(self, reason: str) -> None:
        self.reason = reason
        self.process.cancel()
        log.info("job %s: render stopped (%s)", self.job_id, reason, extra={"action": "abort"})

    def _still_ours(self) -> bool:
        try:
            job = self.remote.jobs.find(self.job_id)
        except VidgenError:
            return True  # the database is busy: look again next time
        return job is not None and job.status is S.PROCESSING and job.worker_pid == os.getpid()

    def _note_pid(self) -> None:
        try:
            self.remote.timeline.note(
                self.job_id,
                "FFmpeg started",
                details={
                    "ffmpeg_pid": self.process.pid,
                    "worker_pid": os.getpid(),
                    "host": socket.gethostname(),
                },
            )
        except VidgenError:
            log.warning("job %s: FFmpeg pid not recorded", self.job_id, exc_info=True)


def _translate(exc: BaseException) -> BaseException:
    """Storage and database errors as the failure kinds the job log knows."""
    if isinstance(exc, storage.ObjectMissing | storage.InvalidKey):
        return failures.BadInput(str(exc), code="source_missing")
    if isinstance(exc, storage.StorageError):
        # Not transient by itself (refused credentials, a missing bucket) is still this
        # worker's problem, not the job's: another worker may well manage.
        code = "storage" if exc.transient else "worker_storage"
        return failures.TransientFailure(str(exc), code=code, detail=exc.detail)
    if isinstance(exc, store.StoreError):
        return failures.TransientFailure(str(exc), code="database", detail=exc.detail)
    return exc


class Farm:
    """One worker process's farm state: the remote log, storage, counters, failures seen."""

    def __init__(
        self,
        remote: store.Database,
        storage_factory: Callable[[storage.OperationRecorder], storage.Storage],
        options: FarmOptions,
        workdir: Path,
        metrics: Metrics | None = None,
    ) -> None:
        self.remote = remote
        self.storage_factory = storage_factory
        self.options = options
        self.workdir = workdir
        self.metrics = metrics or Metrics()
        self._failed: dict[uuid.UUID, int] = {}  # job -> transient failures on this worker
        self._left: set[uuid.UUID] = set()  # jobs this worker left to others (noted once)
        self._lock = threading.Lock()

    # One job ---------------------------------------------------------------------

    def render(self, context: JobContext, job_id: str) -> str:
        """The ``vidgen.render`` task body (blocking; procrastinate runs it in a thread)."""
        jid = uuid.UUID(job_id)
        job = self.remote.jobs.find(jid)
        if job is None or job.status is not S.QUEUED:
            state = "gone" if job is None else str(job.status)
            log.info("job %s is %s: nothing to render", jid, state, extra={"action": "skip"})
            return f"skipped ({state})"
        with self._lock:
            failed_here = self._failed.get(jid, 0)
        if failed_here >= self.options.skip_after:
            self._leave(jid, failed_here)
            # Jittered: a fixed delay lines this worker's polls up with the job's due time,
            # so it would win the job back every time.
            delay = self.options.skip_delay * random.uniform(0.5, 1.5)
            raise shared.RetryLater(delay, "left to other workers")
        try:
            job = self.remote.jobs.transition(jid, S.PROCESSING, expected=S.QUEUED, route="remote")
        except (store.ConcurrentChange, IllegalTransition):
            return "skipped (taken)"
        self.metrics.add_running(1)
        started = time.perf_counter()
        folder = self.workdir / jid.hex
        try:
            url = self._run(context, job, folder)
        except BaseException as exc:
            self._fail(job, exc, time.perf_counter() - started)
            raise AssertionError("_fail always raises") from exc  # pragma: no cover
        finally:
            self.metrics.add_running(-1)
            shutil.rmtree(folder, ignore_errors=True)
        seconds = time.perf_counter() - started
        self.metrics.count("completed", seconds)
        self._record_seconds(jid, seconds, "completed")
        with self._lock:
            self._failed.pop(jid, None)
        return url

    def _run(self, context: JobContext, job: Any, folder: Path) -> str:
        remote, timeline = self.remote, self.remote.timeline
        target = self.storage_factory(remote.storage_log.recorder(job.id))
        details = {
            "worker": self.options.label,
            "attempt": job.attempts,
            "procrastinate_job": context.job.id,
        }
        step = timeline.start(job.id, "download_sources", details=details)
        plan = sources.check(job.composition, target, self.options.allowed_url_prefixes)
        local = sources.fetch(plan, target, folder / "sources", job.id)
        timeline.finish(step.id, details={"sources": len(local)})
        comp = Composition.model_validate(sources.rewrite(job.composition, local))

        step = timeline.start(job.id, "probe")
        facts = engine.probe_sources(comp)
        for element_id, info in facts.items():
            remote.jobs.mark_element(job.id, element_id, processed=False, probe=info)
        timeline.finish(step.id, details={"sources": len(facts)})
        step = timeline.start(job.id, "prepare")
        render_plan = engine.prepare(comp, facts, text_folder=folder / "text")
        timeline.finish(step.id, details={"duration": render_plan.duration})

        name = Path(job.output_path).name if job.output_path else ""
        out = folder / (name or engine.default_output_path(comp, None, folder).name)
        step = timeline.start(job.id, "render", details={"target": out.name})
        recorder = watch.ProgressRecorder(remote, EventFeed(), job.id, step.id)
        process = engine.render_process(render_plan, out, on_progress=recorder)
        recorder.process = process
        watcher = AbortWatcher(remote, job.id, process, context)
        watcher.start()
        ffmpeg_started = time.perf_counter()
        try:
            process.run()
        except VidgenError:
            if watcher.reason == "shutdown":
                raise _Stopping() from None
            raise
        finally:
            watcher.stop()
        for element_id in facts:
            remote.jobs.mark_element(job.id, element_id, processed=True)
        timeline.finish(
            step.id,
            details={
                "ffmpeg_seconds": time.perf_counter() - ffmpeg_started,
                "ffmpeg_pid": process.pid,
            },
        )

        step = timeline.start(job.id, "upload_output")
        stored = target.upload_output(out, job.id)
        timeline.finish(step.id, details={"key": stored.key, "bytes": stored.size})
        step = timeline.start(job.id, "publish")
        link = target.share_link(stored.key, job_id=job.id, client=self.options.label)
        expires = link.expires_at.isoformat() if link.expires_at else None
        timeline.finish(step.id, details={"mode": link.mode, "expires_at": expires})
        try:
            remote.jobs.transition(
                job.id,
                S.COMPLETED,
                expected=S.PROCESSING,
                output_url=link.url,
                output_path=stored.uri,
            )
        except VidgenError:
            target.delete(stored.key, job_id=job.id)  # cancelled at the last moment
            raise
        log.info("job %s completed: %s", job.id, stored.uri, extra={"action": "completed"})
        return stored.uri

    def _fail(self, job: Any, exc: BaseException, seconds: float) -> None:
        """Record how the attempt ended and tell procrastinate what to do; always raises."""
        jobs, timeline, pid = self.remote.jobs, self.remote.timeline, os.getpid()
        if isinstance(exc, _Stopping):
            with _quietly():
                jobs.requeue_orphan(
                    job.evolve(worker_pid=pid),
                    f"worker {self.options.label} stopped; put back in the queue",
                )
            self.metrics.count("requeued", seconds)
            raise shared.RetryLater(0, "worker stopping") from exc
        failure = failures.classify(_translate(exc))
        current = jobs.find(job.id)
        if current is None or current.status is not S.PROCESSING or current.worker_pid != pid:
            running = timeline.running(job.id)  # cancelled or taken elsewhere: close our step
            if running is not None:
                with _quietly():
                    timeline.fail(running.id, "cancelled", "the render was stopped")
            self.metrics.count("cancelled", seconds)
            raise pexc.JobAborted(f"job {job.id} is no longer this worker's") from exc
        log.info("job %s: %s (%s)", job.id, failure.message, failure.code)
        jobs.record_error(job.id, failure.code, failure.message)
        error = {"error_code": failure.code, "error_message": failure.message}
        self.metrics.count("failed_attempt", seconds, kind=str(failure.kind))
        self._record_seconds(job.id, seconds, failure.code)
        if failure.kind is failures.FailureKind.CANCELLED:
            with _quietly():
                jobs.transition(job.id, S.CANCELLED, expected=S.PROCESSING, **error)
            raise pexc.JobAborted(failure.message) from exc
        if failure.retryable and current.attempts < current.max_attempts:
            delay = failures.backoff_seconds(current.attempts, base=self.options.retry_base)
            due = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delay)
            jobs.transition(job.id, S.QUEUED, expected=S.PROCESSING, next_attempt_at=due, **error)
            timeline.note(
                job.id,
                f"{failure.message}; trying again in {delay:.0f} s",
                details={
                    "attempt": current.attempts,
                    "max_attempts": current.max_attempts,
                    "worker": self.options.label,
                },
            )
            with self._lock:
                self._failed[job.id] = self._failed.get(job.id, 0) + 1
            raise shared.RetryLater(delay, failure.message) from exc
        jobs.transition(job.id, S.FAILED, expected=S.PROCESSING, **error)
        self.metrics.count("failed", None)
        raise FarmJobFailed(f"job {job.id}: {failure.message}", detail=failure.detail) from exc

    def _leave(self, job_id: uuid.UUID, failed_here: int) -> None:
        with self._lock:
            first = job_id not in self._left
            self._left.add(job_id)
        self.metrics.count("left_to_others")
        if first:
            with _quietly():
                self.remote.timeline.note(
                    job_id,
                    f"worker {self.options.label} failed this job {failed_here} times; "
                    "leaving it to other workers",
                    details={"worker": self.options.label},
                )

    def _record_seconds(self, job_id: uuid.UUID, seconds: float, outcome: str) -> None:
        with _quietly():
            self.remote.metrics.put(
                JOB_SECONDS,
                seconds,
                unit="s",
                details={"job_id": str(job_id), "outcome": outcome, "worker": self.options.label},
            )

    # Dead workers ------------------------------------------------------------------

    async def recover(self, context: JobContext) -> list[str]:
        """The ``vidgen.recover_stalled`` task body: re-queue renders of dead workers."""
        manager = context.app.job_manager
        stalled = await manager.get_stalled_jobs(
            task_name=shared.RENDER_TASK, seconds_since_heartbeat=self.options.stall_timeout
        )
        recovered = []
        for job in stalled:
            job_id = str(job.task_kwargs.get("job_id", ""))
            # our log first: a worker fetching the task at once must find the job queued
            await asyncio.to_thread(self._requeue, job_id, job.worker_id)
            await manager.retry_job(job)
            recovered.append(job_id)
            log.warning(
                "job %s re-queued: its worker stopped heartbeating",
                job_id,
                extra={"action": "recover_stalled"},
            )
        await manager.prune_stalled_workers(self.options.stall_timeout)
        return recovered

    def _requeue(self, job_id: str, worker_id: int | None) -> None:
        try:
            job = self.remote.jobs.find(uuid.UUID(job_id))
        except ValueError:
            return
        if job is None or job.status is not S.PROCESSING:
            return
        note = (
            f"the worker rendering this job stopped (host {job.host}, pid {job.worker_pid}, "
            f"no heartbeat for {self.options.stall_timeout:g} s); put back in the queue"
        )
        self.remote.jobs.requeue_orphan(job, note)


class _quietly:  # noqa: N801 - used like contextlib.suppress
    """Suppress and log errors of bookkeeping that must not hide the job's own outcome."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if isinstance(exc, VidgenError):
            log.warning("farm bookkeeping failed: %s", exc, extra={"action": "bookkeeping"})
            return True
        return False
