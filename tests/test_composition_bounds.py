"""Every number in the document has a bound, refused at load in one line naming element and field.

Values inside the bounds, up to the bounds themselves, go through the layout,
the graph and the estimate without an exception (no FFmpeg is run here).
"""
# ruff: noqa: E501  (the message table reads best one case per line)

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from factskit import Facts
from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import (
    MAX_COMPOSITION_SECONDS,
    AudioElement,
    Composition,
    ImageElement,
    Output,
    TextElement,
    VideoElement,
)
from vidgen_desktop.composition.units import Length
from vidgen_desktop.errors import CompositionError
from vidgen_desktop.render import engine, estimate, graph

VIDEO = Facts(640, 360, 10.0, 30.0, True, False)
STILL = Facts(100, 100, None, None, False, True)
SOUND = Facts(0, 0, 10.0, None, True, False)
BASE = {
    "video": {"id": "e", "type": "video", "source": "/m/clip.mp4"},
    "image": {"id": "e", "type": "image", "source": "/m/logo.png"},
    "text": {"id": "e", "type": "text", "text": "Hello"},
    "audio": {"id": "e", "type": "audio", "source": "/m/music.wav"},
}
MODELS: dict[str, type[BaseModel]] = {
    "video": VideoElement,
    "image": ImageElement,
    "text": TextElement,
    "audio": AudioElement,
}


def _numeric(annotation: Any) -> bool:
    kinds = set(typing.get_args(annotation)) | {annotation}
    return bool(kinds & {int, float, Length}) and bool not in kinds


def numeric_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if _numeric(info.annotation)]


ELEMENT_CASES = [(kind, name) for kind, model in MODELS.items() for name in numeric_fields(model)]
OUTPUT_CASES = numeric_fields(Output)
HOSTILE = [1e308, -1e308, 10**20, -(10**20), 18446744073709551616, 10**400, float("nan")]


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(CompositionError) as info:
        Composition.from_data(data)
    return str(info.value)


def test_the_model_is_searched_for_every_numeric_field() -> None:
    """The table below is built from the model itself: a new number cannot skip a bound."""
    assert {name for _, name in ELEMENT_CASES} >= {
        "start", "duration", "track", "x", "y", "width", "height", "opacity", "fade_in",
        "fade_out", "trim_start", "volume", "font_size", "line_spacing", "padding",
    }  # fmt: skip
    assert set(OUTPUT_CASES) == {"width", "height", "fps", "duration"}


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize(("kind", "field"), ELEMENT_CASES)
def test_a_huge_or_impossible_element_number_is_refused_naming_element_and_field(
    kind: str, field: str, value: Any
) -> None:
    message = refusal({"elements": [{**BASE[kind], field: value}]})
    assert "\n" not in message
    assert message.startswith(f"element 'e': {field} ")
    assert len(message) < 160  # the value is shown short, not as 400 digits


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("field", OUTPUT_CASES)
def test_a_huge_or_impossible_output_number_is_refused_naming_the_field(
    field: str, value: Any
) -> None:
    message = refusal({"output": {field: value}})
    assert "\n" not in message
    assert message.startswith(f"output: {field} ")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": 1e308}, "element 'e': start must be less than 21600, got 1e+308"),
        ({"duration": 1e308}, "element 'e': duration must be at most 21600, got 1e+308"),
        ({"track": 18446744073709551616}, "element 'e': track must be at most 2147483647, got 18446744073709551616"),
        ({"padding": 1e308}, "element 'e': padding must be at most 7680, got 1e+308"),
        ({"fade_in": 1e300}, "element 'e': fade_in must be at most 21600, got 1e+300"),
        ({"fade_out": 1e300}, "element 'e': fade_out must be at most 21600, got 1e+300"),
        ({"start": 10**400}, "element 'e': start is too large, got a 401-digit number"),
        ({"duration": 1e-9}, "element 'e': duration must be at least 0.001 s, got 1e-09"),
        ({"start": 21000, "duration": 1000}, "element 'e': start + duration must be at most 21600 s (a composition is at most 6 hours), got 21000 + 1000"),
        ({"text": "x" * 10_001}, "element 'e': text must be at most 10000 characters long"),
        ({"font_family": "DejaVu\x00Sans"}, "element 'e': font_family must not contain a NUL character (\\x00), got 'DejaVu\\x00Sans'"),
    ],
)  # fmt: skip
def test_the_values_from_the_issue_get_one_clear_line(fields: dict[str, Any], message: str) -> None:
    assert refusal({"elements": [{**BASE["text"], **fields}]}) == message


def test_a_nul_in_a_source_is_refused() -> None:
    assert refusal({"elements": [{**BASE["video"], "source": "a\x00.mp4"}]}) == (
        "element 'e': source must not contain a NUL character (\\x00), got 'a\\x00.mp4'"
    )


def build(comp: Composition, facts: dict[str, Facts], folder: Path) -> list[str]:
    """Plan, estimate and build the FFmpeg arguments, as a render does before FFmpeg
    (text rasterized by the run step, ``engine.with_text_files``)."""
    render_plan = graph.plan(comp, facts, text_folder=folder)
    estimate.estimate(render_plan, facts)
    return graph.arguments(engine.with_text_files(render_plan), str(folder / "out.mp4"))


EXTREMES = [
    {"start": MAX_COMPOSITION_SECONDS - 1, "duration": 1, "fade_in": MAX_COMPOSITION_SECONDS},
    {"start": 0, "duration": MAX_COMPOSITION_SECONDS, "fade_out": MAX_COMPOSITION_SECONDS},
    {"duration": 0.001, "fade_in": 0.001},
    {"track": 2**31 - 1},
    {"track": -(2**31)},
    {"x": "10000%", "y": "-10000%"},
    {"x": -768000, "width": 768000, "height": "10000%"},
    {"opacity": 0, "fade_in": 0.5},
]


@pytest.mark.parametrize("fields", EXTREMES, ids=str)
@pytest.mark.parametrize("kind", ["video", "image", "text"])
def test_numbers_at_their_bounds_build_a_graph(
    kind: str, fields: dict[str, Any], tmp_path: Path
) -> None:
    comp = Composition.from_data(
        {"output": {"width": 320, "height": 180}, "elements": [{**BASE[kind], **fields}]}
    )
    args = build(comp, {"e": VIDEO if kind == "video" else STILL}, tmp_path)
    assert args[-1] == f"file:{tmp_path / 'out.mp4'}"


@pytest.mark.parametrize(
    "fields",
    [
        {"padding": 7680},  # Pillow raised SystemError for a padding of 1e308
        {"padding": 7680, "font_size": 2000},
        {"font_size": 2000, "line_spacing": 4},
        {"font_size": 0.001, "line_spacing": 0.5, "padding": 0.5},
        {"text": "word " * 2000, "font_size": 1},
    ],
    ids=str,
)
def test_text_at_its_bounds_builds_a_graph(fields: dict[str, Any], tmp_path: Path) -> None:
    comp = Composition.from_data(
        {"output": {"width": 64, "height": 64}, "elements": [{**BASE["text"], **fields}]}
    )
    assert "-filter_complex" in build(comp, {}, tmp_path)


def test_audio_at_its_bounds_builds_a_graph(tmp_path: Path) -> None:
    comp = Composition.from_data(
        {
            "output": {"width": 64, "height": 64},
            "elements": [
                {**BASE["audio"], "start": MAX_COMPOSITION_SECONDS - 1, "duration": 1, "volume": 4,
                 "trim_start": 86400, "fade_in": MAX_COMPOSITION_SECONDS,
                 "fade_out": MAX_COMPOSITION_SECONDS},
            ],
        }
    )  # fmt: skip
    day_long = Facts(0, 0, 90000.0, None, True, False)  # a recording longer than the trim
    assert "-filter_complex" in build(comp, {"e": day_long}, tmp_path)


def test_media_that_would_run_past_the_longest_composition_is_named() -> None:
    comp = Composition.from_data({"elements": [{**BASE["video"], "start": 21000}]})
    long_clip = Facts(640, 360, 7200.0, 30.0, True, False)
    with pytest.raises(CompositionError) as info:
        layout.resolve_timeline(comp, {"e": long_clip})
    assert str(info.value) == (
        "element 'e': its media runs to 7:50:00, past the longest composition Vidgen "
        "renders (6 hours); give it a duration or set output.duration"
    )
    comp.output = comp.output.model_copy(update={"duration": 60})
    assert layout.resolve_timeline(comp, {"e": long_clip}).duration == 60


def test_a_still_starting_just_before_the_limit_ends_at_it() -> None:
    comp = Composition.from_data({"elements": [{**BASE["image"], "start": 21598}]})
    timeline = layout.resolve_timeline(comp, {"e": STILL})
    assert timeline.duration == MAX_COMPOSITION_SECONDS
    assert timeline.windows["e"].duration == 2


def test_a_text_box_far_larger_than_any_frame_is_refused_before_it_is_drawn(
    tmp_path: Path,
) -> None:
    """10000% of a 1080p canvas is a 192000×108000 box: gigabytes, were it drawn."""
    from vidgen_desktop.errors import MediaError

    comp = Composition.from_data(
        {"output": {"width": 1920, "height": 1080},
         "elements": [{**BASE["text"], "x": "-5000%", "width": "10000%", "height": "10000%"}]}
    )  # fmt: skip
    with pytest.raises(MediaError) as info:
        build(comp, {}, tmp_path)
    assert str(info.value) == (
        "element 'e': its text box is 192000×108000 pixels; the largest text box Vidgen "
        "draws is 33 megapixels (an 8K frame), so make it smaller"
    )


def test_an_unpaired_surrogate_in_a_text_field_is_refused_in_words() -> None:
    """JSON may escape half a UTF-16 pair ("\\ud800"); such text cannot be saved again."""
    assert refusal({"elements": [{**BASE["text"], "name": "a\ud800"}]}) == (
        "element 'e': name must be valid Unicode text (it holds an unpaired surrogate), "
        "got 'a\\ud800'"
    )
