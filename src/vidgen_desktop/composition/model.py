"""The document: a Composition of Elements rendered to an Output.

The JSON shape is a public contract (other tools write it): field names here
are never renamed, only added. Validation messages name the element and the
field in words a designer understands (see ``describe_errors``).
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.units import LENGTH_PATTERN, Length

SCHEMA_VERSION = 1
MAX_DIMENSION = 7680  # px: 8K UHD width; anything larger is a typo, not a video
MIN_DIMENSION = 16  # px
DEFAULT_STILL_DURATION = 5.0  # seconds: a composition of only stills and text
MAX_LENGTH_PERCENT = 10_000  # %: a hundred canvases away is a typo, not a layout
MAX_LENGTH_PX = 100 * MAX_DIMENSION  # px: the same, on the largest canvas

Fit = Literal["contain", "cover", "fill", "auto"]
OutputFormat = Literal["mp4", "webm", "mov", "gif"]
Quality = Literal["draft", "standard", "high"]

_LENGTH_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": LENGTH_PATTERN},
        {"type": "number"},
    ],
    "description": "Percent of the canvas ('10%'), pixels ('192px'), or a bare number (pixels).",
}

LengthField = Annotated[
    Length,
    BeforeValidator(Length.parse),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(_LENGTH_SCHEMA),
]


def _check_color(value: str) -> str:
    parse_color(value)
    return value


Color = Annotated[str, BeforeValidator(_check_color)]


def _length_default(text: str) -> Any:
    """A length field's default, shown in the JSON Schema as the text a file would hold."""
    return Field(Length.parse(text), json_schema_extra={"default": text})


class _Strict(BaseModel):
    # No inf/NaN: Python's json reads "Infinity" and "NaN", and writes them back as
    # text no other JSON reader accepts.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class Output(_Strict):
    """What the render produces."""

    width: int = Field(1920, ge=MIN_DIMENSION, le=MAX_DIMENSION)
    height: int = Field(1080, ge=MIN_DIMENSION, le=MAX_DIMENSION)
    fps: float = Field(30, ge=1, le=120)
    format: OutputFormat = "mp4"
    quality: Quality = "standard"
    background: Color = "#000000"
    duration: float | None = Field(None, gt=0, le=6 * 3600)
    mov_codec: Literal["prores", "h264"] = "prores"

    @field_validator("width", "height")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise ValueError(
                f"must be an even number of pixels (video encoders need it), got {value}"
            )
        return value


class _ElementBase(_Strict):
    id: str = Field(min_length=1, max_length=200)
    name: str | None = None
    start: float = Field(0.0, ge=0)
    duration: float | None = Field(None, gt=0)
    track: int = 0
    hidden: bool = False
    locked: bool = False

    @property
    def label(self) -> str:
        return self.name or self.id


class _Visual(_ElementBase):
    x: LengthField = _length_default("0%")
    y: LengthField = _length_default("0%")
    width: LengthField = _length_default("100%")
    height: LengthField = _length_default("100%")
    opacity: float = Field(1.0, ge=0, le=1)
    fade_in: float = Field(0.0, ge=0)
    fade_out: float = Field(0.0, ge=0)

    @field_validator("width", "height", mode="after")
    @classmethod
    def _positive(cls, value: Length) -> Length:
        if value.value <= 0:
            raise ValueError(f"must be greater than 0, got '{value}'")
        return value

    @field_validator("x", "y", "width", "height", mode="after")
    @classmethod
    def _sane(cls, value: Length) -> Length:
        limit = MAX_LENGTH_PERCENT if value.unit == "%" else MAX_LENGTH_PX
        if abs(value.value) > limit:
            raise ValueError(
                f"must be between -{limit}{value.unit} and {limit}{value.unit}, got '{value}'"
            )
        return value


class VideoElement(_Visual):
    type: Literal["video"] = "video"
    source: str = Field(min_length=1)
    fit: Fit = "contain"
    trim_start: float = Field(0.0, ge=0)
    volume: float = Field(1.0, ge=0, le=4)


class ImageElement(_Visual):
    """A still picture; logos are images and keep their alpha."""

    type: Literal["image"] = "image"
    source: str = Field(min_length=1)
    fit: Fit = "contain"


class TextElement(_Visual):
    """Text drawn inside its box, identically in preview and render."""

    type: Literal["text"] = "text"
    text: str = ""
    color: Color = "#ffffff"
    font_family: str = "DejaVu Sans"
    font_size: float | None = Field(None, gt=0, le=2000)  # canvas px; None: fit the box
    font_weight: Literal["normal", "bold"] = "normal"
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    line_spacing: float = Field(1.2, ge=0.5, le=4)
    background: Color | None = None
    padding: float = Field(0.0, ge=0)  # canvas px between the box edge and the text


class AudioElement(_ElementBase):
    type: Literal["audio"] = "audio"
    source: str = Field(min_length=1)
    trim_start: float = Field(0.0, ge=0)
    volume: float = Field(1.0, ge=0, le=4)
    fade_in: float = Field(0.0, ge=0)
    fade_out: float = Field(0.0, ge=0)


Element = Annotated[
    VideoElement | ImageElement | TextElement | AudioElement, Field(discriminator="type")
]
VisualElement = VideoElement | ImageElement | TextElement
MediaElement = VideoElement | ImageElement | AudioElement


class Composition(_Strict):
    """The document a designer edits."""

    schema_version: int = Field(SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    name: str = "Untitled"
    output: Output = Field(default_factory=Output)
    elements: list[Element] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Composition:
        problems = _duplicate_ids([element.id for element in self.elements])
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @classmethod
    def from_data(cls, data: Any) -> Composition:
        """Validate plain data; raise CompositionError with every problem, in words."""
        from vidgen_desktop.errors import CompositionError

        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            message = describe_errors(exc, data)
            # pydantic skips the id check when any field is wrong; report it anyway.
            extra = [line for line in _raw_duplicate_ids(data) if line not in message]
            raise CompositionError("\n".join([message, *extra])) from exc

    def element(self, element_id: str) -> VideoElement | ImageElement | TextElement | AudioElement:
        for element in self.elements:
            if element.id == element_id:
                return element
        raise KeyError(element_id)

    def stacking_order(self) -> list[VideoElement | ImageElement | TextElement]:
        """Visual elements bottom to top: by track, then list order."""
        visuals = [e for e in self.elements if not isinstance(e, AudioElement)]
        # sorted() is stable: list order within a track
        return sorted(visuals, key=lambda e: e.track)


def _duplicate_ids(ids: list[Any]) -> list[str]:
    """One line per id used more than once, naming the elements by position."""
    counts = Counter(i for i in ids if isinstance(i, str))
    lines = []
    for element_id, count in counts.items():
        if count > 1:
            places = [f"#{n + 1}" for n, i in enumerate(ids) if i == element_id]
            lines.append(
                f"element '{element_id}': id is used by {count} elements "
                f"({', '.join(places)}); ids must be unique"
            )
    return lines


def _raw_duplicate_ids(data: Any) -> list[str]:
    try:
        elements = data["elements"]
        ids = [e.get("id") if isinstance(e, dict) else None for e in elements]
    except (KeyError, TypeError, AttributeError):
        return []
    return _duplicate_ids(ids)


def _element_label(data: Any, index: int) -> str:
    try:
        element = data["elements"][index]
        if isinstance(element, dict) and isinstance(element.get("id"), str) and element["id"]:
            return f"element '{element['id']}'"
    except (KeyError, IndexError, TypeError):
        pass
    return f"element #{index + 1}"


def _number(value: Any) -> str:
    """``1.0`` as ``1``: limits read as a designer would write them."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return _number(value)


_MODELS: dict[str, type[BaseModel]] = {}  # filled below: class name -> class


def _suggestion(field: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    close = difflib.get_close_matches(field, list(model.model_fields), n=1, cutoff=0.7)
    return f"; did you mean '{close[0]}'?" if close else ""


def _explain(error: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    shown = _shown(value)
    match kind:
        case "value_error":
            return str(ctx.get("error", error["msg"]))
        case "missing":
            return "is required"
        case "extra_forbidden":
            field = str(error["loc"][-1]) if error["loc"] else ""
            hint = _suggestion(field, model) or " (a typo?)"
            return f"is not a field Vidgen knows{hint}"
        case "greater_than":
            return f"must be greater than {_number(ctx['gt'])}, got {shown}"
        case "greater_than_equal":
            return f"must be at least {_number(ctx['ge'])}, got {shown}"
        case "less_than_equal":
            return f"must be at most {_number(ctx['le'])}, got {shown}"
        case "less_than":
            return f"must be less than {_number(ctx['lt'])}, got {shown}"
        case "literal_error":
            return f"must be one of {ctx['expected']}, got {shown}"
        case "union_tag_invalid":
            return f"type must be one of {ctx['expected_tags']}, got {_shown_tag(value)}"
        case "union_tag_not_found":
            return "needs a 'type' (video, image, text or audio)"
        case "string_too_short":
            return "must not be empty"
        case "string_too_long":
            return f"must be at most {ctx['max_length']} characters long"
        case "string_type":
            return f"must be text, got {shown}"
        case "int_from_float" | "int_parsing" | "int_type":
            return f"must be a whole number, got {shown}"
        case "float_parsing" | "float_type":
            return f"must be a number, got {shown}"
        case "finite_number":
            return f"must be a finite number, got {shown}"
        case "bool_parsing" | "bool_type":
            return f"must be true or false, got {shown}"
        case "list_type":
            return f"must be a list, got {shown}"
        case "model_type" | "model_attributes_type" | "dict_type":
            return f"must be an object ({{...}}), got {shown}"
        case _:
            return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown}"


def _shown_tag(value: Any) -> str:
    tag = value.get("type") if isinstance(value, dict) else None
    return _shown(tag)


def describe_errors(
    exc: ValidationError, data: Any = None, *, element_id: str | None = None
) -> str:
    """Turn pydantic's errors into lines like ``element 'logo': width must be …``.

    ``data`` is what was validated (it names elements by id); ``element_id``
    labels errors raised while assigning to one element's field.
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        where = ""
        model = _MODELS.get(exc.title)
        if loc[:1] == ["elements"] and len(loc) >= 2 and isinstance(loc[1], int):
            where = _element_label(data, loc[1])
            loc = loc[2:]
            model = None
            if loc and loc[0] in _TAGS:
                model = _TAGS[loc[0]]
                loc = loc[1:]  # the discriminator's branch name adds nothing for a designer
        elif loc[:1] == ["output"]:
            where, loc, model = "output", loc[1:], Output
        elif element_id is not None:
            where = f"element '{element_id}'"
        field = ".".join(str(part) for part in loc)
        message = _explain(error, model)
        text = f"{field} {message}" if field else message
        for line in text.splitlines():
            lines.append(f"{where}: {line}" if where else line)
    return "\n".join(dict.fromkeys(lines))  # each line once, in order


_TAGS: dict[str, type[BaseModel]] = {
    "video": VideoElement,
    "image": ImageElement,
    "text": TextElement,
    "audio": AudioElement,
}
_MODELS.update({cls.__name__: cls for cls in (*_TAGS.values(), Output, Composition)})
