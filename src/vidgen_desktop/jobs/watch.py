"""Watching a running render: progress into the job log, and cancels from anywhere.

``ProgressRecorder`` is FFmpeg's progress callback: every update goes to the
in-process listeners, at most a few a second to the job row and its render
step, both in one transaction. ``CancelWatcher`` reads the job row a few
times a second and stops FFmpeg as soon as the job is no longer this
process's to run (cancelled by ``vidgen jobs cancel`` in another process,
deleted, or taken over), or when the path's own stopper says so.
"""

from __future__ import annotations

import logging
import os
import socket
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
STOPPER_POLL = 0.25  # seconds between asking the path's own stopper (procrastinate's abort…)


class ProgressRecorder:
    """FFmpeg progress → listeners (every update) and the job log (a few times a second)."""

    def __init__(self, store: JobStore, feed: EventFeed, job_id: uuid.UUID, step_id: Any) -> None:
        self.store, self.feed, self.job_id, self.step_id = store, feed, job_id, step_id
        self.process: FFmpegProcess | None = None
        self.fraction = 0.0  # the last progress recorded
        self._last = 0.0
        self._failing = False

    def record_usage(self) -> None:
        """FFmpeg's CPU (average %) and peak memory on the step, once it has exited."""
        usage = getattr(self.process, "usage", None)  # a stand-in render may measure nothing
        if usage is None:
            return
        try:
            self.store.timeline.progress(
                self.step_id, self.fraction, cpu_percent=round(usage.cpu_percent, 1),
                memory_mb=round(usage.peak_memory_mb, 1),
            )  # fmt: skip
        except VidgenError as exc:
            log.warning("resource use of job %s not recorded: %s", self.job_id, exc)

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
        self.fraction = progress.fraction
        sample = getattr(self.process, "sample", None)  # a stand-in render may measure nothing
        cpu, memory = sample() if sample is not None else (None, None)
        try:  # the job and its step in one transaction: one lock, one consistent state
            self.store.timeline.progress(
                self.step_id, progress.fraction, cpu_percent=cpu,
                memory_mb=memory if memory is not None else _memory_mb(pid), job_id=self.job_id,
            )  # fmt: skip
        except VidgenError as exc:  # a busy or absent database must not stop the render
            if not self._failing:  # once per run of failures, not a line per tick
                log.warning("progress of job %s not recorded: %s", self.job_id, exc)
            self._failing = True
        else:
            self._failing = False


class CancelWatcher(threading.Thread):
    """Stops FFmpeg when the job is no longer ours to run (a cancel from anywhere).

    It reads the job row every ``CANCEL_POLL`` s (cancelled, deleted, taken
    over), and asks ``stopper`` (the farm: procrastinate's abort, a lost
    database) every ``STOPPER_POLL`` s. ``reason`` says why it stopped FFmpeg:
    "row", or what the stopper said. ``note_pid``: a timeline note with
    FFmpeg's pid once it runs (the farm's, for operators).
    """

    def __init__(
        self, store: JobStore, job_id: uuid.UUID, process: FFmpegProcess, *,
        stopper: Any = None, note_pid: bool = False, row_every: float = CANCEL_POLL,
    ) -> None:  # fmt: skip
        super().__init__(name=f"cancel-watch-{job_id}", daemon=True)
        self.store, self.job_id, self.process = store, job_id, process
        self.stopper, self.note_pid, self.row_every = stopper, note_pid, row_every
        self.reason: str | None = None
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.join(2 * CANCEL_POLL + 1)

    def run(self) -> None:
        last_row = 0.0
        while not self._stopped.wait(STOPPER_POLL):
            if self.note_pid and self.process.pid is not None:
                self.note_pid = False
                self._note_pid()
            why = self.stopper.reason() if self.stopper is not None else None
            if why is None and time.monotonic() - last_row >= self.row_every:
                last_row = time.monotonic()
                why = self._row()
            if why is not None:
                self.reason = why
                self.process.cancel()
                log.info("job %s: render stopped (%s)", self.job_id, why, extra={"action": "abort"})
                return

    def _row(self) -> str | None:
        try:
            job = self.store.jobs.get(self.job_id)
        except LookupError:  # deleted
            return "row"
        except VidgenError:  # busy or away: look again next time (the stopper knows more)
            return None
        if job.status != JobStatus.PROCESSING or job.worker_pid not in (None, os.getpid()):
            return "row"
        return None

    def _note_pid(self) -> None:
        details = {"ffmpeg_pid": self.process.pid, "worker_pid": os.getpid(),
                   "host": socket.gethostname()}  # fmt: skip
        try:
            self.store.timeline.note(self.job_id, "FFmpeg started", details=details)
        except VidgenError:
            log.debug("job %s: FFmpeg pid not recorded", self.job_id, exc_info=True)


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
