"""FFmpeg chains for animated elements, from ``layout.state_at`` frame by frame.

The plan asks ``layout.state_at`` for every output frame of an animated
element (``Track``); this module turns those answers into FFmpeg
*expressions* of the frame index ``k = ceil(t × fps)``: each per-frame
sequence (drawn size, position, crop, rotation) is cut into the fewest
straight segments that reproduce every frame's integer exactly (to 0.45 px
before rounding), written as nested ``if``. Expressions, not ``sendcmd``
commands: a command sent from one chain reaches a filter in another (the
overlay) frames early, because the overlay reads ahead; an expression is
evaluated on the frame it draws. Per element, after the usual timing
(``animated_stream``; a video at another frame rate gets one picture per
output frame, a still is scaled once to the largest size it needs, then looped):

  [cover: crop the source region] → planar RGBA → scale (eval=frame, w/h per
  frame) → overlaid onto a fixed transparent stage at a per-frame offset (the
  overlay is the one filter that takes pictures changing size; pad and crop
  keep the first frame's) → ``unpremultiply`` → opacity (static factor; every
  preset and transition ramp is FFmpeg's ``fade``; keyframed opacity, wipes
  and a zoomed picture's overflow ``geq``, enabled only while they act) →
  [rotate, angle per frame, transparent corners, enabled only while turned]
  → a 2 px border and a crop that moves the stage by its position's parity
  → overlay at an even x, y per frame.

The parity crop is the per-frame form of ``render.parity.align``: FFmpeg's
overlay on 4:2:0 rounds x and y down to even numbers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ffmpeg

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import ImageElement, TextElement, VideoElement
from vidgen_desktop.composition.states import opacity_ramps, value_at
from vidgen_desktop.render.inputs import number as _num

TOLERANCE = 0.45  # px: a segment's line may miss a frame's value by this, then rounds to it
FINE_TIME_BASE = "1/1000000"
SCALE_FLAGS = "bicubic"
STILL_SHRINK_FLAGS = "area+accurate_rnd+full_chroma_int"


@dataclass(frozen=True)
class Track:
    """An animated element's state at each of its output frames."""

    first: int  # the output frame index of states[0]
    states: tuple[layout.State, ...]
    stage: tuple[int, int]  # the fixed (even) frame every state is drawn centred in
    rotates: bool
    zooms: bool  # ken-burns: the media is scaled past its drawn size and cropped
    source_crop: layout.Rect | None  # cover: the source region cut before scaling
    window: layout.Window  # the element's whole window (a part's frames are fewer)
    fps: float
    cues: tuple[layout.Cue, ...] = ()
    element: object = None  # the element itself (a part's plan holds a shifted copy)

    @property
    def last(self) -> int:
        return self.first + len(self.states) - 1

    def media_offset(self, state: layout.State) -> tuple[int, int]:
        """Where the scaled media's top-left sits on the stage (zoomed media: its crop's)."""
        d, p = state.drawn, state.placement
        x, y = (self.stage[0] - d.w) // 2, (self.stage[1] - d.h) // 2
        return (x - p.crop.x, y - p.crop.y) if self.zooms else (x, y)

    def stage_origin(self, state: layout.State) -> tuple[int, int]:
        """Where the stage's top-left lands on the canvas for ``state``."""
        d = state.drawn
        return d.x - (self.stage[0] - d.w) // 2, d.y - (self.stage[1] - d.h) // 2


def _even(value: int) -> int:
    return value + value % 2


def track(
    element: VideoElement | ImageElement | TextElement,
    window: layout.Window,
    fps: float,
    canvas: tuple[int, int],
    media_size: tuple[int, int] | None,
    cues: Sequence[layout.Cue] = (),
) -> Track:
    """Every output frame's state of ``element`` over its window (see ``layout.state_at``)."""
    first = math.ceil(window.start * fps - 1e-6)
    end = max(first + 1, math.ceil(window.end * fps - 1e-6))
    media = None if isinstance(element, TextElement) else media_size
    states = tuple(
        layout.state_at(element, k, fps, canvas, window, media, cues=cues)
        for k in range(first, end)
    )
    rotates = any(abs(s.rotation) > 1e-9 for s in states)
    presets = (getattr(element, "animation_in", None), getattr(element, "animation_out", None))
    zooms = any(a is not None and a.preset == "ken-burns" for a in presets)
    source_crop = None
    if not zooms and getattr(element, "fit", None) == "cover" and media is not None:
        # cover that only moves or scales: cut the source region once, then each frame
        # is a fill of its box (the region keeps its aspect; rounding moves it ≤ 1 source px)
        rest = layout.place(element, media, canvas)
        if rest.needs_crop:
            source_crop = layout.source_region(rest, media)
    stage = _stage(states, rotates)
    return Track(
        first, states, stage, rotates, zooms, source_crop, window, fps, tuple(cues), element
    )


def _stage(states: Sequence[layout.State], rotates: bool) -> tuple[int, int]:
    if rotates:
        side = _even(max(math.ceil(math.hypot(s.drawn.w, s.drawn.h)) + 2 for s in states))
        return side, side
    return max(s.drawn.w for s in states), max(s.drawn.h for s in states)


def part(tr: Track, a: int, b: int) -> Track:
    """The frames ``a`` to ``b`` (indexes into ``tr.states``) of a track."""
    states = tr.states[a:b]
    rotates = any(abs(s.rotation) > 1e-9 for s in states)
    return dataclasses.replace(
        tr, first=tr.first + a, states=states, rotates=rotates, stage=_stage(states, rotates)
    )


def _segments(values: Sequence[float], tolerance: float) -> list[tuple[int, float, float]]:
    """Straight pieces ``(start index, value there, slope)`` within ``tolerance`` of values."""
    pieces: list[tuple[int, float, float]] = []
    i, n = 0, len(values)
    while i < n:
        v0, low, high = values[i], -math.inf, math.inf
        j = i + 1
        while j < n:
            lo = (values[j] - v0 - tolerance) / (j - i)
            hi = (values[j] - v0 + tolerance) / (j - i)
            if max(low, lo) > min(high, hi):
                break
            low, high = max(low, lo), min(high, hi)
            j += 1
        slope = 0.0 if j == i + 1 else (low + high) / 2
        if j > i + 1 and low <= 0 <= high:
            slope = 0.0
        pieces.append((i, v0, slope))
        i = j
    return pieces


def piecewise(
    values: Sequence[float], first: int, var: str, *, integer: bool = True, tolerance=TOLERANCE
) -> str:
    """An FFmpeg expression of frame index ``var`` giving ``values[var - first]``
    (clamped at both ends); rounded to integers when ``integer``."""
    pieces = _segments(values, tolerance)
    parts = []
    for n, (start, v0, slope) in enumerate(pieces):
        k0 = first + start
        step = f"{var}-{k0}"
        if n == 0:  # before the first frame (FFmpeg configures a filter at t 0, or NaN)
            step = f"max({step},0)"
        if n == len(pieces) - 1:
            step = f"min({step},{len(values) - 1 - start})"
        body = _num(v0) if slope == 0 else f"{_num(v0)}+{slope!r}*({step})"
        if integer and slope != 0:
            body = f"floor({body}+0.5)"
        parts.append((k0, body))
    expr = parts[-1][1]
    for k0, body in reversed(parts[:-1]):
        nxt = parts[parts.index((k0, body)) + 1][0]
        expr = f"if(lt({var},{nxt}),{body},{expr})"
    return expr


def frame_expr(fps: float, time_var: str = "t") -> str:
    """The output frame index at time ``time_var``: ``ceil(t × fps)`` (a frame at or after)."""
    return f"ceil({time_var}*{fps!r}-0.001)"


def _with_k(fps: float, body: str, time_var: str = "t") -> str:
    return f"st(0,{frame_expr(fps, time_var)});{body}"


def _expr(tr: Track, values: Sequence[float], fps: float, *, integer=True, var="t") -> str:
    if all(v == values[0] for v in values):
        return _num(values[0])
    return _with_k(fps, piecewise(values, tr.first, "ld(0)", integer=integer), var)


def overlay_position(tr: Track) -> tuple[str, str]:
    """The overlay's x and y (even numbers; the stage's parity crop does the rest)."""
    fps = tr.fps
    origins = [tr.stage_origin(s) for s in tr.states]
    xs = [2 * math.floor(x / 2) for x, _ in origins]
    ys = [2 * math.floor(y / 2) for _, y in origins]
    return _expr(tr, xs, fps), _expr(tr, ys, fps)


def _alpha_geq(stream: Any, tr: Track, fps: float, element) -> Any:
    """Keyframed opacity, wipes, and zoomed media smaller than the stage: a per-pixel alpha
    factor on the stage, enabled only on the frames where one acts."""
    factors, clips, spans = [], [], []
    kf = "opacity" in getattr(element, "keyframes", {})
    for n, s in enumerate(tr.states):
        factor = value_at(tr.element, "opacity", s.time - tr.window.start) if kf else 1.0
        factors.append(factor)
        d = s.drawn
        ox, oy = (tr.stage[0] - d.w) // 2, (tr.stage[1] - d.h) // 2
        clip = (s.clip.intersect(d) or layout.Rect(d.x, d.y, 0, 0)) if s.clip else d
        box = (clip.x - d.x + ox, clip.right - d.x + ox, clip.y - d.y + oy, clip.bottom - d.y + oy)
        clips.append(box)
        overflow = tr.zooms and (d.w, d.h) != tr.stage  # zoomed media shows past its rect
        if factor != 1.0 or s.clip is not None or overflow:
            spans.append(tr.first + n)
    if not spans:
        return stream
    k = frame_expr(fps, "T")
    a = "alpha(X,Y)"
    if kf:
        a += "*(" + piecewise(factors, tr.first, k, integer=False, tolerance=0.001) + ")"
    if any(c != (0, tr.stage[0], 0, tr.stage[1]) for c in clips):
        left, right, top, bottom = (piecewise([c[i] for c in clips], tr.first, k) for i in range(4))
        a += f"*gte(X,{left})*lt(X,{right})*gte(Y,{top})*lt(Y,{bottom})"
    enable = f"between({frame_expr(fps)},{spans[0]},{spans[-1]})"
    return stream.filter("geq", r="r(X,Y)", g="g(X,Y)", b="b(X,Y)", a=a, enable=enable)


def _sizes(tr: Track) -> list[tuple[int, int]]:
    if tr.zooms:
        return [s.placement.scaled for s in tr.states]
    return [(s.drawn.w, s.drawn.h) for s in tr.states]


def prepare(stream: Any, tr: Track, media: tuple[int, int] | None, *, still: bool = False) -> Any:
    """What comes before the per-frame scale: the cover crop; for a still, one scale down
    to the largest size any frame needs (so each frame scales from that, not the source);
    then planar RGBA (a frame whose size equals its input's must not pass through the
    per-frame scale unscaled: it would keep the link's last, other size)."""
    if tr.source_crop is not None:
        c = tr.source_crop
        stream = stream.filter("format", "rgba").crop(c.x, c.y, c.w, c.h, exact=1)
        media = (c.w, c.h)
    sizes = _sizes(tr)
    most = (max(w for w, _ in sizes), max(h for _, h in sizes))
    if still and media is not None and most[0] < media[0] and most[1] < media[1]:
        stream = stream.filter("scale", *most, flags=STILL_SHRINK_FLAGS)
    return stream.filter("format", "gbrap")


def animated_layer(
    stream: Any,
    element: VideoElement | ImageElement | TextElement,
    window: layout.Window,
    tr: Track,
    media: tuple[int, int] | None,
    *,
    prepared: bool = False,
    lead: float = 0.0,
) -> Any:
    """The element's pictures drawn per frame on its stage (timing done by the caller;
    ``prepared``: the caller ran ``prepare`` already, on a still before looping it;
    ``lead``: a chunk's seconds of the window before it, whose stage frames are dropped)."""
    fps, element = tr.fps, tr.element  # the element itself: the plan may hold a part's copy
    sizes = _sizes(tr)
    if not prepared:
        stream = prepare(stream, tr, media)
    stream = stream.filter(
        "scale",
        w=_expr(tr, [w for w, _ in sizes], fps),
        h=_expr(tr, [h for _, h in sizes], fps),
        eval="frame",
        flags=SCALE_FLAGS,
    )
    stream = stream.filter("format", "rgba")
    # the pictures change size from frame to frame; most filters (pad, crop) keep the first
    # frame's size, the overlay does not: each is laid on a fixed transparent stage
    sw, sh = tr.stage
    stage = ffmpeg.input(
        # format inside the lavfi input: left to the demuxer it would drop the alpha
        f"color=c=black@0:s={sw}x{sh}:r={fps!r}:d={_num(window.end - window.start + 1 / fps)}"
        ",format=rgba",
        f="lavfi",
    ).video
    stage = stage.filter("settb", FINE_TIME_BASE).setpts(f"PTS-STARTPTS+{_num(window.start)}/TB")
    if skipped := math.floor(lead * fps + 1e-6):  # a chunk: its stage frames keep their times
        stage = stage.trim(start=_num(window.start + (skipped - 0.5) / fps))
    offsets = [tr.media_offset(st) for st in tr.states]
    stream = ffmpeg.overlay(
        stage,
        stream,
        x=_expr(tr, [x for x, _ in offsets], fps),
        y=_expr(tr, [y for _, y in offsets], fps),
        format="rgb",
        eof_action="pass",
    )
    # blending onto transparent black leaves colour × alpha; the layer is straight alpha
    stream = stream.filter("unpremultiply", inplace=1)
    if element.opacity < 1 and "opacity" not in element.keyframes:
        stream = stream.filter("colorchannelmixer", aa=_num(element.opacity))
    stream = _alpha_geq(stream, tr, fps, element)
    whole = tr.window  # fades and ramps are the whole element's, in composition time
    ramps = [("in", whole.start, element.fade_in)] if element.fade_in > 0 else []
    if element.fade_out > 0:
        ramps.append(("out", max(whole.start, whole.end - element.fade_out), element.fade_out))
    ramps += opacity_ramps(element, whole, tr.cues)
    for kind, start, duration in ramps:
        if duration > 0:
            stream = stream.filter("fade", t=kind, st=_num(start), d=_num(duration), alpha=1)
    if tr.rotates:
        angles = [math.radians(s.rotation) for s in tr.states]
        angle = _expr(tr, angles, fps, integer=False)
        turned = [tr.first + n for n, a in enumerate(angles) if abs(a) > 1e-9]
        stream = stream.filter(
            "rotate", angle=angle, ow=sw, oh=sh, c="none", bilinear=1,
            enable=f"between({frame_expr(fps)},{turned[0]},{turned[-1]})",
        )  # fmt: skip
    origins = [tr.stage_origin(s) for s in tr.states]
    pw, ph = sw + 2 + sw % 2, sh + 2 + sh % 2  # even, for 4:2:0 chroma
    stream = stream.filter("pad", w=pw + 2, h=ph + 2, x=2, y=2, color="black@0")
    return stream.filter(
        "crop",
        w=pw,
        h=ph,
        x=_expr(tr, [2 - x % 2 for x, _ in origins], fps),
        y=_expr(tr, [2 - y % 2 for _, y in origins], fps),
        exact=1,
    )


def animated_stream(vp: Any, stream: Any, rate: str) -> Any:
    """An animated element: one picture per output frame, drawn by ``motion_graph``.

    On the composition clock, a chunk's too: the track's expressions index composition
    frames, so a chunk (``render.chunks``) only skips its ``lead``: a video opened at its
    ``seek`` starts ``lead`` into the window, a looped still counts its frames on from there.
    """
    element, window, fps, lead = vp.element, vp.window, vp.track.fps, vp.lead
    stream = stream.filter("settb", FINE_TIME_BASE)
    if isinstance(element, VideoElement):
        stream = stream.trim(duration=_num(window.duration - lead)).setpts(
            f"PTS-STARTPTS+{_num(window.start + lead)}/TB"
        )
        if vp.facts is None or vp.facts.fps is None or abs(vp.facts.fps - fps) > 1e-6:
            stream = stream.filter("fps", rate, round="up")  # a picture for every frame
        return animated_layer(stream, element, window, vp.track, vp.media_size, lead=lead)
    frame = f"(N+round({_num(lead)}*{rate}))" if lead else "N"
    stream = (
        prepare(stream, vp.track, vp.media_size, still=True)
        .filter("loop", loop=-1, size=1)
        .filter("settb", FINE_TIME_BASE)
        .filter("setpts", f"{frame}/({rate}*TB)+{_num(window.start)}/TB")
        .trim(end=_num(window.end))
    )
    return animated_layer(
        stream, element, window, vp.track, vp.media_size, prepared=True, lead=lead
    )


def volume_expr(element, window: layout.Window, steps: float = 100.0) -> str:
    """The gain of keyframed ``volume`` over local time ``t``, stepped ``steps`` times a second."""
    count = max(1, math.ceil(window.duration * steps))
    values = [value_at(element, "volume", n / steps) for n in range(count)]
    k = f"floor(t*{steps!r})"
    return piecewise(values, 0, k, integer=False, tolerance=0.001)
