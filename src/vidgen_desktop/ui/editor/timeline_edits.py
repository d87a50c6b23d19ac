"""Timeline edits as plain data (no Qt): split, ripple delete, snapping, markers.

Each function returns what ``Document`` applies as one undoable step (fields for
``Document.edit``, a new element for ``Document.add``) or a one-line refusal, so
the rules are testable without a window.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from vidgen_desktop.composition import motion
from vidgen_desktop.composition.model import AudioElement, Marker, VideoElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor import keyframes

_EPS = 1e-6


def frame(t: float, fps: float) -> float:
    return round(t * fps) / fps


# -- split -------------------------------------------------------------------------------------


def _value_between(keys: list[dict[str, Any]], t: float) -> Any:
    """The track's value at ``t`` (element time), a length keeping the unit around it."""
    unit = None
    numbers = []
    for k in keys:
        value = k["value"]
        if isinstance(value, str):
            length = Length.parse(value)
            unit = unit or length.unit
            value = length.value
        numbers.append((k["time"], float(value), k.get("easing", "linear")))
    value = motion.interpolate(numbers, t)
    if unit is not None:
        return str(Length(value, unit))
    return value


def split_keyframes(
    element: Any, at: float
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """The keyframes of the part before ``at`` (element time) and of the part after it,
    the second re-based to its own start; a key is added at the cut where a track
    changes across it, so both halves move exactly as the whole did."""
    first: dict[str, list[dict[str, Any]]] = {}
    second: dict[str, list[dict[str, Any]]] = {}
    for prop, keys in keyframes.plain_tracks(element).items():
        if not keys:
            continue
        before = [k for k in keys if k["time"] <= at + _EPS]
        after = [dict(k, time=max(0.0, k["time"] - at)) for k in keys if k["time"] >= at - _EPS]
        cut = _value_between(keys, at)
        if not before or abs(before[-1]["time"] - at) > _EPS:
            before.append({"time": at, "value": cut})
        if not after or after[0]["time"] > _EPS:
            after.insert(0, {"time": 0.0, "value": cut})
        first[prop], second[prop] = before, after
    return first, second


def split(
    element: Any, window: Any, t: float, fps: float, new_id: str
) -> tuple[dict[str, Any], dict[str, Any]] | str:
    """Cut ``element`` at composition time ``t``: the fields of the first part and the
    data of the second (a new element ``new_id``), or why it cannot be cut there."""
    t = frame(t, fps)
    one = 1 / fps
    if element.locked:
        return f"'{element.label}' is locked: unlock it to split it"
    if not window.start + one - _EPS <= t <= window.end - one + _EPS:
        return f"the playhead is not inside '{element.label}': move it over the bar to split"
    at = t - window.start
    first: dict[str, Any] = {"duration": at}
    data = element.model_dump(mode="json")
    data.update(id=new_id, start=t, duration=window.end - t)
    if isinstance(element, VideoElement | AudioElement):
        data["trim_start"] = window.trim_start + at  # the second half plays on from the cut
    if getattr(element, "keyframes", None):
        first["keyframes"], data["keyframes"] = split_keyframes(element, at)
    # an entrance belongs to the first part, an exit and a fade-out to the second
    for field in ("animation_out", "fade_out"):
        if field in data:
            first[field] = None if field == "animation_out" else 0.0
    for field in ("animation_in", "transition_in"):
        if field in data:
            data[field] = None
    if "fade_in" in data:
        data["fade_in"] = 0.0
    return first, data


# -- ripple delete -----------------------------------------------------------------------------


def _union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + _EPS:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def ripple_shifts(
    elements: Sequence[Any], windows: Mapping[str, Any], ids: Iterable[str]
) -> dict[str, dict[str, float]]:
    """The new starts of the elements after the deleted ones: each moves earlier by the
    deleted time before it (the gaps close; overlapping deletions count once)."""
    gone = set(ids)
    spans = _union((windows[i].start, windows[i].end) for i in gone if i in windows)
    out: dict[str, dict[str, float]] = {}
    for element in elements:
        if element.id in gone:
            continue
        start = windows[element.id].start
        shift = sum(b - a for a, b in spans if b <= start + _EPS)
        if shift > _EPS:
            out[element.id] = {"start": max(0.0, start - shift)}
    return out


# -- restacking -------------------------------------------------------------------------------


def restacked(rows: Sequence[Any], ids: Sequence[str], row: int) -> list[Any]:
    """The element list with the ``ids`` rows moved to display position ``row`` (counted
    before the move; rows are front to back, sound last). A moved picture takes the track
    of its neighbour so the stacking is what was shown."""
    moving = [e for e in rows if e.id in ids]
    before = sum(1 for e in rows[:row] if e.id in ids)
    rest = [e for e in rows if e.id not in ids]
    at = max(0, min(len(rest), row - before))
    shown = [*rest[:at], *moving, *rest[at:]]
    visuals = [e for e in shown if not isinstance(e, AudioElement)]
    audio = [e for e in shown if isinstance(e, AudioElement)]
    bottom_up = list(reversed(visuals))
    retracked: list[Any] = []
    for n, element in enumerate(bottom_up):
        if element.id in ids:
            below = next((e for e in reversed(bottom_up[:n]) if e.id not in ids), None)
            above = next((e for e in bottom_up[n + 1 :] if e.id not in ids), None)
            neighbour = below or above
            if neighbour is not None and neighbour.track != element.track:
                element = element.model_copy(update={"track": neighbour.track})
        retracked.append(element)
    return [*retracked, *audio]


# -- snapping ----------------------------------------------------------------------------------


def snap(value: float, targets: Iterable[float], tolerance: float) -> tuple[float, float | None]:
    """``value`` moved onto the nearest target within ``tolerance``; the target or None."""
    best: float | None = None
    for target in targets:
        if abs(target - value) <= tolerance and (
            best is None or abs(target - value) < abs(best - value)
        ):
            best = target
    return (value if best is None else best), best


def snap_targets(
    elements: Sequence[Any],
    windows: Mapping[str, Any],
    moving: str,
    playhead: float,
    markers: Sequence[Marker],
) -> list[float]:
    """Where a bar edge may snap: the playhead, every other bar's ends, the markers."""
    out = [playhead, *(m.time for m in markers)]
    for element in elements:
        if element.id != moving and element.id in windows:
            out += [windows[element.id].start, windows[element.id].end]
    return out


# -- markers -----------------------------------------------------------------------------------


def with_marker(markers: Sequence[Marker], t: float) -> list[Marker] | None:
    """The markers with a new one at ``t`` (named "Marker N"); None if one is there."""
    if any(abs(m.time - t) < _EPS for m in markers):
        return None
    taken = {m.name for m in markers}
    n = len(markers) + 1
    while f"Marker {n}" in taken:
        n += 1
    return sorted([*markers, Marker(time=t, name=f"Marker {n}")], key=lambda m: m.time)


def fit_to_media(element: Any, info: Any, fps: float) -> tuple[Any, str | None]:
    """``element`` with its trim and duration inside its media (when its length is known),
    and the note that says what changed (None: nothing did).

    A clip cannot show more than its file has; at least one frame stays visible.
    """
    if not isinstance(element, VideoElement | AudioElement):
        return element, None
    if info is None or not info.duration:
        return element, None  # not probed yet (or a still): nothing to clamp against
    length, one = info.duration, 1 / fps
    trim = min(element.trim_start, max(0.0, length - one))
    duration = element.duration
    if duration is not None and duration > length - trim + _EPS:
        duration = length - trim
    if (trim, duration) == (element.trim_start, element.duration):
        return element, None
    name = os.path.basename(element.source)
    if trim != element.trim_start:
        note = f"{element.label}: {name} is {length:g} s long; trim start set to {trim:g} s"
    elif trim:
        note = (
            f"{element.label}: {name} has {length - trim:g} s after the {trim:g} s trim; "
            f"duration set to {duration:g} s"
        )
    else:
        note = f"{element.label}: {name} is {length:g} s long; duration set to {duration:g} s"
    return element.model_copy(update={"trim_start": trim, "duration": duration}), note
