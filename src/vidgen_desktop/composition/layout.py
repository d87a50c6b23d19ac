"""The one place that turns the document into pixels and seconds.

The renderer (``render.graph``) and the preview (``render.preview``) both
call ``place`` and ``resolve_timeline`` and nothing else does this math, so
what the canvas shows is what FFmpeg renders.

Rounding rules (defined once, here):
- Lengths become fractional canvas pixels, times the preview scale, then
  each *edge* is rounded half-up: ``left = R(x)``, ``right = R(x + w)``,
  ``width = max(1, right - left)``. Adjacent boxes therefore tile exactly.
- Scaled media sizes are rounded half-up and never below 1 px; ``contain``
  and ``auto`` centre the media in the box, ``cover`` crops it centred, both
  with the leftover split by floor division (the extra pixel goes right/down).
- Time: an element is visible on ``[start, end)``. At composition time ``t``
  a video element shows source frame
  ``k0 + floor((t - start) * src_fps + 1e-6)``, with
  ``k0 = ceil(trim_start * src_fps - 1e-6)`` (the first frame at or after
  the trim point), held at the last frame if the media runs out. That is
  exactly what FFmpeg's trim + setpts + overlay does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from vidgen_desktop.composition.model import (
    DEFAULT_STILL_DURATION,
    AudioElement,
    Composition,
    ImageElement,
    TextElement,
    VideoElement,
)
from vidgen_desktop.composition.units import round_half_up

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
        return Rect(self.box.x + self.offset[0], self.box.y + self.offset[1], self.crop.w, self.crop.h)

    @property
    def needs_crop(self) -> bool:
        return (self.crop.w, self.crop.h) != self.scaled


def box(element: VideoElement | ImageElement | TextElement, canvas: tuple[int, int], scale: float = 1.0) -> Rect:
    """The element's box on a canvas of ``canvas`` (w, h) output pixels, at ``scale``."""
    cw, ch = canvas
    x = element.x.to_px(cw)
    y = element.y.to_px(ch)
    w = element.width.to_px(cw)
    h = element.height.to_px(ch)
    left, top = round_half_up(x * scale), round_half_up(y * scale)
    right, bottom = round_half_up((x + w) * scale), round_half_up((y + h) * scale)
    return Rect(left, top, max(1, right - left), max(1, bottom - top))


def fit_media(
    fit: str, media: tuple[int, int], target: Rect, *, native_scale: float = 1.0
) -> Placement:
    """Scale media of size ``media`` into ``target`` per the fit mode.

    ``native_scale`` is the preview scale: ``auto`` never enlarges beyond the
    source's own size *at output resolution*, i.e. beyond ``media * native_scale``.
    """
    mw, mh = media
    bw, bh = target.w, target.h
    if mw <= 0 or mh <= 0:
        raise ValueError(f"media size must be positive, got {mw}x{mh}")
    if fit == "fill":
        return Placement(target, (bw, bh), Rect(0, 0, bw, bh), (0, 0))
    if fit == "cover":
        k = max(bw / mw, bh / mh)
        sw, sh = max(bw, round_half_up(mw * k)), max(bh, round_half_up(mh * k))
        crop = Rect((sw - bw) // 2, (sh - bh) // 2, bw, bh)
        return Placement(target, (sw, sh), crop, (0, 0))
    if fit in ("contain", "auto"):
        k = min(bw / mw, bh / mh)
        if fit == "auto":
            k = min(k, native_scale)
        sw = min(bw, max(1, round_half_up(mw * k)))
        sh = min(bh, max(1, round_half_up(mh * k)))
        return Placement(target, (sw, sh), Rect(0, 0, sw, sh), ((bw - sw) // 2, (bh - sh) // 2))
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
    return fit_media(element.fit, media, target, native_scale=scale)


@dataclass(frozen=True, slots=True)
class Timeline:
    duration: float
    windows: Mapping[str, Window]


def _natural_end(element, facts: MediaFacts | None) -> float | None:
    """Where an element ends on its own (None: it lasts as long as the composition)."""
    if element.duration is not None:
        return element.start + element.duration
    if isinstance(element, VideoElement | AudioElement) and facts is not None and facts.duration:
        return element.start + max(0.0, facts.duration - element.trim_start)
    return None


def resolve_timeline(comp: Composition, facts: Mapping[str, MediaFacts | None]) -> Timeline:
    """Every element's window and the composition's length.

    Length: ``output.duration`` if set, else the end of the last element that
    has an end of its own; stills and text without a duration run to the end.
    """
    ends = {e.id: _natural_end(e, facts.get(e.id)) for e in comp.elements}
    if comp.output.duration is not None:
        total = comp.output.duration
    else:
        known = [end for end in ends.values() if end is not None]
        total = max(known) if known else DEFAULT_STILL_DURATION
    windows: dict[str, Window] = {}
    for element in comp.elements:
        end = ends[element.id]
        end = total if end is None else min(end, total)
        trim = getattr(element, "trim_start", 0.0)
        windows[element.id] = Window(element.start, max(element.start, end), trim)
    return Timeline(total, windows)


def frame_count(duration: float, fps: float) -> int:
    """Frames in ``duration`` seconds at ``fps``: frame n is shown at n / fps."""
    return max(1, math.ceil(duration * fps - _EPS))


def source_frame_index(window: Window, t: float, src_fps: float, src_frames: int | None) -> int:
    """Which source frame a video element shows at composition time ``t`` (see module doc)."""
    k0 = math.ceil(window.trim_start * src_fps - _EPS)
    k = k0 + math.floor((t - window.start) * src_fps + _EPS)
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
