"""Keyframe edits with no Qt in them: what the ◆ toggles, the canvas and the timeline change.

An element's ``keyframes`` is ``{property: [{time, value, easing}]}`` with times
in seconds from the element's start (``composition.motion``). Every function
here returns the fields to hand to ``Document.edit`` (so each change is one
undoable command and the model validates it), or a one-line refusal.

Values at the playhead come from ``composition.layout.state_at``, the one
function the render uses too. ``base_state`` leaves out the presets, the
transition and the fades, so a keyframe added at the playhead holds the
keyframed value, not the preset's passing offset (presets are relative).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.animation import ANIMATABLE
from vidgen_desktop.composition.units import Length

LENGTHS = {"x": 0, "y": 1, "width": 0, "height": 1}  # property -> canvas axis
BOX_PROPS = ("x", "y", "width", "height")  # what moves the box (the motion path)
POSITION = ("x", "y")  # what "Add keyframe" animates on an element with no keyframes yet
# what base_state turns off: motion that is not the keyframes' own
_NOT_KEYFRAMES = {
    "animation_in": None,
    "animation_out": None,
    "transition_in": None,
    "fade_in": 0.0,
    "fade_out": 0.0,
}
Box = tuple[float, float, float, float]


class Doc(Protocol):  # what these functions read of ``Document`` (no Qt needed)
    comp: Any
    time: float

    @property
    def canvas(self) -> tuple[int, int]: ...

    def timeline(self) -> layout.Timeline: ...

    def media_size(self, element: Any) -> tuple[int, int] | None: ...


@dataclass(frozen=True)
class View:
    """Where an element is drawn at one time: its box (canvas px), turn and opacity."""

    box: Box
    rotation: float = 0.0
    opacity: float = 1.0
    volume: float = 1.0


def tracks(element: Any) -> dict[str, list]:
    return dict(getattr(element, "keyframes", None) or {})


def animated(element: Any, prop: str) -> bool:
    return bool(tracks(element).get(prop))


def plain(key: Any) -> dict[str, Any]:
    """A keyframe as the JSON the document holds (a length as ``"10%"``)."""
    if isinstance(key, Mapping):
        time, value, easing = key["time"], key["value"], key.get("easing", "linear")
    else:
        time, value = key.time, key.value
        easing = getattr(key, "easing", "linear")
    if isinstance(value, Length):
        value = str(value)
    if isinstance(easing, tuple):
        easing = list(easing)
    out = {"time": float(time), "value": value}
    if easing not in (None, "linear"):
        out["easing"] = easing
    return out


def plain_tracks(element: Any) -> dict[str, list[dict[str, Any]]]:
    return {prop: [plain(k) for k in keys] for prop, keys in tracks(element).items()}


def frame_of(t: float, fps: float) -> int:
    return math.floor(t * fps + 1e-6)


def local_time(doc: Doc, element: Any, t: float | None = None) -> float:
    """The playhead (or ``t``) in seconds from the element's start, on a whole frame."""
    fps = doc.comp.output.fps
    t = doc.time if t is None else t
    return round((t - element.start) * fps) / fps


def key_index(keys: list, t: float, fps: float) -> int | None:
    """Which keyframe of ``keys`` sits at ``t`` (within half a frame)."""
    for n, key in enumerate(keys):
        if abs(plain(key)["time"] - t) < 0.5 / fps:
            return n
    return None


def times(element: Any, props: tuple[str, ...] = ANIMATABLE) -> list[float]:
    """Every keyframe time of ``element`` (any of ``props``), once each, in order."""
    found = sorted({plain(k)["time"] for p, keys in tracks(element).items() if p in props
                    for k in keys})  # fmt: skip
    out: list[float] = []
    for t in found:
        if not out or t - out[-1] > 1e-6:
            out.append(t)
    return out


# -- where an element is ---------------------------------------------------------------------


def state(doc: Doc, element: Any, t: float | None = None, *, base: bool = False) -> View:
    """The element at composition time ``t`` (default: the playhead), as the render draws it.

    ``base``: the keyframes and static values only (no presets, transition, fades).
    """
    if base:
        fields = type(element).model_fields
        update = {k: v for k, v in _NOT_KEYFRAMES.items() if k in fields}
        element = element.model_copy(update=update)
    fps = doc.comp.output.fps
    t = doc.time if t is None else t
    window = doc.timeline().windows.get(element.id) or layout.Window(element.start, element.start)
    cues = () if base else doc.timeline().cues.get(element.id, ())
    s = layout.state_at(
        element,
        frame_of(t, fps),
        fps,
        doc.canvas,
        window,
        media_size=doc.media_size(element),
        cues=cues,
    )
    return View(s.exact, s.rotation, s.opacity, s.volume)


def value_at(doc: Doc, element: Any, prop: str, t: float | None = None) -> Any:
    """``prop``'s keyframed value at the playhead, in the unit its keyframes (or field) use."""
    view = state(doc, element, t, base=True)
    if prop in LENGTHS:
        x, y, w, h = view.box
        px = {"x": x, "y": y, "width": w, "height": h}[prop]
        return Length(px + 0.0, "px").convert(unit_of(element, prop), doc.canvas[LENGTHS[prop]])
    if prop == "opacity":
        return round(view.opacity, 6)
    if prop == "volume":
        return round(view.volume, 6)
    return round(view.rotation, 6)


def unit_of(element: Any, prop: str) -> str:
    keys = tracks(element).get(prop)
    if keys:
        value = keys[0].value if not isinstance(keys[0], Mapping) else keys[0]["value"]
        try:
            return Length.parse(value).unit
        except ValueError:
            pass
    return getattr(element, prop).unit


def converted(element: Any, prop: str, unit: str, extent: int) -> dict:
    """Fields that give ``prop``'s keyframes the unit ``unit`` (exactly); {} when still."""
    if not animated(element, prop):
        return {}
    all_tracks = plain_tracks(element)
    all_tracks[prop] = [
        {**k, "value": str(Length.parse(k["value"]).convert(unit, extent))}
        for k in all_tracks[prop]
    ]
    return {"keyframes": all_tracks}


def _applied(element: Any, fields: Mapping[str, Any]) -> Any:
    """``element`` with ``fields``, validated (keyframes as the model's own objects)."""
    try:
        return type(element).model_validate({**dict(element), **fields})
    except ValueError:  # refused later, in words, by Document.edit
        return element.model_copy(update={k: v for k, v in fields.items() if k != "keyframes"})


# -- edits (each returns the fields for Document.edit, or a refusal) --------------------------


def _inside(doc: Doc, element: Any, t: float) -> str | None:
    window = doc.timeline().windows.get(element.id)
    if window is None or -1e-9 <= t <= window.duration + 1e-9:
        return None
    return (
        f"element '{element.id}': the playhead is outside its time "
        f"({window.start:g}–{window.end:g} s); move it there to set a keyframe"
    )


def with_key(doc: Doc, element: Any, prop: str, value: Any = None, t: float | None = None):
    """Fields that put a keyframe of ``prop`` at ``t`` (default: the playhead).

    ``value`` None: the value the element has there. An existing keyframe at ``t``
    keeps its easing and takes the new value. Returns (fields, refusal).
    """
    t = local_time(doc, element) if t is None else t
    refusal = _inside(doc, element, t)
    if refusal:
        return None, refusal
    if value is None:
        value = value_at(doc, element, prop)
    if isinstance(value, Length):
        value = str(value)
    elif prop not in LENGTHS and isinstance(value, str):
        with contextlib.suppress(ValueError):  # typed into a number field (else the model
            value = float(value)  # names what is wrong)
    all_tracks = plain_tracks(element)
    keys = all_tracks.get(prop, [])
    at = key_index(keys, t, doc.comp.output.fps)
    if at is not None:
        keys[at] = {**keys[at], "value": value}
    else:
        keys = sorted([*keys, {"time": max(0.0, t), "value": value}], key=lambda k: k["time"])
    all_tracks[prop] = keys
    return {"keyframes": all_tracks}, None


def without_key(doc: Doc, element: Any, prop: str, t: float | None = None) -> dict | None:
    """Fields that delete ``prop``'s keyframe at ``t``; None if there is none.

    The last keyframe gone, the field keeps its value, so nothing jumps.
    """
    t = local_time(doc, element) if t is None else t
    all_tracks = plain_tracks(element)
    keys = all_tracks.get(prop, [])
    at = key_index(keys, t, doc.comp.output.fps)
    if at is None:
        return None
    gone = keys.pop(at)
    fields: dict[str, Any] = {}
    if keys:
        all_tracks[prop] = keys
    else:
        del all_tracks[prop]
        fields[prop] = gone["value"]
    fields["keyframes"] = all_tracks
    return fields


def set_value(doc: Doc, element: Any, prop: str, value: Any):
    """A field edit at the playhead: a keyframe when ``prop`` is animated, else the field."""
    if animated(element, prop):
        return with_key(doc, element, prop, value)
    return {prop: value}, None


def set_values(doc: Doc, element: Any, values: Mapping[str, Any]):
    """``set_value`` for several properties of one element at once: (fields, refusal)."""
    fields: dict[str, Any] = {}
    current = element
    for prop, value in values.items():
        change, refusal = set_value(doc, current, prop, value)
        if refusal:
            return None, refusal
        fields.update(change)
        if "keyframes" in change:
            current = _applied(current, change)
    return fields, None


def retimed(doc: Doc, element: Any, old: float, new: float, props=ANIMATABLE):
    """Fields that move every keyframe at ``old`` to ``new`` (seconds from the element's start).

    Refused when ``new`` is outside the element's time or on another keyframe of the
    same property (times must strictly increase). Returns (fields, refusal).
    """
    fps = doc.comp.output.fps
    refusal = _inside(doc, element, new)
    if refusal:
        return None, refusal.replace("the playhead is", "that time is")
    all_tracks = plain_tracks(element)
    for prop in props:
        keys = all_tracks.get(prop, [])
        at = key_index(keys, old, fps)
        if at is None:
            continue
        clash = key_index(keys, new, fps)
        if clash is not None and clash != at:
            return None, (
                f"element '{element.id}': {prop} already has a keyframe at {new:g} s; "
                "keyframe times must increase"
            )
        keys[at] = {**keys[at], "time": max(0.0, new)}
        all_tracks[prop] = sorted(keys, key=lambda k: k["time"])
    return {"keyframes": all_tracks}, None


def eased(doc: Doc, element: Any, t: float, easing: Any, props=ANIMATABLE) -> dict:
    """Fields that give every keyframe at ``t`` the easing of the segment ending there."""
    all_tracks = plain_tracks(element)
    for prop in props:
        keys = all_tracks.get(prop, [])
        at = key_index(keys, t, doc.comp.output.fps)
        if at is not None:
            keys[at] = {k: v for k, v in keys[at].items() if k != "easing"}
            if easing != "linear":
                keys[at]["easing"] = easing
    return {"keyframes": all_tracks}


def easing_at(element: Any, t: float, fps: float) -> Any:
    """The easing the keyframes at ``t`` share (None when they differ)."""
    found = []
    for keys in plain_tracks(element).values():
        at = key_index(keys, t, fps)
        if at is not None:
            found.append(keys[at].get("easing", "linear"))
    return found[0] if found and all(e == found[0] for e in found) else None


def removed_at(doc: Doc, element: Any, t: float, props=ANIMATABLE) -> dict | None:
    """Fields that delete every keyframe at ``t``; None if there is none."""
    fields: dict[str, Any] = {}
    current = element
    for prop in props:
        change = without_key(doc, current, prop, t)
        if change is not None:
            fields.update(change)
            current = _applied(current, change)
    return fields or None


def nearest_time(element: Any, t: float) -> float | None:
    found = times(element)
    return min(found, key=lambda k: abs(k - t)) if found else None


def motion_path(doc: Doc, element: Any, samples: int = 120) -> list[tuple[float, float]]:
    """The centre of the drawn box over the element's time (canvas px); one point if still."""
    window = doc.timeline().windows.get(element.id)
    if window is None or window.duration <= 0:
        return []
    fps = doc.comp.output.fps
    frames = max(1, math.ceil(window.duration * fps - 1e-6))
    step = max(1, frames // samples)
    points: list[tuple[float, float]] = []
    for k in [*range(0, frames, step), frames - 1]:
        x, y, w, h = state(doc, element, window.start + k / fps).box
        centre = (x + w / 2, y + h / 2)
        if not points or math.dist(points[-1], centre) > 0.01:
            points.append(centre)
    return points


def add_here(doc: Doc, element: Any):
    """Fields that key every animated property at the playhead (a still element: its
    position, or a sound's volume), each at the value it has there: (fields, refusal)."""
    props = [p for p in ANIMATABLE if animated(element, p)]
    if not props:
        props = list(POSITION) if hasattr(element, "x") else ["volume"]
    fields: dict[str, Any] = {}
    current = element
    for prop in props:
        change, refusal = with_key(doc, current, prop)
        if refusal:
            return None, refusal
        fields.update(change)
        current = _applied(current, change)
    return fields, None


def neighbour(doc: Doc, elements: list, forward: bool) -> float | None:
    """The composition time of the next (or previous) keyframe of ``elements``."""
    fps = doc.comp.output.fps
    windows = doc.timeline().windows
    found = [windows[e.id].start + t for e in elements if e.id in windows for t in times(e)]
    half = 0.5 / fps
    if forward:
        later = [t for t in found if t > doc.time + half]
        return min(later) if later else None
    earlier = [t for t in found if t < doc.time - half]
    return max(earlier) if earlier else None
