"""The embedded render queue: jobs wait in the local job log, N render at a time.

Nothing queued lives only in memory: a job is a ``queued`` row in the SQLite
job log until a worker claims it (``claim_next`` is atomic across threads and
processes, so a job never runs twice at once). Each claimed job is rendered
by ``JobService.execute`` in a worker thread, with FFmpeg as a subprocess;
a long render on a machine with more cores than one encoder uses well is cut
into chunks rendered by several FFmpeg processes (``jobs.chunking``).
Run it headless (``vidgen queue run``: until the queue is empty, or
``--forever``) or inside the editor (``start``/``stop``).

On start-up, jobs left ``processing`` by a process of this machine that no
longer exists (a crash, a ``kill -9``) are put back in the queue with a
timeline note, and the half-written hidden files of their renders are removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.jobs.chunking import ChunkPolicy
from vidgen_desktop.jobs.service import JobService
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render import partials
from vidgen_desktop.store import JobQuery
from vidgen_desktop.store.team.outbox import backlog, discard_outbox

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.5  # seconds between looks for due jobs when idle (an enqueue wakes at once)
RECOVER_INTERVAL = 30.0  # seconds between looks for jobs of dead workers, when running forever
ORPHAN_NOTE = "the process rendering this job stopped (pid {pid}); put back in the queue"


def default_concurrency() -> int:
    """The configured concurrency: settings file, ``VIDGEN_CONCURRENCY`` overriding it."""
    return config.load().queue_concurrency


def remove_partials(target: Path) -> list[Path]:
    """Delete the hidden temporary files of dead renders of ``target`` (a live render of
    the same target keeps its own; see ``render.partials``)."""
    return partials.remove_stale(target)


class LocalQueue:
    """This machine's queue. ``route`` "local"; implements ``jobs.ports.JobQueue``."""

    route = "local"
    owns_jobs = False  # the local job log owns these jobs; JobService writes them itself

    def __init__(
        self,
        store: Any,
        service: JobService | None = None,
        *,
        concurrency: int | None = None,
        poll_interval: float = POLL_INTERVAL,
    ) -> None:
        self.store = store
        self.concurrency = max(1, concurrency or default_concurrency())
        self.poll_interval = poll_interval
        self.service = service or JobService(store)
        if self.service.queue is None:
            self.service.queue = self
        if self.service.chunking is None:  # the cores one encoder leaves idle render chunks
            self.service.chunking = ChunkPolicy.from_settings(concurrency=self.concurrency)
        self.completed = 0  # job attempts this queue has run to an end (any outcome)
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._active: set[uuid.UUID] = set()
        self._lock = threading.Lock()
        self._runner: threading.Thread | None = None

    # The JobQueue port ------------------------------------------------------------

    def enqueue(self, job_id: uuid.UUID, *, not_before: dt.datetime | None = None) -> None:
        """The job is already queued in the log: wake an idle worker to look."""
        with self._wake:
            self._wake.notify_all()

    def cancel(self, job_id: uuid.UUID) -> bool:
        """Whether this queue is rendering the job (the service has already stopped FFmpeg)."""
        with self._lock:
            return job_id in self._active

    @property
    def active(self) -> set[uuid.UUID]:
        with self._lock:
            return set(self._active)

    # Recovery ------------------------------------------------------------------

    def recover(self) -> list[uuid.UUID]:
        """Re-queue jobs whose worker process died; remove their partial output files.

        Without a team backend, also empty the replication outbox (nobody drains it;
        the relay re-queues the whole history once a backend is set up).
        """
        if not config.load().backend.enabled and any(backlog(self.store)):
            discard_outbox(self.store)  # only when there is something: idle means no writes
        requeued = []
        for job in self.store.jobs.orphans():
            if not self.store.jobs.requeue_orphan(job, ORPHAN_NOTE.format(pid=job.worker_pid)):
                continue
            requeued.append(job.id)
            if job.output_path:
                for path in remove_partials(Path(job.output_path)):
                    log.info("removed partial file %s", path, extra={"action": "recover"})
            log.info("job %s re-queued after its worker died", job.id, extra={"action": "recover"})
        return requeued

    # Running ----------------------------------------------------------------------

    def run(self, *, forever: bool = False, fresh: bool = True) -> int:
        """Render queued jobs, ``concurrency`` at a time; return how many finished.

        Without ``forever`` it returns once nothing is queued (jobs waiting to
        be retried count as queued) and nothing is rendering. Ctrl-C or
        ``stop()`` puts the jobs being rendered back in the queue. ``fresh``:
        forget an earlier ``stop()`` (``start()`` has already, on its own thread).
        """
        if fresh:
            self._stopping.clear()
        self.recover()
        workers = [
            threading.Thread(target=self._work, args=(forever,), name=f"vidgen-queue-{n}")
            for n in range(self.concurrency)
        ]
        for worker in workers:
            worker.start()
        last_recover = time.monotonic()
        try:
            while any(worker.is_alive() for worker in workers):
                for worker in workers:
                    worker.join(self.poll_interval)
                if forever and time.monotonic() - last_recover > RECOVER_INTERVAL:
                    last_recover = time.monotonic()
                    self.recover()
        except BaseException:
            self.stop(wait=False)
            for worker in workers:
                worker.join()
            raise
        return self.completed

    def start(self) -> None:
        """Run forever in a background thread (the editor's queue)."""
        if self._runner is not None and self._runner.is_alive():
            return
        # cleared here, not by the runner: a stop() that comes before the new thread's
        # first step (an editor closed as it opens) used to be undone by it, and the
        # close waited forever for a queue that kept running
        self._stopping.clear()
        self._runner = threading.Thread(
            target=self.run, kwargs={"forever": True, "fresh": False}, name="vidgen-queue",
            daemon=True,
        )  # fmt: skip
        self._runner.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop taking jobs; jobs being rendered are stopped and put back in the queue."""
        self._stopping.set()
        for job_id in self.active:
            try:
                self.store.jobs.transition(
                    job_id, JobStatus.QUEUED, expected=JobStatus.PROCESSING
                )  # the render's watcher sees this and stops FFmpeg
                self.store.timeline.note(job_id, "the queue stopped; put back in the queue")
            except Exception:  # noqa: BLE001 - finished or cancelled meanwhile
                log.debug("job %s was not re-queued on stop", job_id, exc_info=True)
        with self._wake:
            self._wake.notify_all()
        if wait and self._runner is not None:
            self._runner.join()

    def _work(self, forever: bool) -> None:
        while not self._stopping.is_set():
            job = self.store.jobs.claim_next(os.getpid())
            if job is None:
                if not forever and self._drained():
                    return
                with self._wake:
                    self._wake.wait(self.poll_interval)
                continue
            with self._lock:
                self._active.add(job.id)
            try:
                self.service.execute(job)
            finally:
                with self._lock:
                    self._active.discard(job.id)
                    self.completed += 1
                with self._wake:
                    self._wake.notify_all()

    def _drained(self) -> bool:
        if self.active:
            return False  # a running job may yet come back for a retry
        return self.store.jobs.count(JobQuery(statuses=(JobStatus.QUEUED,))) == 0
