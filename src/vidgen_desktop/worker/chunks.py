"""A farm worker's part in chunked jobs (``queue.farm_chunks`` names the tasks).

``hand_off`` (in the job's ``vidgen.render`` task, after prepare): the
render step opens and stays open until the join; the sound is mixed once and
stored; one chunk task is deferred per chunk. ``render_chunk`` (any worker):
the job's sources (the storage's download cache: a worker fetches a file
once), probe and plan, then the chunk's FFmpeg run, watched for a cancel (the
job row, procrastinate's abort) and for a stall (no progress for the stall
timeout: stopped and retried elsewhere); the chunk is stored and its
``render_chunk`` row, under the render step, says which worker rendered
which frames in how long. The job's progress is the frames done over every
chunk. The chunk that lands last defers ``join``: chunks and sound joined
without re-encoding, uploaded, published, completed, the stored pieces
removed. A worker that failed chunks of a job ``skip_after`` times leaves
that job's chunks to other workers (the per-job blocklist, ``Farm._failed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
import types
import uuid
from pathlib import Path
from typing import Any

from procrastinate import JobContext
from procrastinate import exceptions as pexc

from vidgen_desktop import config
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import RenderCancelled, VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs.chunking import CHUNK_STEP
from vidgen_desktop.jobs.events import EventFeed
from vidgen_desktop.jobs.pipeline import Pipeline, Prepared, settle
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.queue import farm as farm_queue
from vidgen_desktop.queue import farm_chunks
from vidgen_desktop.render import chunk_run, chunks, engine, formats
from vidgen_desktop.store.team import farm_tasks
from vidgen_desktop.worker import sources
from vidgen_desktop.worker.adapters import FarmStopper, TeamOutput
from vidgen_desktop.worker.chunk_watch import ChunkStopped, ChunkWatch

log = logging.getLogger(__name__)
S = JobStatus


def farm_chunk_count(plan: Any, settings: config.Settings | None = None) -> int:
    """Chunks for a farm render: one per ``chunk_seconds`` above ``chunk_threshold``."""
    settings = settings or config.load()
    if plan.duration <= settings.chunk_threshold or chunks.unjoinable(plan):
        return 1
    return len(chunks.split(plan, max(2, round(plan.duration / settings.chunk_seconds))))


class FarmChunks:
    def __init__(self, farm: Any) -> None:
        self.farm = farm

    # The job's render task -----------------------------------------------------

    def hand_off(self, context: JobContext, pipeline: Pipeline, job: Any, prepared: Prepared,
                 folder: Path, count: int) -> str:  # fmt: skip
        """Open the render step, store the sound, defer one task per chunk."""
        plan, team = prepared.plan, self._storage(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        pieces = chunks.split(plan, count)
        fmt = plan.composition.output.format
        est = prepared.estimate
        start = {"chunks": len(pieces), "frames_per_chunk": [c.frames for c in pieces],
                 "frames": plan.frames, "duration": plan.duration, "encoder": est.encoder,
                 "estimate": est.seconds}  # fmt: skip
        with pipeline.step(job.id, "render", finish=False, **start):  # closed by the join
            if formats.has_audio(plan.composition.output):  # mixed once, muxed at the join
                sound = chunk_run.sound_process(plan, folder / chunk_run.sound_name(fmt)).run()
                team.upload_output(sound, job.id, name=sound.name)
            for c in pieces:
                farm_chunks.defer_chunk(context.app, job.id, c.index, c.count, c.first, c.end,
                                        farm_queue.RENDER_QUEUE)  # fmt: skip
        log.info("job %s: %d chunks deferred", job.id, len(pieces), extra={"action": "chunks"})
        return f"chunked ({len(pieces)})"

    # One chunk -----------------------------------------------------------------

    def render_chunk(self, context: JobContext, job_id: str, index: int, count: int,
                     first: int, end: int) -> str:  # fmt: skip
        jid, piece = uuid.UUID(job_id), chunks.Chunk(index, count, first, end)
        job = self._remote.jobs.find(jid)
        if job is None or job.status is not S.PROCESSING:
            if job is not None and job.status in (S.CANCELLED, S.FAILED):
                self._discard(job)
            return f"skipped ({'gone' if job is None else job.status})"
        parent = self._render_step(jid)
        if parent is None or self._landed(jid, parent.id).get(index):
            return "skipped (landed)"
        with self.farm._lock:
            failed_here = self.farm._failed.get(jid, 0)
        if failed_here >= self.farm.options.skip_after:
            self.farm._leave(jid, failed_here)
            raise farm_queue.RetryLater(self.farm.options.skip_delay, "left to other workers")
        folder = self.farm.workdir / f"{jid.hex}-chunk{index}"
        label = self.farm.options.label
        row = self._remote.timeline.start(jid, CHUNK_STEP, details={
            "parent": str(parent.id), **piece.as_dict(), "frames": piece.frames,
            "worker": label, "attempt": context.job.attempts + 1})  # fmt: skip
        started = time.perf_counter()
        try:
            key = self._render_piece(context, job, piece, folder, row.id, parent.id)
        except BaseException as exc:
            self._chunk_failed(context, job, row.id, exc)
            raise AssertionError("_chunk_failed always raises") from exc  # pragma: no cover
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        seconds = round(time.perf_counter() - started, 3)
        self._remote.timeline.finish(row.id, details={"key": key, "seconds": seconds})
        with self.farm._lock:
            self.farm._failed.pop(jid, None)
        self._merge_progress(jid, parent.id)
        if all(self._landed(jid, parent.id).get(n) for n in range(count)):
            farm_chunks.defer_join(context.app, jid, farm_queue.RENDER_QUEUE)
        return key

    def _render_piece(self, context: JobContext, job: Any, piece: chunks.Chunk, folder: Path,
                      row_id: Any, parent_id: Any) -> str:  # fmt: skip
        team = self._storage(job.id)
        plan_of = sources.check(job.composition, team, self.farm.options.allowed_url_prefixes)
        local = sources.fetch(plan_of, team, folder / "sources", job.id)
        comp = Composition.model_validate(sources.rewrite(job.composition, local))
        plan = engine.prepare(comp, text_folder=folder / "text")
        fmt = comp.output.format
        watch = ChunkWatch(
            self, job.id, row_id, parent_id, piece, FarmStopper(context, self.farm.link)
        )
        process = chunk_run.chunk_process(plan, piece, folder / chunk_run.chunk_name(piece, fmt),
                                          on_progress=watch.progress)  # fmt: skip
        watch.process = process
        watch.start()
        try:
            path = process.run()
        except RenderCancelled as exc:
            raise watch.why() from exc
        finally:
            watch.stop()
        return team.upload_output(path, job.id, name=path.name).key

    def _chunk_failed(self, context: JobContext, job: Any, row_id: Any, exc: BaseException) -> None:
        """Close the chunk's row and tell procrastinate: this chunk again (elsewhere, once
        this worker has failed the job's chunks ``skip_after`` times), or the job failed."""
        failure = failures.classify(exc)
        code = exc.code if isinstance(exc, ChunkStopped) else failure.code
        try:
            self._remote.timeline.fail(row_id, code, str(exc)[:500])
        except VidgenError:
            log.warning("the chunk row of job %s was not closed", job.id)
        reason = exc.reason if isinstance(exc, ChunkStopped) else None
        if reason in ("row", "abort"):
            self._discard(job)
            raise pexc.JobAborted(f"job {job.id} is cancelled or no longer processing") from exc
        if reason in ("shutdown", "outage"):
            raise farm_queue.RetryLater(0, "worker stopping") from exc
        if reason == "stalled":
            exc = failures.TransientFailure(str(exc), code=code)
        self._gave_up(context, job, exc, count_here=True)

    def _gave_up(
        self, context: JobContext, job: Any, exc: BaseException, *, count_here: bool = False
    ) -> None:
        """A chunk or join task that failed: again later if the failure is transient and
        tries are left, else the job fails and its other tasks stop. Always raises."""
        from vidgen_desktop.worker.farm import _translate  # the worker's failure kinds

        failure = failures.classify(_translate(exc))
        if failure.kind is failures.FailureKind.TRANSIENT and (
            context.job.attempts + 1 < max(2, job.max_attempts)
        ):
            if count_here:  # the per-job blocklist: this worker failed this job's chunks
                with self.farm._lock:
                    self.farm._failed[job.id] = self.farm._failed.get(job.id, 0) + 1
            raise farm_queue.RetryLater(self.farm.options.retry_base, failure.message) from exc
        settle(self._remote, job.id, _translate(exc), delay=lambda *_: None,
               worker_pid=job.worker_pid, note={"worker": self.farm.options.label})  # fmt: skip
        farm_chunks.cancel_all(context.app, job.id)
        self._discard(job)
        raise ChunkFailed(f"job {job.id}: {failure.message}") from exc

    # The join ------------------------------------------------------------------

    def join(self, context: JobContext, job_id: str) -> str:
        jid = uuid.UUID(job_id)
        job = self._remote.jobs.find(jid)
        parent = self._render_step(jid)
        if job is None or job.status is not S.PROCESSING or parent is None:
            return "skipped"
        landed = self._landed(jid, parent.id)
        count = int(parent.details.get("chunks", 0))
        if not count or not all(landed.get(n) for n in range(count)):
            return "skipped (chunks missing)"
        team, folder = self._storage(jid), self.farm.workdir / f"{jid.hex}-join"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            parts = [
                team.download(landed[n].details["key"], folder / f"{n:04d}.part", job_id=jid)
                for n in range(count)
            ]
            comp = Composition.model_validate(job.composition)
            sound = None
            if formats.has_audio(comp.output):
                key = team.output_key(jid, chunk_run.sound_name(comp.output.format))
                sound = team.download(key, folder / Path(key).name, job_id=jid)
            duration = float(parent.details["duration"])
            whole = types.SimpleNamespace(composition=comp, duration=duration)
            output = TeamOutput(team, folder, self.farm.options.label)
            target = output.target(job, comp)
            started = time.perf_counter()
            chunk_run.join_process(whole, parts, sound, target, folder).run()
            summary = {"chunking": {
                "chunks": count, "frames_per_chunk": parent.details.get("frames_per_chunk"),
                "workers": sorted({landed[n].details.get("worker") for n in range(count)}),
                "seconds": [landed[n].details.get("seconds") for n in range(count)],
                "join_seconds": round(time.perf_counter() - started, 3)}}  # fmt: skip
            self._remote.timeline.finish(parent.id, details=summary)
            seconds = sum(s or 0 for s in summary["chunking"]["seconds"])
            Pipeline(self._remote, EventFeed()).complete(job, None, output, target, seconds)
            for key in [landed[n].details["key"] for n in range(count)]:
                team.delete(key, job_id=jid)
            if sound is not None:
                team.delete(team.output_key(jid, sound.name), job_id=jid)
        except BaseException as exc:
            self._gave_up(context, job, exc)
            raise AssertionError("_gave_up always raises") from exc  # pragma: no cover
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return str(self._remote.jobs.get(jid).output_path)

    async def recover(self, manager: Any) -> list[str]:
        """Chunk and join tasks of workers that stopped heartbeating, back to ``todo``
        (only that attempt's: a task retried meanwhile is left to its new worker)."""
        recovered = []
        for task in (farm_chunks.CHUNK_TASK, farm_chunks.JOIN_TASK):
            stalled = await manager.get_stalled_jobs(
                task_name=task, seconds_since_heartbeat=self.farm.options.stall_timeout
            )
            for job in stalled:
                if await asyncio.to_thread(
                    farm_tasks.retry_doing, self._remote, job.id, worker_id=job.worker_id
                ):
                    recovered.append(str(job.lock))
                    log.warning("%s re-queued: its worker stopped heartbeating", job.lock,
                                extra={"action": "recover_stalled"})  # fmt: skip
        return recovered

    # Rows ----------------------------------------------------------------------

    @property
    def _remote(self) -> Any:
        return self.farm.remote

    def _storage(self, job_id: uuid.UUID) -> Any:
        return self.farm.storage_factory(self._remote.storage_log.recorder(job_id))

    def _render_step(self, job_id: uuid.UUID) -> Any:
        steps = [s for s in self._remote.timeline.steps(job_id) if s.step == "render"]
        return steps[-1] if steps else None

    def _chunk_rows(self, job_id: uuid.UUID, parent_id: Any) -> list[Any]:
        """The chunk rows of this render step (a retried job has a render step per try)."""
        return [
            s for s in self._remote.timeline.steps(job_id)
            if s.step == CHUNK_STEP and s.details.get("parent") == str(parent_id)
        ]  # fmt: skip

    def _landed(self, job_id: uuid.UUID, parent_id: Any) -> dict[int, Any]:
        """Chunk index → its completed row (the newest, if redone)."""
        return {
            int(s.details["index"]): s
            for s in self._chunk_rows(job_id, parent_id)
            if s.status == "completed"
        }

    def _discard(self, job: Any) -> None:
        """A cancelled or failed chunked job: its open rows closed, its stored pieces removed."""
        parent = self._render_step(job.id)
        if parent is None:
            return
        try:
            for row in [parent, *self._chunk_rows(job.id, parent.id)]:
                if row.status == "running":
                    self._remote.timeline.fail(row.id, "cancelled", "the render was stopped")
            team, fmt = (
                self._storage(job.id),
                Composition.model_validate(job.composition).output.format,
            )
            names = [chunk_run.sound_name(fmt)] + [
                chunk_run.chunk_name(chunks.Chunk(n, 0, 0, 0), fmt)
                for n in range(int(parent.details.get("chunks", 0)))
            ]
            for name in names:
                team.delete(team.output_key(job.id, name), job_id=job.id)
        except VidgenError as exc:
            log.warning("pieces of job %s not removed: %s", job.id, exc)

    def _merge_progress(self, job_id: uuid.UUID, parent_id: Any) -> None:
        """The job's progress: frames done over every chunk (the newest row per chunk)."""
        rows = {
            int(s.details["index"]): s
            for s in self._chunk_rows(job_id, parent_id)
            if s.status in ("running", "completed")
        }
        total = sum(int(s.details.get("frames", 0)) for s in rows.values()) or 1
        parent = self._remote.timeline.get(parent_id)
        total = int(parent.details.get("frames", total)) if parent.details else total
        done = sum(
            int(s.details.get("frames", 0)) * (1.0 if s.status == "completed" else s.progress)
            for s in rows.values()
        )
        with contextlib.suppress(VidgenError):
            fraction = min(1.0, done / max(1, total))
            self._remote.timeline.progress(parent_id, fraction, job_id=job_id)


class ChunkFailed(VidgenError):
    """A chunk failed for good: the job failed (the reason is on it)."""
