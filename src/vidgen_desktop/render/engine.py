"""Render a composition to a file: probe its sources, plan, build, run, verify."""

from __future__ import annotations

import contextvars
import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from vidgen_desktop.composition import variables
from vidgen_desktop.composition.model import (
    AudioElement,
    Composition,
    ImageElement,
    TextElement,
    VideoElement,
)
from vidgen_desktop.errors import MediaError, RenderCancelled, RenderError, display_name
from vidgen_desktop.media import ffmpeg as ffmpeg_bin
from vidgen_desktop.media import isobmff
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
    comp = variables.concrete(comp)  # a template's sources: its defaults
    prober = prober or media_probe.probe
    facts: dict[str, media_probe.MediaInfo] = {}
    problems: list[str] = []
    sources = [e for e in comp.elements if not isinstance(e, TextElement)]
    context = contextvars.copy_context()  # the probes' FFmpeg is measured (ffmpeg.measured)
    if len(sources) <= 1:  # one probe: no pool (nor its import, ~27 M instructions) to wait on
        answers = [context.copy().run(_probe_one, prober, e.source) for e in sources]
    else:
        import concurrent.futures  # each probe is an FFmpeg process: run them side by side

        with concurrent.futures.ThreadPoolExecutor(max_workers=PROBE_WORKERS) as pool:
            answers = list(pool.map(
                lambda e: context.copy().run(_probe_one, prober, e.source), sources
            ))  # fmt: skip
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


def output_verifier(
    render_plan: graph.RenderPlan, reported: Callable[[], Mapping[str, str] | None] | None = None
) -> Callable[[Path], None]:
    """A check that the finished file decodes to the expected size and length.

    With ``reported`` (FFmpeg's final progress report, see ``FFmpegProcess.reported``),
    an MP4 or MOV is checked without probing it: FFmpeg said it finished, the file on
    disk is as long as FFmpeg said it wrote (complete), and its index holds a video
    track of the canvas size with the frames FFmpeg counted, as many as the composition
    has. Anything else, or a report that is missing, is probed as before.
    """
    out = render_plan.composition.output
    slack = max(DURATION_TOLERANCE, 2 / out.fps)

    def verify(path: Path) -> None:
        report = reported() if reported is not None else None
        if report is not None and out.format in ("mp4", "mov"):
            problems = _report_problems(path, report, render_plan, slack)
            if problems is not None:
                if problems:
                    raise RenderError(
                        "the rendered file is not what was asked for: " + "; ".join(problems)
                    )
                return
        try:
            info = media_probe.probe(str(path))
        except MediaError as exc:
            raise RenderError(
                "FFmpeg wrote a file that does not play back", detail=str(exc)
            ) from exc
        problems = []
        if (info.width, info.height) != (out.width, out.height):
            problems.append(f"size {info.width}×{info.height}, expected {out.width}×{out.height}")
        if info.duration is None or abs(info.duration - render_plan.duration) > slack:
            problems.append(f"length {info.duration}, expected {render_plan.duration:.3f} s")
        if problems:
            raise RenderError("the rendered file is not what was asked for: " + "; ".join(problems))

    return verify


def _report_problems(
    path: Path, report: Mapping[str, str], render_plan: graph.RenderPlan, slack: float
) -> list[str] | None:
    """What is wrong with ``path`` going by FFmpeg's report and the file's index; None when
    they cannot tell (the caller then probes the file)."""
    out = render_plan.composition.output
    try:
        written, frames = int(report["total_size"]), int(report["frame"])
        seconds = int(report["out_time_us"]) / 1e6
    except (KeyError, ValueError):
        return None
    if written != path.stat().st_size:
        return None  # moved after the last report (or FFmpeg counts differently): look
    track = isobmff.first_video_track(str(path))
    if track is None:
        return None
    problems = []
    if (track.width, track.height) != (out.width, out.height):
        problems.append(f"size {track.width}×{track.height}, expected {out.width}×{out.height}")
    if track.frames != frames or abs(frames - render_plan.frames) > slack * out.fps:
        problems.append(f"{track.frames} frames ({frames} encoded), expected {render_plan.frames}")
    if abs(seconds - render_plan.duration) > slack:
        problems.append(f"length {seconds:g} s, expected {render_plan.duration:.3f} s")
    return problems


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
    """Probe (unless ``facts`` are given) and plan; refuse a plan that needs unreadable media."""
    facts = probe_sources(comp) if facts is None else facts
    render_plan = graph.plan(comp, facts, text_folder=text_folder)
    problems = unreadable_parts(render_plan)
    if problems:
        raise MediaError("\n".join(problems))
    return render_plan


def unreadable_parts(render_plan: graph.RenderPlan) -> list[str]:
    """One line per element that needs a part of its file that cannot be read (a cut file).

    An element reads its source from ``trim_start`` for its window's length, up
    to the source's end (past it, the last frame is held: that frame too must
    be readable). A frame of slack: the readable length is measured in packets.
    """
    problems: dict[str, str] = {}
    uses = [(vp.element, vp.window, vp.facts) for vp in render_plan.visuals]
    uses += [(ap.element, ap.window, ap.facts) for ap in render_plan.audio]
    for element, window, facts in uses:
        readable = getattr(facts, "readable_duration", None)
        if readable is None or element.id in problems or facts.duration is None:
            continue
        trim = getattr(element, "trim_start", 0.0)
        needed = min(trim + window.duration, facts.duration)
        slack = 1 / facts.fps if facts.fps else 0.05
        if needed > readable + slack:
            warning = next(iter(facts.warnings), f"{os.path.basename(element.source)} is damaged")
            problems[element.id] = (
                f"element '{element.id}': {warning}, and this element uses it up to "
                f"{round(needed, 1):g} s"
            )
    return list(problems.values())


# FFmpeg's log prefix for input N: "[in#1/png_pipe @ …]", "[vist#1:0/png @ …]" (not out#/vost#)
_INPUT_PREFIX = re.compile(r"\[(?:in|ist|vist|aist)#(?P<index>\d+)[:/]")
_LOG_PREFIX = re.compile(r"^(?:\[[^\]]*\]\s*)+")


def _input_elements(render_plan: graph.RenderPlan) -> list[tuple[str, list[str]]]:
    """(source, ids of the elements reading it) for each FFmpeg input, in ``-i`` order."""
    readers: dict[str, list[str]] = {}
    for vp in render_plan.visuals:
        readers.setdefault(graph.ffmpeg_path(vp.source), []).append(vp.element.id)
    for ap in render_plan.audio:
        readers.setdefault(graph.ffmpeg_path(ap.element.source), []).append(ap.element.id)
    args = graph.arguments(render_plan, "out")
    names = [args[n + 1] for n, arg in enumerate(args[:-1]) if arg == "-i"]
    return [(name, readers.get(name, [])) for name in names]


class RenderProcess(FFmpegProcess):
    """An FFmpeg run that names the element and file behind an input FFmpeg could not read."""

    def __init__(self, *args, inputs: list[tuple[str, list[str]]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inputs = inputs

    def run(self) -> Path:
        try:
            return super().run()
        except RenderCancelled:
            raise
        except RenderError as exc:
            blamed = self._blame(exc)
            if blamed is None:
                raise
            raise blamed from exc

    def _blame(self, exc: RenderError) -> RenderError | MediaError | None:
        """The failing input from FFmpeg's log: the last input it complained about, in the
        words of its first complaint (the later lines only say the decoder stopped)."""
        lines = [(m, line) for line in exc.detail.splitlines() if (m := _INPUT_PREFIX.search(line))]
        if not lines or int(lines[-1][0]["index"]) >= len(self.inputs):
            return None
        index = int(lines[-1][0]["index"])
        name, element_ids = self.inputs[index]
        if not element_ids:
            return None  # a generated input (canvas colour, silence): our bug, not the media
        first = next(line for m, line in lines if int(m["index"]) == index)
        reason = _LOG_PREFIX.sub("", first).replace("file:", "").strip()
        path = name.removeprefix("file:")
        which = ", ".join(f"'{e}'" for e in element_ids)
        label = "element" if len(element_ids) == 1 else "elements"
        where = f"{label} {which}: {os.path.basename(path)}"
        if "Error opening input" in reason:  # gone since the probe: trying again may help
            return RenderError(f"{where} could not be opened ({reason})", detail=exc.detail)
        return MediaError(
            f"{where} could not be decoded; it may be damaged (FFmpeg: {reason})",
            path=path,
            detail=exc.detail,
        )


def with_text_files(render_plan: graph.RenderPlan) -> graph.RenderPlan:
    """The plan with every text element rasterized to its PNG (cached by content).

    The run step's job, not the plan's: planning stays pure and the preview,
    which draws text itself, never writes these files.
    """
    if all(vp.source for vp in render_plan.visuals):
        return render_plan
    from vidgen_desktop.render import text  # Pillow, numpy: only for text

    visuals = [
        vp if vp.source or not isinstance(vp.element, TextElement) else dataclasses.replace(
            vp, source=str(text.text_png(vp.element, vp.media_size, render_plan.text_folder))
        )
        for vp in render_plan.visuals
    ]  # fmt: skip
    return dataclasses.replace(render_plan, visuals=visuals)


def render_process(
    render_plan: graph.RenderPlan,
    target: str | os.PathLike[str],
    *,
    on_progress: ProgressCallback | None = None,
) -> FFmpegProcess:
    """An FFmpeg run for ``render_plan``, not started: call ``.run()``; ``.cancel()`` to stop.

    Text PNGs are written when it runs, just before FFmpeg starts; the inputs it
    blames a failure on are named from that same full plan.
    """

    def arguments(tmp: str) -> list[str]:
        full = with_text_files(render_plan)
        process.inputs = _input_elements(full)
        return graph.arguments(full, tmp)

    process = RenderProcess(
        ffmpeg_bin.ffmpeg_exe(),
        arguments,
        target,
        duration=render_plan.duration,
        on_progress=on_progress,
        verify=output_verifier(render_plan, reported=lambda: process.reported),
        inputs=[],
    )
    return process


def render(
    comp: Composition,
    target: str | os.PathLike[str],
    *,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Render ``comp`` to ``target`` (blocking). The target appears only when complete."""
    return render_process(prepare(comp), target, on_progress=on_progress).run()
