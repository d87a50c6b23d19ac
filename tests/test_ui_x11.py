"""The editor's keys on a real X11 window (Xvfb, xcb, xdotool): Linux's own bindings apply."""

from __future__ import annotations

import os
import signal
import time

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


def test_window_comes_back_where_it_was_after_kill_9(x_display, tmp_path):
    project.save(box_comp(), tmp_path / "shot.json")
    home = tmp_path / "home"
    ini = home / "data" / "editor.ini"
    editor = Editor(x_display, home, str(tmp_path / "shot.json"))
    try:
        wid = editor.window("shot.json — Vidgen")
        saved = lambda: ini.exists() and "geometry" in ini.read_text()  # noqa: E731
        xkit.wait_for("the first layout save", saved)
        before = ini.read_text()
        editor.xdotool("windowsize", "--sync", wid, "1320", "900")
        editor.xdotool("windowmove", "--sync", wid, "230", "70")
        xkit.wait_for("the moved window's save", lambda: ini.read_text() != before)
        time.sleep(1.5)  # past the save delay: the last of the move's events is written too
        os.kill(editor.process.pid, signal.SIGKILL)  # a crash: no closeEvent, no clean exit
        editor.process.wait(10)
    finally:
        editor.stop()
    again = Editor(x_display, home, str(tmp_path / "shot.json"))
    try:
        wid = again.window("shot.json — Vidgen")
        shape = again.xdotool("getwindowgeometry", wid)
        assert "Position: 230,70" in shape and "Geometry: 1320x900" in shape, shape
    finally:
        again.stop()
