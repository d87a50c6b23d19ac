"""The look's keys on a real X11 window (Xvfb, xcb, xdotool): ``?`` and an edited shortcut.

Offscreen, Qt matches a typed "?" however it was made; on X11 it comes as Shift+slash
and the xkb keymap decides, so the sheet's key and a user's own binding are tried here.
"""

from __future__ import annotations

import json
import time

import xkit
from uikit import box_comp
from vidgen_desktop.composition import project
from xkit import Editor

x_display = xkit.x_display


def test_question_mark_opens_the_sheet_and_an_edited_shortcut_answers(x_display, tmp_path):
    project.save(box_comp(), tmp_path / "shot.json")
    home = tmp_path / "home"
    settings = home / "data" / "settings.json"
    settings.parent.mkdir(parents=True)
    # what Settings → Shortcuts writes when Add Text is given Ctrl+Alt+E
    settings.write_text(json.dumps({"shortcuts": {"add_text": "Ctrl+Alt+E"}}))
    editor = Editor(x_display, home, str(tmp_path / "shot.json"))
    try:
        wid = editor.window("shot.json — Vidgen")
        editor.focus(wid)
        editor.key("question")  # Shift+slash on the US keymap
        sheet = editor.window("Keyboard Shortcuts")
        editor.focus(sheet)
        editor.key("Escape")
        xkit.wait_for("the sheet to close", lambda: editor.title(sheet) != "Keyboard Shortcuts")
        editor.focus(wid)
        editor.key("t")  # Add Text's old key: nothing now
        time.sleep(1.0)
        assert editor.title(wid) == "shot.json — Vidgen"
        editor.key("ctrl+alt+e")
        editor.wait_title(wid, "shot.json* — Vidgen")
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()


# The real editor (app.run, as `vidgen gui` starts it) that opens Settings → Shortcuts and
# puts the focus in Add Text's key field; X11 key events do the rest. Pressing OK is the one
# thing done from inside (xdotool cannot find a button): as soon as the field has its keys.
EDIT_A_SHORTCUT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from vidgen_desktop.ui.shell import app
from vidgen_desktop.ui.shell.actions import ActionId

qapp = QApplication(sys.argv[:1])

def open_page():
    windows = [w for w in qapp.topLevelWidgets() if w.objectName() == "MainWindow"]
    if not windows or not windows[0].isActiveWindow():
        QTimer.singleShot(100, open_page)
        return
    dialog = windows[0].renders.open_settings("shortcuts")
    edit = dialog.shortcuts_page.edits[ActionId.ADD_TEXT]

    def recorded():  # once, then OK as a click would: after the key event is done
        edit.editingFinished.disconnect(recorded)
        print("recorded", edit.keySequence().toString(), flush=True)
        QTimer.singleShot(0, dialog.accept)

    edit.editingFinished.connect(recorded)
    edit.setFocus()
    print("ready", flush=True)

QTimer.singleShot(0, open_page)
app.run(sys.argv[1])
"""


def _text(path):
    return path.read_text() if path.exists() else ""


def test_a_shortcut_recorded_in_settings_on_x11_answers_at_once(x_display, tmp_path):
    project.save(box_comp(), tmp_path / "shot.json")
    home = tmp_path / "home"
    editor = Editor(x_display, home, str(tmp_path / "shot.json"), script=EDIT_A_SHORTCUT)
    try:
        wid = editor.window("shot.json — Vidgen")
        editor.focus(wid)
        settings = editor.window("Settings")
        xkit.wait_for("the key field", lambda: "ready" in editor.log.read_text())
        editor.focus(settings)
        editor.key("ctrl+alt+e")  # recorded by the real QKeySequenceEdit on xcb
        xkit.wait_for("the recording", lambda: "recorded" in editor.log.read_text())
        assert "recorded Ctrl+Alt+E" in editor.log.read_text()
        settings_file = home / "data" / "settings.json"
        # "recorded" is printed before the dialog's OK (the next event) saves the settings
        xkit.wait_for("the settings saved", lambda: "shortcuts" in _text(settings_file))
        saved = json.loads(settings_file.read_text())
        assert saved["shortcuts"] == {"add_text": "Ctrl+Alt+E"}
        editor.focus(wid)
        editor.key("ctrl+alt+e")  # the window answers the new key at once
        editor.wait_title(wid, "shot.json* — Vidgen")
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()
