"""Motion in the editor: the rotate handle, turned boxes, ◆ keyframe toggles, timeline
markers, the motion path and the Animate menu, each change one undo step."""

from __future__ import annotations

import math

import pytest

import uikit
from uikit import box_comp, make_window

from PySide6.QtCore import QEvent, QPointF, Qt  # isort: skip
from PySide6.QtGui import QColor, QMouseEvent

from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor import geometry, keyframes
from vidgen_desktop.ui.shell.actions import ActionId

home = uikit.home  # the fixture: an isolated VIDGEN_HOME
NO = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def move(widget, at: QPointF, modifiers=NO, buttons=Qt.MouseButton.LeftButton) -> None:
    event = QMouseEvent(QEvent.Type.MouseMove, at, widget.mapToGlobal(at), Qt.MouseButton.NoButton,
                        buttons, modifiers)  # fmt: skip
    widget.mouseMoveEvent(event)


def drag(qtbot, widget, start: QPointF, end: QPointF, modifiers=NO, steps: int = 4) -> None:
    start, end = QPointF(start.toPoint()), QPointF(end.toPoint())  # where a mouse can be
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, modifiers, start.toPoint())
    for n in range(1, steps + 1):
        move(widget, start + (end - start) * (n / steps), modifiers)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, modifiers, end.toPoint())


def around(canvas, centre: tuple[float, float], degrees: float, radius: float) -> QPointF:
    """The widget point ``radius`` canvas px from ``centre``, ``degrees`` clockwise from up."""
    a = math.radians(degrees)
    return canvas.to_widget(centre[0] + radius * math.sin(a), centre[1] - radius * math.cos(a))


def ready(qtbot, comp=None, **extra):
    window = make_window(qtbot, comp or box_comp(**extra))
    window.canvas.set_zoom(0.5)
    window.canvas.snapping = False
    return window, window.canvas, window.doc


# -- the rotate handle -----------------------------------------------------------------------


def test_the_rotate_handle_turns_the_element_and_shift_steps_by_15_degrees(qtbot, home):
    window, canvas, doc = ready(qtbot)
    doc.set_selection(["box"])
    view = canvas.view(doc.element("box"))
    centre = geometry.centre(view.box)
    handle = canvas.to_widget(*canvas.rotate_handle(view))
    assert canvas.handle_at(handle) == "rotate"
    radius = math.dist(centre, canvas.to_canvas(handle))
    drag(qtbot, canvas, handle, around(canvas, centre, 90, radius))  # a quarter turn clockwise
    assert doc.element("box").rotation == pytest.approx(90, abs=0.5)
    assert doc.undo_stack.count() == 1  # the whole drag: one step
    doc.undo_stack.undo()
    assert doc.element("box").rotation == 0
    handle = canvas.to_widget(*canvas.rotate_handle(canvas.view(doc.element("box"))))
    drag(qtbot, canvas, handle, around(canvas, centre, 37, radius), SHIFT)
    assert doc.element("box").rotation == 30  # 37° with Shift: the nearest 15° step
    handle = canvas.to_widget(*canvas.rotate_handle(canvas.view(doc.element("box"))))
    turned_to = canvas.to_canvas(around(canvas, centre, 30, radius))
    assert math.dist(canvas.to_canvas(handle), turned_to) < 2  # the handle turned with it
    drag(qtbot, canvas, handle, around(canvas, centre, 30 + 50, radius), SHIFT)
    assert doc.element("box").rotation == 75  # 30 + 50 = 80 → 75


def test_selection_handles_and_hits_follow_the_turned_box(qtbot, home):
    comp = box_comp()
    comp.elements[0] = comp.elements[0].model_copy(
        update={
            "x": Length(760, "px"),
            "y": Length(500, "px"),
            "width": Length(400, "px"),
            "height": Length(80, "px"),
            "rotation": 90.0,
        }  # fmt: skip
    )  # a bar 400 × 80 centred on (960, 540), turned upright: 80 wide, 400 tall on screen
    window, canvas, doc = ready(qtbot, comp)
    assert canvas.element_at(canvas.to_widget(960, 380)) == "box"  # inside, turned
    assert canvas.element_at(canvas.to_widget(1100, 540)) is None  # inside only if upright
    doc.set_selection(["box"])
    handles = geometry.turned_handles(canvas.view(doc.element("box")).box, 90)
    assert handles["e"] == pytest.approx((960, 740))  # the box's right side now faces down
    assert canvas.handle_at(canvas.to_widget(960, 740)) == "e"
    # dragging that handle down lengthens the bar; its other end stays where it was
    drag(qtbot, canvas, canvas.to_widget(960, 740), canvas.to_widget(960, 840))
    box = doc.element("box")
    assert box.width.value == pytest.approx(500, abs=1)
    after = canvas.view(box)
    top_end = geometry.turned_handles(after.box, after.rotation)["w"]
    assert top_end == pytest.approx((960, 340), abs=1)


# -- the inspector's ◆ toggles ---------------------------------------------------------------


def test_keyframe_toggles_add_key_on_edit_move_and_delete_at_the_playhead(qtbot, home):
    window, canvas, doc = ready(qtbot)
    inspector = window.inspector
    doc.set_selection(["box"])
    assert {"x", "y", "width", "height", "opacity", "rotation"} <= set(inspector.toggles)
    toggle = inspector.toggles["x"]
    assert toggle.text() == "◇" and toggle.state == "still"
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)  # add: x keyframed at 0 s, at 40 %
    keys = doc.element("box").keyframes["x"]
    assert [(k.time, str(k.value)) for k in keys] == [(0.0, "40%")]
    assert inspector.toggles["x"].state == "here" and inspector.toggles["x"].text() == "◆"
    doc.set_time(2.0)
    assert inspector.toggles["x"].state == "animated"
    editor = inspector.editors["x"].number
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "60")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # typed on an animated field: a keyframe here
    keys = doc.element("box").keyframes["x"]
    assert [(k.time, str(k.value)) for k in keys] == [(0.0, "40%"), (2.0, "60%")]
    assert doc.element("box").x == Length(40, "%")  # the static value is left alone
    doc.set_time(1.0)
    assert inspector.editors["x"].number.text() == "50"  # the value at the playhead
    assert canvas.view(doc.element("box")).box[0] == pytest.approx(960)  # drawn there too
    # Shift+click: the nearest keyframe (2 s) moves to the playhead (1.5 s)
    doc.set_time(1.5)
    qtbot.mouseClick(inspector.toggles["x"], Qt.MouseButton.LeftButton, SHIFT)
    assert [k.time for k in doc.element("box").keyframes["x"]] == [0.0, 1.5]
    assert inspector.toggles["x"].state == "here"
    qtbot.mouseClick(inspector.toggles["x"], Qt.MouseButton.LeftButton)  # delete it
    assert [k.time for k in doc.element("box").keyframes["x"]] == [0.0]
    for _ in range(4):
        doc.undo_stack.undo()
    assert doc.element("box").keyframes == {}


def test_a_keyframe_outside_the_element_is_refused_in_words(qtbot, home):
    comp = box_comp()
    comp.elements[0] = comp.elements[0].model_copy(update={"start": 1.0, "duration": 1.0})
    window, canvas, doc = ready(qtbot, comp)
    doc.set_selection(["box"])
    doc.set_time(3.0)
    qtbot.mouseClick(window.inspector.toggles["opacity"], Qt.MouseButton.LeftButton)
    assert doc.element("box").keyframes == {}
    assert "outside its time" in window.inspector.error.text()
    assert doc.undo_stack.count() == 0


def test_dragging_an_animated_element_keys_its_position_at_the_playhead(qtbot, home):
    window, canvas, doc = ready(qtbot)
    doc.set_selection(["box"])
    window.actions[ActionId.ADD_KEYFRAME].trigger()  # K: position keyed at 0 s
    assert set(doc.element("box").keyframes) == {"x", "y"}
    doc.set_time(2.0)
    start = canvas.to_widget(960, 540)
    drag(qtbot, canvas, start, start + (canvas.to_widget(192, 0) - canvas.to_widget(0, 0)))
    keys = doc.element("box").keyframes
    assert [(k.time, str(k.value)) for k in keys["x"]] == [(0.0, "40%"), (2.0, "50%")]
    assert [k.time for k in keys["y"]] == [0.0, 2.0]
    assert doc.element("box").x == Length(40, "%")
    window.actions[ActionId.PREV_KEYFRAME].trigger()  # J
    assert doc.time == 0.0
    window.actions[ActionId.NEXT_KEYFRAME].trigger()  # L
    assert doc.time == 2.0
    window.actions[ActionId.DELETE_KEYFRAME].trigger()  # Shift+K
    assert [k.time for k in doc.element("box").keyframes["x"]] == [0.0]


# -- the timeline's markers ------------------------------------------------------------------


def keyed_comp():
    comp = box_comp()
    keys = {"x": [{"time": 0, "value": "10%"}, {"time": 2, "value": "60%"}],
            "opacity": [{"time": 2, "value": 1}]}  # fmt: skip
    element = comp.elements[0]
    comp.elements[0] = type(element).model_validate({**dict(element), "keyframes": keys})
    return comp


def test_timeline_markers_drag_to_retime_and_right_click_sets_the_easing(qtbot, home):
    window, canvas, doc = ready(qtbot, keyed_comp())
    view = window.timeline.view
    from vidgen_desktop.ui.editor import qt_timeline_keys

    marks = qt_timeline_keys.markers(view)
    assert [(i, t) for i, t, _ in marks] == [("box", 0.0), ("box", 2.0)]
    at = marks[1][2]
    assert qt_timeline_keys.marker_at(view, at) == ("box", 2.0)
    target = QPointF(view.x_of(3.0), at.y())
    drag(qtbot, view, at, target)
    element = doc.element("box")
    assert [k.time for k in element.keyframes["x"]] == [0.0, 3.0]
    assert [k.time for k in element.keyframes["opacity"]] == [3.0]  # everything at that time
    assert doc.undo_stack.count() == 1
    menu = qt_timeline_keys.build_menu(view, "box", 3.0)
    [ease] = [a for a in menu.actions() if a.text() == "Ease in out"]
    ease.trigger()
    assert doc.element("box").keyframes["x"][1].easing == "ease-in-out"
    assert doc.element("box").keyframes["x"][0].easing == "linear"
    menu = qt_timeline_keys.build_menu(view, "box", 3.0)
    assert [a.text() for a in menu.actions() if a.isChecked()] == ["Ease in out"]
    doc.set_time(1.0)
    menu = qt_timeline_keys.build_menu(view, "box", 3.0)
    [here] = [a for a in menu.actions() if a.text() == "Move to Playhead"]
    here.trigger()
    assert [k.time for k in doc.element("box").keyframes["x"]] == [0.0, 1.0]
    for _ in range(3):
        doc.undo_stack.undo()
    assert [k.time for k in doc.element("box").keyframes["x"]] == [0.0, 2.0]


def test_a_marker_stops_at_another_keyframe_of_the_same_property(qtbot, home):
    window, canvas, doc = ready(qtbot, keyed_comp())
    view = window.timeline.view
    from vidgen_desktop.ui.editor import qt_timeline_keys

    at = qt_timeline_keys.markers(view)[0][2]
    drag(qtbot, view, at, QPointF(view.x_of(2.0), at.y()), steps=1)
    assert [k.time for k in doc.element("box").keyframes["x"]] == [0.0, 2.0]  # refused


# -- the motion path -------------------------------------------------------------------------


def test_the_motion_path_of_a_selected_animated_element_is_drawn(qtbot, home):
    window, canvas, doc = ready(qtbot, keyed_comp())
    path = keyframes.motion_path(doc, doc.element("box"))
    assert path[0] == pytest.approx((0.1 * 1920 + 192, 540))  # the centre at 10 %
    assert path[-1] == pytest.approx((0.6 * 1920 + 192, 540))  # and at 60 %, held to the end
    doc.set_selection(["box"])
    doc.set_time(3.5)  # the box sits at the path's end; the path runs left of it
    image = canvas.grab().toImage()
    dpr = image.devicePixelRatio()

    def path_pixels(y: float) -> int:
        """How many screen columns left of the box show the path's colour near ``y``."""
        found = 0
        for x in range(400, 1000, 8):
            p = canvas.to_widget(x, y)
            for dy in (-1, 0, 1):  # an antialiased line may straddle two rows
                colour = QColor(image.pixel(round(p.x() * dpr), round(p.y() * dpr) + dy))
                if (
                    colour.red() > 120
                    and colour.blue() < 80
                    and colour.green() > 0.45 * colour.red()
                ):
                    found += 1
                    break
        return found

    assert path_pixels(540) >= 20  # a dashed line along y = 540
    doc.set_selection([])
    image = canvas.grab().toImage()
    assert path_pixels(540) == 0  # only for the selection


# -- the Animate menu ------------------------------------------------------------------------


def test_animate_menu_previews_on_hover_and_applies_one_undoable_preset(qtbot, home):
    window, canvas, doc = ready(qtbot)
    doc.set_selection(["box"])
    menu = window.animate_menu
    entrance = menu.submenus["animation_in"]
    entrance.aboutToShow.emit()
    names = [a.objectName() for a in entrance.actions()]
    assert "animate_animation_in_slide-from-left" in names
    assert "animate_animation_in_ken-burns" not in names  # images only
    [slide] = [a for a in entrance.actions() if a.objectName().endswith("slide-from-left")]
    entrance.hovered.emit(slide)
    assert canvas.trial is not None
    trial, t0 = canvas.trial
    assert trial.element("box").animation_in.preset == "slide-from-left"
    assert doc.element("box").animation_in is None and doc.undo_stack.count() == 0
    qtbot.waitUntil(lambda: canvas.trial is not None and canvas.trial[1] > t0 + 0.1)  # it plays

    def sliding() -> bool:  # a frame of the tried preset: the box still left of its place
        request = canvas.image_request
        if request is None or request.comp is not trial or not 0 < request.t < 0.3:
            return False
        y = round(540 * request.scale)
        reds = [x for x in range(canvas.image.width())
                if QColor(canvas.image.pixel(x, y)).red() > 200]  # fmt: skip
        return bool(reds) and reds[0] < 768 * request.scale - 20

    qtbot.waitUntil(sliding, timeout=10_000)
    entrance.aboutToHide.emit()
    assert canvas.trial is None
    slide.trigger()
    assert doc.element("box").animation_in.preset == "slide-from-left"
    assert doc.element("box").animation_in.duration == pytest.approx(0.6)
    assert doc.undo_stack.count() == 1
    assert window.inspector.editors["animation_in"].choice.currentData() == "slide-from-left"
    doc.undo_stack.undo()
    assert doc.element("box").animation_in is None


def test_inspector_animate_fields_set_preset_duration_and_transition(qtbot, home):
    window, canvas, doc = ready(qtbot)
    doc.set_selection(["box"])
    out = window.inspector.editors["animation_out"]
    out.choice.setCurrentIndex(out.choice.findData("zoom-out"))
    assert doc.element("box").animation_out.preset == "zoom-out"
    out.seconds.setFocus()
    out.seconds.selectAll()
    qtbot.keyClicks(out.seconds, "1.5")
    qtbot.keyClick(out.seconds, Qt.Key.Key_Return)
    assert doc.element("box").animation_out.duration == 1.5
    transition = window.inspector.editors["transition_in"]
    transition.choice.setCurrentIndex(transition.choice.findData("wipe-left"))
    assert doc.element("box").transition_in.type == "wipe-left"
    rotation = window.inspector.editors["rotation"]
    rotation.setFocus()
    rotation.selectAll()
    qtbot.keyClicks(rotation, "45")
    qtbot.keyClick(rotation, Qt.Key.Key_Return)
    assert doc.element("box").rotation == 45
    assert doc.undo_stack.count() == 4
    out.choice.setCurrentIndex(out.choice.findData(None))
    assert doc.element("box").animation_out is None
    assert not out.seconds.isEnabled()


media = uikit.media  # tiny real media files, made once


@pytest.mark.render
def test_a_preset_longer_than_its_clip_is_refused_naming_the_element(qtbot, home, media):
    from vidgen_desktop.composition.model import VideoElement

    comp = box_comp()
    comp.elements.append(VideoElement(id="clip", source=str(media["video"])))  # 1 s, no duration
    window, canvas, doc = ready(qtbot, comp)
    uikit.settle(qtbot, window)  # probed: the clip's length is known
    doc.set_selection(["clip"])
    entrance = window.inspector.editors["animation_in"]
    entrance.seconds.setText("2")
    entrance.choice.setCurrentIndex(entrance.choice.findData("fade"))
    assert doc.element("clip").animation_in is None
    error = window.inspector.error.text()
    assert "element 'clip'" in error and "animation_in.duration" in error, error
    assert doc.undo_stack.count() == 0
    canvas.grab()  # the canvas still paints (its timeline is whole)


def test_the_keyframe_toggle_works_from_the_keyboard(qtbot, home):
    window, canvas, doc = ready(qtbot)
    doc.set_selection(["box"])
    toggle = window.inspector.toggles["opacity"]
    toggle.setFocus()
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    assert [(k.time, k.value) for k in doc.element("box").keyframes["opacity"]] == [(0.0, 1.0)]


def test_the_outline_of_a_turned_element_lies_on_its_preview_pixels(qtbot, home):
    comp = box_comp()
    comp.elements[0] = comp.elements[0].model_copy(
        update={
            "x": Length(760, "px"),
            "y": Length(500, "px"),
            "width": Length(400, "px"),
            "height": Length(80, "px"),
            "rotation": 90.0,
        }  # fmt: skip
    )
    window, canvas, doc = ready(qtbot, comp)
    doc.set_selection(["box"])
    uikit.settle(qtbot, window)
    scale = canvas.image_request.scale

    def red(x: float, y: float) -> bool:
        colour = QColor(canvas.image.pixel(round(x * scale), round(y * scale)))
        return colour.red() > 200 and colour.green() < 60

    corners = geometry.corners(canvas.view(doc.element("box")).box, 90)
    assert corners[0] == pytest.approx((1000, 340))  # the top-left corner turned to top-right
    assert red(960, 360) and red(990, 720)  # inside the outline: the preview's red
    assert not red(1100, 540) and not red(800, 530)  # where it would be if it were upright


def test_right_click_on_a_marker_opens_its_easing_menu(qtbot, home):
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    from vidgen_desktop.ui.editor import qt_timeline_keys

    window, canvas, doc = ready(qtbot, keyed_comp())
    view = window.timeline.view
    at = qt_timeline_keys.markers(view)[1][2].toPoint()
    seen = []

    def choose() -> None:  # what a designer does in the open menu: picks Hold
        menu = QApplication.activePopupWidget()
        seen.append(menu.objectName() if menu else None)
        if menu is not None:
            [hold] = [a for a in menu.actions() if a.text() == "Hold"]
            hold.trigger()
            menu.close()

    QTimer.singleShot(200, choose)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, view.mapToGlobal(at))
    QApplication.sendEvent(view, event)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == ["keyframe_menu"]
    assert doc.element("box").keyframes["x"][1].easing == "hold"
    assert doc.element("box").keyframes["opacity"][0].easing == "hold"
