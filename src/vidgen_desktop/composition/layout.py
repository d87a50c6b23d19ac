"""The one place that turns the document into pixels and seconds.

The renderer (``render.graph``) and the preview (``render.preview``) both
call ``place``, ``state_at`` and ``resolve_timeline`` and nothing else does
this math, so what the canvas shows is what FFmpeg renders.

``state_at(element, frame, fps, canvas_size, window, media_size=None, *, scale=1.0,
cues=())`` → ``State`` (box, placement, rotation, opacity, volume, clip) is the
element at output frame k with its keyframes, presets, fades and transitions
applied (``composition.states``, loaded from here on first use). ``resolve_timeline``
also resolves transitions: an element with ``transition_in`` enters over the
previous visual element on its track (the latest one starting before it and still
showing, or ending, at its start); that element's window is held until the
transition ends, and both get a ``Cue`` in ``Timeline.cues``.

Rounding rules (defined once, here):
- Lengths become fractional canvas pixels, times the preview scale, then
  each *edge* is rounded half-up: ``left = R(x)``, ``right = R(x + w)``,
  ``width = max(1, right - left)``. Adjacent boxes therefore tile exactly.
- The scale factor of ``contain``/``cover``/``auto`` comes from the box's
  exact (unrounded) size, so the preview at scale 0.5 is half the render to
  within a pixel even for boxes a few pixels wide. Scaled media sizes are
  rounded half-up, never below 1 px, and ``contain``/``auto`` never exceed
  the rounded box (``cover`` never falls short of it).
- ``contain`` and ``auto`` centre the media in the exact box, ``cover`` crops
  it centred; the media's exact left/top edge is rounded half *down*, so on an
  integer box with an odd leftover the extra pixel goes right/down (the same
  as splitting the leftover by floor division). The result is clamped so the
  media stays inside the box and the crop inside the scaled media.
- Time: an element is visible on ``[start, end)``. At composition time ``t``
  a video element shows source frame
  ``k0 + floor((t - start) * src_fps + 1e-6)``, with
  ``k0 = ceil(trim_start * src_fps - 1e-6)`` (the first frame at or after
  the trim point), held at the last frame if the media runs out. That is
  exactly what FFmpeg's trim + setpts + overlay does.
- Length: ``output.duration`` if set, else the latest end among elements with
  an end of their own (a duration, or a probed media length). Stills, text
  and unprobed media without a duration run to that end; when one of them
  starts at or after it (or nothing has an end), the composition is extended
  to ``start + DEFAULT_STILL_DURATION`` so no element is silently invisible.
  Without ``output.duration``, media that would make the composition longer
  than ``MAX_COMPOSITION_SECONDS`` is refused (CompositionError naming it).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from vidgen_desktop.composition.model import (
    DEFAULT_STILL_DURATION,
    MAX_COMPOSITION_SECONDS,
    AudioElement,
    Composition,
    ImageElement,
    TextElement,
    VideoElement,
)
from vidgen_desktop.composition.units import round_half_up
from vidgen_desktop.errors import CompositionError

if TYPE_CHECKING:
    from vidgen_desktop.composition.states import Cue

_EPS = 1e-6


class MediaFacts(Protocol):
    """What the layout needs to know about a source (``media.probe.MediaInfo`` has it)."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def duration(self) -> float | None: ...  # None for stills
    @property
    def fps(self) -> float | None: ...  # None for stills


@dataclass(frozen=True, slots=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def intersect(self, other: Rect) -> Rect | None:
        x, y = max(self.x, other.x), max(self.y, other.y)
        r, b = min(self.right, other.right), min(self.bottom, other.bottom)
        return Rect(x, y, r - x, b - y) if r > x and b > y else None


@dataclass(frozen=True, slots=True)
class Window:
    """When an element is visible (or audible): ``[start, end)`` in composition seconds."""

    start: float
    end: float
    trim_start: float = 0.0

    @property
    def duration(self) -> float:
        return self.end - self.start

    def contains(self, t: float) -> bool:
        return self.start - _EPS <= t < self.end - _EPS


@dataclass(frozen=True, slots=True)
class Placement:
    """An element in pixels.

    The media is scaled to ``scaled``, the ``crop`` rectangle (in scaled-media
    pixels) is kept, and its top-left lands at ``offset`` inside ``box``.
    ``drawn`` is where it lands on the canvas; it may extend past the canvas.
    """

    box: Rect
    scaled: tuple[int, int]
    crop: Rect
    offset: tuple[int, int]

    @property
    def drawn(self) -> Rect:
        x, y = self.box.x + self.offset[0], self.box.y + self.offset[1]
        return Rect(x, y, self.crop.w, self.crop.h)

    @property
    def needs_crop(self) -> bool:
        return (self.crop.w, self.crop.h) != self.scaled


ExactBox = tuple[float, float, float, float]  # x, y, w, h in fractional pixels


def exact_box(
    element: VideoElement | ImageElement | TextElement,
    canvas: tuple[int, int],
    scale: float = 1.0,
) -> ExactBox:
    """The element's box before rounding: (x, y, w, h) in fractional pixels at ``scale``."""
    cw, ch = canvas
    x, y = element.x.to_px(cw), element.y.to_px(ch)
    w, h = element.width.to_px(cw), element.height.to_px(ch)
    return x * scale, y * scale, w * scale, h * scale


def box(
    element: VideoElement | ImageElement | TextElement,
    canvas: tuple[int, int],
    scale: float = 1.0,
) -> Rect:
    """The element's box on a canvas of ``canvas`` (w, h) output pixels, at ``scale``."""
    cw, ch = canvas
    x, y = element.x.to_px(cw), element.y.to_px(ch)
    w, h = element.width.to_px(cw), element.height.to_px(ch)
    left, top = round_half_up(x * scale), round_half_up(y * scale)
    right, bottom = round_half_up((x + w) * scale), round_half_up((y + h) * scale)
    return Rect(left, top, max(1, right - left), max(1, bottom - top))


def _round_half_down(value: float) -> int:
    return math.ceil(value - 0.5 - 1e-9)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def fit_media(
    fit: str,
    media: tuple[int, int],
    target: Rect,
    *,
    native_scale: float = 1.0,
    exact: ExactBox | None = None,
) -> Placement:
    """Scale media of size ``media`` into ``target`` per the fit mode.

    ``native_scale`` is the preview scale: ``auto`` never enlarges beyond the
    source's own size *at output resolution*, i.e. beyond ``media * native_scale``.
    ``exact`` is the box before rounding (``exact_box``); the scale factor and
    the centring come from it, so a preview at half scale is half the render
    even for boxes a few pixels wide. Without it, ``target`` is taken as exact.
    """
    mw, mh = media
    bw, bh = target.w, target.h
    if mw <= 0 or mh <= 0:
        raise ValueError(f"media size must be positive, got {mw}x{mh}")
    fx, fy, fw, fh = exact if exact is not None else (target.x, target.y, bw, bh)
    # where the exact box starts inside the rounded one (within half a pixel)
    dx, dy = fx - target.x, fy - target.y
    if fit == "fill":
        return Placement(target, (bw, bh), Rect(0, 0, bw, bh), (0, 0))
    if fit == "cover":
        k = max(fw / mw, fh / mh)
        sw, sh = max(bw, round_half_up(mw * k)), max(bh, round_half_up(mh * k))
        # the centred media's left edge sits at dx - (mw*k - fw) / 2 inside the box
        cx = _clamp(_round_half_down((mw * k - fw) / 2 - dx), 0, sw - bw)
        cy = _clamp(_round_half_down((mh * k - fh) / 2 - dy), 0, sh - bh)
        return Placement(target, (sw, sh), Rect(cx, cy, bw, bh), (0, 0))
    if fit in ("contain", "auto"):
        k = min(fw / mw, fh / mh)
        if fit == "auto":
            k = min(k, native_scale)
        sw = min(bw, max(1, round_half_up(mw * k)))
        sh = min(bh, max(1, round_half_up(mh * k)))
        ox = _clamp(_round_half_down(dx + (fw - mw * k) / 2), 0, bw - sw)
        oy = _clamp(_round_half_down(dy + (fh - mh * k) / 2), 0, bh - sh)
        return Placement(target, (sw, sh), Rect(0, 0, sw, sh), (ox, oy))
    raise ValueError(f"unknown fit mode {fit!r}")


def place(
    element: VideoElement | ImageElement | TextElement,
    media: tuple[int, int] | None,
    canvas: tuple[int, int],
    scale: float = 1.0,
) -> Placement:
    """Where and how large ``element`` is drawn. Text is drawn to its box exactly."""
    target = box(element, canvas, scale)
    if isinstance(element, TextElement) or media is None:
        return Placement(target, (target.w, target.h), Rect(0, 0, target.w, target.h), (0, 0))
    exact = exact_box(element, canvas, scale)
    return fit_media(element.fit, media, target, native_scale=scale, exact=exact)


def source_region(placement: Placement, media: tuple[int, int]) -> Rect:
    """The part of the source (in source pixels, rounded outward) that ``placement`` shows.

    For a renderer that crops before it scales: ``cover`` on an extreme aspect
    ratio (a 1x2000 strip in a wide box) scales to millions of pixels, of
    which only the crop is kept.
    """
    mw, mh = media
    sw, sh = placement.scaled
    crop = placement.crop
    left = math.floor(crop.x * mw / sw + _EPS)
    top = math.floor(crop.y * mh / sh + _EPS)
    right = min(mw, math.ceil(crop.right * mw / sw - _EPS))
    bottom = min(mh, math.ceil(crop.bottom * mh / sh - _EPS))
    return Rect(left, top, max(1, right - left), max(1, bottom - top))


@dataclass(frozen=True, slots=True)
class Timeline:
    duration: float
    windows: Mapping[str, Window]
    cues: Mapping[str, tuple] = field(default_factory=dict)  # id -> tuple[Cue, ...]


def _natural_end(element, facts: MediaFacts | None) -> float | None:
    """Where an element ends on its own (None: it lasts as long as the composition)."""
    if element.duration is not None:
        return element.start + element.duration
    if isinstance(element, VideoElement | AudioElement) and facts is not None and facts.duration:
        return element.start + max(0.0, facts.duration - element.trim_start)
    return None


def _check_length(comp: Composition, ends: Mapping[str, float | None]) -> None:
    """Refuse a composition that its media would make longer than the model's limit."""
    for element in comp.elements:
        end = ends[element.id]
        if end is not None and end > MAX_COMPOSITION_SECONDS + _EPS:
            hours = MAX_COMPOSITION_SECONDS // 3600
            whole = math.ceil(end)
            clock = f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
            raise CompositionError(
                f"element '{element.id}': its media runs to {clock}, past the longest "
                f"composition Vidgen renders ({hours} hours); give it a duration "
                "or set output.duration"
            )


def resolve_timeline(comp: Composition, facts: Mapping[str, MediaFacts | None]) -> Timeline:
    """Every element's window and the composition's length.

    Length: ``output.duration`` if set, else the end of the last element that
    has an end of its own; stills and text without a duration run to the end
    (see the module doc for one starting after everything else has ended).
    """
    ends = {e.id: _natural_end(e, facts.get(e.id)) for e in comp.elements}
    if comp.output.duration is not None:
        total = comp.output.duration
    else:
        _check_length(comp, ends)
        total = max((end for end in ends.values() if end is not None), default=0.0)
        open_starts = [e.start for e in comp.elements if ends[e.id] is None]
        late = [start for start in open_starts if start >= total - _EPS]
        if late or total <= 0:
            total = max(total, max(late, default=0.0) + DEFAULT_STILL_DURATION)
            total = min(total, MAX_COMPOSITION_SECONDS)  # a still starting just before it
    windows: dict[str, Window] = {}
    for element in comp.elements:
        end = ends[element.id]
        end = total if end is None else min(end, total)
        trim = getattr(element, "trim_start", 0.0)
        windows[element.id] = Window(element.start, max(element.start, end), trim)
    _check_motion(comp, ends)
    cues = _transitions(comp, windows, total)
    return Timeline(total, windows, cues)


def _check_motion(comp: Composition, ends: Mapping[str, float | None]) -> None:
    """Keyframes and presets must fit in a window only the media's length tells."""
    from vidgen_desktop.composition.animation import check_window

    for element in comp.elements:
        end = ends[element.id]
        if element.duration is not None or end is None or not hasattr(element, "keyframes"):
            continue  # a set duration is checked by the model; an open one runs to the end
        animations = {n: getattr(element, n, None) for n in ("animation_in", "animation_out")}
        problems = check_window(element.keyframes, animations, end - element.start)
        if problems:
            raise CompositionError("\n".join(f"element '{element.id}': {p}" for p in problems))


def _transitions(comp: Composition, windows: dict[str, Window], total: float) -> dict:
    """Pair each ``transition_in`` with the element it enters over; hold that one's window."""
    cues: dict[str, list] = {}
    visuals = [e for e in comp.elements if not isinstance(e, AudioElement) and not e.hidden]
    for element in visuals:
        spec = element.transition_in
        if spec is None:
            continue
        from vidgen_desktop.composition.states import Cue  # only with a transition

        mine = windows[element.id]
        start, duration = mine.start, min(spec.duration, max(_EPS, mine.duration))
        before = [
            other
            for other in visuals
            if other is not element
            and other.track == element.track
            and windows[other.id].start < start - _EPS
            and windows[other.id].end >= start - _EPS
        ]
        partner = max(before, key=lambda e: windows[e.id].start, default=None)
        cues.setdefault(element.id, []).append(
            Cue(spec.type, start, duration, True, partner.id if partner else None)
        )
        if partner is not None:
            theirs = windows[partner.id]
            end = max(theirs.end, min(total, start + duration))
            windows[partner.id] = Window(theirs.start, end, theirs.trim_start)
            cues.setdefault(partner.id, []).append(
                Cue(spec.type, start, duration, False, element.id)
            )
    return {key: tuple(value) for key, value in cues.items()}


def frame_count(duration: float, fps: float) -> int:
    """Frames in ``duration`` seconds at ``fps``: frame n is shown at n / fps."""
    return max(1, math.ceil(duration * fps - _EPS))


def source_frame_index(window: Window, t: float, src_fps: float, src_frames: int | None) -> int:
    """Which source frame a video element shows at composition time ``t`` (see module doc)."""
    k0 = math.ceil(window.trim_start * src_fps - _EPS)
    k = k0 + max(0, math.floor((t - window.start) * src_fps + _EPS))
    if src_frames is not None:
        k = min(k, src_frames - 1)
    return max(0, k)


def fade_alpha(window: Window, t: float, fade_in: float, fade_out: float) -> float:
    """The fade multiplier (0–1) at composition time ``t``: linear ramps at both ends."""
    factor = 1.0
    if fade_in > 0:
        factor = min(factor, max(0.0, (t - window.start) / fade_in))
    if fade_out > 0:
        factor = min(factor, max(0.0, (window.end - t) / fade_out))
    return min(1.0, factor)


def is_static(element, cues: Sequence[Cue] = ()) -> bool:
    """Whether the element's geometry and opacity never change (fades aside)."""
    if isinstance(element, AudioElement):
        return not element.keyframes
    return not (element.animated or cues) and element.rotation == 0


def __getattr__(name: str):  # Cue, State, state_at: loaded on first use (a still render
    if name in ("Cue", "State", "state_at"):  # needs none of them: 10 M instructions)
        return getattr(importlib.import_module("vidgen_desktop.composition.states"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
