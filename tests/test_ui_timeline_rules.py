"""The timeline's rules without a window (``timeline_edits``): split, ripple, snap, markers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from vidgen_desktop.composition.model import (
    AudioElement,
    Composition,
    Marker,
    TextElement,
    VideoElement,
)
from vidgen_desktop.ui.editor import timeline_edits


def window(start: float, end: float, trim: float = 0.0):
    return SimpleNamespace(start=start, end=end, trim_start=trim)


def test_split_gives_an_entrance_to_the_first_part_and_the_exit_to_the_second():
    element = TextElement(id="t", text="x", start=1, duration=4, fade_in=0.5, fade_out=0.5,
                          animation_in={"preset": "fade", "duration": 0.5},
                          animation_out={"preset": "fade", "duration": 0.5})  # fmt: skip
    first, data = timeline_edits.split(element, window(1, 5), 3.0, 30, "t-2")
    assert first == {"duration": 2.0, "animation_out": None, "fade_out": 0.0}
    second = TextElement.model_validate(data)
    assert (second.id, second.start, second.duration) == ("t-2", 3.0, 2.0)
    assert second.animation_in is None and second.fade_in == 0
    assert second.animation_out is not None and second.fade_out == 0.5
    assert TextElement.model_validate({**element.model_dump(), **first}).fade_in == 0.5


def test_split_cuts_length_keyframes_keeping_their_unit_and_audio_keeps_sync():
    element = TextElement(id="t", text="x", duration=4, keyframes={"x": [
        {"time": 0, "value": "0%"}, {"time": 4, "value": "80%", "easing": "linear"}]})  # fmt: skip
    first, second = timeline_edits.split_keyframes(element, 1.0)
    assert first["x"][-1] == {"time": 1.0, "value": "20%"}
    assert second["x"][0] == {"time": 0.0, "value": "20%"}
    assert second["x"][1]["time"] == 3.0 and second["x"][1]["value"] == "80%"
    sound = AudioElement(id="a", source="/m.wav", start=2, trim_start=1.5, duration=3,
                         keyframes={"volume": [{"time": 1, "value": 1}]})  # fmt: skip
    first, data = timeline_edits.split(sound, window(2, 5, 1.5), 3.0, 30, "a-2")
    assert data["trim_start"] == pytest.approx(2.5) and first["duration"] == 1.0
    assert first["keyframes"]["volume"] == [{"time": 1.0, "value": 1}]
    assert data["keyframes"]["volume"] == [{"time": 0.0, "value": 1}]


def test_split_refuses_at_an_end_or_on_a_locked_element():
    element = VideoElement(id="v", source="/v.mp4", duration=2)
    assert "not inside" in timeline_edits.split(element, window(0, 2), 0.0, 30, "v-2")
    assert "not inside" in timeline_edits.split(element, window(0, 2), 2.0, 30, "v-2")
    locked = element.model_copy(update={"locked": True})
    assert "locked" in timeline_edits.split(locked, window(0, 2), 1.0, 30, "v-2")


def test_ripple_counts_overlapping_deletions_once_and_leaves_overlaps_in_place():
    comp = Composition(elements=[TextElement(id=i, text=i) for i in "abcd"])
    windows = {"a": window(0, 2), "b": window(1, 3), "c": window(2.5, 4), "d": window(5, 6)}
    shifts = timeline_edits.ripple_shifts(comp.elements, windows, ["a", "b"])
    assert shifts == {"d": {"start": 2.0}}  # 0–3 deleted: d moves 3 s; c overlaps b, stays


def test_snap_picks_the_nearest_target_within_the_tolerance():
    assert timeline_edits.snap(1.02, [1.0, 1.05, 3.0], 0.04) == (1.0, 1.0)
    assert timeline_edits.snap(1.04, [1.0, 1.05], 0.1) == (1.05, 1.05)
    assert timeline_edits.snap(2.0, [1.0, 3.0], 0.5) == (2.0, None)
    elements = [TextElement(id="a", text="a"), TextElement(id="b", text="b")]
    targets = timeline_edits.snap_targets(
        elements, {"a": window(0, 2), "b": window(3, 4)}, "b", 1.5, [Marker(time=7)]
    )
    assert sorted(targets) == [0, 1.5, 2, 7]  # b's own ends are not targets


def test_new_markers_get_a_free_name_and_one_time_holds_one_marker():
    marks = [Marker(time=1, name="Marker 2")]
    after = timeline_edits.with_marker(marks, 0.5)
    assert [(m.time, m.name) for m in after] == [(0.5, "Marker 3"), (1, "Marker 2")]
    assert timeline_edits.with_marker(after, 1.0) is None
