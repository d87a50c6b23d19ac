"""Timeline zoom (Ctrl+wheel, +/−, fit), horizontal scroll, the adaptive ruler, and
snapping of bar edges with its visible line."""

from __future__ import annotations

import pytest

import uikit
from timelinekit import shoot
from uikit import make_window

from PySide6.QtCore import QPoint, QPointF, Qt  # isort: skip
from PySide6.QtGui import QColor, QWheelEvent

from vidgen_desktop.composition.model import Composition, Marker, Output, TextElement
from vidgen_desktop.ui.editor import qt_timeline_marks, qt_timeline_zoom
from vidgen_desktop.ui.shell.actions import ActionId

home = uikit.home
CTRL = Qt.KeyboardModifier.ControlModifier
NO = Qt.KeyboardModifier.NoModifier


def comp(seconds: float = 10, **extra) -> Composition:
    a = TextElement(id="a", text="A", start=0, duration=2, track=0)
    b = TextElement(id="b", text="B", start=5, duration=2, track=1)
    output = Output(width=320, height=180, fps=30, duration=seconds)
    return Composition(output=output, elements=[a, b], **extra)


def wheel(view, at: QPointF, dy: int, modifiers=NO) -> None:
    event = QWheelEvent(at, view.mapToGlobal(at), QPoint(), QPoint(0, dy), Qt.MouseButton.NoButton,
                        modifiers, Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    view.wheelEvent(event)


def labels(view) -> list[str]:
    return [label for _, label, _ in view.ruler_labels(view.fontMetrics()) if label]


def test_ctrl_wheel_zooms_about_the_mouse_and_the_wheel_scrolls(qtbot, home):
    window = make_window(qtbot, comp())
    view = window.timeline.view
    fit = view.pps
    at = QPointF(view.x_of(5.0), 40)
    wheel(view, at, 120 * 4, CTRL)
    assert view.pps == pytest.approx(fit * 1.25**4)
    assert view.x_of(5.0) == pytest.approx(at.x(), abs=1)  # the time under the mouse stays
    assert view.scroll_bar.isVisible()
    origin = view.origin
    wheel(view, at, -120)  # no Ctrl: scroll later in time
    assert view.origin > origin
    assert view.scroll_bar.value() == round(view.origin * 1000)
    view.scroll_bar.setValue(0)  # the bar scrolls too
    assert view.origin == 0
    window.actions[ActionId.TIMELINE_ZOOM_FIT].trigger()
    assert view.zoom is None and view.pps == pytest.approx(fit) and view.origin == 0
    assert not view.scroll_bar.isVisible()


def test_plus_minus_zoom_about_the_playhead(qtbot, home):
    window = make_window(qtbot, comp())
    view, doc = window.timeline.view, window.doc
    doc.set_time(6.0)
    x = view.x_of(6.0)
    fit = view.pps
    window.actions[ActionId.TIMELINE_ZOOM_IN].trigger()
    window.actions[ActionId.TIMELINE_ZOOM_IN].trigger()
    assert view.pps == pytest.approx(fit * 1.25**2)
    assert view.x_of(6.0) == pytest.approx(x, abs=1)
    window.actions[ActionId.TIMELINE_ZOOM_OUT].trigger()
    assert view.pps == pytest.approx(fit * 1.25)
    qt_timeline_zoom.set_zoom(view, fit * 4)
    window.actions[ActionId.GO_END].trigger()  # off the right edge: the view pages to it
    assert view.track_left() <= view.x_of(doc.time) <= view.width()
    window.actions[ActionId.GO_START].trigger()
    assert view.origin == 0


def test_the_ruler_shows_frames_zoomed_in_and_minutes_zoomed_out(qtbot, home):
    window = make_window(qtbot, comp(seconds=600))
    view = window.timeline.view
    assert all(label.endswith("m") or "m" in label for label in labels(view)[1:])
    assert "1m" in labels(view) or "2m" in labels(view)
    shoot(window, "zoomed-out")
    qt_timeline_zoom.set_zoom(view, 30 * 100)  # 100 px a frame
    shown = labels(view)
    assert "0s" in shown and "1f" in shown[1] and "2f" in shown[2]
    qt_timeline_zoom.scroll_to(view, 61.0)
    assert any(label.startswith("1m01s") for label in labels(view))
    qt_timeline_zoom.set_zoom(view, 100)  # 100 px a second: whole seconds
    assert all(label.endswith("s") and "f" not in label for label in labels(view))


def test_a_dragged_edge_snaps_to_the_playhead_bars_and_markers_with_a_line(qtbot, home):
    window = make_window(qtbot, comp(markers=[Marker(time=8.0, name="Drop")]))
    doc, view = window.doc, window.timeline.view
    doc.set_time(3.0)
    rows = [e.id for e in view.rows()]
    window_b = doc.timeline().windows["b"]
    near = 3.0 - 4 / view.pps - window_b.start  # 4 px short of the playhead
    view.drag_bar("b", "move", near, window_b, key=("t", 1))
    assert doc.element("b").start == pytest.approx(3.0)  # snapped onto the playhead
    assert view.snap_at == pytest.approx(3.0)
    # the right end onto the marker, and the snap line (cyan) drawn down the tracks there
    view.drag_bar("b", "move", 8.0 - 2 - 3 / view.pps - window_b.start, window_b, ("t", 2))
    assert doc.element("b").start == pytest.approx(6.0) and view.snap_at == pytest.approx(8.0)
    image = view.grab().toImage()
    x = round(view.x_of(8.0))
    column = [QColor(image.pixel(x + dx, view.height() - 20)) for dx in (-1, 0, 1)]
    assert any(c.blue() > 200 and c.green() > 150 and c.red() < 120 for c in column)
    shoot(window, "snap-line")
    # the left end onto a's right end (2 s)
    view.drag_bar("b", "start", 2.0 + 5 / view.pps - window_b.start, window_b, ("t", 3))
    assert doc.element("b").start == pytest.approx(2.0)
    doc.undo_stack.undo()
    # snapping off (the Snap action): whole frames only
    window.actions[ActionId.SNAPPING].setChecked(False)
    view.drag_bar("b", "move", near, window_b, key=("t", 4))
    assert doc.element("b").start != pytest.approx(3.0) and view.snap_at is None
    assert rows == [e.id for e in view.rows()]
    qt_timeline_marks.paint_snap(view, None)  # nothing to draw without a target


def test_a_release_clears_the_snap_line(qtbot, home):
    window = make_window(qtbot, comp())
    doc, view = window.doc, window.timeline.view
    doc.set_time(3.0)
    rect = view.bar_rect([e.id for e in view.rows()].index("b"), doc.element("b"))
    grab = rect.center().toPoint()
    to = QPoint(round(grab.x() - (2.0 * view.pps) + 3), grab.y())  # b's start 3 px past 3 s
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(view, to)
    assert view.snap_at == pytest.approx(3.0)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=to)
    assert view.snap_at is None and doc.element("b").start == pytest.approx(3.0)
