"""The document's motion fields (schema version 2): keyframes, presets, transitions.

Pinned JSON names (a public contract, never renamed): an element's
``rotation`` (degrees clockwise), ``keyframes`` (property → list of
``{time, value, easing}``), ``animation_in`` / ``animation_out``
(``{preset, duration}``) and ``transition_in`` (``{type, duration}``).
The math is ``composition.motion``; pixels are ``composition.layout.state_at``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from vidgen_desktop.composition.messages import number
from vidgen_desktop.composition.motion_names import (
    EASINGS,
    IMAGE_ONLY_PRESETS,
    PRESETS,
    TRANSITIONS,
)
from vidgen_desktop.composition.units import Length

__all__ = ["IMAGE_ONLY_PRESETS"]
ANIMATABLE = ("x", "y", "width", "height", "opacity", "rotation", "volume")
LENGTH_PROPERTIES = ("x", "y", "width", "height")
MAX_ROTATION = 36_000  # degrees: a hundred turns; more is a typo
MAX_MOTION_SECONDS = 6 * 3600

Preset = Literal[PRESETS]  # type: ignore[valid-type]
TransitionType = Literal[TRANSITIONS]  # type: ignore[valid-type]
_EASING_TEXT = ", ".join(EASINGS)
_EASING_HELP = f"must be one of {_EASING_TEXT} or [x1, y1, x2, y2] (a CSS cubic-bezier)"


def _check_easing(raw: Any) -> Any:
    if isinstance(raw, str):
        if raw in EASINGS:
            return raw
        raise ValueError(f"{_EASING_HELP}, got {raw!r}")
    numbers = isinstance(raw, list | tuple) and len(raw) == 4
    if numbers and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw):
        x1, y1, x2, y2 = (float(v) for v in raw)
        if not (0 <= x1 <= 1 and 0 <= x2 <= 1):
            raise ValueError(
                "must be a cubic-bezier [x1, y1, x2, y2] with x1 and x2 between 0 and 1, "
                f"got [{', '.join(number(v) for v in raw)}]"
            )
        if any(abs(v) > 100 for v in (y1, y2)):
            raise ValueError("must be a cubic-bezier with y1 and y2 between -100 and 100")
        return (x1, y1, x2, y2)
    raise ValueError(f"{_EASING_HELP}, got {raw!r}")


def _show_easing(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


EasingField = Annotated[
    Any,
    BeforeValidator(_check_easing),
    PlainSerializer(_show_easing),
    WithJsonSchema(
        {
            "anyOf": [
                {"enum": list(EASINGS)},
                {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
            ],
            "description": "easing of the segment ending here; [x1, y1, x2, y2] is a CSS "
            "cubic-bezier",
        }
    ),
]


def _check_value(raw: Any) -> Any:
    """A number, or a length text ('10%', '192px'); which one fits is the property's call."""
    if isinstance(raw, bool):
        raise ValueError(f"must be a number or a length like '10%', got {raw!r}")
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, Length):
        return raw
    if isinstance(raw, str):
        return Length.parse(raw)
    raise ValueError(f"must be a number or a length like '10%', got {raw!r}")


def _show_value(value: Any) -> Any:
    return str(value) if isinstance(value, Length) else value


ValueField = Annotated[
    Any,
    BeforeValidator(_check_value),
    PlainSerializer(_show_value),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, allow_inf_nan=False, defer_build=True
    )


class Keyframe(_Strict):
    """A value at ``time`` seconds from the element's start."""

    time: float = Field(ge=0, le=MAX_MOTION_SECONDS)
    value: ValueField
    easing: EasingField = "linear"


class Animation(_Strict):
    """An entrance or exit preset (``composition.motion.PRESETS``), over ``duration`` s."""

    preset: Preset
    duration: float = Field(0.5, gt=0, le=MAX_MOTION_SECONDS)


class Transition(_Strict):
    """How an element enters over the previous element on its track, over ``duration`` s."""

    type: TransitionType
    duration: float = Field(0.5, gt=0, le=MAX_MOTION_SECONDS)


Keyframes = dict[str, list[Keyframe]]
_LIMITS = {"opacity": (0.0, 1.0), "rotation": (-MAX_ROTATION, MAX_ROTATION), "volume": (0.0, 4.0)}


def check_keyframes(keyframes: Keyframes, *, has_sound: bool, visual: bool) -> list[str]:
    """Problems with an element's keyframes, one line each (``keyframes.x[1].time …``)."""
    problems: list[str] = []
    allowed = [p for p in ANIMATABLE if (visual or p == "volume") and (has_sound or p != "volume")]
    for prop, frames in keyframes.items():
        where = f"keyframes.{prop}"
        if prop not in allowed:
            why = "has no sound" if prop == "volume" else "is not drawn"
            hint = f"this element {why}; " if prop in ANIMATABLE else ""
            problems.append(
                f"{where} is not an animatable property ({hint}animatable: {', '.join(allowed)})"
            )
            continue
        if not frames:
            problems.append(f"{where} must hold at least one keyframe (or be left out)")
        for n, frame in enumerate(frames):
            here = f"{where}[{n}]"
            if n and frame.time <= frames[n - 1].time:
                problems.append(
                    f"{here}.time must be later than the keyframe before it "
                    f"({number(frames[n - 1].time)} s), got {number(frame.time)}; "
                    "times must strictly increase"
                )
            value = frame.value
            if prop in LENGTH_PROPERTIES:
                if isinstance(value, float):
                    value = frame.value = Length(value, "px")  # a bare number is pixels
                if prop in ("width", "height") and value.value <= 0:
                    problems.append(f"{here}.value must be greater than 0, got '{value}'")
            elif isinstance(value, Length):
                problems.append(
                    f"{here}.value must be a plain number for {prop}, got a length '{value}'"
                )
            else:
                low, high = _LIMITS[prop]
                if not low <= value <= high:
                    problems.append(
                        f"{here}.value must be between {number(low)} and {number(high)} "
                        f"for {prop}, got {number(value)}"
                    )
    return problems


def check_window(
    keyframes: Keyframes,
    animations: dict[str, Animation | None],
    duration: float,
) -> list[str]:
    """Problems of keyframes or presets that reach past an element lasting ``duration`` s."""
    problems: list[str] = []
    eps = 1e-6
    for prop, frames in keyframes.items():
        for n, frame in enumerate(frames):
            if frame.time > duration + eps:
                problems.append(
                    f"keyframes.{prop}[{n}].time is {number(frame.time)} s, outside the "
                    f"element's window (it lasts {number(round(duration, 6))} s)"
                )
    for name, animation in animations.items():
        if animation is not None and animation.duration > duration + eps:
            problems.append(
                f"{name}.duration is {number(animation.duration)} s, longer than the "
                f"element ({number(round(duration, 6))} s)"
            )
    return problems
