"""Motion in the document and the layout: easings, keyframes, presets, transitions, errors."""

from __future__ import annotations

import json

import pytest

from vidgen_desktop.composition import layout, motion, project
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.errors import CompositionError

CANVAS = (1920, 1080)


def _comp(*elements, **output):
    return Composition.from_data({"output": {"duration": 4, **output}, "elements": list(elements)})


def _image(**fields):
    return {"id": "logo", "type": "image", "source": "logo.png", **fields}


def _state(comp, frame, element_id="logo", media=(400, 200), fps=30):
    timeline = layout.resolve_timeline(comp, {})
    element = comp.element(element_id)
    return layout.state_at(
        element, frame, fps, CANVAS, timeline.windows[element_id], media,
        cues=timeline.cues.get(element_id, ()),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("easing", "p", "expected"),
    [
        ("linear", 0.25, 0.25),
        ("hold", 0.99, 0.0),
        ("hold", 1.0, 1.0),
        ("ease-in", 0.5, 0.3153),  # CSS cubic-bezier(0.42, 0, 1, 1)
        ("ease-out", 0.5, 0.6847),
        ("ease-in-out", 0.5, 0.5),
        ("ease-in-out", 0.25, 0.1291),
        ((0.25, 0.1, 0.25, 1.0), 0.5, 0.8024),  # CSS "ease"
    ],
)
def test_easing_curves_at_known_points(easing, p, expected):
    assert motion.ease(easing, p) == pytest.approx(expected, abs=2e-4)


def test_keyframes_hold_outside_and_ease_the_segment_ending_at_a_keyframe():
    points = [(1.0, 10.0, "linear"), (3.0, 30.0, "ease-in"), (4.0, 0.0, "hold")]
    assert motion.interpolate(points, 0.0) == 10.0  # before the first: the first
    assert motion.interpolate(points, 9.0) == 0.0  # after the last: the last
    assert motion.interpolate(points, 2.0) == pytest.approx(10 + 20 * 0.3153, abs=0.01)
    assert motion.interpolate(points, 3.99) == 30.0  # hold: no change until the keyframe


def test_lengths_of_mixed_units_interpolate_in_canvas_pixels():
    x = [{"time": 0, "value": "10%"}, {"time": 2, "value": "592px"}]
    width = [{"time": 0, "value": 100}, {"time": 2, "value": "20%"}]
    comp = _comp(_image(keyframes={"x": x, "width": width}))
    state = _state(comp, 30)  # t = 1 s: half way
    assert state.exact[0] == pytest.approx((192 + 592) / 2)
    assert state.exact[2] == pytest.approx((100 + 384) / 2)


def test_a_static_element_is_exactly_place():
    comp = _comp(_image(x="33.3125%", y="7.5px", width="10.01%", height="13%", fit="cover"))
    state = _state(comp, 17)
    assert state.placement == layout.place(comp.elements[0], (400, 200), CANVAS)
    assert (state.rotation, state.opacity, state.clip) == (0.0, 1.0, None)


def test_presets_expand_as_documented():
    slide = _comp(_image(x=200, y=100, width=300, height=100,
                         animation_in={"preset": "slide-from-left", "duration": 1}))  # fmt: skip
    assert _state(slide, 0).box.right <= 0  # starts just off the canvas
    assert _state(slide, 30).box.x == 200  # settled at its own place
    zoom = _comp(_image(x=200, y=100, width=300, height=100,
                        animation_out={"preset": "zoom-in", "duration": 1}))  # fmt: skip
    late = _state(zoom, 105)  # 0.5 s before the end: half way out, played backwards
    assert late.opacity == pytest.approx(0.5, abs=0.02)
    assert late.exact[0] + late.exact[2] / 2 == pytest.approx(350)  # scaled about its centre
    spin = _comp(_image(animation_in={"preset": "spin", "duration": 1}, rotation=10))
    assert _state(spin, 0).rotation == pytest.approx(-350)  # relative to its own rotation
    kb = _comp(_image(width=400, height=200, fit="cover",
                      animation_in={"preset": "ken-burns", "duration": 4}))  # fmt: skip
    start, end = _state(kb, 0), _state(kb, 119)
    assert start.drawn == end.drawn == layout.Rect(0, 0, 400, 200)  # inside its box
    assert end.placement.scaled[0] > start.placement.scaled[0] * 1.15  # zoomed in


def test_a_transition_holds_the_previous_element_and_moves_both():
    comp = _comp(
        _image(id="a", duration=2),
        _image(id="b", start=2, transition_in={"type": "push-left", "duration": 1}),
        _image(id="c", track=1, start=2),  # another track: not part of it
    )
    timeline = layout.resolve_timeline(comp, {})
    assert timeline.windows["a"].end == 3  # held until the transition ends
    assert timeline.cues["b"][0].partner == "a" and "c" not in timeline.cues
    half_b, half_a = _state(comp, 75, "b"), _state(comp, 75, "a")
    assert half_a.exact[0] < 0 < half_b.exact[0]  # a leaves left, b comes in from the right


def test_version_one_files_upgrade_on_load(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"schema_version": 1, "elements": [_image()]}))
    comp = project.load(path)
    assert comp.schema_version == 2
    saved = json.loads(project.dumps(comp))
    assert saved["elements"][0]["rotation"] == 0 and saved["elements"][0]["keyframes"] == {}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"keyframes": {"x": [{"time": 1, "value": 1}, {"time": 1, "value": 2}]}},
         "element 'logo': keyframes.x[1].time must be later than the keyframe before it"),
        ({"duration": 2, "keyframes": {"y": [{"time": 3, "value": 1}]}},
         "element 'logo': keyframes.y[0].time is 3 s, outside the element's window"),
        ({"keyframes": {"x": [{"time": 0, "value": 0, "easing": "bounce"}]}},
         "element 'logo': keyframes.x[0].easing must be one of linear, ease-in"),
        ({"keyframes": {"opacity": [{"time": 0, "value": "50%"}]}},
         "element 'logo': keyframes.opacity[0].value must be a plain number for opacity"),
        ({"keyframes": {"x": [{"time": 0, "value": "3em"}]}},
         "element 'logo': keyframes.x[0].value must be a length like '10%'"),
        ({"animation_in": {"preset": "bounce"}},
         "element 'logo': animation_in.preset must be one of 'fade'"),
        ({"transition_in": {"type": "dissolve"}},
         "element 'logo': transition_in.type must be one of 'crossfade'"),
    ],
)  # fmt: skip
def test_bad_motion_gets_one_line_naming_element_and_property(fields, message):
    with pytest.raises(CompositionError) as caught:
        _comp(_image(**fields))
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_keyframe_past_the_media_is_refused_when_the_media_tells_the_length():
    keyframes = {"x": [{"time": 0, "value": 0}, {"time": 9, "value": 5}]}
    comp = Composition.from_data(
        {"elements": [{"id": "v", "type": "video", "source": "v.mp4", "keyframes": keyframes}]}
    )

    class Facts:
        width, height, duration, fps = 320, 240, 3.0, 25.0

    with pytest.raises(CompositionError, match="element 'v': keyframes.x\\[1\\].time is 9 s"):
        layout.resolve_timeline(comp, {"v": Facts()})
