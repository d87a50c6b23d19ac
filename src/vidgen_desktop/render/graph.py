"""Composition → one FFmpeg filter graph (ffmpeg-python) → an argument list.

Planning and building are pure: no file is read or written and no process
started here. A text element's ``source`` stays empty in the plan; the run
step (``render.engine.render_process``) rasterizes it to a PNG just before
FFmpeg starts. ``render.runner`` runs the result.

Per visual element, bottom to top:
  input (-ss for the trim) → trim to its window → setpts onto the timeline →
  crop/scale per ``composition.layout`` → alpha (opacity, fades) →
  overlay at the drawn position (at odd ones: ``render.parity``), enabled only on
  [start, end).
Stills are scaled once and held by the overlay; only stills that fade are
looped (a fade needs frames). Animated elements: ``render.motion_plan`` and
``render.motion_graph``. Which inputs FFmpeg opens, and how elements that read
the same file share them, is ``render.inputs``. The sound (every audible
element trimmed, volume- and fade-adjusted, delayed to its start and mixed;
silence when nothing is audible) is ``render.audio_graph``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import ffmpeg

from vidgen_desktop.composition import layout, variables
from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.model import (
    AudioElement,
    Composition,
    ImageElement,
    TextElement,
    VideoElement,
)
from vidgen_desktop.render import audio_graph, formats, parity
from vidgen_desktop.render.inputs import Inputs, ffmpeg_path
from vidgen_desktop.render.inputs import number as _num

if TYPE_CHECKING:  # imported where something moves: a still composition needs neither
    from vidgen_desktop.render import motion_graph

SAMPLE_RATE = audio_graph.SAMPLE_RATE  # Hz (the sound is render.audio_graph)
# Element timestamps are placed on the timeline in microseconds: a source's own time
# base (1/25 s for images, 1/100 s for GIFs) would round start times and fade frames.
FINE_TIME_BASE = "1/1000000"
HUGE_SCALE_FACTOR = 4  # scaled media over 4x its box is cropped in source space first
STILL_SHRINK_FLAGS = "area+accurate_rnd+full_chroma_int"  # box filter, like INTER_AREA
SCALE_FLAGS = "bicubic"  # accurate_rnd+full_chroma_int would cost ~25% per frame


def scale_flags(source: tuple[int, int], target: tuple[int, int], *, still: bool) -> str:
    """The resampling filter. Stills are scaled once, so they get the best downscaler
    (area, as the preview's INTER_AREA); video is scaled every frame, where area costs
    a third more render time than bicubic (measured on the reference composition)."""
    shrinking = target[0] < source[0] and target[1] < source[1]
    return STILL_SHRINK_FLAGS if shrinking and still else SCALE_FLAGS


class SourceFacts(layout.MediaFacts, Protocol):
    """Probe facts the graph needs beyond the layout's (``media.probe.MediaInfo`` has them)."""

    @property
    def has_audio(self) -> bool: ...
    @property
    def has_alpha(self) -> bool: ...
    @property
    def container(self) -> str | None: ...  # FFmpeg's demuxer name, as the probe found it


@dataclass(frozen=True)
class VisualPlan:
    element: VideoElement | ImageElement | TextElement
    placement: layout.Placement
    window: layout.Window
    media_size: tuple[int, int] | None
    source: str  # the file FFmpeg reads (text: its PNG, filled in by the run step; "" before)
    facts: SourceFacts | None = None  # the source's probe facts (None: text)
    track: motion_graph.Track | None = None  # animated: its state at every frame
    lead: float = 0.0  # a chunk's (render.chunks): seconds of the window before it, skipped
    seek: float | None = None  # ... and the source time a video is opened at (not trim_start)


@dataclass(frozen=True)
class AudioPlan:
    element: VideoElement | AudioElement
    window: layout.Window
    facts: SourceFacts | None = None  # the source's probe facts


@dataclass(frozen=True)
class RenderPlan:
    """Everything resolved: times, pixels, files. The preview draws from the same plan."""

    composition: Composition
    timeline: layout.Timeline
    visuals: list[VisualPlan] = field(default_factory=list)
    audio: list[AudioPlan] = field(default_factory=list)
    text_folder: Path | None = None  # where the run step writes text PNGs (None: the cache)
    # a chunk (``render.chunks``): output frames [first, end) only, on the composition's clock
    span: tuple[int, int] | None = None
    # H.264 coded so that chunks join into this very bitstream (``formats.output_kwargs``):
    # renders long enough to be cut, whether or not they are; every chunk
    chunk_safe: bool = False

    @property
    def duration(self) -> float:
        return self.timeline.duration

    @property
    def frames(self) -> int:
        return layout.frame_count(self.duration, self.composition.output.fps)


def plan(
    comp: Composition,
    facts: Mapping[str, SourceFacts],
    *,
    text_folder: Path | None = None,
) -> RenderPlan:
    """Resolve the composition against its sources' probe facts (keyed by element id).

    Writes nothing: the preview draws text itself, and the text PNGs that only
    FFmpeg reads are made by the run step (into ``text_folder``). A template
    is drawn with its defaults (``variables.concrete``). Animated elements get
    tracks.
    """
    comp = variables.concrete(comp)
    timeline = layout.resolve_timeline(comp, facts)
    canvas = (comp.output.width, comp.output.height)
    canvas_rect = layout.Rect(0, 0, *canvas)
    visuals: list[VisualPlan] = []
    for element in comp.stacking_order():
        window = timeline.windows[element.id]
        if element.hidden or window.duration <= 0:
            continue
        info = facts.get(element.id)
        size = None if isinstance(element, TextElement) else (info.width, info.height)
        placement = layout.place(element, size, canvas)
        cues = timeline.cues.get(element.id, ())
        moving = not layout.is_static(element, cues)
        if placement.drawn.intersect(canvas_rect) is None and not moving:
            continue  # entirely off canvas: nothing to draw
        if isinstance(element, TextElement):
            if not element.text.strip() and element.background is None:
                continue
            size = (placement.box.w, placement.box.h)  # drawn at exactly its box size
            source = ""
        else:
            source = element.source
        if not moving:
            visuals.append(VisualPlan(element, placement, window, size, source, info))
            continue
        from vidgen_desktop.render import motion_plan  # only for what moves (~8 M instructions)

        media = None if isinstance(element, TextElement) else size
        parts = motion_plan.split(element, window, comp.output.fps, canvas, media, cues)
        visuals += [VisualPlan(p, placement, w, size, source, info, tr) for p, w, tr in parts]
    audio: list[AudioPlan] = []
    if formats.has_audio(comp.output):
        for element in comp.elements:
            if not isinstance(element, VideoElement | AudioElement) or element.hidden:
                continue
            info = facts.get(element.id)
            window = timeline.windows[element.id]
            if info is None or not info.has_audio or element.volume == 0 or window.duration <= 0:
                continue
            audio.append(AudioPlan(element, window, info))
    chunk_safe = timeline.duration > formats.CHUNK_SAFE_SECONDS
    return RenderPlan(comp, timeline, visuals, audio, text_folder, chunk_safe=chunk_safe)


def _hex(color: str) -> str:
    r, g, b, _ = parse_color(color)
    return f"0x{r:02x}{g:02x}{b:02x}"


def _scale_crop(
    stream: Any, p: layout.Placement, media: tuple[int, int] | None, *, still: bool
) -> Any:
    sw, sh = p.scaled
    if (
        media is not None
        and sw * sh > HUGE_SCALE_FACTOR * max(1, p.box.w * p.box.h)
        and p.needs_crop
    ):
        # cover with an extreme aspect: crop the needed part of the source first,
        # so FFmpeg never allocates the full enlarged frame.
        kx, ky = sw / media[0], sh / media[1]
        x0 = max(0, math.floor(p.crop.x / kx) - 1)
        y0 = max(0, math.floor(p.crop.y / ky) - 1)
        x1 = min(media[0], math.ceil(p.crop.right / kx) + 1)
        y1 = min(media[1], math.ceil(p.crop.bottom / ky) + 1)
        stream = stream.filter("format", "rgba").crop(x0, y0, x1 - x0, y1 - y0, exact=1)
        sub_w, sub_h = round((x1 - x0) * kx), round((y1 - y0) * ky)
        stream = stream.filter(
            "scale",
            sub_w,
            sub_h,
            flags=scale_flags((x1 - x0, y1 - y0), (sub_w, sub_h), still=still),
        )
        off_x, off_y = p.crop.x - round(x0 * kx), p.crop.y - round(y0 * ky)
        return stream.crop(off_x, off_y, p.crop.w, p.crop.h, exact=1)
    if media is None or (sw, sh) != media:
        stream = stream.filter(
            "scale", sw, sh, flags=scale_flags(media or (sw, sh), (sw, sh), still=still)
        )
    if p.needs_crop:
        stream = stream.crop(p.crop.x, p.crop.y, p.crop.w, p.crop.h, exact=1)
    return stream


def layer_pixels(
    stream: Any,
    element: VideoElement | ImageElement | TextElement,
    placement: layout.Placement,
    media: tuple[int, int] | None,
) -> tuple[Any, bool]:
    """A source's pictures scaled, cropped and in the pixel format they are overlaid in.

    The render's own resampling: the preview asks FFmpeg for exactly this chain
    (``render.exact``) to draw what the render draws. Returns the stream and
    whether it is RGBA (``render.parity.needs_rgba``: a border for exact placement).
    """
    is_video = isinstance(element, VideoElement)
    stream = _scale_crop(stream, placement, media, still=not is_video)
    fades = element.fade_in > 0 or element.fade_out > 0
    border = parity.needs_border(placement.drawn)
    if parity.needs_rgba(placement.drawn, video=is_video):
        return stream.filter("format", "rgba"), True
    if element.opacity < 1 or fades or not is_video or border:
        stream = stream.filter("format", "yuva420p")
    return stream, False


def _visual_stream(vp: VisualPlan, rate: str, inputs: Inputs) -> Any:
    element, window = vp.element, vp.window
    is_video = isinstance(element, VideoElement)
    stream = inputs.video(vp)
    if vp.track is not None:
        from vidgen_desktop.render import motion_graph

        return motion_graph.animated_stream(vp, stream, rate)
    if is_video:
        stream = (
            stream.trim(duration=_num(window.duration - vp.lead))
            .filter("settb", FINE_TIME_BASE)
            .setpts(f"PTS-STARTPTS+{_num(window.start + vp.lead)}/TB")
        )
    stream, rgba = layer_pixels(stream, vp.element, vp.placement, vp.media_size)
    fades = element.fade_in > 0 or element.fade_out > 0
    if element.opacity < 1:
        if rgba:
            stream = stream.filter("colorchannelmixer", aa=_num(element.opacity))
        else:
            stream = stream.filter("lutyuv", a=f"val*{_num(element.opacity)}")
    if not is_video:
        if fades:  # a chunk's frames count on from those it skips (its lead)
            frame = f"(N+round({_num(vp.lead)}*{rate}))" if vp.lead else "N"
            stream = (
                stream.filter("loop", loop=-1, size=1)
                # a fine time base first: in the image's 1/25 s one, N/(rate*TB) rounds
                .filter("settb", FINE_TIME_BASE)
                .filter("setpts", f"{frame}/({rate}*TB)+{_num(window.start)}/TB")
                .trim(end=_num(window.end))
            )
        else:
            stream = stream.filter("settb", FINE_TIME_BASE).setpts(
                f"PTS-STARTPTS+{_num(window.start)}/TB"
            )
    if element.fade_in > 0:
        stream = stream.filter(
            "fade", t="in", st=_num(window.start), d=_num(element.fade_in), alpha=1
        )
    if element.fade_out > 0:
        st = max(window.start, window.end - element.fade_out)
        stream = stream.filter("fade", t="out", st=_num(st), d=_num(element.fade_out), alpha=1)
    return stream


def _placed(vp: VisualPlan, stream: Any) -> tuple[Any, Any, Any]:
    if vp.track is None:
        drawn, video = vp.placement.drawn, isinstance(vp.element, VideoElement)
        return parity.align(stream, drawn, rgba=parity.needs_rgba(drawn, video=video))
    from vidgen_desktop.render import motion_graph

    return (stream, *motion_graph.overlay_position(vp.track))


def is_canvas(render_plan: RenderPlan) -> bool:
    """Whether the bottom layer can serve as the canvas itself.

    True for an opaque video that covers the whole canvas for the whole
    composition at the output's frame rate (the usual background clip): it
    then hides the background colour entirely, and blending it onto a colour
    canvas would cost a full-frame overlay on every frame for nothing.
    """
    if not render_plan.visuals:
        return False
    vp, out = render_plan.visuals[0], render_plan.composition.output
    facts, element = vp.facts, vp.element
    return (
        isinstance(element, VideoElement)
        and facts is not None
        and not facts.has_alpha
        and element.opacity >= 1
        and vp.track is None
        and element.fade_in == 0
        and element.fade_out == 0
        and vp.placement.drawn == layout.Rect(0, 0, out.width, out.height)
        and vp.window.start == 0
        and vp.window.end >= render_plan.duration
        and facts.fps is not None
        and abs(facts.fps - out.fps) < 1e-6
        # a source frame for every output frame: no held last frame needed
        and facts.duration is not None
        and facts.duration - element.trim_start >= render_plan.duration - 0.5 / out.fps
    )


def picture(render_plan: RenderPlan, inputs: Inputs) -> Any:
    """The composited picture: every visual overlaid on the canvas, on the composition clock
    (a chunk's, ``span``, from its first frame; ``render.chunks`` cuts it there)."""
    out = render_plan.composition.output
    rate, visuals = formats.output_kwargs(out)["r"], render_plan.visuals
    if is_canvas(render_plan):
        video, visuals = _visual_stream(visuals[0], rate, inputs), visuals[1:]
    else:
        size = f"{out.width}x{out.height}"
        video = ffmpeg.input(
            f"color=c={_hex(out.background)}:s={size}:r={rate}:d={length(render_plan)}", f="lavfi"
        ).video
        if render_plan.span is not None:  # a chunk runs on the composition's clock
            video = video.setpts(f"PTS+{render_plan.span[0]}")  # its time base is 1/rate
    aligned = [_placed(vp, _visual_stream(vp, rate, inputs)) for vp in visuals]
    for vp, (stream, x, y) in zip(visuals, aligned, strict=True):
        overlay_kwargs: dict[str, Any] = {"eof_action": "repeat"}
        w = vp.window
        if w.start > 0 or w.end < render_plan.duration:
            overlay_kwargs["enable"] = f"gte(t,{_num(w.start)})*lt(t,{_num(w.end)})"
        video = ffmpeg.overlay(video, stream, x=x, y=y, **overlay_kwargs)
    return video


sound = audio_graph.sound  # every audible element mixed (render.audio_graph)


def build(render_plan: RenderPlan, output_path: str) -> Any:
    """The ffmpeg-python output node for ``render_plan``, writing to ``output_path``."""
    output = render_plan.composition.output
    kwargs = formats.output_kwargs(output, chunk_safe=render_plan.chunk_safe)
    total, inputs = _num(render_plan.duration), Inputs(render_plan)
    video = picture(render_plan, inputs)
    if render_plan.composition.output.format == "gif":  # one palette: never chunked
        split = video.split()
        palette = split[1].filter("palettegen", stats_mode="diff")
        video = ffmpeg.filter([split[0], palette], "paletteuse", dither="sierra2_4a")
        return ffmpeg.output(video, ffmpeg_path(output_path), t=total, **kwargs)
    audio = sound(render_plan, inputs)
    return ffmpeg.output(video, audio, ffmpeg_path(output_path), t=total, **kwargs)


def length(render_plan: RenderPlan) -> str:
    """How long the rendered picture is: the whole, or a chunk (an FFmpeg number)."""
    if render_plan.span is None:
        return _num(render_plan.duration)
    first, end = render_plan.span
    fps = render_plan.composition.output.fps
    return _num(min((end - first) / fps, render_plan.duration - first / fps))


def arguments(render_plan: RenderPlan, output_path: str) -> list[str]:
    """FFmpeg's arguments (without the binary), e.g. for golden tests and logs."""
    if unwritten := [vp.element.id for vp in render_plan.visuals if not vp.source]:
        raise ValueError(f"text element(s) {', '.join(unwritten)} not rasterized yet: "
                         "render through render.engine, which writes their PNGs")  # fmt: skip
    # global options go first: after the output name FFmpeg calls them "trailing", may ignore them
    return ["-hide_banner", "-nostdin", "-y", *build(render_plan, output_path).get_args()]
