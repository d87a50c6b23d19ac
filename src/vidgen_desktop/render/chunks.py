"""Chunked renders, the pure part: where to cut, and the plan of each piece.

A long render is cut by frame range into chunks. Each chunk is an FFmpeg run
of its own that encodes only its frames (a fresh encoder: it starts on a
keyframe, closed GOP, the same encoder settings), picture only; the sound is
mixed once for the whole composition (``sound_plan``) and muxed when the
chunks are joined without re-encoding (FFmpeg's concat demuxer,
``render.chunk_run``). Who runs the chunks is the caller's: N processes on
this machine (``render.chunk_run.ChunkedRender``) or the farm's workers
(``queue.farm_chunks``).

A chunk's plan is the whole plan with a frame ``span``: the graph keeps the
composition's clock (overlay ``enable``, fades and any time expression see
composition time), and the ``lead`` of each element says how much of its
window lies before the chunk: a video's input is opened there (``seek``), a
looped still counts its frames from there, so no chunk decodes or filters
what an earlier chunk shows. Elements no frame of the chunk shows are left out.

Chunks are cut on the encoder's keyframe grid (``formats.gop_frames``: every
2 s for H.264, any frame for ProRes), where the one-piece encode starts a
closed GOP too, with no rate control memory across it: each chunk is then the
very bitstream the one-piece render has there, and the joined file decodes to
the same frames. Formats that cannot be joined exactly say so (``unjoinable``)
and render in one piece: GIF (one palette for the whole file, no stream copy)
and VP9 (libvpx's rate control carries from frame to frame).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import ffmpeg

from vidgen_desktop.composition.model import ImageElement, TextElement, VideoElement
from vidgen_desktop.render import formats, graph
from vidgen_desktop.render.graph import RenderPlan, VisualPlan
from vidgen_desktop.render.inputs import Inputs, ffmpeg_path
from vidgen_desktop.render.inputs import number as _num

_EPS = 1e-6
MIN_CHUNK_FRAMES = 30  # shorter chunks cost more in encoder start-up than they save


@dataclass(frozen=True, slots=True)
class Chunk:
    """Output frames ``[first, end)`` of the composition: chunk ``index`` of ``count``."""

    index: int
    count: int
    first: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.first

    def as_dict(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count, "first": self.first, "end": self.end}


def unjoinable(render_plan: RenderPlan) -> str | None:
    """Why this render cannot be cut into chunks joined without re-encoding, or None."""
    out = render_plan.composition.output
    if out.format == "gif":
        return "a GIF has one palette for the whole file and cannot be joined without re-encoding"
    if formats.video_codec(out) == "libvpx-vp9":
        return (
            "VP9's rate control carries from frame to frame, so chunks encoded apart would "
            "not match the one-piece file at their boundaries"
        )
    return None


def split(render_plan: RenderPlan, count: int) -> list[Chunk]:
    """``count`` chunks of (nearly) equal frames, cut on the keyframe grid; fewer if they
    would be shorter than ``MIN_CHUNK_FRAMES`` or a GOP; one when the format cannot be
    joined."""
    frames = render_plan.frames
    gop = formats.gop_frames(render_plan.composition.output)
    if unjoinable(render_plan) is not None:
        count = 1
    count = max(1, min(count, frames // max(MIN_CHUNK_FRAMES, gop)))
    inner = {gop * round(frames * n / count / gop) for n in range(1, count)}
    bounds = [0, *sorted(b for b in inner if 0 < b < frames), frames]
    count = len(bounds) - 1
    return [Chunk(n, count, bounds[n], bounds[n + 1]) for n in range(count)]


def chunk_plan(render_plan: RenderPlan, chunk: Chunk) -> RenderPlan:
    """The plan that renders ``chunk``'s picture (its frames only, on the composition clock)."""
    fps = render_plan.composition.output.fps
    t0 = chunk.first / fps
    visuals = [
        _with_lead(vp, t0, fps)
        for n, vp in enumerate(render_plan.visuals)
        if n == 0 or _shown(vp, chunk, fps)  # the bottom one may be the canvas: kept
    ]
    return dataclasses.replace(
        render_plan, visuals=visuals, audio=[], span=(chunk.first, chunk.end), chunk_safe=True
    )


def chunk_arguments(render_plan: RenderPlan, chunk: Chunk, output_path: str) -> list[str]:
    """FFmpeg's arguments for ``chunk``'s picture alone, its first frame at time zero.

    ``render_plan`` has its text rasterized (``engine.with_text_files``)."""
    plan = chunk_plan(render_plan, chunk)
    fps = plan.composition.output.fps
    video = graph.picture(plan, Inputs(plan))
    half_before = _num(max(0.0, (chunk.first - 0.5) / fps))  # a cut rounding cannot move
    video = video.filter("trim", start=half_before).setpts("PTS-STARTPTS")
    kwargs = formats.output_kwargs(plan.composition.output, chunk_safe=True)
    kwargs = {k: v for k, v in kwargs.items() if k not in formats.AUDIO_OPTIONS}
    kwargs.pop("movflags", None)  # the join writes the index up front; a chunk need not
    node = ffmpeg.output(video, ffmpeg_path(output_path), t=graph.length(plan), an=None, **kwargs)
    return _arguments(plan, node)


def sound_arguments(render_plan: RenderPlan, output_path: str) -> list[str]:
    """FFmpeg's arguments for the whole composition's sound, mixed once (no picture)."""
    plan = dataclasses.replace(render_plan, visuals=[])
    audio = graph.sound(plan, Inputs(plan))
    kwargs = formats.output_kwargs(plan.composition.output)
    kwargs = {k: v for k, v in kwargs.items() if k in formats.AUDIO_OPTIONS or k == "f"}
    node = ffmpeg.output(audio, ffmpeg_path(output_path), t=_num(plan.duration), vn=None, **kwargs)
    return _arguments(plan, node)


def _arguments(plan: RenderPlan, node) -> list[str]:
    if unwritten := [vp.element.id for vp in plan.visuals if not vp.source]:
        raise ValueError(f"text element(s) {', '.join(unwritten)} not rasterized yet")
    return ["-hide_banner", "-nostdin", "-y", *node.get_args()]


def _shown(vp: VisualPlan, chunk: Chunk, fps: float) -> bool:
    """Whether a frame of the chunk may show the element (a frame of slack either side)."""
    return vp.window.end * fps > chunk.first - 1 and vp.window.start * fps < chunk.end + 1


def _with_lead(vp: VisualPlan, t0: float, fps: float) -> VisualPlan:
    """The element with the part of its window before ``t0`` skipped (a frame kept early:
    the frame shown at ``t0`` is then always there, whatever the timestamps round to)."""
    window, element = vp.window, vp.element
    before = t0 - window.start
    if before <= 0:
        return vp
    if isinstance(element, VideoElement):
        src_fps = getattr(vp.facts, "fps", None)
        if not src_fps:
            return vp  # no frame grid to seek on: decoded from its start, still exact
        k0 = math.ceil(element.trim_start * src_fps - _EPS)  # as layout.source_frame_index
        k = k0 + max(0, math.floor(before * src_fps + _EPS) - 1)
        if k <= k0:
            return vp
        # opened half a source frame before frame k: FFmpeg's exact seek keeps k on
        return dataclasses.replace(vp, lead=(k - k0) / src_fps, seek=(k - 0.5) / src_fps)
    looped = element.fade_in or element.fade_out or vp.track is not None  # a frame per frame
    if isinstance(element, ImageElement | TextElement) and looped:
        skipped = max(0, math.floor(before * fps + _EPS) - 1)  # looped at the output rate
        return dataclasses.replace(vp, lead=skipped / fps) if skipped else vp
    return vp  # a still shown as one held frame: nothing to skip
