"""The app shell: shortcuts, the message bar, autosave and recovery, window state, recent files."""

from __future__ import annotations

from collections import defaultdict

import uikit
from uikit import box_comp, make_window

from PySide6.QtCore import Qt  # isort: skip
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication

from vidgen_desktop.ui.actions import SPECS, ActionId, Spec, Std, key_sequences

home = uikit.home

Portable = QKeySequence.SequenceFormat.PortableText


def bound_keys(window) -> dict[str, list[str]]:
    """Every key sequence the window answers, with who answers it (actions and shortcuts)."""
    owners: dict[str, list[str]] = defaultdict(list)
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            if key.isEmpty():
                continue
            owners[key.toString(Portable)].append(action.objectName() or action.text())
    for shortcut in window.findChildren(QShortcut):
        for key in shortcut.keys():  # noqa: SIM118 (a QShortcut, not a dict)
            owners[key.toString(Portable)].append(shortcut.objectName() or "QShortcut")
    return owners


def activate(qtbot, window) -> None:
    """Make the window the active one: window shortcuts only answer there (even offscreen)."""
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    window.canvas.setFocus()


def test_no_two_actions_share_a_key_sequence(qtbot, home):
    window = make_window(qtbot, box_comp())
    shared = {key: who for key, who in bound_keys(window).items() if len(who) > 1}
    assert shared == {}  # Qt would call each an "Ambiguous shortcut overload" and run none


def test_a_standard_key_extended_by_its_own_sequence_binds_it_once(qtbot, home):
    # Linux's Std.Redo already is Ctrl+Shift+Z: naming it again must not bind it twice
    keys = key_sequences(Spec("Redo", (Std.Redo, "Ctrl+Shift+Z", "Ctrl+Y")))
    texts = [k.toString(Portable) for k in keys]
    assert len(texts) == len(set(texts))
    assert {"Ctrl+Shift+Z", "Ctrl+Y"} <= set(texts)
    assert [k.toString(Portable) for k in key_sequences(SPECS[ActionId.SAVE_AS])].count(
        "Ctrl+Shift+S"
    ) == 1


def test_redo_answers_ctrl_shift_z_and_ctrl_y_and_save_as_its_key(qtbot, home, tmp_path):
    window = make_window(qtbot, box_comp())
    doc = window.doc
    activate(qtbot, window)
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    window.actions[ActionId.ADD_TEXT].trigger()
    assert len(doc.comp.elements) == 2
    for modifiers, key in ((ctrl | shift, Qt.Key.Key_Z), (ctrl, Qt.Key.Key_Y)):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, ctrl)
        assert len(doc.comp.elements) == 1
        qtbot.keyClick(window.canvas, key, modifiers)
        assert len(doc.comp.elements) == 2, QKeySequence(key | modifiers).toString()
    target = tmp_path / "saved as.json"
    window.projects.ask_save_path = lambda: str(target)
    qtbot.keyClick(window.canvas, Qt.Key.Key_S, ctrl | shift)
    assert target.is_file() and doc.path == target.resolve()


def test_every_spec_key_is_bound(qtbot, home):
    window = make_window(qtbot)
    for action_id, spec in SPECS.items():
        bound = {k.toString(Portable) for k in window.actions[action_id].shortcuts()}
        named = {QKeySequence(k).toString(Portable) for k in spec.shortcut if isinstance(k, str)}
        assert named <= bound, action_id
