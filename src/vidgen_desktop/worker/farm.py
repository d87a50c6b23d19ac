"""What a farm worker does with one job, and with the jobs of workers that died.

``render``: take the job in the remote log (``queued`` → ``processing``; a
job someone else took, cancelled or finished is left alone), then run the one
job pipeline (``jobs.pipeline``) with the farm's adapters
(``worker.adapters``): fetch the sources from the team storage, probe, plan,
render with FFmpeg while watching for an abort, upload the output, publish
its share link, complete.

``_settle`` is where procrastinate learns a farm job's outcome: the failure
table (``pipeline.settle``) records it on the job, and the task raises what
procrastinate needs (retry later, aborted, failed). A job this worker failed
``skip_after`` times is left to other workers; a render stopped because the
team database went away goes back to the queue (``worker.link``).
``recover`` finds render tasks of workers whose heartbeat stopped, and job
rows no task will move on, and puts them back in the queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from procrastinate import JobContext
from procrastinate import exceptions as pexc

from vidgen_desktop import storage, store
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs.events import EventFeed
from vidgen_desktop.jobs.pipeline import Pipeline, Stopped, settle
from vidgen_desktop.jobs.states import IllegalTransition, JobStatus
from vidgen_desktop.queue import farm as farm_queue
from vidgen_desktop.store.team import farm_tasks
from vidgen_desktop.worker.adapters import FarmStopper, TeamOutput, TeamSources
from vidgen_desktop.worker.chunks import FarmChunks, farm_chunk_count
from vidgen_desktop.worker.link import TeamLink
from vidgen_desktop.worker.metrics import JOB_SECONDS, Metrics
from vidgen_desktop.worker.options import FarmOptions

log = logging.getLogger(__name__)
S = JobStatus
ROW_EVERY = 1.0  # seconds between looks at the job row (a cancel written by anyone)


class FarmJobFailed(VidgenError):
    """The farm job failed (the reason is on the job); procrastinate records it as failed."""


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
        link: TeamLink | None = None,
    ) -> None:
        self.remote = remote
        self.link = link or TeamLink(str(remote.engine.url), options.label)
        self.storage_factory = storage_factory
        self.options = options
        self.workdir = workdir
        self.metrics = metrics or Metrics()
        self._failed: dict[uuid.UUID, int] = {}  # job -> transient failures on this worker
        self._left: set[uuid.UUID] = set()  # jobs this worker left to others (noted once)
        # renders stopped by a lost database: procrastinate job id -> (job, procrastinate
        # worker id), put back when the database returns
        self._abandoned: dict[int, tuple[Any, int | None]] = {}
        self._lock = threading.Lock()
        self.chunks = FarmChunks(self)  # chunked jobs: their chunk and join tasks

    # One job ---------------------------------------------------------------------

    def render(self, context: JobContext, job_id: str) -> str:
        """The ``vidgen.render`` task body (blocking; procrastinate runs it in a thread)."""
        jid = uuid.UUID(job_id)
        try:
            job = self._take_over(self.remote.jobs.find(jid))
        except store.StoreError as exc:  # the database went away before the job was ours
            self.link.lost(exc)
            raise farm_queue.RetryLater(0, "team database lost") from exc
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
            raise farm_queue.RetryLater(delay, "left to other workers")
        try:
            job = self.remote.jobs.transition(jid, S.PROCESSING, expected=S.QUEUED, route="remote")
        except (store.ConcurrentChange, IllegalTransition):
            return "skipped (taken)"
        except store.StoreError as exc:
            self.link.lost(exc)
            raise farm_queue.RetryLater(0, "team database lost") from exc
        self.metrics.add_running(1)
        started = time.perf_counter()
        folder = self.workdir / jid.hex
        try:
            url = self._run(context, job, folder)
        except BaseException as exc:
            self._fail(context, job, exc, time.perf_counter() - started)
            raise AssertionError("_fail always raises") from exc  # pragma: no cover
        finally:
            self.metrics.add_running(-1)
            shutil.rmtree(folder, ignore_errors=True)
        seconds = time.perf_counter() - started
        outcome = "chunked" if url.startswith("chunked") else "completed"  # handed to chunks
        self.metrics.count(outcome, seconds)
        self._record_seconds(jid, seconds, outcome)
        with self._lock:
            self._failed.pop(jid, None)
        return url

    def _run(self, context: JobContext, job: Any, folder: Path) -> str:
        """The one pipeline, with the farm's adapters (``worker.adapters``)."""
        team = self.storage_factory(self.remote.storage_log.recorder(job.id))
        details = {
            "worker": self.options.label, "attempt": job.attempts,
            "procrastinate_job": context.job.id,
        }  # fmt: skip
        pipeline = Pipeline(self.remote, EventFeed(), note_ffmpeg=True, row_every=ROW_EVERY)
        comp = TeamSources(team, self.options.allowed_url_prefixes, folder, **details).fetch(
            pipeline, job
        )
        prepared = pipeline.prepare(job.id, comp, pipeline.probe(job.id, comp), folder / "text")
        if (count := farm_chunk_count(prepared.plan)) > 1:  # long: chunks for every worker
            return self.chunks.hand_off(context, pipeline, job, prepared, folder, count)
        done = pipeline.finish(
            job, prepared, TeamOutput(team, folder, self.options.label),
            stopper=FarmStopper(context, self.link),
        )  # fmt: skip
        uri = done.record.output_path
        log.info("job %s completed: %s", job.id, uri, extra={"action": "completed"})
        return uri

    def _take_over(self, job: Any) -> Any:
        """A job left ``processing`` by a lost attempt of this very task, back to ``queued``.

        procrastinate runs one render task per job at a time (the task's lock),
        so a ``processing`` row seen here belongs to an attempt that is over.
        """
        if job is None or job.status is not S.PROCESSING:
            return job
        note = "the attempt before this one ended without an outcome; put back in the queue"
        self.remote.jobs.requeue_orphan(job, note)
        return self.remote.jobs.find(job.id)

    def _fail(self, context: JobContext, job: Any, exc: BaseException, seconds: float) -> None:
        """Record how the attempt ended and tell procrastinate what to do; always raises."""
        try:
            self._settle(context, job, exc, seconds)
        except store.StoreError as lost:  # the database went away while recording it
            if isinstance(lost, store.ConcurrentChange | store.JobNotFound):
                raise pexc.JobAborted(f"job {job.id} changed meanwhile") from exc
            self.link.lost(lost)
            self._abandon(context, job, seconds)
            raise farm_queue.RetryLater(0, "team database lost") from exc

    def _abandon(self, context: JobContext, job: Any, seconds: float) -> None:
        """Put the job back in the queue; if the database is away, remember it for its return."""
        note = f"worker {self.options.label} stopped; put back in the queue"
        try:
            self.remote.jobs.requeue_orphan(job.evolve(worker_pid=os.getpid()), note)
        except VidgenError:
            if context.job.id is not None:
                with self._lock:
                    self._abandoned[context.job.id] = (
                        job.evolve(worker_pid=os.getpid()),
                        context.job.worker_id,
                    )
        self.metrics.count("requeued", seconds)

    def reclaim(self) -> list[uuid.UUID]:
        """On the database's return: the jobs this worker abandoned, back in the queue now.

        Blocking (run it in a thread). Without this they would wait for another
        worker's stalled-job recovery (the stall timeout plus a recovery period).
        """
        with self._lock:
            abandoned, self._abandoned = self._abandoned, {}
        done = []
        for procrastinate_id, (job, worker_id) in abandoned.items():
            note = f"worker {self.options.label} lost the team database; put back in the queue"
            try:
                # only while the task is still our lost attempt's (not re-taken meanwhile)
                if farm_tasks.retry_doing(self.remote, procrastinate_id, worker_id=worker_id):
                    self.remote.jobs.requeue_orphan(job, note)
            except VidgenError as exc:
                log.warning("job %s not put back yet (%s): recovery will", job.id, exc)
                continue
            done.append(job.id)
        return done

    def _settle(self, context: JobContext, job: Any, exc: BaseException, seconds: float) -> None:
        if isinstance(exc, Stopped) or self.link.down.is_set():
            self._abandon(context, job, seconds)
            raise farm_queue.RetryLater(0, "worker stopping") from exc
        outcome = settle(
            self.remote, job.id, _translate(exc), delay=self._delay,
            note={"worker": self.options.label},
        )  # fmt: skip
        failure = outcome.failure
        if not outcome.ours:  # cancelled or taken elsewhere: procrastinate records an abort
            self.metrics.count("cancelled", seconds)
            raise pexc.JobAborted(f"job {job.id} is no longer this worker's") from exc
        self.metrics.count("failed_attempt", seconds, kind=str(failure.kind))
        self._record_seconds(job.id, seconds, failure.code)
        if outcome.status is S.CANCELLED:
            raise pexc.JobAborted(failure.message) from exc
        if outcome.delay is not None:
            # the failure table's "skip this worker" (a full disk here…): leave it at once
            skip = outcome.strategy is not None and outcome.strategy.action == "skip_worker"
            with self._lock:
                failed = self._failed.get(job.id, 0) + 1
                self._failed[job.id] = max(failed, self.options.skip_after) if skip else failed
            raise farm_queue.RetryLater(outcome.delay, failure.message) from exc
        self.metrics.count("failed", None)
        raise FarmJobFailed(f"job {job.id}: {failure.message}", detail=failure.detail) from exc

    def _delay(self, failure: failures.Failure, attempts: int, max_attempts: int) -> float | None:
        return failures.retry_delay(failure, attempts, max_attempts, base=self.options.retry_base)

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
            task_name=farm_queue.RENDER_TASK, seconds_since_heartbeat=self.options.stall_timeout
        )
        recovered = []
        for job in stalled:
            job_id = str(job.task_kwargs.get("job_id", ""))
            row = await asyncio.to_thread(self._find, job_id)  # the stalled attempt, read first
            # only while it is still the stalled worker's: a plain retry_job could pull a
            # task that was retried meanwhile from under the live worker now running it
            retried = await asyncio.to_thread(
                farm_tasks.retry_doing, self.remote, job.id, worker_id=job.worker_id
            )
            if not retried:
                continue
            # that attempt only (a worker taking the task first takes the row over itself)
            await asyncio.to_thread(self._requeue, row)
            recovered.append(job_id)
            log.warning(
                "job %s re-queued: its worker stopped heartbeating",
                job_id,
                extra={"action": "recover_stalled"},
            )
        recovered += await self.chunks.recover(manager)
        await manager.prune_stalled_workers(self.options.stall_timeout)
        for lost in await asyncio.to_thread(
            farm_tasks.lost_jobs, self.remote, self.options.stall_timeout
        ):
            await self._settle_lost(context.app, lost)
            recovered.append(str(lost.id))
        return recovered

    async def _settle_lost(self, app: Any, lost: farm_tasks.LostJob) -> None:
        """A job row no task will move on: back in the queue, with a render task again."""
        if lost.status == S.PROCESSING:
            job = await asyncio.to_thread(self.remote.jobs.find, lost.id)
            note = (
                f"the render task of this job ended without an outcome (host {lost.host}, "
                f"pid {lost.worker_pid}); put back in the queue"
            )
            if job is None or not await asyncio.to_thread(
                self.remote.jobs.requeue_orphan, job, note
            ):
                return
        await farm_queue.defer_render_async(app, lost.id)
        log.warning(
            "job %s had no render task (%s); deferred again", lost.id, lost.status,
            extra={"action": "recover_lost"},
        )  # fmt: skip

    def _find(self, job_id: str) -> Any:
        try:
            return self.remote.jobs.find(uuid.UUID(job_id))
        except ValueError:
            return None

    def _requeue(self, job: Any) -> None:
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
