"""Watching a running render: progress into the job log, and cancels from anywhere.

``ProgressRecorder`` is FFmpeg's progress callback: every update goes to the
in-process listeners, at most a few a second to the job row and its render
step. ``CancelWatcher`` reads the job row a few times a second and stops
FFmpeg as soon as the job is no longer this process's to run (cancelled by
``vidgen jobs cancel`` in another process, deleted, or taken over).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from typing import Any

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.events import EventFeed, JobEvent
from vidgen_desktop.jobs.ports import JobStore
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render.runner import FFmpegProcess, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.25  # seconds between progress writes to the job log (≤ 4 per second)
CANCEL_POLL = 0.25  # seconds between looks at the job row for a cancel from another process


class ProgressRecorder:
    """FFmpeg progress → listeners (every update) and the job log (a few times a second)."""

    def __init__(self, store: JobStore, feed: EventFeed, job_id: uuid.UUID, step_id: Any) -> None:
        self.store, self.feed, self.job_id, self.step_id = store, feed, job_id, step_id
        self.process: FFmpegProcess | None = None
        self._last = 0.0

    def __call__(self, progress: Progress) -> None:
        pid = self.process.pid if self.process is not None else None
        self.feed.publish(
            JobEvent(
                job_id=self.job_id, kind="progress", step="render", progress=progress.fraction,
                eta=progress.eta, pid=pid,
            )
        )  # fmt: skip
        now = time.monotonic()
        if not progress.done and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        store = self.store
        try:
            store.jobs.update_progress(self.job_id, progress.fraction, "render")
            store.timeline.progress(self.step_id, progress.fraction, memory_mb=_memory_mb(pid))
        except VidgenError:  # a busy database must not stop the render
            log.warning("progress of job %s not recorded", self.job_id, exc_info=True)


class CancelWatcher(threading.Thread):
    """Stops FFmpeg when the job row says the job is no longer ours (a cancel from anywhere)."""

    def __init__(self, store: JobStore, job_id: uuid.UUID, process: FFmpegProcess) -> None:
        super().__init__(name=f"cancel-watch-{job_id}", daemon=True)
        self.store, self.job_id, self.process = store, job_id, process
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.join(2 * CANCEL_POLL + 1)

    def run(self) -> None:
        while not self._stopped.wait(CANCEL_POLL):
            try:
                job = self.store.jobs.get(self.job_id)
            except LookupError:  # deleted
                self.process.cancel()
                return
            except VidgenError:  # busy: look again next time
                continue
            if job.status != JobStatus.PROCESSING or job.worker_pid not in (None, os.getpid()):
                self.process.cancel()
                return


def _memory_mb(pid: int | None) -> float | None:
    """FFmpeg's resident memory, where the OS tells it cheaply (Linux /proc)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
