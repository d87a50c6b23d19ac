"""Time: windows, composition length, which source frame shows, fades."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from vidgen_desktop.composition.layout import (
    Window,
    fade_alpha,
    frame_count,
    resolve_timeline,
    source_frame_index,
)
from vidgen_desktop.composition.model import DEFAULT_STILL_DURATION, Composition


@dataclass(frozen=True)
class Facts:
    width: int = 1280
    height: int = 720
    duration: float | None = None
    fps: float | None = None


def video(id: str, **fields: Any) -> dict[str, Any]:
    return {"id": id, "type": "video", "source": f"{id}.mp4", **fields}


def still(id: str, **fields: Any) -> dict[str, Any]:
    return {"id": id, "type": "image", "source": f"{id}.png", **fields}


def timeline(elements: list[dict[str, Any]], facts: dict[str, Any], duration: float | None = None):
    output = {} if duration is None else {"duration": duration}
    comp = Composition.from_data({"output": output, "elements": elements})
    return resolve_timeline(comp, facts)


def test_length_is_the_end_of_the_last_video() -> None:
    t = timeline(
        [
            video("bg"),
            video("clip", start=2, trim_start=1.5),
            still("logo"),
            {"id": "title", "type": "text", "text": "Hi", "start": 1},
            {"id": "music", "type": "audio", "source": "m.wav", "start": 3, "duration": 4},
        ],
        {"bg": Facts(duration=10, fps=30), "clip": Facts(duration=6, fps=25)},
    )
    assert t.duration == 10
    assert t.windows["bg"] == Window(0, 10)
    assert t.windows["clip"] == Window(2, 6.5, 1.5)  # 6 s of media minus the 1.5 s trim
    assert t.windows["logo"] == Window(0, 10)  # stills and text run to the end
    assert t.windows["title"] == Window(1, 10)
    assert t.windows["music"] == Window(3, 7)


def test_output_duration_wins_and_clips_windows() -> None:
    t = timeline(
        [video("bg"), still("logo", start=2, duration=20), still("late", start=9)],
        {"bg": Facts(duration=10, fps=30)},
        duration=8,
    )
    assert t.duration == 8
    assert t.windows["bg"] == Window(0, 8)
    assert t.windows["logo"] == Window(2, 8)
    assert t.windows["late"] == Window(9, 9)  # starts after the end: never shown
    assert not t.windows["late"].contains(9)
    assert t.windows["late"].duration == 0


def test_output_duration_longer_than_the_media() -> None:
    t = timeline([video("bg"), still("logo")], {"bg": Facts(duration=3, fps=30)}, duration=12)
    assert t.duration == 12
    assert t.windows["bg"] == Window(0, 3)
    assert t.windows["logo"] == Window(0, 12)


def test_only_stills_last_the_default() -> None:
    t = timeline([still("a"), {"id": "t", "type": "text"}], {})
    assert t.duration == DEFAULT_STILL_DURATION
    assert t.windows["a"] == Window(0, DEFAULT_STILL_DURATION)


def test_a_still_with_a_duration_sets_the_length() -> None:
    t = timeline([still("a", duration=7), still("b")], {})
    assert t.duration == 7
    assert t.windows["b"] == Window(0, 7)


def test_a_still_starting_after_everything_else_is_not_lost() -> None:
    t = timeline([video("bg"), still("end_card", start=10)], {"bg": Facts(duration=10, fps=30)})
    assert t.duration == 10 + DEFAULT_STILL_DURATION
    assert t.windows["end_card"] == Window(10, 10 + DEFAULT_STILL_DURATION)
    assert t.windows["bg"] == Window(0, 10)


def test_an_empty_composition() -> None:
    t = timeline([], {})
    assert t.duration == DEFAULT_STILL_DURATION
    assert dict(t.windows) == {}


def test_unprobed_media_runs_to_the_end() -> None:
    t = timeline([video("bg"), still("a", duration=4)], {"bg": None})
    assert t.windows["bg"] == Window(0, 4)


def test_trim_past_the_end_of_the_media_gives_an_empty_window() -> None:
    t = timeline(
        [video("a", trim_start=12), still("b", duration=5)], {"a": Facts(duration=10, fps=30)}
    )
    assert t.windows["a"] == Window(0, 0, 12)


def test_window_contains_start_but_not_end() -> None:
    w = Window(2.0, 5.0)
    assert not w.contains(1.999)
    assert w.contains(2.0)
    assert w.contains(4.999)
    assert not w.contains(5.0)
    # frame times computed in floats land on the right side of the boundary
    assert w.contains(60 * (1 / 30))  # 1.9999999999999998 is frame 60, at 2 s
    assert not w.contains(150 * (1 / 30))
    assert w.duration == 3.0


@pytest.mark.parametrize(
    ("trim", "t", "expected"),
    [
        (0.0, 2.0, 0),
        (0.0, 2.0 + 1 / 30, 1),
        (0.0, 2.0 + 0.999 / 30, 0),
        (1.0, 2.0, 30),  # on the frame grid
        (1.01, 2.0, 31),  # off the grid: the first frame at or after the trim point
        (0.1, 2.0, 3),  # 0.1 * 30 is 3.0000000000000004 in floats
        (1.0, 3.5, 75),
        (0.0, 1.0, 0),  # before the window: the first frame, never a negative index
        (1.0, 1.0, 30),
    ],
)
def test_source_frame_index(trim: float, t: float, expected: int) -> None:
    assert source_frame_index(Window(2.0, 10.0, trim), t, 30, None) == expected


def test_source_frame_index_holds_the_last_frame() -> None:
    w = Window(0.0, 10.0, 0.0)
    assert source_frame_index(w, 3.0, 30, 90) == 89
    assert source_frame_index(w, 100.0, 30, 90) == 89
    assert source_frame_index(Window(0.0, 1.0, 5.0), 0.0, 30, 90) == 89


def test_source_frame_index_at_every_output_frame() -> None:
    w = Window(0.5, 5.0, 0.2)
    for n in range(15, 150):
        t = n / 30
        assert source_frame_index(w, t, 30, None) == 6 + (n - 15)


@pytest.mark.parametrize(
    ("t", "expected"),
    [(2.0, 0.0), (2.5, 0.5), (3.0, 1.0), (5.0, 1.0), (9.0, 1.0), (9.5, 0.5), (10.0, 0.0)],
)
def test_fade_alpha(t: float, expected: float) -> None:
    assert fade_alpha(Window(2.0, 10.0), t, 1.0, 1.0) == pytest.approx(expected)


def test_no_fade_is_opaque() -> None:
    assert fade_alpha(Window(2.0, 10.0), 2.0, 0.0, 0.0) == 1.0


def test_overlapping_fades_take_the_lower() -> None:
    assert fade_alpha(Window(0.0, 2.0), 1.0, 4.0, 4.0) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("duration", "fps", "frames"),
    [
        (10, 30, 300),
        (10.01, 30, 301),
        (1 / 3, 30, 10),
        (0.1 * 3, 10, 3),
        (0, 30, 1),
        (20, 29.97, 600),
    ],
)
def test_frame_count(duration: float, fps: float, frames: int) -> None:
    assert frame_count(duration, fps) == frames
