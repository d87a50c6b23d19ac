"""Chunked renders, the running part: one FFmpeg run per chunk, the sound once, the join.

``chunk_process`` and ``sound_process`` are single FFmpeg runs (any machine
can run one: the farm's chunk tasks do); ``join_process`` puts the chunk
files and the sound file together without re-encoding (the concat demuxer,
stream copy). ``ChunkedRender`` runs all of them on this machine, ``jobs``
FFmpeg processes at a time, behind the interface of one ``FFmpegProcess``
(``run``, ``cancel``, ``pid``), so the pipeline's render step runs either.
Its progress is merged: the frames done over all chunks, the ETA from their
combined rate.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidgen_desktop.errors import RenderCancelled, RenderError
from vidgen_desktop.media import ffmpeg as ffmpeg_bin
from vidgen_desktop.media import probe as media_probe
from vidgen_desktop.render import engine, formats, graph
from vidgen_desktop.render.chunks import Chunk, chunk_arguments, sound_arguments, split
from vidgen_desktop.render.runner import FFmpegProcess, Progress, ProgressCallback

# (chunk, "running" | "done" | "failed", facts)
ChunkCallback = Callable[[Chunk, str, dict[str, Any]], None]


def chunk_name(chunk: Chunk, output_format: str) -> str:
    return f"chunk-{chunk.index:04d}{formats.EXTENSIONS[output_format]}"


def sound_name(output_format: str) -> str:
    return f"sound{formats.EXTENSIONS[output_format]}"


def _frames_verifier(expected: int, fps: float) -> Callable[[Path], None]:
    def verify(path: Path) -> None:
        info = media_probe.probe(str(path))
        if info.duration is None or abs(info.duration * fps - expected) > 1.5:
            raise RenderError(
                f"a chunk came out {info.duration} s long, expected {expected} frames"
            )

    return verify


def chunk_process(
    render_plan: graph.RenderPlan, chunk: Chunk, target: Path,
    on_progress: ProgressCallback | None = None,
) -> FFmpegProcess:  # fmt: skip
    """The FFmpeg run of one chunk's picture (text PNGs written when it runs)."""
    fps = render_plan.composition.output.fps
    return FFmpegProcess(
        ffmpeg_bin.ffmpeg_exe(),
        lambda tmp: chunk_arguments(engine.with_text_files(render_plan), chunk, tmp),
        target,
        duration=chunk.frames / fps,
        on_progress=on_progress,
        verify=_frames_verifier(chunk.frames, fps),
    )


def sound_process(render_plan: graph.RenderPlan, target: Path) -> FFmpegProcess:
    """The FFmpeg run that mixes the whole composition's sound once."""
    return FFmpegProcess(
        ffmpeg_bin.ffmpeg_exe(), lambda tmp: sound_arguments(render_plan, tmp), target,
        duration=render_plan.duration,
    )  # fmt: skip


def _concat_line(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'\n"


def join_process(
    render_plan: Any, parts: list[Path], sound: Path | None, target: Path, folder: Path
) -> FFmpegProcess:
    """The chunks joined without re-encoding (concat demuxer), the sound muxed in.

    ``render_plan``: the whole render's plan, or anything with its ``composition`` and
    ``duration`` (the farm's join knows no more)."""
    out = render_plan.composition.output
    listing = folder / "chunks.txt"
    listing.write_text("".join(_concat_line(p) for p in parts), encoding="utf-8")

    def arguments(tmp: str) -> list[str]:
        args = ["-hide_banner", "-nostdin", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
        if sound is not None:
            args += ["-i", graph.ffmpeg_path(str(sound)), "-map", "0:v:0", "-map", "1:a:0"]
        args += ["-c", "copy"]
        if out.format == "mp4":
            args += ["-movflags", "+faststart"]
        return [*args, "-f", out.format, graph.ffmpeg_path(tmp)]

    return FFmpegProcess(
        ffmpeg_bin.ffmpeg_exe(), arguments, target, duration=render_plan.duration,
        verify=engine.output_verifier(render_plan),
    )  # fmt: skip


class MergedProgress:
    """Frames done over every chunk; the ETA from their combined rate."""

    def __init__(self, total_frames: int, fps: float, on_progress: ProgressCallback | None):
        self.total, self.fps, self.on_progress = max(1, total_frames), fps, on_progress
        self._done: dict[int, int] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()

    def for_chunk(self, chunk: Chunk) -> ProgressCallback:
        def report(progress: Progress) -> None:
            frames = chunk.frames if progress.done else progress.frame or 0
            self.update(chunk.index, min(chunk.frames, frames))

        return report

    def update(self, index: int, frames: int) -> None:
        with self._lock:
            self._done[index] = frames
            done = sum(self._done.values())
        if self.on_progress is None:
            return
        elapsed = time.monotonic() - self._started
        fraction = min(1.0, done / self.total)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 and fraction > 0.01 else None
        speed = rate / self.fps if rate else None
        self.on_progress(Progress(fraction, done / self.fps, speed, eta, done, done >= self.total))


class ChunkedRender:
    """A render cut into chunks, ``jobs`` FFmpeg processes at a time on this machine."""

    def __init__(
        self, render_plan: graph.RenderPlan, target: str | os.PathLike[str], *, jobs: int,
        chunks: int | None = None, on_progress: ProgressCallback | None = None,
        on_chunk: ChunkCallback | None = None, workdir: Path | None = None,
    ) -> None:  # fmt: skip
        self.plan = render_plan
        self.target = Path(target)
        self.jobs = max(1, jobs)
        self.chunks = split(render_plan, chunks or self.jobs)
        self.on_progress, self.on_chunk, self.workdir = on_progress, on_chunk, workdir
        self.summary: dict[str, Any] = {}
        self._running: set[FFmpegProcess] = set()
        self._lock = threading.Lock()
        self._cancelled = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def pid(self) -> int | None:
        with self._lock:
            return next((p.pid for p in self._running if p.pid), None)

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            running = list(self._running)
        for process in running:
            process.cancel()

    def _run_one(self, process: FFmpegProcess) -> Path:
        with self._lock:
            if self.cancelled:
                raise RenderCancelled("the render was cancelled")
            self._running.add(process)
        try:
            return process.run()
        finally:
            with self._lock:
                self._running.discard(process)

    def _chunk(self, plan: graph.RenderPlan, chunk: Chunk, folder: Path, merged) -> Path:
        fmt = plan.composition.output.format
        if self.on_chunk:
            worker = f"{os.uname().nodename} {threading.current_thread().name}"  # its slot
            self.on_chunk(chunk, "running", {"frames": chunk.frames, "worker": worker})
        started = time.perf_counter()
        process = chunk_process(
            plan, chunk, folder / chunk_name(chunk, fmt), merged.for_chunk(chunk)
        )
        try:
            path = self._run_one(process)
        except BaseException as exc:
            if self.on_chunk:
                self.on_chunk(chunk, "failed", {"error": str(exc)[:200]})
            raise
        seconds = time.perf_counter() - started
        self.summary["seconds"][chunk.index] = round(seconds, 3)
        if self.on_chunk:
            self.on_chunk(chunk, "done", {"frames": chunk.frames, "seconds": round(seconds, 3),
                                          "ffmpeg_pid": process.pid})  # fmt: skip
        return path

    def run(self) -> Path:
        plan = engine.with_text_files(self.plan)  # text PNGs once, before the chunks read them
        fmt = plan.composition.output.format
        folder = Path(tempfile.mkdtemp(prefix="vidgen-chunks-", dir=self.workdir))
        merged = MergedProgress(plan.frames, plan.composition.output.fps, self.on_progress)
        self.summary = {"chunks": len(self.chunks), "jobs": self.jobs,
                        "frames_per_chunk": [c.frames for c in self.chunks],
                        "seconds": [None] * len(self.chunks),
                        "workers": [f"{os.uname().nodename} pid {os.getpid()}"]}  # fmt: skip
        try:
            with concurrent.futures.ThreadPoolExecutor(self.jobs, "process") as pool:
                sound = None
                if formats.has_audio(plan.composition.output):
                    sound = pool.submit(
                        self._run_one, sound_process(plan, folder / sound_name(fmt))
                    )
                parts = [pool.submit(self._chunk, plan, c, folder, merged) for c in self.chunks]
                try:  # the first failure stops the others at once
                    concurrent.futures.wait(parts, return_when=concurrent.futures.FIRST_EXCEPTION)
                    files = [f.result() for f in parts]
                    sound_file = sound.result() if sound is not None else None
                except BaseException:
                    self.cancel()
                    raise
            if self.cancelled:
                raise RenderCancelled("the render was cancelled")
            join = join_process(plan, files, sound_file, self.target, folder)
            return self._run_one(join)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
