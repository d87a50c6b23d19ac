"""Motion in real renders, decoded frame by frame: keyframed positions, rotation,
opacity, presets and transitions land where ``layout.state_at`` says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediakit import bbox, decode_frames, solid, write_png
from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine

pytestmark = pytest.mark.render

W, H, FPS = 160, 90, 10


def _render(tmp_path: Path, elements, duration=2.0, background="#000000"):
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": FPS, "duration": duration,
                   "background": background, "format": "mov", "quality": "high"},
        "elements": elements,
    })  # fmt: skip
    plan = engine.prepare(comp)
    return plan, decode_frames(engine.render(comp, tmp_path / "out.mov"), W, H)


def _red(frame):
    return (frame[..., 0] > 128) & (frame[..., 1] < 100) & (frame[..., 2] < 100)


def _state(plan, n):
    """The layout's state of the (only) element at frame n: its animated part's track keeps
    the element and its whole window (resting parts are drawn as plain static elements)."""
    track = next(vp.track for vp in plan.visuals if vp.track is not None)
    return layout.state_at(
        track.element, n, FPS, (W, H), track.window, plan.visuals[0].media_size,
        cues=track.cues,
    )  # fmt: skip


def test_keyframed_position_lands_where_the_layout_says(tmp_path):
    red = write_png(tmp_path / "red.png", solid(30, 20, (255, 0, 0, 255)))
    plan, frames = _render(tmp_path, [{
        "id": "r", "type": "image", "source": str(red), "width": 30, "height": 20,
        "keyframes": {
            "x": [{"time": 0, "value": "0%"},
                  {"time": 1.5, "value": "75%", "easing": "ease-in-out"}],
            "y": [{"time": 0.2, "value": 3},
                  {"time": 1.8, "value": "70%", "easing": [0.2, 0.8, 0.4, 1]}]},
    }])  # fmt: skip
    moved = set()
    for n in (0, 2, 4, 5, 7, 9, 11, 13, 16, 19):
        drawn = _state(plan, n).drawn
        x, y, w, h = bbox(_red(frames[n]))
        assert abs(x - drawn.x) <= 1 and abs(y - drawn.y) <= 1, (n, (x, y), drawn)
        assert abs(x + w - drawn.right) <= 1 and abs(y + h - drawn.bottom) <= 1, (n, drawn)
        moved.add((drawn.x, drawn.y))
    assert len(moved) >= 8  # it really moves


@pytest.mark.parametrize("angle", [90, 45])
def test_rotation_puts_known_corners_where_expected(tmp_path, angle):
    # a 40x20 white bar with a red left end, turned clockwise about its box centre (80, 45)
    bar = solid(40, 20, (255, 255, 255, 255))
    bar[:, :8] = (255, 0, 0, 255)
    source = write_png(tmp_path / "bar.png", bar)
    plan, frames = _render(
        tmp_path,
        [
            {
                "id": "b",
                "type": "image",
                "source": str(source),
                "x": 60,
                "y": 35,
                "width": 40,
                "height": 20,
                "fit": "fill",
                "rotation": angle,
            }
        ],
        duration=0.3,
    )
    frame = frames[1]
    lit = frame.max(axis=2) > 128
    x, y, w, h = bbox(lit)
    red_y, red_x = np.nonzero(_red(frame))
    if angle == 90:  # 20 wide, 40 tall, the red end on top
        assert (abs(x - 70) <= 1, abs(w - 20) <= 2, abs(y - 25) <= 1, abs(h - 40) <= 2) == (
            True,
        ) * 4
        assert red_y.max() < 25 + 10 and abs(red_x.mean() - 80) <= 1.5
    else:  # the diagonal: the bounding box of a 40x20 turned 45°, red end to the upper left
        side = (40 + 20) / np.sqrt(2)
        assert abs(w - side) <= 3 and abs(h - side) <= 3, (w, h)  # edges antialiased
        assert red_x.mean() < 80 - 8 and red_y.mean() < 45 - 8
    # the corners of the canvas stay background: transparent corners, nothing clipped
    assert (frame[0, 0] < 20).all() and (frame[-1, -1] < 20).all()


def test_opacity_keyframes_give_the_measured_blend(tmp_path):
    white = write_png(tmp_path / "w.png", solid(40, 40, (255, 255, 255, 255)))
    plan, frames = _render(
        tmp_path,
        [
            {
                "id": "w",
                "type": "image",
                "source": str(white),
                "x": 60,
                "y": 25,
                "width": 40,
                "height": 40,
                "keyframes": {"opacity": [{"time": 0, "value": 0}, {"time": 1, "value": 1}]},
            }
        ],
    )
    for n in (0, 3, 5, 8, 12):
        expected = 255 * _state(plan, n).opacity
        measured = frames[n][45, 80].astype(float).mean()
        assert abs(measured - expected) <= 4, (n, measured, expected)


@pytest.mark.parametrize(
    "preset",
    [
        "fade",
        "slide-from-left",
        "slide-from-right",
        "slide-from-top",
        "slide-from-bottom",
        "zoom-in",
        "zoom-out",
        "pop",
        "spin",
    ],
)
def test_each_preset_at_start_middle_and_end(tmp_path, preset):
    red = write_png(tmp_path / "red.png", solid(40, 30, (255, 0, 0, 255)))
    plan, frames = _render(
        tmp_path,
        [
            {
                "id": "r",
                "type": "image",
                "source": str(red),
                "x": 60,
                "y": 30,
                "width": 40,
                "height": 30,
                "fit": "fill",
                "animation_in": {"preset": preset, "duration": 1.0},
            }
        ],
    )
    for n in (0, 5, 10, 15):
        state = _state(plan, n)
        found = bbox(_red(frames[n]))
        if state.opacity <= 0.6 or not state.box.intersect(layout.Rect(0, 0, W, H)):
            continue  # too faint to threshold, or still off the canvas
        assert found is not None, (preset, n)
        if abs(state.rotation) < 1:
            d = state.drawn
            assert abs(found[0] - max(0, d.x)) <= 1 and abs(found[1] - max(0, d.y)) <= 1, (
                n,
                found,
                d,
            )
    settled = bbox(_red(frames[15]))
    assert settled == (60, 30, 40, 30)  # at the end: exactly the element's own box


@pytest.mark.parametrize(
    "kind",
    [
        "crossfade",
        "wipe-left",
        "wipe-right",
        "wipe-up",
        "wipe-down",
        "slide-left",
        "slide-right",
        "push-left",
        "push-right",
        "zoom",
    ],
)
def test_each_transition_at_start_middle_and_end(tmp_path, kind):
    red = write_png(tmp_path / "red.png", solid(W, H, (255, 0, 0, 255)))
    blue = write_png(tmp_path / "blue.png", solid(W, H, (0, 0, 255, 255)))
    plan, frames = _render(
        tmp_path,
        [
            {"id": "a", "type": "image", "source": str(red), "duration": 1.0},
            {
                "id": "b",
                "type": "image",
                "source": str(blue),
                "start": 1.0,
                "transition_in": {"type": kind, "duration": 1.0},
            },
        ],
        duration=2.5,
    )
    start, middle, end = frames[10], frames[15], frames[21]
    assert (start[..., 0] > 150).mean() > 0.85  # the old picture still shows at the start
    assert (end[..., 2] > 200).all() and (end[..., 0] < 40).all()  # the new one, whole
    red_share, blue_share = (middle[..., 0] > 150).mean(), (middle[..., 2] > 150).mean()
    if kind == "crossfade":
        assert abs(middle[..., 0].mean() - 127) < 12 and abs(middle[..., 2].mean() - 127) < 12
    elif kind == "zoom":
        assert 0.15 < (middle[..., 2] > 60).mean() < 0.95
    else:  # half and half, on the side the transition names
        assert 0.35 < red_share < 0.65 and 0.35 < blue_share < 0.65, (red_share, blue_share)
        b = bbox(middle[..., 2] > 150)
        side = {
            "wipe-left": "right",
            "slide-left": "right",
            "push-left": "right",
            "wipe-right": "left",
            "slide-right": "left",
            "push-right": "left",
            "wipe-up": "bottom",
            "wipe-down": "top",
        }[kind]
        where = {
            "right": b[0] + b[2] == W,
            "left": b[0] == 0,
            "bottom": b[1] + b[3] == H,
            "top": b[1] == 0,
        }
        assert where[side], (kind, b)


def test_after_its_entrance_an_element_renders_exactly_as_a_static_one(tmp_path):
    red = write_png(tmp_path / "red.png", solid(41, 23, (255, 40, 0, 255)))
    element = {"id": "r", "type": "image", "source": str(red), "x": 51, "y": 33,
               "width": 41, "height": 23, "fit": "fill"}  # fmt: skip
    moving = element | {"animation_in": {"preset": "slide-from-left", "duration": 0.5}}
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    _, still = _render(tmp_path / "a", [element])
    _, moved = _render(tmp_path / "b", [moving])
    assert not np.array_equal(still[2], moved[2])  # it was moving
    assert np.array_equal(still[6:], moved[6:])  # then pixel for pixel the static render


def test_volume_keyframes_shape_the_sound(tmp_path):
    from mediakit import decode_audio, tone

    sound = tone(tmp_path / "tone.wav", freq=440, seconds=2, amplitude=0.5)
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": FPS, "duration": 2},
        "elements": [{"id": "s", "type": "audio", "source": str(sound),
                      "keyframes": {"volume": [{"time": 0.5, "value": 0},
                                               {"time": 1.5, "value": 1}]}}],
    })  # fmt: skip
    samples = decode_audio(engine.render(comp, tmp_path / "out.mp4"))

    def rms(at: float) -> float:
        chunk = samples[int(at * 48000) : int((at + 0.1) * 48000), 0]
        return float(np.sqrt(np.mean(chunk**2)))

    full = 0.5 / np.sqrt(2)
    assert rms(0.1) < 0.01 * full  # held at the first keyframe's 0
    assert abs(rms(0.95) - 0.5 * full) < 0.08 * full  # half way: half the gain
    assert abs(rms(1.7) - full) < 0.08 * full  # the last keyframe's 1 holds


def test_ken_burns_pans_and_zooms_inside_the_box(tmp_path):
    # red on the left quarter: where the red/blue edge lands shows the zoom and the pan
    image = solid(80, 60, (255, 0, 0, 255))
    image[:, 20:] = (0, 0, 255, 255)
    source = write_png(tmp_path / "q.png", image)
    plan, frames = _render(
        tmp_path,
        [
            {
                "id": "k",
                "type": "image",
                "source": str(source),
                "x": 40,
                "y": 15,
                "width": 80,
                "height": 60,
                "fit": "cover",
                "animation_in": {"preset": "ken-burns", "duration": 2},
            }
        ],
    )
    boundaries = []
    for n in (0, 10, 19):
        state = _state(plan, n)
        p = state.placement
        expected = state.drawn.x + p.scaled[0] / 4 - p.crop.x  # the image's quarter column
        row = frames[n][45]
        red = np.nonzero((row[:, 0] > 128) & (row[:, 2] < 100))[0]
        assert red.min() == 40 and abs(red.max() + 1 - expected) <= 1, (n, red.max(), expected)
        x, y, w, h = bbox(frames[n].max(axis=2) > 128)  # never past its box (±1: 4:2:0 chroma)
        assert abs(x - 40) <= 1 and abs(y - 15) <= 1 and abs(w - 80) <= 1 and abs(h - 60) <= 1
        boundaries.append(red.max())
    assert boundaries[0] == 59 and boundaries[-1] < boundaries[0] - 2  # it moved
