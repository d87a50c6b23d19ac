"""When a job's render is cut into chunks, and the chunks' rows on its timeline.

``ChunkPolicy`` decides, from the settings, how many chunks a render gets
on this machine: one below the threshold, for a format that cannot be
joined (``render.chunks.unjoinable``) or with one renderer; else one per
FFmpeg process (``jobs``). ``ChunkRows`` writes one ``render_chunk`` row per
chunk under the render step (``details.parent`` is the render step's id):
which worker, which frames, how long. The render step's own details record
the chunking (count, frames per chunk, workers), so the estimate's history
shows what each chunked render cost.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from vidgen_desktop import config
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs.ports import JobStore
from vidgen_desktop.render import chunks
from vidgen_desktop.render import estimate as estimating
from vidgen_desktop.render.graph import RenderPlan

CHUNK_STEP = "render_chunk"
CORES_PER_ENCODER = 2  # an encoder keeps about this many cores busy (x264 lookahead + frames)


def machine_jobs(concurrency: int = 1) -> int:
    """FFmpeg processes per render that this machine's cores keep busy, shared by
    ``concurrency`` renders at once (the embedded queue's)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // (CORES_PER_ENCODER * max(1, concurrency)))


@dataclass(frozen=True, slots=True)
class ChunkPolicy:
    jobs: int  # FFmpeg processes at once on this machine
    threshold: float  # s: compositions this long or shorter render in one piece

    @classmethod
    def from_settings(
        cls, settings: config.Settings | None = None, *, jobs: int | None = None,
        concurrency: int = 1,
    ) -> ChunkPolicy:  # fmt: skip
        settings = settings or config.load()
        chosen = jobs or settings.render_jobs or machine_jobs(concurrency)
        return cls(jobs=max(1, chosen), threshold=settings.chunk_threshold)

    def count(self, render_plan: RenderPlan) -> int:
        if self.jobs <= 1 or render_plan.duration <= self.threshold:
            return 1
        return len(chunks.split(render_plan, self.jobs))


class ChunkRows:
    """``render.chunk_run``'s chunk callback: one timeline row per chunk, under ``parent``."""

    def __init__(self, store: JobStore, job_id: uuid.UUID, parent: Any) -> None:
        self.store, self.job_id, self.parent = store, job_id, parent
        self._rows: dict[int, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, chunk: chunks.Chunk, state: str, facts: dict[str, Any]) -> None:
        details = {"parent": str(self.parent), **chunk.as_dict(), **facts}
        try:
            if state == "running":
                row = self.store.timeline.start(self.job_id, CHUNK_STEP, details=details)
                with self._lock:
                    self._rows[chunk.index] = row.id
            else:
                with self._lock:
                    row_id = self._rows.pop(chunk.index, None)
                if row_id is not None and state == "failed":
                    self.store.timeline.fail(row_id, "chunk_failed", details.pop("error", ""))
                elif row_id is not None:
                    self.store.timeline.finish(row_id, details=details)
        except VidgenError:  # bookkeeping: a busy database must not stop the render
            pass


def chunked_estimate(
    est: estimating.Estimate, speed: estimating.MachineSpeed, jobs: int
) -> estimating.Estimate:
    """The estimate of a render cut for ``jobs`` processes: its own correction factor
    (``<encoder>|chunks<jobs>``, learned from chunked renders like any encoder's; ideal
    scaling until then), so the estimate learns the speed-up this machine really gets."""
    key = f"{est.encoder}|chunks{jobs}"
    factor = float(speed.factors.get(key, est.factor / jobs))
    return dataclasses.replace(est, encoder=key, factor=factor, seconds=est.raw_seconds * factor)
