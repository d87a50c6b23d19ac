"""The document: a Composition of Elements rendered to an Output.

The JSON shape is a public contract (other tools write it): field names here
are never renamed, only added. Validation messages name the element and the
field in words a designer understands (see ``describe_errors``).
"""

from __future__ import annotations

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
from vidgen_desktop.composition.units import Length

SCHEMA_VERSION = 1
MAX_DIMENSION = 7680  # px: 8K UHD width; anything larger is a typo, not a video
MIN_DIMENSION = 16  # px
DEFAULT_STILL_DURATION = 5.0  # seconds: a composition of only stills and text

Fit = Literal["contain", "cover", "fill", "auto"]
OutputFormat = Literal["mp4", "webm", "mov", "gif"]
Quality = Literal["draft", "standard", "high"]

_LENGTH_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*(%|px)?\s*$"},
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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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
            raise ValueError(f"must be an even number of pixels (video encoders need it), got {value}")
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
    x: LengthField = Length(0, "%")
    y: LengthField = Length(0, "%")
    width: LengthField = Length(100, "%")
    height: LengthField = Length(100, "%")
    opacity: float = Field(1.0, ge=0, le=1)
    fade_in: float = Field(0.0, ge=0)
    fade_out: float = Field(0.0, ge=0)

    @field_validator("width", "height", mode="after")
    @classmethod
    def _positive(cls, value: Length) -> Length:
        if value.value <= 0:
            raise ValueError(f"must be greater than 0, got '{value}'")
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

    schema_version: int = SCHEMA_VERSION
    name: str = "Untitled"
    output: Output = Field(default_factory=Output)
    elements: list[Element] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Composition:
        seen: set[str] = set()
        for element in self.elements:
            if element.id in seen:
                raise ValueError(f"two elements share the id '{element.id}'; ids must be unique")
            seen.add(element.id)
        return self

    @classmethod
    def from_data(cls, data: Any) -> Composition:
        """Validate plain data; raise CompositionError with every problem, in words."""
        from vidgen_desktop.errors import CompositionError

        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise CompositionError(describe_errors(exc, data)) from exc

    def element(self, element_id: str) -> VideoElement | ImageElement | TextElement | AudioElement:
        for element in self.elements:
            if element.id == element_id:
                return element
        raise KeyError(element_id)

    def stacking_order(self) -> list[VideoElement | ImageElement | TextElement]:
        """Visual elements bottom to top: by track, then list order."""
        visuals = [e for e in self.elements if not isinstance(e, AudioElement)]
        return sorted(visuals, key=lambda e: e.track)  # sorted() is stable: list order within a track


def _element_label(data: Any, index: int) -> str:
    try:
        element = data["elements"][index]
        if isinstance(element, dict) and element.get("id"):
            return f"element '{element['id']}'"
    except (KeyError, IndexError, TypeError):
        pass
    return f"element #{index + 1}"


def _explain(error: dict[str, Any]) -> str:
    kind, ctx, value = error["type"], error.get("ctx", {}), error.get("input")
    shown = repr(value) if isinstance(value, str) else value
    match kind:
        case "value_error":
            return str(ctx.get("error", error["msg"]))
        case "missing":
            return "is required"
        case "extra_forbidden":
            return "is not a field Vidgen knows (a typo?)"
        case "greater_than":
            return f"must be greater than {ctx['gt']}, got {shown}"
        case "greater_than_equal":
            return f"must be at least {ctx['ge']}, got {shown}"
        case "less_than_equal":
            return f"must be at most {ctx['le']}, got {shown}"
        case "less_than":
            return f"must be less than {ctx['lt']}, got {shown}"
        case "literal_error":
            return f"must be one of {ctx['expected']}, got {shown}"
        case "union_tag_invalid":
            return f"type must be one of {ctx['expected_tags']}, got {ctx['tag']!r}"
        case "union_tag_not_found":
            return "needs a 'type' (video, image, text or audio)"
        case "string_too_short":
            return "must not be empty"
        case "float_parsing" | "float_type" | "int_parsing" | "int_type" | "int_from_float":
            return f"must be a number, got {shown}"
        case _:
            return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {shown}"


def describe_errors(exc: ValidationError, data: Any = None, *, element_id: str | None = None) -> str:
    """Turn pydantic's errors into lines like ``element 'logo': width must be …``.

    ``element_id`` labels errors raised while assigning to one element's field.
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = list(error["loc"])
        where = ""
        if loc[:1] == ["elements"] and len(loc) >= 2 and isinstance(loc[1], int):
            where = _element_label(data, loc[1])
            loc = loc[2:]
            if loc and loc[0] in ("video", "image", "text", "audio"):
                loc = loc[1:]  # the discriminator's branch name adds nothing for a designer
        elif loc[:1] == ["output"]:
            where, loc = "output", loc[1:]
        elif element_id is not None:
            where = f"element '{element_id}'"
        field = ".".join(str(part) for part in loc)
        message = _explain(error)
        text = f"{field} {message}" if field else message
        lines.append(f"{where}: {text}" if where else text)
    return "\n".join(lines)
