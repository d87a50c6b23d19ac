"""Real renders, decoded frame by frame: fit modes, stacking, opacity, timing, trims."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediakit import (
    bbox,
    counting_video,
    decode_frames,
    frame_index_from_luma,
    halves,
    solid,
    write_png,
)
from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine

pytestmark = pytest.mark.render

RED = (255, 0, 0, 255)
BLUE = (0, 0, 255, 255)
W, H = 160, 120


def render(
    tmp_path: Path,
    elements: list[dict],
    *,
    fps: int = 10,
    duration: float = 0.5,
    background: str = "#000000",
) -> np.ndarray:
    comp = Composition.from_data(
        {
            "output": {
                "width": W,
                "height": H,
                "fps": fps,
                "duration": duration,
                "background": background,
                "quality": "high",
            },
            "elements": elements,
        }
    )
    out = engine.render(comp, tmp_path / "out.mp4")
    return decode_frames(out, W, H)


def reddish(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 0] > 128) & (frame[..., 1] < 100) & (frame[..., 2] < 100)


def bluish(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 2] > 128) & (frame[..., 0] < 100) & (frame[..., 1] < 100)


def assert_rect(found, expected, tolerance=1):
    assert found is not None, "nothing drawn"
    x, y, w, h = found
    ex, ey, ew, eh = expected
    assert abs(x - ex) <= tolerance and abs(y - ey) <= tolerance, (found, expected)
    assert abs((x + w) - (ex + ew)) <= tolerance and abs((y + h) - (ey + eh)) <= tolerance, (
        found,
        expected,
    )


# A 40×20 red image into a 60×60 box at (20, 30); expected rects worked out by hand.
@pytest.mark.parametrize(
    ("fit", "expected"),
    [
        ("contain", (20, 45, 60, 30)),  # ×1.5 → 60×30, centred vertically
        ("fill", (20, 30, 60, 60)),  # stretched to the box
        ("cover", (20, 30, 60, 60)),  # ×3 → 120×60, cropped to the box
        ("auto", (40, 55, 20, 10)),  # never enlarged: 40×20 stays, centred
    ],
)
def test_each_fit_mode_puts_the_image_in_its_box(tmp_path, fit, expected):
    source = write_png(
        tmp_path / "red.png", solid(40, 20, RED) if fit != "auto" else solid(20, 10, RED)
    )
    frames = render(
        tmp_path,
        [
            {
                "id": "img",
                "type": "image",
                "source": str(source),
                "x": "20px",
                "y": "30px",
                "width": "60px",
                "height": "60px",
                "fit": fit,
            }
        ],
    )
    assert_rect(bbox(reddish(frames[0])), expected)


def test_cover_crops_centred_and_fill_stretches(tmp_path):
    source = write_png(tmp_path / "halves.png", halves(40, 20, RED, BLUE))
    frames = render(
        tmp_path,
        [
            {
                "id": "cover",
                "type": "image",
                "source": str(source),
                "x": "0px",
                "y": "0px",
                "width": "60px",
                "height": "60px",
                "fit": "cover",
            },
            {
                "id": "fill",
                "type": "image",
                "source": str(source),
                "x": "80px",
                "y": "0px",
                "width": "60px",
                "height": "40px",
                "fit": "fill",
            },
        ],
    )
    frame = frames[0]
    # cover: scaled to 120×60, the middle 60 columns kept: red 0–30, blue 30–60
    assert_rect(bbox(reddish(frame[:, :70])), (0, 0, 30, 60))
    assert_rect(bbox(bluish(frame[:, :70])), (30, 0, 30, 60))
    # fill: 40×20 stretched to 60×40: red 80–110, blue 110–140
    assert_rect(bbox(reddish(frame[:, 70:])), (10, 0, 30, 40))
    assert_rect(bbox(bluish(frame[:, 70:])), (40, 0, 30, 40))


def test_percent_boxes_and_partly_off_canvas(tmp_path):
    source = write_png(tmp_path / "red.png", solid(50, 50, RED))
    frames = render(
        tmp_path,
        [
            {
                "id": "img",
                "type": "image",
                "source": str(source),
                "x": "-10%",
                "y": "75%",
                "width": "25%",
                "height": "50%",
                "fit": "fill",
            }
        ],
    )
    # x -16..24, y 90..150 → visible part 0..24 × 90..120
    assert_rect(bbox(reddish(frames[0])), (0, 90, 24, 30))


def test_stacking_follows_track_then_list_order(tmp_path):
    red = write_png(tmp_path / "red.png", solid(20, 20, RED))
    blue = write_png(tmp_path / "blue.png", solid(20, 20, BLUE))
    box = {"x": "40px", "y": "40px", "width": "40px", "height": "40px", "fit": "fill"}
    frames = render(
        tmp_path,
        [
            {"id": "a", "type": "image", "source": str(red), **box},
            {"id": "b", "type": "image", "source": str(blue), **box},  # later in the list: on top
        ],
    )
    assert bluish(frames[0][60:61, 60:61]).all()
    frames = render(
        tmp_path,
        [
            {
                "id": "a",
                "type": "image",
                "source": str(red),
                "track": 1,
                **box,
            },  # higher track wins
            {"id": "b", "type": "image", "source": str(blue), **box},
        ],
    )
    assert reddish(frames[0][60:61, 60:61]).all()


def test_opacity_blends_by_the_set_amount(tmp_path):
    white = write_png(tmp_path / "white.png", solid(20, 20, (255, 255, 255, 255)))
    frames = render(
        tmp_path,
        [{"id": "w", "type": "image", "source": str(white), "fit": "fill", "opacity": 0.5}],
    )
    value = frames[0][40:80, 40:120].mean()
    assert abs(value - 127.5) <= 4


def test_logo_alpha_is_kept(tmp_path):
    logo = solid(40, 40, (0, 0, 0, 0))
    logo[10:30, 10:30] = RED
    source = write_png(tmp_path / "logo.png", logo)
    frames = render(
        tmp_path,
        [
            {
                "id": "logo",
                "type": "image",
                "source": str(source),
                "x": "0px",
                "y": "0px",
                "width": "40px",
                "height": "40px",
            }
        ],
        background="#0000ff",
    )
    frame = frames[0]
    assert_rect(bbox(reddish(frame)), (10, 10, 20, 20))
    assert bluish(frame[0:8, 0:40]).all()  # the transparent border shows the background


def test_element_appears_exactly_on_its_window(tmp_path):
    source = write_png(tmp_path / "red.png", solid(10, 10, RED))
    frames = render(
        tmp_path,
        [
            {
                "id": "img",
                "type": "image",
                "source": str(source),
                "fit": "fill",
                "start": 0.5,
                "duration": 0.5,
            }
        ],
        duration=1.5,
        fps=10,
    )
    shown = [bool(reddish(frame).mean() > 0.9) for frame in frames]
    assert len(frames) == 15
    assert shown == [False] * 5 + [True] * 5 + [False] * 5


def test_video_element_window_and_trim_show_the_right_source_frames(tmp_path):
    source = counting_video(tmp_path / "count.mp4", fps=10, seconds=3)
    frames = render(
        tmp_path,
        [
            {
                "id": "v",
                "type": "video",
                "source": str(source),
                "x": "0px",
                "y": "0px",
                "width": "32px",
                "height": "32px",
                "fit": "fill",
                "start": 0.3,
                "trim_start": 0.7,
                "duration": 1.0,
            }
        ],
        duration=1.6,
        fps=10,
    )
    lumas = frames[:, 8:24, 8:24].mean(axis=(1, 2, 3))
    # visible 0.3–1.3 s: output frame 3 shows source frame 7, frame 12 shows source frame 16
    for n in range(3, 13):
        assert frame_index_from_luma(lumas[n]) == 7 + (n - 3), n
    for n in (0, 1, 2, 13, 14, 15):
        assert lumas[n] < 5, n  # background shows outside the window


def test_video_shorter_than_its_duration_holds_the_last_frame(tmp_path):
    source = counting_video(tmp_path / "count.mp4", fps=10, seconds=0.5)
    frames = render(
        tmp_path,
        [
            {
                "id": "v",
                "type": "video",
                "source": str(source),
                "x": "0px",
                "y": "0px",
                "width": "32px",
                "height": "32px",
                "fit": "fill",
                "duration": 1.0,
            }
        ],
        duration=1.0,
        fps=10,
    )
    lumas = frames[:, 8:24, 8:24].mean(axis=(1, 2, 3))
    assert [frame_index_from_luma(v) for v in lumas] == [0, 1, 2, 3, 4, 4, 4, 4, 4, 4]


def test_extreme_aspect_cover_renders_without_huge_frames(tmp_path):
    tall = halves(2, 2000, RED, BLUE)
    source = write_png(tmp_path / "tall.png", tall)
    frames = render(tmp_path, [{"id": "t", "type": "image", "source": str(source), "fit": "cover"}])
    frame = frames[0]
    # 2×2000 scaled ×80 → 160 wide: left half red, right half blue, whole height
    assert reddish(frame[:, 5:75]).mean() > 0.95
    assert bluish(frame[:, 85:155]).mean() > 0.95


@pytest.mark.parametrize(
    ("x", "y", "w", "h"),
    [
        (21, 31, 10, 10),
        (20, 31, 10, 10),
        (21, 30, 10, 10),
        (-3, 7, 10, 10),
        (20, 30, 11, 9),
        (21, 31, 11, 9),
    ],
)
def test_odd_positions_and_sizes_are_exact_to_the_pixel(tmp_path, x, y, w, h):
    # FFmpeg's 4:2:0 overlay rounds positions down to even; the graph must compensate
    source = write_png(tmp_path / "red.png", solid(10, 10, RED))
    frames = render(
        tmp_path,
        [{"id": "r", "type": "image", "source": str(source), "x": x, "y": y,
          "width": w, "height": h, "fit": "fill"}],
    )  # fmt: skip
    # position is judged on luma: 4:2:0 output shares chroma between pixel pairs, so an
    # odd edge's colour bleeds half a pixel in every H.264 file; its brightness does not
    luma = frames[0].astype(float) @ np.array([0.299, 0.587, 0.114])
    left, top = max(0, x), max(0, y)
    assert bbox(luma > 38) == (left, top, x + w - left, y + h - top)


def test_fades_ramp_the_element_in_and_out(tmp_path):
    white = write_png(tmp_path / "white.png", solid(10, 10, (255, 255, 255, 255)))
    frames = render(
        tmp_path,
        [{"id": "w", "type": "image", "source": str(white), "fit": "fill",
          "fade_in": 1.0, "fade_out": 0.5, "duration": 2.0}],
        duration=2.0, fps=10,
    )  # fmt: skip
    levels = frames[:, 40:80, 40:120].mean(axis=(1, 2, 3)) / 255
    for n, level in enumerate(levels):
        t = n / 10
        expected = min(1.0, t / 1.0, (2.0 - t) / 0.5)
        assert abs(level - expected) <= 0.04, (n, level, expected)


def test_the_same_media_placed_twice_identically_renders_both(tmp_path):
    # identical chains collapse into one ffmpeg-python node; the graph must split it
    red = write_png(tmp_path / "red.png", solid(10, 10, RED))
    element = {"type": "image", "source": str(red), "width": "20px", "height": "20px",
               "fit": "fill", "fade_in": 0.2}  # fmt: skip
    frames = render(
        tmp_path,
        [{"id": "a", "x": "10px", "y": "10px", **element},
         {"id": "b", "x": "10px", "y": "10px", **element},
         {"id": "c", "x": "100px", "y": "60px", **element}],
    )  # fmt: skip
    assert_rect(bbox(reddish(frames[-1][:50, :50])), (10, 10, 20, 20))
    assert_rect(bbox(reddish(frames[-1][50:, 90:])), (10, 10, 20, 20))


def test_a_background_clip_used_as_the_canvas_keeps_frame_exact_timing(tmp_path):
    # opaque, full canvas, same rate as the output, longer than the composition:
    # the graph uses it as the canvas itself (no colour source); frames must not move
    source = counting_video(tmp_path / "count.mp4", fps=10, seconds=3, size="160x120")
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": 10, "duration": 1.5, "quality": "high"},
        "elements": [{"id": "bg", "type": "video", "source": str(source), "fit": "cover",
                      "trim_start": 0.4}],
    })  # fmt: skip
    from vidgen_desktop.render import graph

    plan = engine.prepare(comp)
    assert graph.is_canvas(plan)
    frames = decode_frames(engine.render(comp, tmp_path / "out.mp4"), W, H)
    lumas = frames[:, 40:80, 60:100].mean(axis=(1, 2, 3))
    assert [frame_index_from_luma(v) for v in lumas] == list(range(4, 19))


def test_a_background_clip_exactly_as_long_as_the_composition_is_the_canvas(tmp_path):
    source = counting_video(tmp_path / "count.mp4", fps=10, seconds=1.5, size="160x120")
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": 10, "quality": "high"},
        "elements": [{"id": "bg", "type": "video", "source": str(source), "fit": "cover"}],
    })  # fmt: skip
    from vidgen_desktop.render import graph

    assert graph.is_canvas(engine.prepare(comp))
    frames = decode_frames(engine.render(comp, tmp_path / "out.mp4"), W, H)
    lumas = frames[:, 40:80, 60:100].mean(axis=(1, 2, 3))
    assert [frame_index_from_luma(v) for v in lumas] == list(range(15))


def test_the_same_clip_placed_many_times_at_any_size_trim_and_start_renders(tmp_path):
    # a background and pictures-in-picture of one clip: each shows its own frame
    source = counting_video(tmp_path / "count.mp4", fps=10, seconds=3, size="64x48")
    clip = {"type": "video", "source": str(source)}
    elements = [
        {"id": "bg", **clip, "fit": "cover"},
        {"id": "pip", **clip, "x": "100px", "y": "10px", "width": "40px", "height": "30px"},
        {"id": "tall", **clip, "x": "100px", "y": "60px", "width": "50px", "height": "50px",
         "fit": "fill"},
        {"id": "trimmed", **clip, "x": "10px", "y": "10px", "width": "40px", "height": "30px",
         "trim_start": 1.0},
        {"id": "late", **clip, "x": "10px", "y": "70px", "width": "40px", "height": "30px",
         "start": 0.5},
    ]  # fmt: skip
    frames = render(tmp_path, elements, fps=10, duration=1.5)
    from vidgen_desktop.render import graph

    comp = Composition.from_data(
        {"output": {"width": W, "height": H, "fps": 10, "duration": 1.5}, "elements": elements}
    )
    args = graph.arguments(engine.prepare(comp), "/out/x.mp4")
    # bg, pip and tall read the same frames at the same time: one decode, split three ways;
    # the trimmed and the late copy read other moments: an input each
    assert args.count(f"file:{source}") == 3
    assert "split=3" in args[args.index("-filter_complex") + 1]

    def index_at(frame, x, y):
        return frame_index_from_luma(frame[y + 8 : y + 22, x + 12 : x + 28].mean())

    for n in range(15):
        frame = frames[n]
        assert index_at(frame, 100, 10) == n, (n, "pip")
        assert index_at(frame, 100, 70) == n, (n, "tall")
        assert index_at(frame, 10, 10) == n + 10, (n, "trimmed")
        if n >= 5:
            assert index_at(frame, 10, 70) == n - 5, (n, "late")
        else:
            assert index_at(frame, 10, 70) == n, (n, "bg under the late copy")


def test_the_same_clip_placed_once_is_decoded_once_with_its_sound(tmp_path):
    from mediakit import color_video
    from vidgen_desktop.render import graph

    source = color_video(tmp_path / "c.mp4", color="red", size="64x48", seconds=1,
                         audio_freq=440)  # fmt: skip
    comp = Composition.from_data({
        "output": {"width": W, "height": H, "fps": 10, "duration": 1},
        "elements": [{"id": "v", "type": "video", "source": str(source), "x": "10px",
                      "width": "50px", "height": "50px"}],
    })  # fmt: skip
    args = graph.arguments(engine.prepare(comp), "/out/x.mp4")
    graph_text = args[args.index("-filter_complex") + 1]
    assert args.count(f"file:{source}") == 1  # picture and sound from one input
    assert "[1:v]" in graph_text and "[1:a]" in graph_text
    assert "split" not in graph_text
