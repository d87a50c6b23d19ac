"""Motion math: easing curves, keyframe interpolation, preset expansion.

Pure functions on plain numbers; ``composition.layout.state_at`` is their one
caller that turns them into pixels, so the preview and the render agree.

Easing (of the segment that *ends* at a keyframe):

| name | curve |
|---|---|
| ``linear`` | ``p`` |
| ``ease-in`` | CSS ``cubic-bezier(0.42, 0, 1, 1)`` |
| ``ease-out`` | CSS ``cubic-bezier(0, 0, 0.58, 1)`` |
| ``ease-in-out`` | CSS ``cubic-bezier(0.42, 0, 0.58, 1)`` |
| ``hold`` | the previous value until the keyframe's time, then a jump |
| ``[x1, y1, x2, y2]`` | CSS ``cubic-bezier(x1, y1, x2, y2)``; ``x1``, ``x2`` in [0, 1] |

Presets (``animation_in`` over the first ``duration`` seconds of the element,
``animation_out`` over the last): each is a ``Motion`` relative to the
element's own (static or keyframed) state: an offset in canvas pixels, a
scale about the box centre, an added rotation, an opacity factor, and for
``ken-burns`` a zoom and pan of the media inside its box. ``animation_out``
plays the same preset backwards, so ``slide-from-left`` leaves to the left
and ``zoom-in`` shrinks away. The table of what each preset does is
``preset_motion`` (below); the progress ``p`` (0 → 1) of an entrance's motion is
eased with ``ease-out``, of ``ken-burns`` with ``ease-in-out``; opacity always
ramps linearly (``OPACITY_RAMPS``), the way FFmpeg's ``fade`` filter draws it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from vidgen_desktop.composition.motion_names import (  # noqa: F401 - the names, re-exported
    EASINGS,
    IMAGE_ONLY_PRESETS,
    PRESETS,
    TRANSITIONS,
)

CSS_CURVES: dict[str, tuple[float, float, float, float]] = {
    "ease-in": (0.42, 0.0, 1.0, 1.0),
    "ease-out": (0.0, 0.0, 0.58, 1.0),
    "ease-in-out": (0.42, 0.0, 0.58, 1.0),
}
ZOOM_IN_FROM = 0.6  # zoom-in grows from 60 % of its size (and fades in)
ZOOM_OUT_FROM = 1.4  # zoom-out shrinks from 140 % (and fades in)
POP_PEAK = 1.1  # pop overshoots to 110 % at POP_PEAK_AT of its duration, then settles
POP_PEAK_AT = 0.7
KEN_BURNS_ZOOM = 1.2  # ken-burns ends 20 % closer, its focus moving from KEN_BURNS_FROM
KEN_BURNS_FROM = (0.35, 0.35)  # the media point (fractions) the zoom starts on; ends centred
TRANSITION_ZOOM_FROM = 0.5  # the zoom transition grows the entering element from 50 %
# Opacity is always a linear ramp (so FFmpeg's fade filter draws it): a preset fades in
# over this fraction of its duration (out: over the last fraction), a transition over all.
OPACITY_RAMPS = {"fade": 1.0, "zoom-in": 1.0, "zoom-out": 1.0, "pop": POP_PEAK_AT, "spin": 0.5}
TRANSITION_RAMPS = {"crossfade": 1.0, "zoom": 1.0}

Easing = str | Sequence[float]


def cubic_bezier(x1: float, y1: float, x2: float, y2: float, p: float) -> float:
    """CSS ``cubic-bezier(x1, y1, x2, y2)`` at progress ``p`` (0–1).

    The curve runs from (0, 0) to (1, 1); ``x`` is time, ``y`` the eased
    progress. ``x(s) = p`` is solved by bisection (x is monotonic because
    ``x1``, ``x2`` are in [0, 1]) to 1e-9, then ``y(s)`` is returned.
    """
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0

    def coord(a: float, b: float, s: float) -> float:
        u = 1 - s
        return 3 * u * u * s * a + 3 * u * s * s * b + s * s * s

    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if coord(x1, x2, mid) < p:
            lo = mid
        else:
            hi = mid
    return coord(y1, y2, (lo + hi) / 2)


@lru_cache(maxsize=256)
def _curve(easing: str | tuple[float, ...]) -> tuple[float, float, float, float] | None:
    if isinstance(easing, str):
        return CSS_CURVES.get(easing)
    return tuple(float(v) for v in easing)  # type: ignore[return-value]


def ease(easing: Easing, p: float) -> float:
    """The eased progress for ``p`` in [0, 1] (clamped)."""
    p = min(1.0, max(0.0, p))
    if easing == "linear":
        return p
    if easing == "hold":
        return 1.0 if p >= 1 else 0.0
    key = easing if isinstance(easing, str) else tuple(easing)
    curve = _curve(key)
    if curve is None:
        raise ValueError(f"unknown easing {easing!r}")
    return cubic_bezier(*curve, p)


def interpolate(points: Sequence[tuple[float, float, Easing]], time: float) -> float:
    """The value at ``time`` of keyframes ``(time, value, easing)``, times increasing.

    Before the first keyframe its value holds; after the last, the last.
    Between two, the later one's easing shapes the segment.
    """
    if not points:
        raise ValueError("no keyframes")
    if time <= points[0][0]:
        return points[0][1]
    for (t0, v0, _), (t1, v1, easing) in zip(points, points[1:], strict=False):
        if time < t1:
            return v0 + (v1 - v0) * ease(easing, (time - t0) / (t1 - t0))
    return points[-1][1]


@dataclass(frozen=True, slots=True)
class Motion:
    """A relative change of an element's state (the identity by default).

    ``dx``, ``dy``: offset in canvas px; ``scale``: size factor about the box
    centre; ``rotation``: degrees added (clockwise); ``opacity``: factor;
    ``zoom`` and ``focus``: the media enlarged ``zoom`` times inside its own
    drawn rectangle about ``focus`` (fractions of it), cropped to that rectangle.
    """

    dx: float = 0.0
    dy: float = 0.0
    scale: float = 1.0
    rotation: float = 0.0
    opacity: float = 1.0
    zoom: float = 1.0
    focus: tuple[float, float] = (0.5, 0.5)

    def then(self, other: Motion) -> Motion:
        """Both changes together (offsets add, factors multiply; ``other``'s focus wins
        when it zooms)."""
        zoomed = other.zoom != 1.0
        return Motion(
            self.dx + other.dx,
            self.dy + other.dy,
            self.scale * other.scale,
            self.rotation + other.rotation,
            self.opacity * other.opacity,
            self.zoom * other.zoom,
            other.focus if zoomed else self.focus,
        )


IDENTITY = Motion()


def preset_motion(
    preset: str,
    p: float,
    box: tuple[float, float, float, float],
    canvas: tuple[float, float],
) -> Motion:
    """What entrance ``preset`` does at raw progress ``p`` (0: start, 1: settled).

    ``box`` is the element's exact box (x, y, w, h) and ``canvas`` the canvas
    size, both in the same pixels: slides start just off the canvas.
    An exit calls this with ``p`` running from 1 down to 0.
    """
    p = min(1.0, max(0.0, p))
    x, y, w, h = box
    cw, ch = canvas
    if preset == "ken-burns":
        q = ease("ease-in-out", p)
        fx = KEN_BURNS_FROM[0] + (0.5 - KEN_BURNS_FROM[0]) * q
        fy = KEN_BURNS_FROM[1] + (0.5 - KEN_BURNS_FROM[1]) * q
        return Motion(zoom=1 + (KEN_BURNS_ZOOM - 1) * q, focus=(fx, fy))
    q = ease("ease-out", p)
    left = 1 - q  # how much of the way is still to go
    opacity = min(1.0, p / OPACITY_RAMPS[preset]) if preset in OPACITY_RAMPS else 1.0
    if preset == "fade":
        return Motion(opacity=opacity)
    if preset == "slide-from-left":
        return Motion(dx=-(x + w) * left)
    if preset == "slide-from-right":
        return Motion(dx=(cw - x) * left)
    if preset == "slide-from-top":
        return Motion(dy=-(y + h) * left)
    if preset == "slide-from-bottom":
        return Motion(dy=(ch - y) * left)
    if preset == "zoom-in":
        return Motion(scale=ZOOM_IN_FROM + (1 - ZOOM_IN_FROM) * q, opacity=opacity)
    if preset == "zoom-out":
        return Motion(scale=ZOOM_OUT_FROM + (1 - ZOOM_OUT_FROM) * q, opacity=opacity)
    if preset == "pop":
        if p < POP_PEAK_AT:
            s = POP_PEAK * ease("ease-out", p / POP_PEAK_AT)
        else:
            s = POP_PEAK + (1 - POP_PEAK) * ease(
                "ease-in-out", (p - POP_PEAK_AT) / (1 - POP_PEAK_AT)
            )
        return Motion(scale=max(s, 0.0), opacity=opacity)
    if preset == "spin":
        return Motion(rotation=-360.0 * left, scale=q, opacity=opacity)
    raise ValueError(f"unknown animation preset {preset!r}")


def transition_motion(kind: str, p: float, entering: bool, box: tuple[float, float, float, float]):
    """What transition ``kind`` does to an element at progress ``p`` (0 → 1).

    Returns ``(motion, clip)``: ``clip`` is ``None`` or the part of ``box``
    (x, y, w, h, exact px) left visible. The entering element (``entering``)
    fades in (``crossfade``), is revealed by a moving edge (``wipe-*``: ``wipe-left``
    uncovers it from the right edge leftwards), slides in over the previous one
    (``slide-left`` comes in from the right, moving left) or pushes it out
    (``push-*``: both move together by the box width), or grows from
    ``TRANSITION_ZOOM_FROM`` while fading in (``zoom``). The previous element
    only moves, in ``push-*``; otherwise it stays as it is beneath.
    """
    p = min(1.0, max(0.0, p))
    x, y, w, h = box
    q = ease("ease-in-out", p)
    if kind in TRANSITION_RAMPS and not entering:
        return IDENTITY, None
    if kind == "crossfade":
        return Motion(opacity=p), None
    if kind.startswith("wipe-"):
        if not entering:
            return IDENTITY, None
        if kind == "wipe-left":
            return IDENTITY, (x + w * (1 - p), y, w * p, h)
        if kind == "wipe-right":
            return IDENTITY, (x, y, w * p, h)
        if kind == "wipe-up":
            return IDENTITY, (x, y + h * (1 - p), w, h * p)
        return IDENTITY, (x, y, w, h * p)  # wipe-down
    sign = -1.0 if kind.endswith("-left") else 1.0  # the direction of travel
    if kind.startswith("slide-"):
        return (Motion(dx=-sign * w * (1 - q)), None) if entering else (IDENTITY, None)
    if kind.startswith("push-"):
        if entering:
            return Motion(dx=-sign * w * (1 - q)), None
        return Motion(dx=sign * w * q), None
    if kind == "zoom":
        return Motion(scale=TRANSITION_ZOOM_FROM + (1 - TRANSITION_ZOOM_FROM) * q, opacity=p), None
    raise ValueError(f"unknown transition {kind!r}")


def is_identity(motion: Motion) -> bool:
    return motion == IDENTITY or (
        math.isclose(motion.scale, 1.0)
        and motion.dx == 0
        and motion.dy == 0
        and motion.rotation == 0
        and motion.opacity == 1
        and motion.zoom == 1
    )
