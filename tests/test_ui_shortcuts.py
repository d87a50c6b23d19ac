"""The keyboard shortcut sheet (Help → Keyboard Shortcuts, ?) and editable shortcuts in Settings."""

from __future__ import annotations

import json

import pytest

import uikit
from uikit import box_comp, make_window

from PySide6.QtCore import Qt  # isort: skip
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QPushButton

from vidgen_desktop import config
from vidgen_desktop.ui.shell import shortcuts
from vidgen_desktop.ui.shell.actions import ActionId, default_keys

home = uikit.home
Portable = QKeySequence.SequenceFormat.PortableText


def active(qtbot, comp=None):
    window = make_window(qtbot, comp or box_comp())
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    window.canvas.setFocus()
    return window


def keys(action) -> list[str]:
    return [k.toString(Portable) for k in action.shortcuts()]


def sheet_of(window):
    return getattr(window, "shortcut_sheet", None)


def test_question_mark_and_the_help_menu_open_the_sheet_listing_every_key(qtbot, home):
    window = active(qtbot)
    assert window.actions[ActionId.SHORTCUTS] in window.help_menu.actions()
    qtbot.keyClick(window.canvas, "?")
    qtbot.waitUntil(lambda: sheet_of(window) is not None and sheet_of(window).isVisible())
    sheet = sheet_of(window)
    listed = dict(sheet.shown())
    assert listed["Undo"].startswith(QKeySequence(QKeySequence.StandardKey.Undo).toString(
        QKeySequence.SequenceFormat.NativeText))  # fmt: skip
    assert listed["Add Text"] == "T"
    assert listed["Add Keyframe"] == "K"  # the Animate menu's too
    assert "Keyboard Shortcuts" in listed
    sheet.search.setText("keyframe")
    assert {name for name, _ in sheet.shown()} == {
        "Add Keyframe", "Delete Keyframes Here", "Previous Keyframe", "Next Keyframe",
    }  # fmt: skip
    sheet.search.setText("ctrl+d")
    assert [name for name, _ in sheet.shown()] == ["Duplicate"]


def test_an_edited_shortcut_works_at_once_is_saved_and_shows_in_the_sheet(qtbot, home):
    window = active(qtbot)
    settings = window.renders.open_settings("shortcuts")
    assert settings.tabs.currentWidget() is settings.shortcuts_page
    page = settings.shortcuts_page
    edit = page.edits[ActionId.ADD_TEXT]
    edit.setFocus()
    ctrl_alt = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(edit, Qt.Key.Key_E, ctrl_alt)
    qtbot.waitUntil(lambda: page.bound[ActionId.ADD_TEXT][0].toString(Portable) == "Ctrl+Alt+E")
    settings.accept()
    assert not settings.isVisible()
    assert keys(window.actions[ActionId.ADD_TEXT]) == ["Ctrl+Alt+E"]
    assert "Ctrl+Alt+E" in window.actions[ActionId.ADD_TEXT].toolTip()
    saved = json.loads(config.settings_path().read_text())
    assert saved["shortcuts"] == {"add_text": "Ctrl+Alt+E"}  # only what changed
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E, ctrl_alt)
    assert [e.id for e in window.doc.comp.elements] == ["box", "text"]
    qtbot.keyClick(window.canvas, Qt.Key.Key_T)  # the old key does nothing now
    assert len(window.doc.comp.elements) == 2
    from vidgen_desktop.ui.shell.toolbar import show_sheet

    assert dict(show_sheet(window).shown())["Add Text"] == "Ctrl+Alt+E"


def test_a_key_another_action_has_is_refused_in_words(qtbot, home):
    window = active(qtbot)
    page = window.renders.open_settings("shortcuts").shortcuts_page
    save = QKeySequence(QKeySequence.StandardKey.Save)
    problem = page.set_key(ActionId.ADD_TEXT, save)
    assert problem == (
        f"{save.toString(QKeySequence.SequenceFormat.NativeText)} is already the shortcut of "
        "“Save”: clear or change that one first"
    )
    assert page.message.isVisible() and page.message.text() == problem
    assert [k.toString(Portable) for k in page.bound[ActionId.ADD_TEXT]] == ["T"]  # unchanged
    assert page.edits[ActionId.ADD_TEXT].keySequence().toString(Portable) == "T"
    # a sequence of two chords is refused too: one combination per action
    assert "one key combination only" in page.set_key(ActionId.ADD_TEXT, QKeySequence("Ctrl+K, T"))
    # freeing the key first makes it available
    assert page.set_key(ActionId.SAVE, QKeySequence()) is None
    assert page.set_key(ActionId.ADD_TEXT, save) is None
    assert not page.message.isVisible()


def test_keys_outside_the_registry_are_refused_too(qtbot, home):
    window = active(qtbot)
    from PySide6.QtGui import QAction

    other = QAction("Toggle Waveforms", window)
    other.setShortcut(QKeySequence("Alt+W"))
    window.addAction(other)
    page = window.renders.open_settings("shortcuts").shortcuts_page
    assert page.set_key(ActionId.ADD_TEXT, QKeySequence("Alt+W")) == (
        "Alt+W is already the shortcut of “Toggle Waveforms”"
    )
    # the menu bar's mnemonics: Alt+E would fight the Edit menu (and run nothing)
    assert page.set_key(ActionId.ADD_TEXT, QKeySequence("Alt+E")) == (
        "Alt+E is already the shortcut of “the Edit menu”"
    )


def test_reset_one_and_reset_all_bring_the_defaults_back(qtbot, home):
    config.update(shortcuts={"add_text": "Ctrl+Alt+E", "save": "", "undo": "Ctrl+U"})
    window = active(qtbot)
    assert keys(window.actions[ActionId.ADD_TEXT]) == ["Ctrl+Alt+E"]  # loaded at start
    assert keys(window.actions[ActionId.SAVE]) == []  # none, on purpose
    settings = window.renders.open_settings("shortcuts")
    page = settings.shortcuts_page
    qtbot.mouseClick(page.findChild(QPushButton, "reset_save"), Qt.MouseButton.LeftButton)
    assert page.overrides() == {"add_text": "Ctrl+Alt+E", "undo": "Ctrl+U"}
    settings.accept()
    defaults = default_keys()
    assert keys(window.actions[ActionId.SAVE]) == [k.toString(Portable) for k in
                                                  defaults[ActionId.SAVE]]  # fmt: skip
    settings = window.renders.open_settings("shortcuts")
    reset_all = settings.findChild(QPushButton, "reset_all_shortcuts")
    qtbot.mouseClick(reset_all, Qt.MouseButton.LeftButton)
    settings.accept()
    assert config.saved().shortcuts == {}
    for action_id in (ActionId.ADD_TEXT, ActionId.UNDO, ActionId.REDO):
        assert keys(window.actions[action_id]) == [
            k.toString(Portable) for k in defaults[action_id]
        ]


def test_an_unknown_action_in_the_file_is_ignored_and_the_rest_applies(qtbot, home):
    config.update(shortcuts={"gone_action": "Alt+G", "duplicate": "Alt+D"})
    window = active(qtbot)
    assert keys(window.actions[ActionId.DUPLICATE]) == ["Alt+D"]
    assert not [a for a in window.actions.values() if "Alt+G" in keys(a)]


@pytest.mark.parametrize("action_id", [ActionId.UNDO, ActionId.SAVE, ActionId.SHORTCUTS])
def test_the_defaults_use_the_platform_standard_key(action_id):
    standard = {ActionId.UNDO: QKeySequence.StandardKey.Undo,
                ActionId.SAVE: QKeySequence.StandardKey.Save,
                ActionId.SHORTCUTS: QKeySequence.StandardKey.HelpContents}[action_id]  # fmt: skip
    platform = {k.toString(Portable) for k in QKeySequence.keyBindings(standard)}
    assert platform <= {k.toString(Portable) for k in default_keys()[action_id]}
    assert shortcuts.text(default_keys()[action_id])


def test_a_users_key_that_is_another_actions_default_goes_to_the_users_choice(qtbot, home):
    # e.g. a later version makes Ctrl+D a default while a designer had given it to Add Text
    config.update(shortcuts={"add_text": "Ctrl+D"})
    window = active(qtbot)
    assert keys(window.actions[ActionId.ADD_TEXT]) == ["Ctrl+D"]
    assert keys(window.actions[ActionId.DUPLICATE]) == []  # not bound twice: Qt would run neither
    qtbot.keyClick(window.canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert [e.id for e in window.doc.comp.elements] == ["box", "text"]
