"""An element's state at output frame k: the one answer to "where, how big, how
turned, how opaque, how loud" (re-exported as ``layout.state_at`` / ``layout.State``).

The preview calls ``state_at`` for every layer it draws; the render graph
calls it for every frame of an animated element and turns the answers into
per-frame FFmpeg commands (``render.motion_graph``). Static elements get
exactly ``layout.place`` (same rounding), so static compositions are
unchanged pixel for pixel.

Order of composition at time ``t = frame / fps`` (``τ = t - window.start``):

1. the base: each animatable property from its keyframes at ``τ`` (lengths
   interpolated in canvas pixels), else its static value;
2. ``animation_in`` over ``τ ∈ [0, d)``, ``animation_out`` over the last
   ``d`` seconds of the window (played backwards), each a relative
   ``motion.Motion`` (offset, scale about the box centre, added rotation,
   opacity factor, ken-burns zoom inside the drawn media);
3. transitions (``Cue``) the element takes part in, entering or being
   entered over: motion and, for wipes, a clip rectangle;
4. ``fade_in`` / ``fade_out`` multiply the opacity.

Then the exact box is scaled to the preview scale, its edges rounded
half-up (``layout.box``'s rule) and the media fitted with ``layout.fit_media``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from vidgen_desktop.composition import motion
from vidgen_desktop.composition.layout import (
    ExactBox,
    Placement,
    Rect,
    Window,
    _clamp,
    _round_half_down,
    fade_alpha,
    fit_media,
    is_static,  # noqa: F401 - defined beside place(), which a still render needs alone
)
from vidgen_desktop.composition.model import (
    AudioElement,
    ImageElement,
    TextElement,
    VideoElement,
)
from vidgen_desktop.composition.units import round_half_up


@dataclass(frozen=True, slots=True)
class Cue:
    """A transition an element takes part in.

    ``kind`` is the entering element's ``transition_in.type``; it runs over
    ``[start, start + duration)`` composition seconds; ``entering`` says
    whether this element is the one coming in (else it is the previous
    element on the track, ``partner`` the one entering over it).
    """

    kind: str
    start: float
    duration: float
    entering: bool
    partner: str | None = None

    def progress(self, t: float) -> float | None:
        """0 → 1 while the transition runs at ``t``, None outside it."""
        if self.start - 1e-9 <= t < self.start + self.duration - 1e-9:
            return (t - self.start) / self.duration
        return None


@dataclass(frozen=True, slots=True)
class State:
    """An element at one frame, in canvas pixels at the asked scale.

    ``box``: its box after motion (rounded edges); ``exact``: the same before
    rounding; ``placement``: the fitted media (``placement.drawn`` is where
    its pixels land before rotation; ken-burns zoom included); ``rotation``:
    degrees clockwise about the centre of ``box`` (renderers turn the drawn
    media about its own centre, which is the box's to within half a pixel),
    not clipped to the box, corners transparent; ``opacity``: 0–1 with
    the element's opacity, keyframes, fades, presets and transitions;
    ``volume``: the sound's gain (0 for elements without sound); ``clip``: a
    canvas rectangle outside which nothing of it shows (wipes), or None;
    ``time``: the frame's composition time in seconds.
    """

    box: Rect
    exact: ExactBox
    placement: Placement
    rotation: float
    opacity: float
    volume: float
    clip: Rect | None
    time: float

    @property
    def drawn(self) -> Rect:
        return self.placement.drawn

    @property
    def visible(self) -> bool:
        return self.opacity > 0 and (self.clip is None or (self.clip.w > 0 and self.clip.h > 0))


def value_at(element, prop: str, tau: float, extent: int | None = None) -> float:
    """``prop`` at ``tau`` seconds into the element: its keyframes' value, else its static
    one (lengths in px on an axis ``extent`` long; others as numbers)."""
    return _value(element, prop, tau, extent)


def _value(element, prop: str, tau: float, extent: int | None) -> float:
    frames = element.keyframes.get(prop)
    if frames:
        points = [
            (f.time, f.value.to_px(extent) if extent is not None else f.value, f.easing)
            for f in frames
        ]
        return motion.interpolate(points, tau)
    static = getattr(element, prop, None)
    if static is None:
        return 0.0
    return static.to_px(extent) if extent is not None else float(static)


def base_box(element, tau: float, canvas: tuple[int, int]) -> ExactBox:
    """The element's exact box (x, y, w, h, output px) from keyframes or static values."""
    cw, ch = canvas
    return (
        _value(element, "x", tau, cw),
        _value(element, "y", tau, ch),
        _value(element, "width", tau, cw),
        _value(element, "height", tau, ch),
    )


def _preset_motion(element, window: Window, t: float, box: ExactBox, canvas) -> motion.Motion:
    total = motion.IDENTITY
    tau = t - window.start
    a_in, a_out = element.animation_in, element.animation_out
    if a_in is not None and tau < a_in.duration:
        total = total.then(motion.preset_motion(a_in.preset, tau / a_in.duration, box, canvas))
    if a_out is not None and window.end - t < a_out.duration:
        p = (window.end - t) / a_out.duration
        total = total.then(motion.preset_motion(a_out.preset, p, box, canvas))
    return total


def _edges(x: float, y: float, w: float, h: float) -> Rect:
    left, top = round_half_up(x), round_half_up(y)
    right, bottom = round_half_up(x + w), round_half_up(y + h)
    return Rect(left, top, max(1, right - left), max(1, bottom - top))


def _zoomed(p: Placement, zoom: float, focus: tuple[float, float]) -> Placement:
    """The media enlarged ``zoom`` times inside its drawn rectangle, about ``focus``."""
    sw, sh = max(1, round_half_up(p.scaled[0] * zoom)), max(1, round_half_up(p.scaled[1] * zoom))
    cw, ch = p.crop.w, p.crop.h
    ux, uy = p.crop.x + focus[0] * cw, p.crop.y + focus[1] * ch
    cx = _clamp(_round_half_down(ux * zoom - focus[0] * cw), 0, max(0, sw - cw))
    cy = _clamp(_round_half_down(uy * zoom - focus[1] * ch), 0, max(0, sh - ch))
    sw, sh = max(sw, cw), max(sh, ch)
    return replace(p, scaled=(sw, sh), crop=Rect(cx, cy, cw, ch))


def state_at(
    element: VideoElement | ImageElement | TextElement | AudioElement,
    frame: int,
    fps: float,
    canvas_size: tuple[int, int],
    window: Window,
    media_size: tuple[int, int] | None = None,
    *,
    scale: float = 1.0,
    cues: Sequence[Cue] = (),
) -> State:
    """Where ``element`` is, how big, how turned, how opaque and how loud at output frame
    ``frame`` (time ``frame / fps``), on a canvas of ``canvas_size`` output pixels drawn
    at ``scale``.

    ``window`` is its resolved window (``layout.resolve_timeline``), ``media_size``
    its source's size (None: text, drawn to its box), ``cues`` the transitions it
    takes part in (``Timeline.cues[element.id]``). An audio element has an empty
    box and only ``volume`` means anything.
    """
    t = frame / fps
    tau = t - window.start
    fade = fade_alpha(window, t, element.fade_in, element.fade_out)
    if isinstance(element, AudioElement):
        empty = Rect(0, 0, 1, 1)
        placement = Placement(empty, (1, 1), empty, (0, 0))
        volume = _value(element, "volume", tau, None) * fade
        return State(empty, (0, 0, 1, 1), placement, 0.0, 0.0, volume, None, t)
    x, y, w, h = base_box(element, tau, canvas_size)
    change = _preset_motion(element, window, t, (x, y, w, h), canvas_size)
    clip_exact = None
    for cue in cues:
        p = cue.progress(t)
        if p is None:
            continue
        step, clip = motion.transition_motion(cue.kind, p, cue.entering, (x, y, w, h))
        change = change.then(step)
        clip_exact = clip if clip is not None else clip_exact
    if change.scale != 1.0:
        cx, cy = x + w / 2, y + h / 2
        w, h = w * change.scale, h * change.scale
        x, y = cx - w / 2, cy - h / 2
    x, y = x + change.dx, y + change.dy
    exact = (x * scale, y * scale, w * scale, h * scale)
    box = _edges(*exact)
    if isinstance(element, TextElement) or media_size is None:
        placement = Placement(box, (box.w, box.h), Rect(0, 0, box.w, box.h), (0, 0))
    else:
        placement = fit_media(element.fit, media_size, box, native_scale=scale, exact=exact)
    if change.zoom != 1.0:
        placement = _zoomed(placement, change.zoom, change.focus)
    clip = None
    if clip_exact is not None:
        cx, cy, cw, ch = clip_exact
        left, top = round_half_up(cx * scale), round_half_up(cy * scale)
        right, bottom = round_half_up((cx + cw) * scale), round_half_up((cy + ch) * scale)
        clip = Rect(left, top, max(0, right - left), max(0, bottom - top))
    opacity = _value(element, "opacity", tau, None) * change.opacity * fade
    volume = (
        _value(element, "volume", tau, None) * fade if isinstance(element, VideoElement) else 0.0
    )
    rotation = _value(element, "rotation", tau, None) + change.rotation
    return State(box, exact, placement, rotation, min(1.0, max(0.0, opacity)), volume, clip, t)


def opacity_ramps(
    element, window: Window, cues: Sequence[Cue] = ()
) -> list[tuple[str, float, float]]:
    """The linear opacity ramps of presets and transitions: ``("in"|"out", start, duration)``
    in composition seconds. Their product is the preset and transition part of
    ``State.opacity`` (the render draws each with FFmpeg's ``fade``)."""
    ramps = []
    a_in, a_out = getattr(element, "animation_in", None), getattr(element, "animation_out", None)
    if a_in is not None and a_in.preset in motion.OPACITY_RAMPS:
        ramps.append(("in", window.start, a_in.duration * motion.OPACITY_RAMPS[a_in.preset]))
    if a_out is not None and a_out.preset in motion.OPACITY_RAMPS:
        d = a_out.duration * motion.OPACITY_RAMPS[a_out.preset]
        ramps.append(("out", window.end - d, d))
    for cue in cues:
        if cue.entering and cue.kind in motion.TRANSITION_RAMPS:
            ramps.append(("in", cue.start, cue.duration * motion.TRANSITION_RAMPS[cue.kind]))
    return ramps
