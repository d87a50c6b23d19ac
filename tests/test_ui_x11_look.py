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
