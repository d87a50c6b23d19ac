"""One job pipeline: the named steps every path runs, and how an attempt ends.

The immediate path and the embedded queue (``jobs.service``) and the farm
worker (``worker.farm``) all run these steps, each a timeline row:

    [download_sources] → probe → prepare → render → [upload_output] → publish

and the laptop's side of a farm job, probe → prepare → upload_sources, ends
with the job handed to the team database (``upload_sources``, through the
farm queue's ``Handoff``, ``queue.farm.TeamHandoff``). What differs is given
by small adapters:

- ``Sources``: where the sources come from (the designer's files as they
  are, or the team storage downloaded into a scratch folder);
- ``Output``: where the output goes (a file on this machine, or the team
  storage with a share link);
- ``Stopper``: how a cancel arrives besides the job row (nothing more here;
  procrastinate's abort and a lost database on the farm);
- ``Handoff``: how a farm job leaves the laptop (its sources stored where
  the farm reads them, the job published on the team database).

``settle`` (``jobs.outcome``, re-exported here) is the one place that turns
an exception into the job's next state, through the failure table
(``jobs.errors``): retry later, fail, or cancel; the caller then tells its
queue (the embedded queue, procrastinate).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import VidgenError
from vidgen_desktop.jobs import errors as failures
from vidgen_desktop.jobs import watch
from vidgen_desktop.jobs.chunking import ChunkPolicy, ChunkRows, chunked_estimate
from vidgen_desktop.jobs.events import EventFeed, JobEvent
from vidgen_desktop.jobs.outcome import Outcome, cancel, queue_again, settle  # noqa: F401
from vidgen_desktop.jobs.ports import JobStore
from vidgen_desktop.jobs.states import JobStatus
from vidgen_desktop.media import build_info, ffmpeg, fingerprint
from vidgen_desktop.render import chunk_run, engine
from vidgen_desktop.render import estimate as estimating
from vidgen_desktop.render.graph import RenderPlan

log = logging.getLogger(__name__)
S = JobStatus


@dataclasses.dataclass(frozen=True, kw_only=True)
class Prepared:
    """A composition resolved against its sources, with its estimate."""

    composition: Composition
    facts: Mapping[str, Any]
    plan: RenderPlan
    estimate: estimating.Estimate


@dataclasses.dataclass(frozen=True, kw_only=True)
class Published:
    """Where the finished output is: stored on the job as ``output_path``/``output_url``."""

    path: str
    url: str
    key: str | None = None  # the storage key, for ``Output.discard``
    # the publish step, left open: it completes in the job's completion transaction
    step: tuple[Any, Mapping[str, Any]] | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Rendered:
    record: Any  # the job's final record
    prepared: Prepared | None  # None: a farm job joined from its chunks
    seconds: float  # FFmpeg's wall time


class Sources(Protocol):
    def fetch(self, pipeline: Pipeline, job: Any) -> Composition:
        """The job's composition with sources this machine can read (may run a step)."""


class Output(Protocol):
    def target(self, job: Any, comp: Composition) -> Path:
        """The file FFmpeg writes."""

    def label(self, target: Path) -> str:
        """How the target is named on the timeline."""

    def publish(self, pipeline: Pipeline, job: Any, target: Path) -> Published:
        """Store the output and make its link (runs the publish steps)."""

    def discard(self, job: Any, published: Published) -> None:
        """Remove an output whose job was cancelled at the last moment."""


class Stopper(Protocol):
    def reason(self) -> str | None:
        """Why the render must stop now (besides the job row), or None."""


class Handoff(Protocol):
    def upload(self, job: Any) -> tuple[Composition, dict[str, Any]]:
        """Store the sources where the farm reads them: the composition naming them there,
        and the step's details (``bytes`` among them)."""

    def publish(self, job: Any, comp: Composition) -> None:
        """Write the job, with ``comp``, to the store the pipeline records the step in."""


class LocalFiles:
    """Sources as the designer's files, the output a file on this machine (the default)."""

    def __init__(self, target: Path | Callable[[Composition], Path]) -> None:
        self._target = target

    def fetch(self, pipeline: Pipeline, job: Any) -> Composition:
        return Composition.model_validate(job.composition)

    def target(self, job: Any, comp: Composition) -> Path:
        return self._target(comp) if callable(self._target) else self._target

    def label(self, target: Path) -> str:
        return str(target)

    def publish(self, pipeline: Pipeline, job: Any, target: Path) -> Published:
        url = target.resolve().as_uri()
        with pipeline.step(job.id, "publish", finish=False) as details:
            details.update(output_url=url, bytes=target.stat().st_size)
        return Published(path=str(target), url=url, step=(details.step_id, dict(details)))

    def discard(self, job: Any, published: Published) -> None:
        Path(published.path).unlink(missing_ok=True)


class Pipeline:
    """The steps of one job attempt, written to ``store`` and announced on ``feed``."""

    def __init__(
        self,
        store: JobStore,
        feed: EventFeed | None = None,
        *,
        speed: Callable[[], estimating.MachineSpeed] | None = None,
        note_ffmpeg: bool = False,
        row_every: float = watch.CANCEL_POLL,
        chunking: ChunkPolicy | None = None,
    ) -> None:
        self.store = store
        self.feed = feed or EventFeed()
        self._speed = speed or estimating.MachineSpeed
        self.note_ffmpeg = note_ffmpeg  # a timeline note with FFmpeg's pid (the farm's)
        self.row_every = row_every  # seconds between looks at the job row while FFmpeg runs
        self.chunking = chunking  # None: one FFmpeg run per render

    def emit(self, job_id: uuid.UUID, kind: str, **fields: Any) -> None:
        self.feed.publish(JobEvent(job_id=job_id, kind=kind, **fields))

    def step(
        self, job_id: uuid.UUID, name: str, *, finish: bool = True, deferred: bool = False,
        **details: Any,
    ) -> _Step:  # fmt: skip
        """``with pipeline.step(id, "probe") as details:`` – a timeline row around the block.

        ``finish=False`` leaves the row running at the block's end: the caller completes it
        with the job's own transition (``Published.step``). ``deferred``: the row is
        written when the block has ended well, with the block's start and end (the job is
        not in the store before).
        """
        return _Step(self, job_id, name, details, deferred, finish=finish)

    # The steps -----------------------------------------------------------------

    def probe(self, job_id: uuid.UUID, comp: Composition) -> Mapping[str, Any]:
        with self.step(job_id, "probe") as details:
            with ffmpeg.measured() as used:  # the probes' FFmpeg runs, added up
                facts = engine.probe_sources(comp)
            self._record_usage(details, used.total())
            hashes = fingerprint.local_hashes(  # so a moved file is found again (reproduce)
                {e.id: e.source for e in comp.elements if getattr(e, "source", None)}
            )
            for element_id, info in facts.items():
                self.store.jobs.mark_element(
                    job_id, element_id, processed=False, probe=info,
                    content_hash=hashes.get(element_id),
                )  # fmt: skip
            details["sources"] = len(facts)
        return facts

    def _record_usage(self, details: Any, usage: Any) -> None:
        """A step's FFmpeg figures (``ffmpeg.ResourceUsage``): on its row and in its details."""
        if usage is None:  # no FFmpeg ran (every source probed before)
            return
        details.update(cpu_seconds=round(usage.cpu_seconds, 3),
                       peak_memory_mb=round(usage.peak_memory_mb, 1))  # fmt: skip
        try:
            self.store.timeline.progress(details.step_id, 1.0, cpu_percent=round(
                usage.cpu_percent, 1), memory_mb=round(usage.peak_memory_mb, 1))  # fmt: skip
        except VidgenError as exc:
            log.warning("resource use of a step not recorded: %s", exc)

    def prepare(
        self, job_id: uuid.UUID, comp: Composition, facts: Mapping[str, Any],
        text_folder: Path | None = None,
    ) -> Prepared:  # fmt: skip
        with self.step(job_id, "prepare") as details:
            kwargs = {"text_folder": text_folder} if text_folder is not None else {}
            plan = engine.prepare(comp, facts, **kwargs)
            speed = self._speed()
            est = estimating.estimate(plan, facts, speed)
            if self.chunking is not None and self.chunking.count(plan) > 1:
                est = chunked_estimate(est, speed, self.chunking.jobs)
            details.update(
                estimate_seconds=round(est.seconds, 3), encoder=est.encoder, frames=est.frames,
                duration=est.duration, factor=est.factor,
                parts={k: round(v, 4) for k, v in est.parts.items()}, speed=speed.source,
            )  # fmt: skip
        return Prepared(composition=comp, facts=facts, plan=plan, estimate=est)

    def render(
        self, job_id: uuid.UUID, prepared: Prepared, target: Path, label: str,
        stopper: Stopper | None = None, on_process: Callable[[Any], None] | None = None,
    ) -> float:  # fmt: skip
        """Run FFmpeg, watching for a cancel from anywhere; return its wall time."""
        est = prepared.estimate
        with self.step(
            job_id, "render", target=label, encoder=est.encoder, estimate=est.seconds
        ) as details:
            reporter = watch.ProgressRecorder(self.store, self.feed, job_id, details.step_id)
            process = self._process(job_id, details.step_id, prepared.plan, target, reporter)
            reporter.process = process
            watcher = watch.CancelWatcher(
                self.store, job_id, process, stopper=stopper, note_pid=self.note_ffmpeg,
                row_every=self.row_every,
            )  # fmt: skip
            if on_process is not None:
                on_process(process)
            watcher.start()
            started = time.perf_counter()
            try:
                process.run()
            except VidgenError as exc:
                if watcher.reason in Stopped.REASONS:
                    raise Stopped(watcher.reason) from exc
                raise
            finally:
                watcher.stop()
                reporter.record_usage()  # CPU and peak memory, failed or not
                if on_process is not None:
                    on_process(None)
            seconds = time.perf_counter() - started
            for element_id in prepared.facts:
                self.store.jobs.mark_element(job_id, element_id, processed=True)
            details.update(ffmpeg_seconds=seconds, ffmpeg_pid=process.pid)
            usage = getattr(process, "usage", None)
            if usage is not None:
                details.update(cpu_seconds=round(usage.cpu_seconds, 3),
                               peak_memory_mb=round(usage.peak_memory_mb, 1))  # fmt: skip
            if isinstance(process, chunk_run.ChunkedRender):
                details["chunking"] = process.summary
        return seconds

    def _process(
        self, job_id: uuid.UUID, step_id: Any, plan: RenderPlan, target: Path, reporter: Any
    ) -> Any:
        """One FFmpeg run, or (long enough, and more than one renderer here) chunks."""
        count = self.chunking.count(plan) if self.chunking is not None else 1
        if count <= 1:
            return engine.render_process(plan, target, on_progress=reporter)
        return chunk_run.ChunkedRender(
            plan, target, jobs=self.chunking.jobs, chunks=count, on_progress=reporter,
            on_chunk=ChunkRows(self.store, job_id, step_id),
        )  # fmt: skip

    def upload_sources(self, job: Any, handoff: Handoff) -> Composition:
        """The laptop's side of a farm job: its sources up, the job handed to ``store``.

        Timed from before the upload, the step is written once the job is on
        ``store`` (the team database, its owner from then on): before that it
        has no row there to belong to, and a failure leaves nothing there.
        """
        with self.step(job.id, "upload_sources", deferred=True) as details:
            comp, facts = handoff.upload(job)
            handoff.publish(job, comp)
            details.update(facts)
        return comp

    def run(
        self, job: Any, sources: Sources, output: Output, *, stopper: Stopper | None = None,
        text_folder: Path | None = None, on_process: Callable[[Any], None] | None = None,
    ) -> Rendered:  # fmt: skip
        """Every step of a claimed (``processing``) job; complete it."""
        comp = sources.fetch(self, job)
        facts = self.probe(job.id, comp)
        prepared = self.prepare(job.id, comp, facts, text_folder)
        return self.finish(job, prepared, output, stopper=stopper, on_process=on_process)

    def finish(
        self, job: Any, prepared: Prepared, output: Output, *, stopper: Stopper | None = None,
        on_process: Callable[[Any], None] | None = None,
    ) -> Rendered:  # fmt: skip
        """Render, publish and complete a prepared job."""
        target = output.target(job, prepared.composition)
        made_with = build_info.made_with()  # asked before the render: FFmpeg's answers are cached
        seconds = self.render(job.id, prepared, target, output.label(target), stopper, on_process)
        return self.complete(job, prepared, output, target, seconds, made_with=made_with)

    def complete(
        self, job: Any, prepared: Prepared | None, output: Output, target: Path, seconds: float,
        *, made_with: dict[str, Any] | None = None,
    ) -> Rendered:
        """Publish a rendered file and complete the job (also the farm's join of chunks)."""
        if made_with is None:
            made_with = build_info.made_with()  # what rendered it (FFmpeg's answers are cached)
        published = output.publish(self, job, target)
        try:
            record = self.store.jobs.transition(
                job.id, S.COMPLETED, expected=S.PROCESSING,
                output_path=published.path, output_url=published.url, finish_step=published.step,
                made_with=made_with,  # what rendered it, to reproduce it (media.build_info)
            )  # fmt: skip
        except VidgenError:
            if self._cancelled(job.id):  # at the last moment: a cancelled job leaves no output
                output.discard(job, published)
            raise failures.JobCancelled("the render was cancelled") from None
        self.emit(job.id, "status", status=str(S.COMPLETED), details={"output": published.path})
        return Rendered(record=record, prepared=prepared, seconds=seconds)

    def _cancelled(self, job_id: uuid.UUID) -> bool:
        """Whether the job was cancelled, so its output is unwanted. Not when another attempt
        took it over (on the farm it writes the same output key: deleting ours would delete
        theirs) nor when the store cannot be read (the file stays; a re-run replaces it)."""
        try:
            record = self.store.jobs.get(job_id)
        except Exception:  # noqa: BLE001 - gone, or out of reach: keep the file
            return False
        return record is not None and JobStatus(record.status) is S.CANCELLED


class Stopped(VidgenError):
    """The render was stopped by the worker (shutting down, or its database gone), not the job."""

    REASONS = ("shutdown", "outage")  # stopper reasons that are the worker's, not the job's

    def __init__(self, reason: str) -> None:
        super().__init__(f"the render was stopped ({reason})")
        self.reason = reason


class _Step:
    def __init__(
        self, pipeline: Pipeline, job_id: uuid.UUID, name: str, details: dict, deferred: bool,
        *, finish: bool = True,
    ) -> None:  # fmt: skip
        self.pipeline, self.job_id, self.name, self.start_details = pipeline, job_id, name, details
        self.deferred, self.finish = deferred, finish

    def __enter__(self) -> _Details:
        timeline = self.pipeline.store.timeline
        self.started_at, self.started = dt.datetime.now(dt.UTC), time.perf_counter()
        step = None
        if not self.deferred:
            step = timeline.start(self.job_id, self.name, details=self.start_details or None)
        self.pipeline.emit(self.job_id, "step", step=self.name, step_status="running")
        self.details = _Details(step.id if step is not None else None)
        return self.details

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if exc is not None:
            return False  # a failed step is closed by ``settle`` with the failure's code
        timeline = self.pipeline.store.timeline
        if self.deferred:
            ended = self.started_at + dt.timedelta(seconds=time.perf_counter() - self.started)
            step = timeline.start(
                self.job_id, self.name, details=self.start_details or None, at=self.started_at
            )
            timeline.finish(step.id, details=dict(self.details), at=ended)
            self.details.step_id = step.id
            return False
        if self.finish:
            timeline.finish(self.details.step_id, details=dict(self.details))
        return False


class _Details(dict):
    """The details a step finishes with; ``step_id`` is its timeline row."""

    def __init__(self, step_id: Any) -> None:
        super().__init__()
        self.step_id = step_id
