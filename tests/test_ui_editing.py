"""Editing on the canvas, timeline, inspector and layers: the defects of issue 9 (items 5–15)."""

from __future__ import annotations

import contextlib
import os

import pytest

import uikit
from uikit import box_comp, make_window, point

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl  # isort: skip
from PySide6.QtGui import QColor, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import Composition, Output, TextElement, VideoElement
from vidgen_desktop.composition.units import Length
from vidgen_desktop.media import samples
from vidgen_desktop.ui.editor import geometry
from vidgen_desktop.ui.editor.qt_layers import LOCKED, VISIBLE
from vidgen_desktop.ui.editor.qt_timeline import HEADER, LOCK_MARK, RULER

SHOTS = os.environ.get("I9E_SHOTS")  # a folder to save what the tests grab, to look at
home = uikit.home  # the fixture: an isolated VIDGEN_HOME
media = uikit.media  # tiny real media files, made once


@pytest.fixture(autouse=True)
def _palette_restored(qapp):
    """Tests here switch the application's palette to look at dark and light: put it back."""
    before = QPalette(qapp.palette())
    yield
    qapp.setPalette(before)


def three_boxes():
    comp = box_comp()
    for n, name in enumerate(["middle", "top"], start=1):
        comp.elements.append(
            TextElement(id=name, text=name, x=f"{n * 10}%", y="10%", width="20%", height="20%")
        )
    return comp


def active_window(qtbot, comp):
    """A real main window that is the active one, so its shortcuts answer keys."""
    window = make_window(qtbot, comp)
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    return window


def type_into(qtbot, line, text: str) -> None:
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def shoot(qtbot, widget, name: str) -> None:
    """Save ``widget`` in a dark and a light palette when I9E_SHOTS names a folder."""
    if not SHOTS:
        return
    for palette in (dark_palette(), QApplication.style().standardPalette()):
        QApplication.setPalette(palette)
        qtbot.wait(100)
        widget.grab().save(f"{SHOTS}/{name}-{palette.base().color().name()[1:]}.png")


def key(qtbot, widget, k, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, k, modifiers)


# -- 9. undoing a delete selects what came back ------------------------------------------------


def test_undoing_a_delete_selects_the_restored_elements(qtbot, home):
    window = active_window(qtbot, three_boxes())
    doc, canvas = window.doc, window.canvas
    doc.set_selection(["box", "top"])
    key(qtbot, canvas, Qt.Key.Key_Delete)
    assert not doc.has("box") and not doc.has("top")
    assert doc.selection == []
    key(qtbot, canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.has("box") and doc.has("top")
    assert sorted(doc.selection) == ["box", "top"]
    assert window.inspector.title.text() == "2 elements"
    rows = window.layers.tree.selectedItems()
    assert sorted(i.data(0, Qt.ItemDataRole.UserRole) for i in rows) == ["box", "top"]


# -- 10. media dropped near an edge stays on the canvas ----------------------------------------


def drop_file(qtbot, window, path, x: float, y: float) -> str:
    """Drop ``path`` on the canvas over canvas pixel (x, y), as a file manager would."""
    before = {e.id for e in window.doc.comp.elements}
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    at = window.canvas.to_widget(x, y)
    event = QDropEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.canvas.dropEvent(event)
    qtbot.waitUntil(lambda: len(window.doc.comp.elements) > len(before), timeout=15_000)
    (added,) = {e.id for e in window.doc.comp.elements} - before
    return added


@pytest.mark.render
def test_media_dropped_near_an_edge_is_kept_inside_the_canvas(qtbot, home, media, tmp_path):
    window = make_window(qtbot, box_comp())
    doc = window.doc
    added = drop_file(qtbot, window, media["image"], 1915, 1075)  # 64×48 at the corner
    box = layout.exact_box(doc.element(added), doc.canvas)
    assert box == (1920 - 64, 1080 - 48, 64, 48)
    added = drop_file(qtbot, window, media["image"], 2, 3)  # the opposite corner
    assert layout.exact_box(doc.element(added), doc.canvas) == (0, 0, 64, 48)
    big = samples.make_test_image(tmp_path / "poster.png", width=2400, height=2400)
    added = drop_file(qtbot, window, big, 1900, 540)  # larger than the canvas: fitted
    x, y, w, h = layout.exact_box(doc.element(added), doc.canvas)
    assert (w, h) == (1080, 1080)
    assert (x, y) == (1920 - 1080, 0)
    doc.set_selection([e.id for e in doc.comp.elements])
    shoot(qtbot, window.canvas, "canvas-drops")


# -- 7. the inspector shows rounded numbers and keeps the exact ones ---------------------------


def test_inspector_rounds_what_it_shows_and_keeps_the_exact_value(qtbot, home):
    comp = box_comp()
    sixth = Length(100 / 6, "%")  # 16.666666666666668 %
    third_px = Length(1000 / 3, "px")  # 333.333… px
    comp.elements[0] = comp.elements[0].model_copy(update={"x": sixth, "width": third_px})
    window = active_window(qtbot, comp)
    doc, inspector = window.doc, window.inspector
    doc.set_selection(["box"])
    x, width = inspector.editors["x"].number, inspector.editors["width"].number
    assert x.text() == "16.67"
    assert width.text() == "333"
    shoot(qtbot, window.inspector_dock, "inspector-rounded")
    qtbot.mouseClick(x, Qt.MouseButton.LeftButton)  # into the field and out again, untouched
    assert QApplication.focusWidget() is x
    qtbot.keyClick(x, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # through the unit box
    qtbot.mouseClick(width, Qt.MouseButton.LeftButton)
    qtbot.keyClick(width, Qt.Key.Key_Return)
    window.canvas.setFocus()
    assert doc.element("box").x == sixth  # exactly, not 16.67 %
    assert doc.element("box").width == third_px
    assert doc.undo_stack.count() == 0
    x.setFocus()
    x.selectAll()
    qtbot.keyClicks(x, "16.67")  # typing the rounded value on purpose sets it
    qtbot.keyClick(x, Qt.Key.Key_Return)
    assert doc.element("box").x == Length(16.67, "%")
    assert x.text() == "16.67"


# -- 5. trims and durations stay inside the media ----------------------------------------------


def clip_comp(media) -> Composition:
    clip = VideoElement(id="clip", source=str(media["video"]), x="0%", y="0%", width="50%",
                        height="50%")  # fmt: skip
    return Composition(output=Output(width=640, height=360, duration=4), elements=[clip])


@pytest.mark.render
def test_a_right_trim_cannot_run_past_the_end_of_the_media(qtbot, home, media):
    window = active_window(qtbot, clip_comp(media))
    doc, view = window.doc, window.timeline.view
    qtbot.waitUntil(lambda: str(media["video"]) in doc.media, timeout=15_000)
    length = doc.media[str(media["video"])].duration  # 1 s
    rect = view.bar_rect(0, doc.element("clip"))
    assert abs(rect.right() - view.x_of(length)) < 2
    grab = QPoint(round(rect.right()) - 1, round(rect.center().y()))
    assert view.hit(QPointF(grab))[1] == "end"
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=grab)
    far = grab + QPoint(round(view.pps * 2.5), 0)  # 2.5 s further: past the media's end
    qtbot.mouseMove(view, far)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=far)
    assert doc.element("clip").duration == length
    assert doc.timeline().windows["clip"].end == length
    assert not window.inspector.note.isVisible()  # a drag says it by stopping

    doc.set_selection(["clip"])
    inspector = window.inspector
    type_into(qtbot, inspector.editors["duration"], "3")
    assert doc.element("clip").duration == length
    assert inspector.note.isVisible()
    assert "clip.mp4 is 1 s long; duration set to 1 s" in inspector.note.text()
    assert inspector.editors["duration"].text() == "1"
    shoot(qtbot, window.inspector_dock, "inspector-clamp-note")
    type_into(qtbot, inspector.editors["trim_start"], "5")
    clip = doc.element("clip")
    one = 1 / doc.comp.output.fps
    assert abs(clip.trim_start - (length - one)) < 1e-9  # the last frame still shows
    assert abs(clip.duration - one) < 1e-9
    assert clip.trim_start + clip.duration <= length + 1e-9


@pytest.mark.render
def test_edits_through_the_document_are_clamped_too(qtbot, home, media):
    window = make_window(qtbot, clip_comp(media))
    doc = window.doc
    qtbot.waitUntil(lambda: str(media["video"]) in doc.media, timeout=15_000)
    assert doc.edit({"clip": {"duration": 15.5}}, "Change timing") is None
    assert doc.element("clip").duration == doc.media[str(media["video"])].duration
    doc.undo_stack.undo()
    assert doc.element("clip").duration is None


# -- 8. locked means locked everywhere --------------------------------------------------------


def locked_boxes():
    comp = three_boxes()
    comp.elements[0] = comp.elements[0].model_copy(update={"locked": True})  # "box"
    return comp


def test_a_locked_layer_is_not_deleted_and_the_user_is_told(qtbot, home):
    window = active_window(qtbot, locked_boxes())
    doc = window.doc
    doc.set_selection(["box"])
    key(qtbot, window.canvas, Qt.Key.Key_Delete)
    assert doc.has("box")
    assert window.messages.text == (
        "Not deleted: 'box' is locked. Unlock it in the Layers panel first."
    )
    window.messages.hide()
    doc.set_selection(["box", "top"])  # a mixed selection: the unlocked one goes
    key(qtbot, window.canvas, Qt.Key.Key_Backspace)
    assert doc.has("box") and not doc.has("top")
    assert "'box' is locked" in window.messages.text
    assert doc.undo_stack.count() == 1


def test_a_locked_layer_cannot_be_edited_in_the_inspector_until_unlocked(qtbot, home):
    window = active_window(qtbot, locked_boxes())
    doc, inspector = window.doc, window.inspector
    doc.set_selection(["box"])
    x = inspector.editors["x"]
    assert not x.number.isEnabled() and not x.unit.isEnabled()
    assert not inspector.editors["opacity"].isEnabled()
    assert not inspector.editors["align"].isEnabled()
    assert inspector.editors["name"].isEnabled()  # a locked layer can still be renamed
    assert inspector.lock_row.isVisible()
    type_into(qtbot, x.number, "5")  # typing into a disabled field does nothing
    assert doc.element("box").x == Length(40, "%")
    assert doc.undo_stack.count() == 0
    refusal = doc.edit({"box": {"x": "5%"}}, "Move")  # nor does any other path
    assert refusal == "element 'box' is locked: unlock it to change it"
    qtbot.mouseClick(inspector.unlock_button, Qt.MouseButton.LeftButton)
    assert not doc.element("box").locked
    assert x.number.isEnabled() and not inspector.lock_row.isVisible()
    type_into(qtbot, x.number, "5")
    assert doc.element("box").x == Length(5, "%")


def test_a_locked_layer_does_not_move_on_the_canvas_or_the_timeline(qtbot, home):
    window = active_window(qtbot, locked_boxes())
    doc, canvas, view = window.doc, window.canvas, window.timeline.view
    canvas.set_zoom(0.5)
    start = point(canvas, 960, 540)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, start + QPoint(60, 0))
    assert canvas.cursor().shape() == Qt.CursorShape.ForbiddenCursor
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=start + QPoint(60, 0))
    assert doc.selection == ["box"]
    assert "'box' is locked" in window.statusBar().currentMessage()
    window.statusBar().clearMessage()
    key(qtbot, canvas, Qt.Key.Key_Right)  # nudge
    assert "'box' is locked" in window.statusBar().currentMessage()
    row = [e.id for e in view.rows()].index("box")
    bar = view.bar_rect(row, doc.element("box"))
    grab = QPoint(round(bar.center().x()), round(bar.center().y()))
    window.statusBar().clearMessage()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=grab)
    assert window.statusBar().currentMessage() == ""  # a click only selects
    qtbot.mouseMove(view, grab + QPoint(round(view.pps), 0))
    assert "'box' is locked" in window.statusBar().currentMessage()
    assert view.cursor().shape() == Qt.CursorShape.ForbiddenCursor
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=grab + QPoint(round(view.pps), 0))
    grab = QPoint(round(bar.right()) - 1, round(bar.center().y()))  # the right end
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(view, grab - QPoint(round(view.pps), 0))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=grab - QPoint(round(view.pps), 0))
    box = doc.element("box")
    assert (box.x, box.start, box.duration) == (Length(40, "%"), 0.0, None)
    assert doc.undo_stack.count() == 0
    image = view.grab().toImage()  # the locked bar carries a padlock; the others do not
    ids = [e.id for e in view.rows()]
    for element_id in ("box", "top"):
        mark = view.bar_rect(ids.index(element_id), doc.element(element_id))
        white = sum(
            image.pixelColor(x, y).lightnessF() > 0.9
            for x in range(int(mark.left()) + 3, int(mark.left()) + 3 + LOCK_MARK)
            for y in range(int(mark.top()), int(mark.bottom()))
        )
        assert (white > 10) == (element_id == "box"), element_id
    shoot(qtbot, view, "timeline-locked")


# -- 6. resizing past the opposite corner flips the box ----------------------------------------


def drag_handle(qtbot, canvas, at: tuple[float, float], to: tuple[float, float]) -> None:
    start, end = point(canvas, *at), point(canvas, *to)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    for n in (1, 2, 3, 4):
        qtbot.mouseMove(canvas, start + (end - start) * n / 4)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)


def test_resizing_past_the_opposite_corner_flips_the_box(qtbot, home):
    window = make_window(qtbot, box_comp())  # the box: 768..1152 × 432..648
    canvas, doc = window.canvas, window.doc
    canvas.set_zoom(0.5)
    canvas.snapping = False
    doc.set_selection(["box"])
    drag_handle(qtbot, canvas, (1152, 648), (600, 300))  # se dragged past nw
    assert layout.exact_box(doc.element("box"), doc.canvas) == (600, 300, 168, 132)
    assert canvas.handle_at(QPointF(point(canvas, 768, 432))) == "se"  # the old nw corner
    doc.undo_stack.undo()
    drag_handle(qtbot, canvas, (1152, 540), (700, 540))  # e dragged past the left side
    assert layout.exact_box(doc.element("box"), doc.canvas) == (700, 432, 68, 216)
    doc.undo_stack.undo()
    drag_handle(qtbot, canvas, (1152, 648), (768, 432))  # onto the opposite corner exactly
    x, y, w, h = layout.exact_box(doc.element("box"), doc.canvas)
    assert w * canvas.zoom >= 4 and h * canvas.zoom >= 4  # still visible and grabbable
    assert doc.selection == ["box"]


def test_a_flipped_resize_keeps_the_aspect_and_snaps_the_dragged_edge():
    box = (100.0, 100.0, 200.0, 100.0)
    # nw dragged 300 right, 150 down with Shift: past the se corner, same 2:1 shape
    assert geometry.resize(box, "nw", 300, 150, keep_aspect=True) == (300, 200, 100, 50)
    assert geometry.flipped(box, "e", -250, 0) == (True, False)
    assert geometry.resize_edges("e", (True, False)) == (("left",), ())  # the moving edge
    assert geometry.resize_edges("e") == (("right",), ())


# -- 11. one toggle per state in the layer rows, readable in dark and light --------------------


DARK = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.Base: "#1e1e1e",
    QPalette.ColorRole.AlternateBase: "#262626",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Button: "#333333",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#2d5d9f",
    QPalette.ColorRole.HighlightedText: "#ffffff",
}


def dark_palette() -> QPalette:
    """A dark desktop palette (the kind a dark GNOME or KDE theme gives Qt)."""
    pal = QPalette()
    for role, color in DARK.items():
        pal.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):  # fmt: skip
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a7a"))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor("#8c8c8c"))
    return pal


def cell(layers, element_id: str, column: int):
    rect = layers.tree.visualItemRect(layers._item(element_id))
    rect.setLeft(layers.tree.header().sectionPosition(column))
    rect.setWidth(layers.tree.header().sectionSize(column))
    return rect


def luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def ink_contrast(image, rect) -> float:
    """The best WCAG contrast ratio between a pixel in ``rect`` and the cell's background."""
    ground = luminance(image.pixelColor(rect.left() + 1, rect.top() + 1))
    best = 1.0
    for x in range(rect.left(), rect.right()):
        for y in range(rect.top(), rect.bottom()):
            ink = luminance(image.pixelColor(x, y))
            best = max(best, (max(ink, ground) + 0.05) / (min(ink, ground) + 0.05))
    return best


def test_layer_rows_have_one_toggle_per_state_with_an_icon_that_shows_it(qtbot, home):
    window = make_window(qtbot, three_boxes())
    layers, doc = window.layers, window.doc
    tree = layers.tree
    item = layers._item("middle")
    for column in (VISIBLE, LOCKED):  # no check boxes next to the icons
        assert item.data(column, Qt.ItemDataRole.CheckStateRole) is None
    shown, unlocked = (item.icon(c).pixmap(20).toImage() for c in (VISIBLE, LOCKED))
    doc.set_selection(["top"])
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=cell(layers, "middle", VISIBLE).center()
    )
    qtbot.mouseClick(
        tree.viewport(), Qt.MouseButton.LeftButton, pos=cell(layers, "middle", LOCKED).center()
    )
    middle = doc.element("middle")
    assert middle.hidden and middle.locked
    assert doc.selection == ["top"]  # a toggle does not select the row
    item = layers._item("middle")
    hidden, locked = (item.icon(c).pixmap(20).toImage() for c in (VISIBLE, LOCKED))
    assert hidden != shown and locked != unlocked  # struck eye, closed padlock
    assert "click to show" in item.toolTip(VISIBLE) and "click to unlock" in item.toolTip(LOCKED)
    padlock = cell(layers, "middle", LOCKED).center()
    # a double click as X11 delivers it: press, release, then a double-click event
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=padlock)
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=padlock)
    assert tree.state() != tree.State.EditingState  # no name editor over the padlock
    assert doc.undo_stack.count() == 4  # two clicks, then a double click: two more toggles

    for palette in (dark_palette(), QApplication.style().standardPalette()):
        QApplication.setPalette(palette)
        qtbot.waitUntil(lambda p=palette: layers.tree.palette().base().color() == p.base().color())
        image = tree.viewport().grab().toImage()
        if SHOTS:  # for looking at: I9E_SHOTS=folder
            image.save(f"{SHOTS}/layers-{palette.base().color().name()[1:]}.png")
        for element_id in ("top", "middle"):
            for column in (VISIBLE, LOCKED):
                # WCAG's 3:1 for the parts of a control, in dark and light, selected or not
                assert ink_contrast(image, cell(layers, element_id, column)) >= 3


# -- 14. the last ruler label is whole ----------------------------------------------------------


def ruler_ink_columns(view) -> list[int]:
    """The x of every column of the ruler's label band that has something drawn in it."""
    image = view.grab().toImage()
    ground = view.palette().window().color()
    return [
        x
        for x in range(HEADER, image.width())
        if any(image.pixelColor(x, y) != ground for y in range(2, RULER - 9))
    ]


def test_the_last_ruler_label_is_drawn_whole(qtbot, home):
    comp = box_comp()
    comp.output.duration = 20
    window = make_window(qtbot, comp)
    view = window.timeline.view
    for palette in (dark_palette(), QApplication.style().standardPalette()):
        QApplication.setPalette(palette)
        qtbot.waitUntil(lambda p=palette: view.palette().window().color() == p.window().color())
        for width in (520, 777, 1100):
            view.setFixedWidth(width)
            qtbot.waitUntil(lambda w=width: view.width() == w)
            labels = [(label, rect) for _, label, rect in view.ruler_labels(view.fontMetrics())]
            shown = [(label, rect) for label, rect in labels if label]
            assert shown[-1][0] == "20s"  # the end of the composition is labelled
            for _, rect in shown:
                assert rect.left() >= HEADER and rect.right() <= width - 2
            assert max(ruler_ink_columns(view)) < width - 2  # nothing runs into the edge
        if SHOTS:
            view.grab().save(f"{SHOTS}/ruler-{palette.base().color().name()[1:]}.png")


# -- 15. the inspector fits its dock -----------------------------------------------------------


def overflow(inspector) -> list[str]:
    """What does not fit the inspector's width: its scroll bar, and fields past the edge."""
    bar = inspector.horizontalScrollBar()
    problems = ["a horizontal scroll bar"] if bar.maximum() > 0 or bar.isVisible() else []
    right = inspector.viewport().width()
    for name, editor in inspector.editors.items():
        corner = editor.mapTo(inspector.viewport(), editor.rect().topRight())
        if corner.x() >= right:
            problems.append(f"{name} ends at {corner.x()} of {right} px")
    return problems


def assert_fits(qtbot, inspector) -> None:
    # the dock animates and the scroll area lays its body out on later turns of the event loop
    with contextlib.suppress(qtbot.TimeoutError):
        qtbot.waitUntil(lambda: not overflow(inspector), timeout=3_000)
    assert overflow(inspector) == []


@pytest.mark.render
def test_the_inspector_fits_its_dock_without_scrolling_sideways(qtbot, home, media):
    comp = locked_boxes()
    long_name = "final_final_campaign_video_v12_export_for_the_client_review.mp4"
    clip = VideoElement(id="clip", name=long_name, source=str(media["video"]))
    comp.elements.append(clip)
    window = make_window(qtbot, comp)
    window.resize(1100, 1000)  # tall enough for all of two texts' fields (motion included)
    doc, inspector = window.doc, window.inspector
    selections = ([], ["box"], ["middle"], ["clip"], ["middle", "top"])
    for narrowest in (False, True):
        if narrowest:  # the dock dragged to the smallest width it allows, a short window
            window.resize(1100, 600)  # so a vertical scroll bar takes its share of the width
            window.resizeDocks([window.inspector_dock], [1], Qt.Orientation.Horizontal)
            qtbot.waitUntil(lambda: inspector.width() == inspector.minimumWidth())
        for selection in selections:
            doc.set_selection(selection)
            assert_fits(qtbot, inspector)
        with contextlib.suppress(qtbot.TimeoutError):  # the scroll area follows a turn later
            qtbot.waitUntil(
                lambda want=narrowest: inspector.verticalScrollBar().isVisible() == want,
                timeout=1_000,
            )
        assert inspector.verticalScrollBar().isVisible() == narrowest
        type_into(qtbot, inspector.editors["opacity"], "lots and lots of it")  # an error shown
        assert inspector.error.isVisible()
        assert_fits(qtbot, inspector)
    doc.set_selection(["clip"])
    assert inspector.title.toolTip() == long_name  # elided in the panel, whole in the tip
    if SHOTS:
        for palette in (dark_palette(), QApplication.style().standardPalette()):
            QApplication.setPalette(palette)
            qtbot.wait(50)
            for selection in (["box"], ["middle"]):
                doc.set_selection(selection)
                qtbot.wait(50)
                name = f"inspector-{selection[0]}-{palette.base().color().name()[1:]}.png"
                window.inspector_dock.grab().save(f"{SHOTS}/{name}")


# -- 12. an unknown font is named, with the font drawn instead ---------------------------------


def warned(inspector) -> bool:
    """Whether the font warning is set to show (a new form is shown on the next turn)."""
    return not inspector.font_warning.isHidden()


def test_an_unknown_font_is_warned_about_naming_the_fallback(qtbot, home):
    window = make_window(qtbot, three_boxes())
    doc, inspector = window.doc, window.inspector
    doc.set_selection(["top"])
    assert not warned(inspector)
    type_into(qtbot, inspector.editors["font_family"], "Helvetica Neue")
    assert doc.element("top").font_family == "Helvetica Neue"  # kept: it may exist elsewhere
    qtbot.waitUntil(lambda: warned(inspector), timeout=10_000)
    assert inspector.font_warning.text() == (
        "⚠ “Helvetica Neue” is not installed: the canvas and the render use DejaVu Sans."
    )
    field = inspector.editors["font_family"]
    below = inspector.font_warning.mapTo(inspector.body, inspector.font_warning.rect().topLeft())
    assert 0 <= below.y() - field.mapTo(inspector.body, field.rect().bottomLeft()).y() < 12
    if SHOTS:
        for palette in (dark_palette(), QApplication.style().standardPalette()):
            QApplication.setPalette(palette)
            qtbot.wait(100)
            shade = palette.base().color().name()[1:]
            inspector.grab().save(f"{SHOTS}/inspector-font-warning-{shade}.png")
    doc.set_selection(["middle"])  # another text, with an installed font: no warning
    assert not warned(inspector)
    doc.set_selection(["top"])
    assert warned(inspector)
    type_into(qtbot, inspector.editors["font_family"], "DejaVu Serif")
    qtbot.waitUntil(lambda: not warned(inspector), timeout=10_000)
