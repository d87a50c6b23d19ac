"""The canvas: select, move, resize, snap and nudge change the model exactly, undoably."""

from __future__ import annotations

import uikit
from uikit import box_comp, make_window, point

from PySide6.QtCore import QEvent, QPointF, Qt  # isort: skip
from PySide6.QtGui import QMouseEvent

from vidgen_desktop.composition.units import Length

W, H = 1920, 1080

home = uikit.home  # the fixture: an isolated VIDGEN_HOME


def pct(px: float, extent: int) -> Length:
    return Length(float(px), "px").convert("%", extent)


def drag(qtbot, canvas, start, end, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press at ``start``, move in a few steps (with ``modifiers`` held), release at ``end``."""
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for n in (1, 2, 3):
        at = QPointF(
            start.x() + (end.x() - start.x()) * n / 3, start.y() + (end.y() - start.y()) * n / 3
        )
        event = QMouseEvent(
            QEvent.Type.MouseMove,
            at,
            canvas.mapToGlobal(at),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            modifiers,
        )
        canvas.mouseMoveEvent(event)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def test_click_selects_and_drag_moves_by_the_right_percentage(qtbot, home):
    window = make_window(qtbot, box_comp())
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    canvas.snapping = False
    start = point(canvas, 960, 540)  # the box's centre
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=start)
    assert doc.selection == ["box"]
    end = start + point(canvas, 192, 108) - point(canvas, 0, 0)  # 96 x 54 screen px
    drag(qtbot, canvas, start, end)
    box = doc.element("box")
    assert (box.x, box.y) == (Length(50.0, "%"), Length(50.0, "%"))  # +10 % each way
    assert doc.undo_stack.count() == 1  # the drag's moves merged into one step
    doc.undo_stack.undo()
    assert (doc.element("box").x, doc.element("box").y) == (Length(40, "%"), Length(40, "%"))
    doc.undo_stack.redo()
    assert doc.element("box").x == Length(50.0, "%")


def test_click_on_empty_canvas_clears_the_selection(qtbot, home):
    window = make_window(qtbot, box_comp())
    window.doc.set_selection(["box"])
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point(window.canvas, 50, 50))
    assert window.doc.selection == []


def test_pixel_lengths_stay_pixels_when_moved(qtbot, home):
    comp = box_comp()
    comp.elements[0] = comp.elements[0].model_copy(update={"x": Length(768, "px")})
    window = make_window(qtbot, comp)
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    canvas.snapping = False
    start = point(canvas, 960, 540)
    drag(qtbot, canvas, start, start + point(canvas, 100, 0) - point(canvas, 0, 0))
    assert doc.element("box").x == Length(868, "px")
    assert doc.element("box").y == Length(40, "%")


def test_resize_with_a_handle_and_shift_keeps_the_aspect(qtbot, home):
    window = make_window(qtbot, box_comp())
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    canvas.snapping = False
    doc.set_selection(["box"])
    corner = point(canvas, 1152, 648)  # bottom-right handle of 768..1152 × 432..648
    assert canvas.handle_at(QPointF(corner)) == "se"
    drag(qtbot, canvas, corner, corner + point(canvas, 192, 96) - point(canvas, 0, 0))
    box = doc.element("box")
    assert (box.x, box.y) == (Length(40, "%"), Length(40, "%"))  # the opposite corner stays
    assert box.width == Length(30.0, "%")  # 384 + 192 px of 1920
    assert box.height == pct(216 + 96, H)
    doc.undo_stack.undo()
    corner = point(canvas, 1152, 648)
    drag(qtbot, canvas, corner, corner + point(canvas, 192, 0) - point(canvas, 0, 0),
         Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    box = doc.element("box")
    assert box.width.to_px(W) / box.height.to_px(H) == 384 / 216  # the aspect is kept


def test_moving_snaps_to_other_elements_with_a_guide(qtbot, home):
    comp = box_comp()
    other = comp.elements[0].model_copy(
        update={"id": "other", "x": Length(1400, "px"), "y": Length(100, "px")}
    )
    comp.elements.append(other)
    window = make_window(qtbot, comp)
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    start = point(canvas, 960, 540)
    # the box's right edge (1152) moved by 244 px would be 1396: 4 px short of the other's left
    end = start + point(canvas, 244, 0) - point(canvas, 0, 0)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    event = QMouseEvent(
        QEvent.Type.MouseMove, QPointF(end), canvas.mapToGlobal(QPointF(end)),
        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    canvas.mouseMoveEvent(event)
    assert 1400 in canvas.guides.vertical  # the guide line is drawn while dragging
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    assert canvas.guides.vertical == ()
    box = doc.element("box")
    assert box.x.to_px(W) + box.width.to_px(W) == 1400  # snapped flush
    assert box.y == Length(40, "%")


def test_moving_snaps_to_the_canvas_centre(qtbot, home):
    window = make_window(qtbot, box_comp())
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    start = point(canvas, 960, 540)
    drag(qtbot, canvas, start, start + point(canvas, 6, 0) - point(canvas, 0, 0))
    assert doc.element("box").x == Length(40, "%")  # 3 screen px off centre: snapped back


def test_arrow_keys_nudge_one_pixel_and_shift_ten(qtbot, home):
    window = make_window(qtbot, box_comp())
    canvas, doc = window.canvas, window.doc
    doc.set_selection(["box"])
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert doc.element("box").x == pct(768 + 1, W)
    qtbot.keyClick(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert doc.element("box").y == pct(432 + 10, H)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert (doc.element("box").x, doc.element("box").y) == (Length(40, "%"), Length(40, "%"))


def test_locked_elements_do_not_move(qtbot, home):
    comp = box_comp()
    comp.elements[0] = comp.elements[0].model_copy(update={"locked": True})
    window = make_window(qtbot, comp)
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    start = point(canvas, 960, 540)
    drag(qtbot, canvas, start, start + point(canvas, 200, 0) - point(canvas, 0, 0))
    assert doc.selection == ["box"]
    assert doc.element("box").x == Length(40, "%")
    assert doc.undo_stack.count() == 0
