"""The editor's keys on a real X11 window (Xvfb, xcb, xdotool): Linux's own bindings apply."""

from __future__ import annotations

import xkit
from uikit import box_comp
from vidgen_desktop.composition import project
from xkit import Editor

x_display = xkit.x_display


def test_undo_redo_and_save_as_keys_on_the_real_window(x_display, tmp_path):
    project.save(box_comp(), tmp_path / "shot.json")
    editor = Editor(x_display, tmp_path / "home", str(tmp_path / "shot.json"))
    try:
        wid = editor.window("shot.json — Vidgen")
        editor.focus(wid)
        editor.key("t")  # Add Text: one edit
        editor.wait_title(wid, "shot.json* — Vidgen")
        for redo in ("ctrl+shift+z", "ctrl+y"):
            editor.key("ctrl+z")
            editor.wait_title(wid, "shot.json — Vidgen")
            editor.key(redo)
            editor.wait_title(wid, "shot.json* — Vidgen")
        editor.key("ctrl+shift+s")
        dialog = editor.window("Save project")
        editor.focus(dialog)
        target = tmp_path / "saved as.json"
        editor.key("ctrl+a")
        editor.type(str(target))
        editor.key("Return")
        editor.wait_title(wid, "saved as.json — Vidgen")
        saved = project.load(target)
        assert [e.id for e in saved.elements] == ["box", "text"]  # the redone edit was saved
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()
