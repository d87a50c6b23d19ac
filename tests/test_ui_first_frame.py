"""Start-up: the composition on the canvas before the job log opens, thumbnails after it.

Figures: ``benchmarks/editor_start.py`` (cold start to an interactive window)
and ``benchmarks/editor_memory.py`` (PSS after scrubbing the example).
"""

from __future__ import annotations

import pytest

import uikit
from uikit import make_window

from PySide6.QtWidgets import QMessageBox  # isort: skip
from vidgen_desktop.composition.model import Composition, Output, TextElement, VideoElement
from vidgen_desktop.ui.shell import first_frame
from vidgen_desktop.ui.shell.background import Background

home = uikit.home
media = uikit.media
WAIT_MS = 60_000


def video_comp(clip) -> Composition:
    return Composition(
        output=Output(width=320, height=240, duration=1),
        elements=[
            VideoElement(id="clip", source=str(clip), width="100%", height="100%"),
            TextElement(id="title", text="Hello", width="50%", height="20%"),
        ],
    )


def unshown_window(qtbot):
    from vidgen_desktop.ui.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    return window


@pytest.mark.render  # thumbnails and proxies of the video: FFmpeg
def test_the_job_log_opens_once_the_canvas_shows_the_composition(qtbot, home, media, monkeypatch):
    monkeypatch.setattr(first_frame, "MAX_WAIT", 120_000)  # only the frame may let it through
    seen: list[tuple[bool, set[str]]] = []
    opening: list[bool] = []  # at each frame of the whole composition: was the log opening?
    window = unshown_window(qtbot)
    hub = window.renders.hub
    canvas = window.canvas

    def ready() -> None:
        request = canvas.image_request
        seen.append((canvas.image is not None, set(request.facts) if request else set()))

    def frame(_, request) -> None:
        if "clip" in request.facts and not hub.is_ready:
            opening.append(hub.reads.busy or hub.service is not None)

    hub.ready.connect(ready)
    canvas.renderer.ready.connect(frame)
    window.doc.set_composition(video_comp(media["video"]))
    window.show()
    qtbot.waitUntil(lambda: hub.is_ready, timeout=WAIT_MS)
    assert seen == [(True, {"clip"})]  # the video's frame was on the canvas first
    assert opening[0] is False  # and nothing of the job log had started by then
    assert window.first_frame.done
    thumbs = window.layers.background
    qtbot.waitUntil(lambda: not thumbs._held, timeout=WAIT_MS)  # then the thumbnails
    idle(qtbot, window)


def idle(qtbot, window) -> None:
    """The released lanes' work done (FFmpeg for waveforms): none of it outlives the test."""
    lanes = (window.layers.background, window.timeline.view.pictures.background,
             window.renders.proxies.background)  # fmt: skip
    qtbot.waitUntil(lambda: not any(lane.busy for lane in lanes), timeout=WAIT_MS)


@pytest.mark.render
def test_a_job_action_before_the_first_frame_opens_the_job_service(qtbot, home, media):
    window = make_window(qtbot, video_comp(media["video"]))
    hub = window.renders.hub
    answers: list = []
    count = lambda service: service.store.jobs.count()  # noqa: E731
    hub.call(count, lambda n, error: answers.append((n, error)))
    qtbot.waitUntil(lambda: bool(answers), timeout=WAIT_MS)
    assert answers == [(0, None)]
    qtbot.waitUntil(lambda: hub.is_ready, timeout=WAIT_MS)  # and the queue starts as usual
    idle(qtbot, window)


def test_the_start_page_lets_the_job_log_open_at_once(qtbot, home):
    window = unshown_window(qtbot)
    window.start.show()  # as ``vidgen gui`` shows it: before the window
    window.show()
    qtbot.waitUntil(lambda: window.first_frame.done, timeout=2_000)  # not after MAX_WAIT
    qtbot.waitUntil(lambda: window.renders.hub.is_ready, timeout=WAIT_MS)


def test_a_held_lane_starts_its_work_only_when_released(qtbot):
    lane = Background(workers=1, name="test-held")
    lane.hold()
    done: list = []
    lane.run(lambda: 42, lambda result, error: done.append((result, error)))
    qtbot.wait(300)
    assert done == [] and lane.busy  # waiting, not lost
    lane.release()
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert done == [(42, None)]
    lane.shutdown()
