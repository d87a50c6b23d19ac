"""Inspector pickers: colour swatch + dialog + eyedropper, the font list, number steps and
label scrubbing, each ending in the model through one undoable edit."""

from __future__ import annotations

import uikit
from uikit import box_comp, make_window, point

from PySide6.QtCore import QEvent, QPointF, Qt  # isort: skip
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication, QColorDialog

from vidgen_desktop.composition.units import Length
from vidgen_desktop.ui.editor import qt_color_field

home = uikit.home


def selected(qtbot, comp=None):
    window = make_window(qtbot, comp or box_comp())
    window.doc.set_selection(["box"])
    return window, window.inspector


def test_colour_swatch_opens_a_dialog_with_alpha_and_document_colours(qtbot, home):
    window, inspector = selected(qtbot)
    field = inspector.pickers["background"]
    field.swatch.trigger()
    dialog = field.dialog
    assert isinstance(dialog, QColorDialog) and dialog.isVisible()
    assert dialog.testOption(QColorDialog.ColorDialogOption.ShowAlphaChannel)
    assert dialog.currentColor() == QColor("#ff0000")
    customs = {QColorDialog.customColor(i).name() for i in range(qt_color_field.SLOTS)}
    assert {"#ff0000", "#000000", "#ffffff"} <= customs  # the document's colours
    dialog.setCurrentColor(QColor(0, 128, 255, 128))
    dialog.accept()
    assert window.doc.element("box").background == "#0080ff80"
    assert qt_color_field.RECENT[0] == "#0080ff80"
    field.swatch.trigger()  # next time: the recent colour comes first
    assert QColorDialog.customColor(0).name() == "#0080ff"  # (the dialog keeps no alpha there)
    field.dialog.reject()
    window.doc.undo_stack.undo()
    assert window.doc.element("box").background == "#ff0000"


def test_eyedropper_picks_the_preview_pixel_under_the_click(qtbot, home):
    window, inspector = selected(qtbot)
    canvas = window.canvas
    qtbot.waitUntil(lambda: canvas.image is not None, timeout=20000)
    inspector.pickers["color"].dropper.trigger()
    count = window.doc.undo_stack.count()
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point(canvas, 960, 540))  # red box
    assert window.doc.element("box").color == "#ff0000"
    assert window.doc.undo_stack.count() == count + 1
    assert window.doc.selection == ["box"]  # the click picked; it did not select
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point(canvas, 50, 50))
    assert window.doc.selection == []  # the dropper is gone: clicks select again


def test_font_list_is_searchable_and_draws_each_name_in_its_font(qtbot, home):
    window, inspector = selected(qtbot)
    field = inspector.pickers["font_family"]
    model = field.completer.model()
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names[0] == "DejaVu Sans"  # the bundled font first
    assert len(names) == len(set(names))
    font = model.index(0, 0).data(Qt.ItemDataRole.FontRole)
    assert font.family() == "DejaVu Sans"
    field.completer.setCompletionPrefix("vu sa")  # any part, any case
    shown = field.completer.completionModel()
    found = [shown.index(r, 0).data() for r in range(shown.rowCount())]
    assert "DejaVu Sans" in found and all("vu sa" in f.lower() for f in found)
    field.open_list()
    assert field.completer.popup().isVisible()
    field.chosen(names[-1])
    assert window.doc.element("box").font_family == names[-1]


def test_arrow_keys_step_numbers_keeping_the_unit(qtbot, home):
    window, inspector = selected(qtbot)
    x = inspector.editors["x"].number
    x.setFocus()
    qtbot.keyClick(x, Qt.Key.Key_Up)
    assert window.doc.element("box").x == Length(41, "%")
    qtbot.keyClick(x, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert window.doc.element("box").x == Length(51, "%")
    inspector.editors["x"].unit.setCurrentText("px")
    x = inspector.editors["x"].number
    qtbot.keyClick(x, Qt.Key.Key_Down)
    assert window.doc.element("box").x == Length(978, "px")  # 979.2 shown as 979, less 1
    start = inspector.editors["start"]
    qtbot.keyClick(start, Qt.Key.Key_Up)
    assert window.doc.element("box").start == 0.1  # seconds step by a tenth


def test_dragging_a_label_scrubs_the_value_as_one_undo_step(qtbot, home):
    window, inspector = selected(qtbot)
    stepper = inspector.pickers["width"]
    label = stepper.label
    assert label is not None and label.text() == "Width"
    count = window.doc.undo_stack.count()

    def mouse(kind, x):
        at = QPointF(x, 5)
        event = QMouseEvent(kind, at, label.mapToGlobal(at), Qt.MouseButton.LeftButton,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
        QApplication.sendEvent(label, event)

    mouse(QEvent.Type.MouseButtonPress, 10)
    for x in (14, 22, 30):
        mouse(QEvent.Type.MouseMove, x)
    mouse(QEvent.Type.MouseButtonRelease, 30)
    assert window.doc.element("box").width == Length(25, "%")  # 20 px of drag: 5 steps
    assert window.doc.undo_stack.count() == count + 1
    window.doc.undo_stack.undo()
    assert window.doc.element("box").width == Length(20, "%")


def test_weight_and_style_fields_reach_the_drawn_text(qtbot, home):
    import numpy as np

    from vidgen_desktop.render import text as render_text

    comp = box_comp()
    comp.elements[0] = comp.elements[0].model_copy(update={"text": "Hello", "font_size": 60})
    window, inspector = selected(qtbot, comp)
    inspector.editors["font_style"].setCurrentText("italic")
    inspector.editors["font_weight"].setCurrentText("bold")
    box = window.doc.element("box")
    assert (box.font_style, box.font_weight) == ("italic", "bold")
    assert "Oblique" in render_text.find_font("DejaVu Sans", "bold", "italic")  # fontconfig's
    upright = box.model_copy(update={"font_style": "normal"})
    drawn = [render_text.rasterize(e, (384, 216)) for e in (box, upright)]
    assert np.abs(drawn[0].astype(int) - drawn[1].astype(int)).sum() > 1000  # slanted glyphs
