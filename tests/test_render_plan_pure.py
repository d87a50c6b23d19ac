"""Planning writes nothing: text PNGs are made by the run step, just before FFmpeg starts."""

from __future__ import annotations

import cv2
import pytest

from vidgen_desktop.composition.model import Composition
from vidgen_desktop.render import engine, graph

TEXT = {
    "output": {"width": 64, "height": 48, "duration": 0.5, "fps": 10},
    "elements": [
        {"id": "title", "type": "text", "text": "Sale", "background": "#ff0000",
         "x": "0%", "y": "0%", "width": "100%", "height": "100%"},
    ],
}  # fmt: skip


def test_planning_a_render_writes_no_file(home, tmp_path):
    folder = tmp_path / "text"
    plan = engine.prepare(Composition.from_data(TEXT), {}, text_folder=folder)
    assert [vp.element.id for vp in plan.visuals] == ["title"]
    assert not folder.exists()
    assert not (home / "home").exists()  # not the cache either (`vidgen preview` took this path)


def test_a_plan_whose_text_is_not_written_cannot_become_a_command(tmp_path):
    plan = graph.plan(Composition.from_data(TEXT), {}, text_folder=tmp_path)
    with pytest.raises(ValueError, match="title"):
        graph.arguments(plan, "/out/x.mp4")


def test_the_run_step_writes_the_text_png_the_command_reads(tmp_path):
    plan = engine.with_text_files(graph.plan(Composition.from_data(TEXT), {}, text_folder=tmp_path))
    (png,) = tmp_path.iterdir()
    assert plan.visuals[0].source == str(png)
    assert cv2.imread(str(png), cv2.IMREAD_UNCHANGED).shape == (48, 64, 4)
    assert any(str(png) in arg for arg in graph.arguments(plan, "/out/x.mp4"))


@pytest.mark.render
def test_a_render_of_text_planned_without_files_shows_the_text(home, tmp_path):
    folder = tmp_path / "text"
    plan = engine.prepare(Composition.from_data(TEXT), {}, text_folder=folder)
    out = engine.render_process(plan, tmp_path / "out.mp4").run()
    capture = cv2.VideoCapture(str(out))
    ok, frame = capture.read()
    capture.release()
    assert ok and frame[2, 2, 2] > 200 and frame[2, 2, 1] < 60  # the red text box (BGR)
    assert len(list(folder.iterdir())) == 1  # written when the render ran
