"""Canvas tools: clipboard, marquee, align, distribute, z-order, groups, context menu and
the resize modifiers, each one undo step, on the real window (offscreen)."""

from __future__ import annotations

import json

import pytest

import uikit
from test_ui_canvas import drag
from uikit import make_window, point

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer  # isort: skip
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu

from vidgen_desktop.composition.model import Composition, ImageElement, Output, TextElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor import clipboard
from vidgen_desktop.ui.shell.actions import ActionId

home = uikit.home


def three_boxes(**extra) -> Composition:
    """Three 100 px boxes on a 1000×500 canvas: a (red) at 100, b (green) at 300, c at 700."""
    boxes = [
        TextElement(
            id=i,
            text="",
            background=c,
            x=f"{x}px",
            y=f"{y}px",
            width="100px",
            height="100px",
            **extra.get(i, {}),
        )  # fmt: skip
        for i, c, x, y in (
            ("a", "#ff0000", 100, 50),
            ("b", "#00ff00", 300, 200),
            ("c", "#0000ff", 700, 100),
        )  # fmt: skip
    ]
    return Composition(output=Output(width=1000, height=500, duration=2), elements=boxes)


def px(element, field: str) -> float:
    return getattr(element, field).value


def test_copy_paste_cut_through_the_system_clipboard_as_json(qtbot, home, tmp_path):
    window = make_window(qtbot, three_boxes())
    doc, a = window.doc, window.actions
    doc.set_selection(["a", "b"])
    a[ActionId.COPY].trigger()
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasFormat(clipboard.MIME)
    data = json.loads(mime.text())  # plain-text JSON too, for other programs
    assert [e["id"] for e in data["elements"]] == ["a", "b"]
    a[ActionId.PASTE].trigger()
    assert [e.id for e in doc.comp.elements] == ["a", "b", "c", "a-2", "b-2"]
    assert doc.selection == ["a-2", "b-2"]
    assert doc.element("a-2").x == Length(100, "px")
    doc.undo_stack.undo()  # the paste is one step
    assert [e.id for e in doc.comp.elements] == ["a", "b", "c"]
    doc.set_selection(["c"])
    a[ActionId.CUT].trigger()
    assert [e.id for e in doc.comp.elements] == ["a", "b"]
    # another project (a second window) gets it through the clipboard
    other = make_window(qtbot, three_boxes())
    other.actions[ActionId.PASTE].trigger()
    assert [e.id for e in other.doc.comp.elements] == ["a", "b", "c", "c-2"]
    assert other.doc.element("c-2").background == "#0000ff"


def test_paste_keeps_media_sources_absolute_and_refuses_bad_json(qtbot, home, tmp_path):
    picture = tmp_path / "media" / "p.png"
    image = ImageElement(id="pic", source=str(picture))
    text = clipboard.dumps([image.model_copy(update={"source": "media/p.png"})], tmp_path)
    assert json.loads(text)["elements"][0]["source"] == str(picture.resolve())
    window = make_window(qtbot, three_boxes())
    QGuiApplication.clipboard().setText(text)  # plain text only, as from a text editor
    window.actions[ActionId.PASTE].trigger()
    assert window.doc.element("pic").source == str(picture.resolve())
    bad = json.dumps({"vidgen_elements": 1, "elements": [{"id": "x", "kind": "text", "x": "9q"}]})
    QGuiApplication.clipboard().setText(bad)
    count = window.doc.undo_stack.count()
    error = window.arranger.paste()
    assert error.startswith("clipboard: ") and "'x'" in error and "\n" not in error
    assert window.doc.undo_stack.count() == count  # nothing added


def test_marquee_selects_what_it_touches_and_shift_adds(qtbot, home):
    window = make_window(qtbot, three_boxes())
    canvas, doc = window.canvas, window.doc
    drag(qtbot, canvas, point(canvas, 50, 20), point(canvas, 350, 250))  # a and b
    assert doc.selection == ["a", "b"]
    assert {i.text(0) for i in window.layers.tree.selectedItems()} == {"a", "b"}
    shift = Qt.KeyboardModifier.ShiftModifier
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, shift, point(canvas, 690, 90))
    qtbot.mouseMove(canvas, point(canvas, 720, 130))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, shift, point(canvas, 720, 130))
    assert doc.selection == ["a", "b", "c"]
    drag(qtbot, canvas, point(canvas, 850, 400), point(canvas, 950, 450))  # nothing there
    assert doc.selection == []
    assert doc.undo_stack.count() == 0  # selecting is not an edit


def test_align_to_selection_and_to_canvas_and_distribute_one_step_each(qtbot, home):
    window = make_window(qtbot, three_boxes())
    doc, a = window.doc, window.actions
    doc.set_selection(["a", "b", "c"])
    a[ActionId.ALIGN_TOP].trigger()
    assert [px(doc.element(i), "y") for i in "abc"] == [50, 50, 50]
    assert doc.undo_stack.count() == 1
    a[ActionId.ALIGN_RIGHT].trigger()
    assert [px(doc.element(i), "x") for i in "abc"] == [700, 700, 700]
    doc.undo_stack.undo()
    a[ActionId.DISTRIBUTE_H].trigger()  # 100..800 span, boxes 100 wide: gaps of 200
    assert [px(doc.element(i), "x") for i in "abc"] == [100, 400, 700]
    a[ActionId.ALIGN_TO_CANVAS].setChecked(True)
    a[ActionId.ALIGN_MIDDLE].trigger()
    assert [px(doc.element(i), "y") for i in "abc"] == [200, 200, 200]
    doc.set_selection(["b"])  # one element: always to the canvas
    a[ActionId.ALIGN_TO_CANVAS].setChecked(False)
    a[ActionId.ALIGN_CENTRE].trigger()
    assert px(doc.element("b"), "x") == 450
    assert doc.element("b").x.unit == "px"  # units kept


def stack(doc) -> list[str]:
    return [e.id for e in doc.comp.stacking_order()]


def test_z_order_one_step_and_to_front_and_back(qtbot, home):
    window = make_window(qtbot, three_boxes())
    doc, a = window.doc, window.actions
    doc.set_selection(["a"])
    a[ActionId.BRING_FORWARD].trigger()
    assert stack(doc) == ["b", "a", "c"]
    a[ActionId.BRING_TO_FRONT].trigger()
    assert stack(doc) == ["b", "c", "a"]
    a[ActionId.SEND_BACKWARD].trigger()
    assert stack(doc) == ["b", "a", "c"]
    doc.set_selection(["c"])
    a[ActionId.SEND_TO_BACK].trigger()
    assert stack(doc) == ["c", "b", "a"]
    for _ in range(4):
        doc.undo_stack.undo()
    assert stack(doc) == ["a", "b", "c"]


def test_z_order_respects_tracks(qtbot, home):
    window = make_window(qtbot, three_boxes(a={"track": 2}))  # a on top by its track
    doc = window.doc
    assert stack(doc) == ["b", "c", "a"]
    doc.set_selection(["b"])
    window.actions[ActionId.BRING_TO_FRONT].trigger()
    assert stack(doc) == ["c", "a", "b"]
    doc.set_selection(["a"])
    window.actions[ActionId.SEND_BACKWARD].trigger()
    assert stack(doc) == ["a", "c", "b"]


def test_group_selects_moves_and_hides_as_one_members_stay_editable(qtbot, home):
    window = make_window(qtbot, three_boxes())
    canvas, doc = window.canvas, window.doc
    canvas.snapping = False
    doc.set_selection(["a", "b"])
    window.actions[ActionId.GROUP].trigger()
    assert doc.element("a").group == doc.element("b").group == "group-1"
    doc.set_selection([])
    start = point(canvas, 150, 100)  # on a: the whole group is picked up
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=start)
    assert doc.selection == ["a", "b"]
    drag(qtbot, canvas, start, point(canvas, 250, 100))
    ax, bx = px(doc.element("a"), "x"), px(doc.element("b"), "x")
    assert ax == pytest.approx(200, abs=1.01) and bx - ax == 200  # both moved, as one
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=point(canvas, 250, 100))
    assert doc.selection == ["a"]  # a member alone
    doc.set_selection(["a", "b"])
    window.actions[ActionId.UNGROUP].trigger()
    assert doc.element("a").group is None and doc.element("b").group is None
    doc.undo_stack.undo()
    assert doc.element("a").group == "group-1"


def test_context_menu_offers_the_same_actions(qtbot, home):
    window = make_window(qtbot, three_boxes())
    canvas = window.canvas
    menu = __import__("vidgen_desktop.ui.editor.qt_canvas_arrange", fromlist=["x"]).context_menu(
        canvas, window.actions, point(canvas, 350, 250)
    )
    assert window.doc.selection == ["b"]  # a right-click selects what it hits
    edit = next(m.menu() for m in window.menuBar().actions() if m.text() == "&Edit")
    assert {"Cut", "Copy", "Paste"} <= {x.text().replace("&", "") for x in edit.actions()}
    texts = [x.text().replace("&", "") for x in menu.actions()]
    assert texts[:5] == ["Cut", "Copy", "Paste", "Duplicate", "Delete"]
    assert {"Order", "Align", "Distribute", "Group", "Ungroup"} <= set(texts)
    order = next(x.menu() for x in menu.actions() if x.text() == "&Order")
    order.actions()[0].trigger()  # Bring Forward, from the menu
    assert stack(window.doc) == ["a", "c", "b"]


def test_the_context_menu_opens_on_right_click(qtbot, home):
    window = make_window(qtbot, three_boxes())
    shown = []

    def close_it():
        popup = QApplication.activePopupWidget()
        shown.append(popup)
        if isinstance(popup, QMenu):
            popup.close()

    QTimer.singleShot(200, close_it)
    at = point(window.canvas, 150, 100)
    from PySide6.QtGui import QContextMenuEvent

    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, window.canvas.mapToGlobal(at))
    QApplication.sendEvent(window.canvas, event)
    assert isinstance(shown[0], QMenu) and shown[0].objectName() == "canvas_context_menu"
    assert window.doc.selection == ["a"]


def handle(canvas, x, y) -> QPoint:
    return point(canvas, x, y)


def test_resize_shift_keeps_aspect_alt_resizes_from_the_centre(qtbot, home):
    comp = three_boxes()
    comp.elements[0] = comp.elements[0].model_copy(update={"width": Length(200, "px")})
    window = make_window(qtbot, comp)
    canvas, doc = window.canvas, window.doc
    canvas.snapping = False
    doc.set_selection(["a"])  # 200×100 at (100, 50)
    drag(qtbot, canvas, handle(canvas, 300, 150), handle(canvas, 400, 300),
         Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    a = doc.element("a")
    assert px(a, "width") / px(a, "height") == 2.0  # the aspect kept
    doc.undo_stack.undo()
    drag(qtbot, canvas, handle(canvas, 300, 100), handle(canvas, 350, 100),
         Qt.KeyboardModifier.AltModifier)  # fmt: skip
    a = doc.element("a")
    assert (px(a, "x"), px(a, "width")) == (50, 300)  # both sides moved 50: centre stays
    assert doc.undo_stack.count() == 1


def test_fitted_media_keep_their_aspect_unless_shift(qtbot, home, tmp_path):
    pic = ImageElement(id="pic", source=str(tmp_path / "p.png"), x="100px", y="100px",
                       width="200px", height="100px", fit="contain")  # fmt: skip
    comp = Composition(output=Output(width=1000, height=500, duration=2), elements=[pic])
    window = make_window(qtbot, comp)
    canvas, doc = window.canvas, window.doc
    canvas.snapping = False
    doc.set_selection(["pic"])
    drag(qtbot, canvas, handle(canvas, 300, 200), handle(canvas, 400, 300))
    e = doc.element("pic")
    assert px(e, "width") / px(e, "height") == pytest.approx(2.0, rel=0.01)
    doc.undo_stack.undo()
    drag(qtbot, canvas, handle(canvas, 300, 200), handle(canvas, 400, 300),
         Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    e = doc.element("pic")
    assert (px(e, "width"), px(e, "height")) == pytest.approx((300, 200), abs=1.01)  # free


def test_a_group_is_hidden_as_one_from_the_layers_panel(qtbot, home):
    window = make_window(qtbot, three_boxes(a={"group": "g"}, b={"group": "g"}))
    doc = window.doc
    window.layers.toggle("a", uikit_visible())
    assert (doc.element("a").hidden, doc.element("b").hidden, doc.element("c").hidden) == (
        True, True, False)  # fmt: skip
    assert doc.undo_stack.count() == 1


def uikit_visible() -> int:
    from vidgen_desktop.ui.editor.qt_layers import VISIBLE

    return VISIBLE


def test_a_group_scales_as_one_from_its_bounds_handles(qtbot, home):
    window = make_window(qtbot, three_boxes(a={"group": "g"}, b={"group": "g"}))
    canvas, doc = window.canvas, window.doc
    canvas.snapping = False
    doc.set_selection(["a", "b"])  # bounds: (100, 50) to (400, 300)
    assert canvas.handle_at(QPointF(point(canvas, 400, 300))) == "se"
    drag(qtbot, canvas, point(canvas, 400, 300), point(canvas, 700, 550))  # twice the size
    a, b = doc.element("a"), doc.element("b")
    near = pytest.approx  # the mouse lands on whole screen pixels
    assert [px(a, f) for f in ("x", "y", "width", "height")] == near([100, 50, 200, 200], abs=2)
    assert [px(b, f) for f in ("x", "y", "width", "height")] == near([500, 350, 200, 200], abs=2)
    assert doc.undo_stack.count() == 1


def test_a_pasted_group_is_a_new_group_of_its_own(qtbot, home):
    window = make_window(qtbot, three_boxes(a={"group": "group-1"}, b={"group": "group-1"}))
    doc = window.doc
    doc.set_selection(["a", "b"])
    window.actions[ActionId.COPY].trigger()
    window.actions[ActionId.PASTE].trigger()
    assert {doc.element(i).group for i in ("a-2", "b-2")} == {"group-2"}
    assert doc.element("a").group == "group-1"  # the original group is untouched
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point(window.canvas, 150, 100))
    assert doc.selection == ["a-2", "b-2"]  # the pasted group, on top, selects as one
