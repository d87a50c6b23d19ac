"""Render a composition to a file: probe its sources, plan, build, run, verify."""

from __future__ import annotations

import concurrent.futures
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from vidgen_desktop.composition.model import (
    AudioElement,
    Composition,
    ImageElement,
    TextElement,
    VideoElement,
)
from vidgen_desktop.errors import MediaError, RenderError, display_name
from vidgen_desktop.media import ffmpeg as ffmpeg_bin
from vidgen_desktop.media import probe as media_probe
from vidgen_desktop.render import formats, graph
from vidgen_desktop.render.runner import FFmpegProcess, ProgressCallback

DURATION_TOLERANCE = 0.25  # seconds a finished file may differ from the composition


PROBE_WORKERS = 4  # probes at once (each a short FFmpeg process)


def _probe_one(prober, source: str):
    try:
        return prober(source), None
    except MediaError as exc:
        return None, exc


def probe_sources(
    comp: Composition, prober: Callable[[str], media_probe.MediaInfo] | None = None
) -> dict[str, media_probe.MediaInfo]:
    """Probe every element's source; one error listing every unusable file."""
    prober = prober or media_probe.probe
    facts: dict[str, media_probe.MediaInfo] = {}
    problems: list[str] = []
    sources = [e for e in comp.elements if not isinstance(e, TextElement)]
    # each probe is an FFmpeg process: run them side by side
    with concurrent.futures.ThreadPoolExecutor(max_workers=PROBE_WORKERS) as pool:
        answers = list(pool.map(lambda e: _probe_one(prober, e.source), sources))
    for element, (info, error) in zip(sources, answers, strict=True):
        if error is not None:
            problems.append(f"element '{element.id}': {error}")
            continue
        name = display_name(element.source)
        if isinstance(element, AudioElement) and not info.has_audio:
            problems.append(f"element '{element.id}': {name} has no sound to play")
        elif isinstance(element, VideoElement | ImageElement) and not info.has_video:
            problems.append(f"element '{element.id}': {name} has no picture to show")
        else:
            facts[element.id] = info
    if problems:
        raise MediaError("\n".join(problems))
    return facts


def output_verifier(render_plan: graph.RenderPlan) -> Callable[[Path], None]:
    """A check that the finished file decodes to the expected size and length."""
    out = render_plan.composition.output

    def verify(path: Path) -> None:
        try:
            info = media_probe.probe(str(path))
        except MediaError as exc:
            raise RenderError(
                "FFmpeg wrote a file that does not play back", detail=str(exc)
            ) from exc
        problems = []
        if (info.width, info.height) != (out.width, out.height):
            problems.append(f"size {info.width}×{info.height}, expected {out.width}×{out.height}")
        slack = max(DURATION_TOLERANCE, 2 / out.fps)
        if info.duration is None or abs(info.duration - render_plan.duration) > slack:
            problems.append(f"length {info.duration}, expected {render_plan.duration:.3f} s")
        if problems:
            raise RenderError("the rendered file is not what was asked for: " + "; ".join(problems))

    return verify


def default_output_path(comp: Composition, project_path: str | None, folder: Path) -> Path:
    stem = Path(project_path).stem if project_path else (comp.name or "render")
    safe = "".join(c if c.isalnum() or c in " -_." else "_" for c in stem).strip() or "render"
    return folder / f"{safe}{formats.EXTENSIONS[comp.output.format]}"


def prepare(
    comp: Composition,
    facts: Mapping[str, media_probe.MediaInfo] | None = None,
    *,
    text_folder: Path | None = None,
) -> graph.RenderPlan:
    facts = probe_sources(comp) if facts is None else facts
    return graph.plan(comp, facts, text_folder=text_folder)


def render_process(
    render_plan: graph.RenderPlan,
    target: str | os.PathLike[str],
    *,
    on_progress: ProgressCallback | None = None,
) -> FFmpegProcess:
    """An FFmpeg run for ``render_plan``, not started: call ``.run()``; ``.cancel()`` to stop."""
    return FFmpegProcess(
        ffmpeg_bin.ffmpeg_exe(),
        lambda tmp: graph.arguments(render_plan, tmp),
        target,
        duration=render_plan.duration,
        on_progress=on_progress,
        verify=output_verifier(render_plan),
    )


def render(
    comp: Composition,
    target: str | os.PathLike[str],
    *,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Render ``comp`` to ``target`` (blocking). The target appears only when complete."""
    return render_process(prepare(comp), target, on_progress=on_progress).run()
