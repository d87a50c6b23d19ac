"""The timeline's keys and Ctrl+wheel on a real X11 window (Xvfb, xcb, xdotool): S splits,
M adds a marker, +/− and Ctrl+wheel zoom, \\ fits; the saved file has the split and marker."""

from __future__ import annotations

import hashlib
import subprocess
import time

import xkit
from uikit import box_comp
from vidgen_desktop.composition import project
from xkit import Editor

x_display = xkit.x_display


def shot(editor: Editor, wid: str) -> str:
    """A digest of the window's pixels (ImageMagick ``import``)."""
    result = subprocess.run(["import", "-window", wid, "rgb:-"], env=editor.env,
                            capture_output=True, timeout=xkit.WAIT, check=True)  # fmt: skip
    return hashlib.sha256(result.stdout).hexdigest()


def steady(editor: Editor, wid: str) -> str:
    """The window's digest once two grabs a moment apart agree (the keys were handled)."""
    last = [shot(editor, wid)]

    def same() -> str | None:
        time.sleep(0.3)
        now = shot(editor, wid)
        same, last[0] = now == last[0], now
        return now if same else None

    return str(xkit.wait_for("the window to settle", same))


def changes(editor: Editor, wid: str, before: str) -> str:
    return str(xkit.wait_for("the window to change", lambda: (s := shot(editor, wid)) != before
                             and s))  # fmt: skip


def test_split_marker_and_zoom_keys_on_the_real_window(x_display, tmp_path):
    project.save(box_comp(), tmp_path / "cut.json")  # one 4 s box at 30 fps
    editor = Editor(x_display, tmp_path / "home", str(tmp_path / "cut.json"))
    try:
        wid = editor.window("cut.json — Vidgen")
        editor.focus(wid)
        editor.key(*["period"] * 30)  # the playhead to 1 s
        editor.key("s")
        editor.wait_title(wid, "cut.json* — Vidgen")
        editor.key("m")
        fit = steady(editor, wid)
        editor.key("plus", "plus")
        changes(editor, wid, fit)
        editor.key("minus", "minus")  # back out by as much: the same picture as before
        xkit.wait_for("zoom out to the fit", lambda: shot(editor, wid) == fit)
        size = editor.xdotool("getwindowgeometry", wid).split("Geometry: ")[1].split("x")
        width, height = int(size[0]), int(size[1])
        editor.xdotool("mousemove", "--window", wid, str(width // 2), str(height - 70))
        editor.xdotool("keydown", "ctrl", "click", "4", "click", "4", "keyup", "ctrl")
        changes(editor, wid, fit)  # zoomed about the mouse
        editor.key("backslash")  # fit
        xkit.wait_for("fit to the window", lambda: shot(editor, wid) == fit)
        editor.key("ctrl+s")
        editor.wait_title(wid, "cut.json — Vidgen")
        saved = project.load(tmp_path / "cut.json")
        first, second = saved.elements
        assert first.duration == 1.0 and second.start == 1.0
        assert [(m.time, m.name) for m in saved.markers] == [(1.0, "Marker 1")]
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()
