"""The canvas shows the render's frame once the playhead rests, and fast frames meanwhile.

The bundled example (``vidgen samples``, spring_promo, its first 3 s) opens in a
real ``MainWindow`` at zoom 1 (the canvas draws at the document's 1280×720).
The frame the canvas received (``canvas.image``, the composite without
overlays) is compared with a ProRes HQ render read back by frame number, as
``tests/test_example_psnr.py`` does: ≥ 35 dB at every sampled time once the
canvas has settled. While the playhead jumps without resting, every frame it
shows is a fast one (no FFmpeg run per scrub frame).
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

import uikit
from mediakit import psnr
from test_example_psnr import _cli, frames_at
from uikit import make_window, settle

from vidgen_desktop.ui.editor.qt_preview import PreviewRequest, draw  # isort: skip

pytestmark = pytest.mark.render

GOAL_DB = 35.0
SECONDS = 3  # of the example rendered: its frames are those of the full render
TIMES = [0.25, 1.2, 1.45, 2.1, 2.25, 2.9]  # fades, the clip entering at 1 s, the photo at 2 s
SCRUB = [0.5, 2.5, 1.1, 2.7, 0.9, 1.9, 2.4, 1.6]

home = uikit.home


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    env = {**os.environ, "VIDGEN_HOME": str(folder / "home")}
    _cli("samples", str(folder), env=env)
    path = folder / "spring_promo.json"
    data = json.loads(path.read_text())
    data["output"]["duration"] = SECONDS
    path.write_text(json.dumps(data))
    out = folder / "spring_promo.mov"
    _cli("render", str(path), "--format", "mov", "--quality", "high", "-o", str(out), env=env)
    w, h, fps = data["output"]["width"], data["output"]["height"], data["output"]["fps"]
    indexes = sorted({math.floor(t * fps + 1e-9) for t in TIMES})
    rendered = dict(zip(indexes, frames_at(out, indexes, w, h), strict=True))
    return path, rendered, fps


def pixels(image) -> np.ndarray:
    """A QImage (RGB888, as the canvas receives it) as an (H, W, 3) array."""
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return raw[:, : w * 3].reshape(h, w, 3).copy()


@pytest.fixture
def window(qtbot, home, example):
    path, _, _ = example
    window = make_window(qtbot)
    assert window.projects.open_path(path, ask=False)
    proxies = window.renders.proxies  # made on open: a finished one redraws the canvas
    qtbot.waitUntil(lambda: not proxies.busy, timeout=120_000)
    settle(qtbot, window)
    window.canvas.set_zoom(1.0)  # one canvas pixel per screen pixel: the document's size
    settle(qtbot, window)
    assert (window.canvas.image.width(), window.canvas.image.height()) == (1280, 720)
    return window


def test_a_resting_playhead_shows_the_rendered_frame(qtbot, window, example):
    _, rendered, fps = example
    doc, canvas = window.doc, window.canvas
    shown: list[PreviewRequest] = []
    canvas.renderer.ready.connect(lambda image, request: shown.append(request))
    scores = {}
    for t in TIMES:
        doc.set_time(t)
        settle(qtbot, window)
        assert shown[-1].t == t  # the canvas holds the frame at the playhead
        drawn = pixels(canvas.image)
        scores[t] = round(psnr(drawn, rendered[math.floor(t * fps + 1e-9)]), 2)
    assert min(scores.values()) >= GOAL_DB, scores


def test_scrubbing_shows_fast_frames_then_the_exact_one(qtbot, window, example):
    _, rendered, fps = example
    doc, canvas = window.doc, window.canvas
    shown: list[PreviewRequest] = []
    canvas.renderer.ready.connect(lambda image, request: shown.append(request))
    # on a loaded machine the test itself can stall for 150 ms between two jumps, which
    # the canvas rightly takes for a rest: a longer rest keeps the scrub a scrub here
    canvas.renderer.refine_timer.setInterval(3000)
    for t in SCRUB:  # the next jump comes as soon as the frame shows: no rest
        doc.set_time(t)
        qtbot.waitUntil(lambda t=t: any(r.t == t for r in shown), timeout=10_000)
    scrubbed = list(shown)
    fast = pixels(canvas.image)
    settle(qtbot, window)  # the playhead rests at SCRUB[-1]
    assert [r.exact for r in scrubbed] == [False] * len(scrubbed)  # no FFmpeg per scrub frame
    assert {r.t for r in scrubbed} >= set(SCRUB)
    assert shown[-1].exact and shown[-1].t == SCRUB[-1]
    assert {r.t for r in shown[len(scrubbed) :]} == {SCRUB[-1]}  # refined where it rests
    exact = pixels(canvas.image)
    assert not np.array_equal(fast, exact)  # the fast frame was replaced


def test_an_edit_while_paused_is_refined_after_its_fast_frame(qtbot, window, example):
    doc, canvas = window.doc, window.canvas
    doc.set_time(2.25)
    settle(qtbot, window)
    shown: list[PreviewRequest] = []
    canvas.renderer.ready.connect(lambda image, request: shown.append(request))
    doc.set_selection(["clip"])
    canvas.nudge(10, 0)  # the video picture-in-picture moves 10 px right
    settle(qtbot, window)
    # fast first, the exact frame last and once (a fast frame drawn again when a proxy or
    # the timeline's media lands on a loaded machine shows the same edit: no flash back)
    kinds = [r.exact for r in shown]
    assert kinds[0] is False and kinds[-1] is True and kinds.count(True) == 1, kinds
    assert all(r.comp.element("clip").x == doc.element("clip").x for r in shown)
    edited = shown[-1].comp.element("clip")
    assert edited.x == doc.element("clip").x  # the refined frame is of the edited document
    expected, _, approximate = draw(shown[-1])  # what the exact preview draws for it
    assert not approximate
    assert np.array_equal(pixels(canvas.image), pixels(expected))


def test_a_jump_during_the_refinement_abandons_it_without_a_flash_back(qtbot, window):
    doc, canvas = window.doc, window.canvas
    renderer = canvas.renderer
    doc.set_time(1.2)
    qtbot.waitUntil(lambda: any(r.exact for r in renderer._running.values()), timeout=10_000)
    shown: list[PreviewRequest] = []
    renderer.ready.connect(lambda image, request: shown.append(request))
    doc.set_time(2.5)  # the designer moves on while the exact 1.2 s frame is being drawn
    settle(qtbot, window)
    # never the abandoned 1.2 s frame; fast first, exact last (a proxy that lands meanwhile
    # may redraw the fast frame once more, which the designer does not see as a jump)
    assert {r.t for r in shown} == {2.5}, [(r.t, r.exact) for r in shown]
    assert not shown[0].exact and shown[-1].exact
    assert [r.exact for r in shown].count(True) == 1


def test_an_abandoned_ffmpeg_draw_is_killed():
    from vidgen_desktop.render import exact

    looks = []

    def cancelled() -> bool:
        looks.append(1)
        return len(looks) > 2  # the user moved on while FFmpeg was drawing

    endless = ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30", "-f", "null", "-"]
    with pytest.raises(exact.Superseded):
        exact._run(endless, cancelled)  # without the kill: runs until TIMEOUT, then fails
