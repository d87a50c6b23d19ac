"""Which fields the inspector shows for each kind of element, and how it shows their values.

No Qt here: the tables and the formatting are plain data and functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vidgen_desktop.composition.model import (
    AudioElement,
    ImageElement,
    Output,
    TextElement,
    VideoElement,
)
from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor.animate_names import (
    IMAGE_ONLY_PRESETS,
    PRESET_NAMES,
    TRANSITION_NAMES,
)

MIXED = "—"
NONE = "None"  # the Animate fields' choice for no preset
PRESETS = PRESET_NAMES
IMAGE_PRESETS = (*PRESET_NAMES, *IMAGE_ONLY_PRESETS)
TRANSITIONS = TRANSITION_NAMES


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # length | number | optional | choice | line | text | color | optcolor | motion
    choices: tuple[str, ...] = ()
    axis: int = 0  # lengths: 0 = canvas width, 1 = height


def _choices(model: type, field: str) -> tuple[str, ...]:
    return tuple(model.model_fields[field].annotation.__args__)  # a Literal's values


BOX = (
    FieldSpec("x", "X", "length", axis=0),
    FieldSpec("y", "Y", "length", axis=1),
    FieldSpec("width", "Width", "length", axis=0),
    FieldSpec("height", "Height", "length", axis=1),
    FieldSpec("rotation", "Rotation (°)", "number"),
)
TIME = (
    FieldSpec("start", "Start (s)", "number"),
    FieldSpec("duration", "Duration (s)", "optional"),
)
LOOK = (
    FieldSpec("opacity", "Opacity (0–1)", "number"),
    FieldSpec("fade_in", "Fade in (s)", "number"),
    FieldSpec("fade_out", "Fade out (s)", "number"),
)
# the Animate fields: a preset (or transition) and its duration, as one object in the document
ANIMATE_IN = FieldSpec("animation_in", "Entrance", "motion", PRESETS)
ANIMATE_OUT = FieldSpec("animation_out", "Exit", "motion", PRESETS)
TRANSITION = FieldSpec("transition_in", "Transition", "motion", TRANSITIONS)
ANIMATE = (ANIMATE_IN, ANIMATE_OUT, TRANSITION)
FIT = FieldSpec("fit", "Fit", "choice", ("contain", "cover", "fill", "auto"))
TRIM = FieldSpec("trim_start", "Trim start (s)", "number")
VOLUME = FieldSpec("volume", "Volume (0–4)", "number")
NAME = FieldSpec("name", "Name", "line")
FIELDS: dict[type, tuple[FieldSpec, ...]] = {
    VideoElement: (NAME, *BOX, FIT, *TIME, TRIM, *LOOK, VOLUME, *ANIMATE),
    ImageElement: (NAME, *BOX, FIT, *TIME, *LOOK, FieldSpec("animation_in", "Entrance",
                   "motion", IMAGE_PRESETS), FieldSpec("animation_out", "Exit", "motion",
                   IMAGE_PRESETS), TRANSITION),
    TextElement: (
        NAME,
        FieldSpec("text", "Text", "text"),
        *BOX,
        *TIME,
        *LOOK,
        FieldSpec("color", "Colour", "color"),
        FieldSpec("font_family", "Font", "line"),
        FieldSpec("font_size", "Size (px, empty: fit)", "optional"),
        FieldSpec("font_weight", "Weight", "choice", ("normal", "bold")),
        FieldSpec("font_style", "Style", "choice", ("normal", "italic")),
        FieldSpec("align", "Align", "choice", ("left", "center", "right")),
        FieldSpec("valign", "Vertical", "choice", ("top", "middle", "bottom")),
        FieldSpec("line_spacing", "Line spacing", "number"),
        FieldSpec("background", "Background", "optcolor"),
        FieldSpec("padding", "Padding (px)", "number"),
        *ANIMATE,
    ),
    AudioElement: (NAME, *TIME, TRIM, VOLUME, FieldSpec("fade_in", "Fade in (s)", "number"),
                   FieldSpec("fade_out", "Fade out (s)", "number")),
}  # fmt: skip
OUTPUT_FIELDS = (
    FieldSpec("width", "Width (px)", "number"),
    FieldSpec("height", "Height (px)", "number"),
    FieldSpec("fps", "Frame rate", "number"),
    FieldSpec("duration", "Duration (s, empty: auto)", "optional"),
    FieldSpec("background", "Background", "color"),
    FieldSpec("format", "Format", "choice", _choices(Output, "format")),
    FieldSpec("quality", "Quality", "choice", _choices(Output, "quality")),
)


LENGTH_DECIMALS = {"%": 2, "px": 0}  # what a designer reads; the document keeps the exact value


def rounded(number: float, decimals: int) -> str:
    """``number`` with at most ``decimals`` decimals and no trailing zeros (``16.67``, ``768``)."""
    text = f"{number:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else repr(value)
    if isinstance(value, Length):
        return rounded(value.value, LENGTH_DECIMALS[value.unit])
    return str(value)
