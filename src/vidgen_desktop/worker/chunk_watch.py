"""Watching one chunk's FFmpeg run on a farm worker (``worker.chunks``).

``ChunkWatch`` stops FFmpeg on a cancel (the job row no longer ``processing``,
procrastinate's abort, a lost database) or on a stall: no new frame and no
CPU time used for the stall timeout while the worker itself still heartbeats
(a hung FFmpeg, a hung disk); the chunk is then retried, elsewhere once this worker has failed the
job's chunks ``skip_after`` times. It also writes the chunk's progress and the
job's merged progress, and notes FFmpeg's pid on the timeline for operators.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.render import chunks

log = logging.getLogger(__name__)
S = JobStatus
PROGRESS_EVERY = 1.0  # seconds between progress writes of one chunk


def _cpu_ticks(pid: int | None) -> int | None:
    """The CPU time FFmpeg has used (Linux /proc; None elsewhere): a process that gets
    no new frame out but still computes (a loaded machine, a long seek) is not hung."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


class ChunkStopped(VidgenError):
    """A chunk's FFmpeg was stopped: ``reason`` "stalled", "row", "abort", "shutdown", "outage"."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the chunk was stopped ({reason})")
        self.reason = reason
        self.code = "chunk_stalled" if reason == "stalled" else f"chunk_{reason}"


class ChunkWatch(threading.Thread):
    """Stops a chunk's FFmpeg on a cancel (the job row, an abort, a lost database) or a
    stall (no progress for the stall timeout), and writes its progress."""

    def __init__(self, work: Any, job_id: uuid.UUID, row_id: Any, parent_id: Any,
                 piece: chunks.Chunk, stopper: Any) -> None:  # fmt: skip
        super().__init__(name=f"chunk-watch-{job_id}-{piece.index}", daemon=True)
        self.work, self.job_id, self.row_id, self.parent_id = work, job_id, row_id, parent_id
        self.piece, self.stopper = piece, stopper
        self.process: Any = None
        self.reason: str | None = None
        self._last_progress = time.monotonic()
        self._last_frame = -1
        self._fraction = 0.0
        self._stopped = threading.Event()

    def progress(self, progress: Any) -> None:
        frame = progress.frame or 0
        if frame > self._last_frame or progress.done:
            self._last_frame, self._last_progress = frame, time.monotonic()
        self._fraction = min(1.0, frame / max(1, self.piece.frames))

    def why(self) -> ChunkStopped:
        return ChunkStopped(self.reason or "abort")

    def stop(self) -> None:
        self._stopped.set()
        self.join(5)

    def run(self) -> None:
        stall = self.work.farm.options.stall_timeout
        last_write = 0.0
        noted = False
        cpu = None
        while not self._stopped.wait(0.25):
            if not noted and self.process.pid is not None:
                noted = True
                self._note_pid()
            if (now := _cpu_ticks(self.process.pid)) != cpu:  # working, if slowly: no stall
                cpu, self._last_progress = now, time.monotonic()
            why = self.stopper.reason()
            if why is None and time.monotonic() - self._last_progress > stall:
                why = "stalled"
            if why is None and time.monotonic() - last_write >= PROGRESS_EVERY:
                last_write = time.monotonic()
                why = self._write()
            if why is not None:
                self.reason = why
                log.warning("job %s chunk %d stopped (%s)", self.job_id, self.piece.index, why,
                            extra={"action": "chunk_stop"})  # fmt: skip
                self.process.cancel()
                return

    def _note_pid(self) -> None:
        details = {"ffmpeg_pid": self.process.pid, "worker_pid": os.getpid(),
                   "host": socket.gethostname(), "chunk": self.piece.index}  # fmt: skip
        with contextlib.suppress(VidgenError):
            self.work._remote.timeline.note(self.job_id, "FFmpeg started", details=details)

    def _write(self) -> str | None:
        remote = self.work._remote
        try:
            job = remote.jobs.get(self.job_id)
            if job.status is not S.PROCESSING:
                return "row"
            remote.timeline.progress(self.row_id, self._fraction)
            self.work._merge_progress(self.job_id, self.parent_id)
        except LookupError:
            return "row"
        except VidgenError:
            pass
        return None
