"""The document: validation messages, stacking order, the JSON Schema."""
# ruff: noqa: E501  (the message table reads best one case per line)

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from vidgen_desktop.composition.model import (
    SCHEMA_VERSION,
    AudioElement,
    Composition,
    ImageElement,
    TextElement,
    VideoElement,
    describe_errors,
)
from vidgen_desktop.composition.units import LENGTH_PATTERN, Length
from vidgen_desktop.errors import CompositionError


def image(**fields: Any) -> dict[str, Any]:
    return {"id": "logo", "type": "image", "source": "logo.png", **fields}


def problems(data: Any) -> str:
    with pytest.raises(CompositionError) as info:
        Composition.from_data(data)
    return str(info.value)


def test_defaults() -> None:
    comp = Composition()
    assert comp.schema_version == SCHEMA_VERSION
    assert (comp.output.width, comp.output.height, comp.output.fps) == (1920, 1080, 30)
    element = ImageElement(id="a", source="a.png")
    assert (element.x, element.y) == (Length(0, "%"), Length(0, "%"))
    assert (element.width, element.height) == (Length(100, "%"), Length(100, "%"))


def test_lengths_parse_and_serialize() -> None:
    comp = Composition.from_data(
        {"elements": [image(x="10%", y=" 20 px ", width=192, height="5%")]}
    )
    logo = comp.element("logo")
    assert isinstance(logo, ImageElement)
    assert (logo.x, logo.y, logo.width, logo.height) == (
        Length(10, "%"),
        Length(20, "px"),
        Length(192, "px"),
        Length(5, "%"),
    )
    dumped = comp.model_dump(mode="json")["elements"][0]
    assert (dumped["x"], dumped["y"], dumped["width"], dumped["height"]) == (
        "10%",
        "20px",
        "192px",
        "5%",
    )


def test_the_message_from_the_issue() -> None:
    assert problems({"elements": [image(width="0%")]}) == (
        "element 'logo': width must be greater than 0, got '0%'"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"elements": [image(height="-10px")]}, "element 'logo': height must be greater than 0, got '-10px'"),
        ({"elements": [image(x="abc")]}, "element 'logo': x must be a length like '10%' or '192px', got 'abc'"),
        ({"elements": [image(x=None)]}, "element 'logo': x must be a length like '10%' or '192px', got None"),
        ({"elements": [image(x="100001%")]}, "element 'logo': x must be between -10000% and 10000%, got '100001%'"),
        ({"output": {"width": 1921}}, "output: width must be an even number of pixels (video encoders need it), got 1921"),
        ({"output": {"height": 1080.5}}, "output: height must be a whole number, got 1080.5"),
        ({"output": {"width": 8}}, "output: width must be at least 16, got 8"),
        ({"output": {"width": 10000}}, "output: width must be at most 7680, got 10000"),
        ({"output": {"fps": 0}}, "output: fps must be at least 1, got 0"),
        ({"output": {"fps": 121}}, "output: fps must be at most 120, got 121"),
        ({"output": {"fps": "fast"}}, "output: fps must be a number, got 'fast'"),
        ({"output": {"format": "avi"}}, "output: format must be one of 'mp4', 'webm', 'mov' or 'gif', got 'avi'"),
        ({"output": {"background": "#12345"}}, "output: background must be a color like '#ff8800' or '#ff880080', got '#12345'"),
        ({"output": "hd"}, "output: must be an object ({...}), got 'hd'"),
        ({"elements": [{"id": "x", "type": "gif", "source": "x.gif"}]}, "element 'x': type must be one of 'video', 'image', 'text', 'audio', got 'gif'"),
        ({"elements": [{"id": "x", "source": "x.gif"}]}, "element 'x': needs a 'type' (video, image, text or audio)"),
        ({"elements": [image(opactiy=0.5)]}, "element 'logo': opactiy is not a field Vidgen knows; did you mean 'opacity'?"),
        ({"elements": [image(sparkle=True)]}, "element 'logo': sparkle is not a field Vidgen knows (a typo?)"),
        ({"elements": [{"id": "bg", "type": "video"}]}, "element 'bg': source is required"),
        ({"elements": [image(source="")]}, "element 'logo': source must not be empty"),
        ({"elements": [{"type": "image", "source": "a.png"}]}, "element #1: id is required"),
        ({"elements": [image(color="#fff")]}, "element 'logo': color is not a field Vidgen knows (a typo?)"),
        ({"elements": [{"id": "t", "type": "text", "color": "bright"}]}, "element 't': color must be a color like '#ff8800' or '#ff880080', got 'bright'"),
        ({"elements": [image(opacity=1.5)]}, "element 'logo': opacity must be at most 1, got 1.5"),
        ({"elements": [image(start=-1)]}, "element 'logo': start must be at least 0, got -1"),
        ({"elements": [image(duration=0)]}, "element 'logo': duration must be greater than 0, got 0"),
        ({"elements": [image(start=float("inf"))]}, "element 'logo': start must be a finite number, got inf"),
        ({"elements": [image(track=1.5)]}, "element 'logo': track must be a whole number, got 1.5"),
        ({"elements": [image(hidden="maybe")]}, "element 'logo': hidden must be true or false, got 'maybe'"),
        ({"elements": [image(name=5)]}, "element 'logo': name must be text, got 5"),
        ({"elements": [{"id": "m", "type": "audio", "source": "m.wav", "x": "5%"}]}, "element 'm': x is not a field Vidgen knows (a typo?)"),
        ({"elements": ["logo.png"]}, "element #1: must be an object ({...}), got 'logo.png'"),
        ({"elements": "logo.png"}, "elements must be a list, got 'logo.png'"),
        ({"nmae": "x"}, "nmae is not a field Vidgen knows; did you mean 'name'?"),
        ({"schema_version": 3}, "schema_version must be at most 2, got 3"),
    ],
)  # fmt: skip
def test_messages_name_the_element_and_field(data: dict[str, Any], message: str) -> None:
    assert problems(data) == message


def test_duplicate_ids() -> None:
    data = {"elements": [image(), image(id="title"), image()]}
    assert problems(data) == (
        "element 'logo': id is used by 2 elements (#1, #3); ids must be unique"
    )


def test_several_errors_are_reported_together() -> None:
    data = {
        "output": {"width": 1921, "fps": 0},
        "elements": [image(width="0%", opactiy=1), image(x="abc")],
    }
    assert problems(data).splitlines() == [
        "output: width must be an even number of pixels (video encoders need it), got 1921",
        "output: fps must be at least 1, got 0",
        "element 'logo': width must be greater than 0, got '0%'",
        "element 'logo': opactiy is not a field Vidgen knows; did you mean 'opacity'?",
        "element 'logo': x must be a length like '10%' or '192px', got 'abc'",
        "element 'logo': id is used by 2 elements (#1, #2); ids must be unique",
    ]


def test_negative_positions_are_allowed() -> None:
    comp = Composition.from_data({"elements": [image(x="-50%", y="-200px", width="120%")]})
    logo = comp.element("logo")
    assert isinstance(logo, ImageElement)
    assert (logo.x, logo.y) == (Length(-50, "%"), Length(-200, "px"))


def test_an_error_is_a_composition_error_and_a_value_error() -> None:
    with pytest.raises(ValueError):
        Composition.from_data({"elements": [image(width=0)]})


def test_assignment_is_validated_and_described() -> None:
    comp = Composition.from_data({"elements": [image()]})
    logo = comp.element("logo")
    logo.x = "25%"  # type: ignore[assignment]
    assert logo.x == Length(25, "%")
    with pytest.raises(ValidationError) as info:
        logo.width = "0px"  # type: ignore[assignment]
    assert describe_errors(info.value, element_id="logo") == (
        "element 'logo': width must be greater than 0, got '0px'"
    )


def test_element_lookup() -> None:
    comp = Composition.from_data({"elements": [image()]})
    assert comp.element("logo").id == "logo"
    with pytest.raises(KeyError):
        comp.element("nope")


def test_stacking_order_is_track_then_list_order() -> None:
    comp = Composition.from_data(
        {
            "elements": [
                image(id="a", track=1),
                {"id": "music", "type": "audio", "source": "m.wav"},
                image(id="b"),
                image(id="c", track=-1),
                {"id": "t", "type": "text", "text": "Hi", "track": 1},
                {"id": "v", "type": "video", "source": "v.mp4"},
            ]
        }
    )
    assert [e.id for e in comp.stacking_order()] == ["c", "b", "v", "a", "t"]


def test_element_types() -> None:
    comp = Composition.from_data(
        {
            "elements": [
                {"id": "v", "type": "video", "source": "v.mp4"},
                image(),
                {"id": "t", "type": "text"},
                {"id": "a", "type": "audio", "source": "a.wav"},
            ]
        }
    )
    kinds = [type(e) for e in comp.elements]
    assert kinds == [VideoElement, ImageElement, TextElement, AudioElement]


# The JSON Schema (`vidgen schema` prints it)


def test_json_schema_is_json_and_describes_lengths() -> None:
    schema = Composition.model_json_schema()
    text = json.dumps(schema)  # raises if anything in it is not JSON
    assert json.loads(text) == schema
    for kind in ("VideoElement", "ImageElement", "TextElement"):
        properties = schema["$defs"][kind]["properties"]
        for name in ("x", "y", "width", "height"):
            field = properties[name]
            assert {"type": "string", "pattern": LENGTH_PATTERN} in field["anyOf"]
            assert {"type": "number"} in field["anyOf"]
            assert "Percent of the canvas" in field["description"]
            assert isinstance(field["default"], str)
            assert re.match(field["anyOf"][0]["pattern"], field["default"])


@pytest.mark.parametrize("text", ["10%", "192px", "192", " 7.5 % ", "-5%", "192PX", ".5%"])
def test_schema_pattern_accepts_what_the_parser_accepts(text: str) -> None:
    assert re.match(LENGTH_PATTERN, text)
    Length.parse(text)


@pytest.mark.parametrize("text", ["abc", "10 pct", "1e3", "", "%"])
def test_schema_pattern_rejects_what_the_parser_rejects(text: str) -> None:
    assert not re.match(LENGTH_PATTERN, text)
    with pytest.raises(ValueError):
        Length.parse(text)


def test_schema_validates_the_example() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = Composition.model_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    example = {"elements": [image(x="10%", y=" 7.5 % ", width=192, height="192px")]}
    assert list(validator.iter_errors(example)) == []
    assert list(validator.iter_errors({"elements": [image(x="10 pct")]}))
