"""The document: a Composition of Elements rendered to an Output.

The JSON shape is a public contract (other tools write it): field names here
are never renamed, only added. Validation messages name the element and the
field in words a designer understands (see ``describe_errors``).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
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

from vidgen_desktop.composition.animation import (
    IMAGE_ONLY_PRESETS,
    MAX_ROTATION,
    Animation,
    Keyframes,
    Transition,
    check_keyframes,
    check_window,
)
from vidgen_desktop.composition.colors import parse_color
from vidgen_desktop.composition.messages import describe_errors, number
from vidgen_desktop.composition.units import LENGTH_PATTERN, Length
from vidgen_desktop.composition.variable_types import (
    MAX_VARIABLES,
    Variable,
    VariableName,
    has_placeholder,
)

SCHEMA_VERSION = 2  # 2: motion (rotation, keyframes, animation_in/out, transition_in) and variables
MAX_DIMENSION = 7680  # px: 8K UHD width; anything larger is a typo, not a video
MIN_DIMENSION = 16  # px
DEFAULT_STILL_DURATION = 5.0  # seconds: a composition of only stills and text
MAX_LENGTH_PERCENT = 10_000  # %: a hundred canvases away is a typo, not a layout
MAX_LENGTH_PX = 100 * MAX_DIMENSION  # px: the same, on the largest canvas
# Every number in the document has a bound, so no value the loader accepts can overflow
# a float, an int64 of microseconds in FFmpeg, or Pillow's pixel coordinates later on.
MAX_COMPOSITION_SECONDS = 6 * 3600  # s: the longest composition; a longer one is a typo
MAX_SOURCE_SECONDS = 24 * 3600  # s: how far into a source a trim may start
MIN_DURATION = 0.001  # s: shorter than any frame at 120 fps, so surely a typo
TRACK_LIMIT = 2**31  # tracks are 32-bit signed numbers: -2147483648 … 2147483647
MAX_PADDING = MAX_DIMENSION  # canvas px: padding past the largest canvas leaves no text
MAX_TEXT_CHARS = 10_000  # a text element is a title or a caption, not a book
MAX_FONT_FAMILY_CHARS = 4096  # a family name or a font file path (PATH_MAX on Linux)

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
    if isinstance(value, str) and has_placeholder(value):
        return value  # "{{accent}}": checked once filled in (composition.variables)
    parse_color(value)
    return value


Color = Annotated[str, BeforeValidator(_check_color)]


def _no_nul(value: str) -> str:
    # No file system allows NUL in a name; the OS would refuse it deep in a probe or render.
    if "\x00" in value:
        raise ValueError(f"must not contain a NUL character (\\x00), got {value!r}")
    return value


def _at_least_a_millisecond(value: float | None) -> float | None:
    if value is not None and 0 < value < MIN_DURATION:
        raise ValueError(f"must be at least {MIN_DURATION} s, got {number(value)}")
    return value


Seconds = Annotated[float, Field(ge=0, le=MAX_COMPOSITION_SECONDS)]  # a time or a fade
Duration = Annotated[
    float | None, Field(gt=0, le=MAX_COMPOSITION_SECONDS), AfterValidator(_at_least_a_millisecond)
]
PathText = Annotated[str, Field(min_length=1), AfterValidator(_no_nul)]


def _no_items() -> list:
    """An empty list: a default factory pydantic can inspect without parsing ``list``'s text signature."""
    return []


def _length_shown(value: Length) -> str:
    """A length as written, or short (``1e+308px``) when it is absurdly large."""
    return f"{value.value:g}{value.unit}" if abs(value.value) >= 1e15 else str(value)


def _length_default(text: str) -> Any:
    """A length field's default, shown in the JSON Schema as the text a file would hold."""
    return Field(Length.parse(text), json_schema_extra={"default": text})


class _Strict(BaseModel):
    # No inf/NaN: Python's json reads "Infinity" and "NaN", and writes them back as
    # text no other JSON reader accepts. defer_build: a class's validator is built on its
    # first use, so a render builds only Composition's (which holds every element's).
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, allow_inf_nan=False, defer_build=True
    )


class Output(_Strict):
    """What the render produces."""

    width: int = Field(1920, ge=MIN_DIMENSION, le=MAX_DIMENSION)
    height: int = Field(1080, ge=MIN_DIMENSION, le=MAX_DIMENSION)
    fps: float = Field(30, ge=1, le=120)
    format: OutputFormat = "mp4"
    quality: Quality = "standard"
    background: Color = "#000000"
    duration: Duration = None
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
    name: str | None = Field(None, max_length=1000)
    start: float = Field(0.0, ge=0, lt=MAX_COMPOSITION_SECONDS)
    duration: Duration = None
    track: int = Field(0, ge=-TRACK_LIMIT, le=TRACK_LIMIT - 1)
    hidden: bool = False
    locked: bool = False
    group: str | None = Field(None, min_length=1, max_length=200)  # members move as one

    @model_validator(mode="after")
    def _ends_in_time(self) -> _ElementBase:
        if self.duration is not None and self.start + self.duration > MAX_COMPOSITION_SECONDS:
            raise ValueError(
                f"start + duration must be at most {MAX_COMPOSITION_SECONDS} s "
                f"(a composition is at most {MAX_COMPOSITION_SECONDS // 3600} hours), "
                f"got {number(self.start)} + {number(self.duration)}"
            )
        return self

    @property
    def label(self) -> str:
        return self.name or self.id


class _Visual(_ElementBase):
    x: LengthField = _length_default("0%")
    y: LengthField = _length_default("0%")
    width: LengthField = _length_default("100%")
    height: LengthField = _length_default("100%")
    opacity: float = Field(1.0, ge=0, le=1)
    fade_in: Seconds = 0.0
    fade_out: Seconds = 0.0
    rotation: float = Field(0.0, ge=-MAX_ROTATION, le=MAX_ROTATION)  # degrees clockwise
    keyframes: Keyframes = Field(default_factory=dict)
    animation_in: Animation | None = None
    animation_out: Animation | None = None
    transition_in: Transition | None = None

    @model_validator(mode="after")
    def _motion(self) -> _Visual:
        problems = check_keyframes(
            self.keyframes, has_sound=isinstance(self, VideoElement), visual=True
        )
        for name in ("animation_in", "animation_out"):
            animation = getattr(self, name)
            if (
                animation is not None
                and animation.preset in IMAGE_ONLY_PRESETS
                and not isinstance(self, ImageElement)
            ):
                problems.append(
                    f"{name}.preset '{animation.preset}' is for images only "
                    "(a slow pan and zoom inside the picture's box)"
                )
        if self.duration is not None:
            problems += check_window(
                self.keyframes,
                {"animation_in": self.animation_in, "animation_out": self.animation_out},
                self.duration,
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def animated(self) -> bool:
        """Whether anything about it changes over time beyond a plain fade."""
        return bool(self.keyframes or self.animation_in or self.animation_out or self.transition_in)

    @field_validator("width", "height", mode="after")
    @classmethod
    def _positive(cls, value: Length) -> Length:
        if value.value <= 0:
            raise ValueError(f"must be greater than 0, got '{_length_shown(value)}'")
        return value

    @field_validator("x", "y", "width", "height", mode="after")
    @classmethod
    def _sane(cls, value: Length) -> Length:
        limit = MAX_LENGTH_PERCENT if value.unit == "%" else MAX_LENGTH_PX
        if abs(value.value) > limit:
            raise ValueError(
                f"must be between -{limit}{value.unit} and {limit}{value.unit}, "
                f"got '{_length_shown(value)}'"
            )
        return value


class VideoElement(_Visual):
    type: Literal["video"] = "video"
    source: PathText
    fit: Fit = "contain"
    trim_start: float = Field(0.0, ge=0, le=MAX_SOURCE_SECONDS)
    volume: float = Field(1.0, ge=0, le=4)


class ImageElement(_Visual):
    """A still picture; logos are images and keep their alpha."""

    type: Literal["image"] = "image"
    source: PathText
    fit: Fit = "contain"


class TextElement(_Visual):
    """Text drawn inside its box, identically in preview and render."""

    type: Literal["text"] = "text"
    text: str = Field("", max_length=MAX_TEXT_CHARS)
    color: Color = "#ffffff"
    font_family: Annotated[
        str, Field(max_length=MAX_FONT_FAMILY_CHARS), AfterValidator(_no_nul)
    ] = "DejaVu Sans"
    font_size: float | None = Field(None, gt=0, le=2000)  # canvas px; None: fit the box
    font_weight: Literal["normal", "bold"] = "normal"
    font_style: Literal["normal", "italic"] = "normal"
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "top"
    line_spacing: float = Field(1.2, ge=0.5, le=4)
    background: Color | None = None
    padding: float = Field(0.0, ge=0, le=MAX_PADDING)  # canvas px between the box edge and the text


class AudioElement(_ElementBase):
    type: Literal["audio"] = "audio"
    source: PathText
    trim_start: float = Field(0.0, ge=0, le=MAX_SOURCE_SECONDS)
    volume: float = Field(1.0, ge=0, le=4)
    fade_in: Seconds = 0.0
    fade_out: Seconds = 0.0
    keyframes: Keyframes = Field(default_factory=dict)  # volume only

    @model_validator(mode="after")
    def _motion(self) -> AudioElement:
        problems = check_keyframes(self.keyframes, has_sound=True, visual=False)
        if self.duration is not None:
            problems += check_window(self.keyframes, {}, self.duration)
        if problems:
            raise ValueError("\n".join(problems))
        return self


Element = Annotated[
    VideoElement | ImageElement | TextElement | AudioElement, Field(discriminator="type")
]
VisualElement = VideoElement | ImageElement | TextElement
MediaElement = VideoElement | ImageElement | AudioElement


MAX_MARKERS = 10_000  # named points on the timeline; more is a generated file gone wrong


class Marker(_Strict):
    """A named point on the composition timeline (the editor's M); not rendered."""

    time: float = Field(ge=0, lt=MAX_COMPOSITION_SECONDS)
    name: str = Field("", max_length=1000)


class Composition(_Strict):
    """The document a designer edits."""

    # version 1 documents (no motion fields) are read as version 2 (``project.UPGRADES``)
    schema_version: int = Field(SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    name: str = Field("Untitled", max_length=1000)
    output: Output = Field(default_factory=Output)
    elements: list[Element] = Field(default_factory=_no_items)
    variables: dict[VariableName, Variable] = Field(
        default_factory=dict, max_length=MAX_VARIABLES
    )  # a template's fields (composition.variables); version 2
    markers: list[Marker] = Field(default_factory=_no_items, max_length=MAX_MARKERS)  # editor marks

    @field_validator("schema_version", mode="after")
    @classmethod
    def _current(cls, value: int) -> int:
        return SCHEMA_VERSION  # older shapes are subsets of this one: read, then current

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


TAGS: dict[str, type[BaseModel]] = {
    "video": VideoElement,
    "image": ImageElement,
    "text": TextElement,
    "audio": AudioElement,
}
MODELS: dict[str, type[BaseModel]] = {
    cls.__name__: cls for cls in (*TAGS.values(), Output, Composition, Variable)
}  # for messages
