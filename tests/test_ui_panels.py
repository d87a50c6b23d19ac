"""Inspector, layers and timeline: edits go to the model, the other views follow."""

from __future__ import annotations

import uikit
from uikit import box_comp, make_window, point, settle

from PySide6.QtCore import QPoint, QPointF, Qt  # isort: skip
from PySide6.QtGui import QDropEvent

from vidgen_desktop.composition.model import TextElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor.qt_layers import VISIBLE
from vidgen_desktop.ui.shell.actions import ActionId

home = uikit.home  # the fixture: an isolated VIDGEN_HOME


def red_at(window, x: float, y: float) -> bool:
    """Whether the preview shows red at canvas pixel (x, y)."""
    image, scale = window.canvas.image, window.canvas.image.width() / 1920
    color = image.pixelColor(int(x * scale), int(y * scale))
    return color.red() > 200 and color.green() < 60


def type_into(qtbot, line, text: str) -> None:
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_inspector_edit_moves_the_box_and_the_canvas_follows(qtbot, home):
    window = make_window(qtbot, box_comp())
    settle(qtbot, window)
    assert red_at(window, 960, 540) and not red_at(window, 1400, 540)
    window.doc.set_selection(["box"])
    editor = window.inspector.editors["width"]
    type_into(qtbot, editor.number, "50")
    assert window.doc.element("box").width == Length(50, "%")
    qtbot.waitUntil(lambda: red_at(window, 1400, 540), timeout=10_000)  # the preview redrew
    window.doc.undo_stack.undo()
    assert editor.number.text() == "20"  # the field follows the model back
    qtbot.waitUntil(lambda: not red_at(window, 1400, 540), timeout=10_000)


def test_an_invalid_value_is_refused_with_the_models_message(qtbot, home):
    window = make_window(qtbot, box_comp())
    window.doc.set_selection(["box"])
    inspector = window.inspector
    type_into(qtbot, inspector.editors["width"].number, "0")
    assert inspector.error.isVisible()
    assert inspector.error.text() == "element 'box': width must be greater than 0, got '0%'"
    assert window.doc.element("box").width == Length(20, "%")
    type_into(qtbot, inspector.editors["duration"], "soon")
    assert "duration must be a number, got 'soon'" in inspector.error.text()
    assert window.doc.undo_stack.count() == 0  # nothing was applied


def test_switching_units_converts_exactly(qtbot, home):
    window = make_window(qtbot, box_comp())
    window.doc.set_selection(["box"])
    window.inspector.editors["x"].unit.setCurrentText("px")
    assert window.doc.element("box").x == Length(768, "px")
    assert window.inspector.editors["x"].number.text() == "768"
    window.inspector.editors["x"].unit.setCurrentText("%")
    assert window.doc.element("box").x == Length(40, "%")


def test_output_settings_show_when_nothing_is_selected(qtbot, home):
    window = make_window(qtbot, box_comp())
    inspector = window.inspector
    assert inspector.title.text() == "Output"
    type_into(qtbot, inspector.editors["width"], "1281")
    assert "must be an even number of pixels" in inspector.error.text()
    type_into(qtbot, inspector.editors["width"], "1280")
    assert window.doc.comp.output.width == 1280


def three_layers():
    comp = box_comp()
    for n, name in enumerate(["middle", "top"], start=1):
        comp.elements.append(
            TextElement(id=name, text=name, x=f"{n * 10}%", y="10%", width="20%", height="20%")
        )
    return comp


def test_dropping_a_layer_row_reorders_the_stacking(qtbot, home):
    window = make_window(qtbot, three_layers())
    layers, doc = window.layers, window.doc
    assert layers.ids() == ["top", "middle", "box"]  # front first
    doc.set_selection(["box"])
    tree = layers.tree
    mime = tree.mimeData([tree.topLevelItem(2)])
    first = tree.visualItemRect(tree.topLevelItem(0))
    at = QPointF(first.center().x(), first.top() + 2)
    event = QDropEvent(at, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    tree.dropEvent(event)
    assert [e.id for e in doc.comp.stacking_order()] == ["middle", "top", "box"]
    assert layers.ids() == ["box", "top", "middle"]
    doc.undo_stack.undo()
    assert layers.ids() == ["top", "middle", "box"]


def test_hide_lock_rename_duplicate_and_delete_from_the_panel(qtbot, home):
    window = make_window(qtbot, three_layers())
    layers, doc = window.layers, window.doc
    eye = layers.tree.visualItemRect(layers._item("middle"))
    eye.setLeft(layers.tree.header().sectionPosition(VISIBLE))
    eye.setWidth(layers.tree.header().sectionSize(VISIBLE))
    qtbot.mouseClick(layers.tree.viewport(), Qt.MouseButton.LeftButton, pos=eye.center())
    assert doc.element("middle").hidden
    item = layers._item("middle")
    item.setText(0, "Headline")
    assert doc.element("middle").name == "Headline"
    doc.set_selection(["middle"])
    window.actions[ActionId.DUPLICATE].trigger()
    assert doc.selection == ["middle-copy"]
    assert layers.ids().index("middle-copy") == layers.ids().index("middle") - 1  # just above
    window.actions[ActionId.DELETE].trigger()
    window.actions[ActionId.DELETE].trigger()  # nothing selected any more: nothing happens
    assert not doc.has("middle-copy")
    for _ in range(4):
        doc.undo_stack.undo()
    assert not doc.element("middle").hidden and doc.element("middle").name is None


def test_selection_is_shared_between_canvas_layers_and_inspector(qtbot, home):
    window = make_window(qtbot, three_layers())
    layers, doc = window.layers, window.doc
    layers._item("top").setSelected(True)
    assert doc.selection == ["top"]
    assert window.inspector.title.text() == "top"
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=point(window.canvas, 960, 540))
    assert doc.selection == ["box"]
    assert layers.tree.selectedItems() == [layers._item("box")]


def test_scrub_drag_bars_and_step_frames_on_the_timeline(qtbot, home):
    window = make_window(qtbot, box_comp())
    view, doc = window.timeline.view, window.doc
    y = view.height() - 2
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x_of(2.0)), 10))
    assert abs(doc.time - 2.0) < 1 / 30 + 1e-9
    qtbot.waitUntil(lambda: window.canvas.renderer.frames_drawn > 0, timeout=10_000)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert round(doc.time * 30) == round(2.0 * 30) + 1
    del y
    rect = view.bar_rect(0, doc.element("box"))
    start = QPoint(round(rect.center().x()), round(rect.center().y()))
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view, start + QPoint(round(view.pps * 1.0), 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(round(view.pps), 0))
    assert abs(doc.element("box").start - 1.0) < 0.05
    window_ = doc.timeline().windows["box"]
    view.drag_bar("box", "end", -1.0, window_, key=None)
    assert abs(doc.element("box").duration - 2.0) < 1e-9


def test_space_plays_and_pauses(qtbot, home):
    window = make_window(qtbot, box_comp())
    play = window.actions[ActionId.PLAY]
    play.trigger()
    assert window.timeline.playing
    qtbot.waitUntil(lambda: window.doc.time > 0.1, timeout=5_000)
    play.trigger()
    assert not window.timeline.playing


def test_editing_several_elements_at_once_is_one_step(qtbot, home):
    window = make_window(qtbot, three_layers())
    doc, inspector = window.doc, window.inspector
    doc.set_selection(["box", "top"])
    assert inspector.title.text() == "2 elements"
    assert "name" not in inspector.editors and "text" in inspector.editors
    type_into(qtbot, inspector.editors["opacity"], "0.5")
    assert doc.element("box").opacity == doc.element("top").opacity == 0.5
    doc.undo_stack.undo()
    assert doc.element("box").opacity == doc.element("top").opacity == 1.0
