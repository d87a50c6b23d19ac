"""Editing on the canvas, timeline, inspector and layers: the defects of issue 9 (items 5–15)."""

from __future__ import annotations

import uikit
from uikit import box_comp, make_window

from PySide6.QtCore import Qt  # isort: skip
from PySide6.QtWidgets import QApplication

from vidgen_desktop.composition.model import TextElement

home = uikit.home  # the fixture: an isolated VIDGEN_HOME
media = uikit.media  # tiny real media files, made once


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
