"""Motion on a real X11 window (Xvfb, xcb, xdotool): the rotate handle with Shift held,
and K (add keyframe), as a designer's mouse and keyboard drive them."""

from __future__ import annotations

import io
import math
import subprocess

import numpy as np
from PIL import Image

import xkit
from uikit import box_comp
from vidgen_desktop.composition import project
from vidgen_desktop.ui.editor.qt_canvas import ROTATE_DISTANCE
from xkit import Editor

x_display = xkit.x_display


def red_box(editor: Editor) -> tuple[int, int, int, int] | None:
    """The red box's bounds on the screen (left, top, right, bottom), once the preview shows it."""
    shot = subprocess.run(
        ["import", "-window", "root", "png:-"], env=editor.env, capture_output=True, timeout=30
    )
    if shot.returncode != 0:
        return None
    pixels = np.asarray(Image.open(io.BytesIO(shot.stdout)).convert("RGB")).astype(int)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    if red.sum() < 400:
        return None
    ys, xs = np.nonzero(red)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_rotate_handle_with_shift_and_the_keyframe_key_on_the_real_window(x_display, tmp_path):
    project.save(box_comp(), tmp_path / "shot.json")
    editor = Editor(x_display, tmp_path / "home", str(tmp_path / "shot.json"))
    try:
        wid = editor.window("shot.json — Vidgen")
        editor.focus(wid)
        left, top, right, bottom = xkit.wait_for(
            "the red box on the canvas", lambda: red_box(editor)
        )
        cx, cy = (left + right) // 2, (top + bottom) // 2
        editor.xdotool("mousemove", "--sync", str(cx), str(cy), "click", "1")  # select it
        handle_y = top - ROTATE_DISTANCE
        radius = cy - handle_y
        editor.xdotool("mousemove", "--sync", str(cx), str(handle_y))
        editor.xdotool("mousedown", "1")
        editor.xdotool("keydown", "shift")
        for degrees in (10, 20, 30, 37):  # ends 37° clockwise: Shift makes it 30°
            a = math.radians(degrees)
            x, y = cx + radius * math.sin(a), cy - radius * math.cos(a)
            editor.xdotool("mousemove", "--sync", str(round(x)), str(round(y)))
        editor.xdotool("mouseup", "1")
        editor.xdotool("keyup", "shift")
        editor.wait_title(wid, "shot.json* — Vidgen")
        editor.key("k")  # Add Keyframe: the position, at the playhead
        editor.key("ctrl+s")
        editor.wait_title(wid, "shot.json — Vidgen")
        saved = project.load(tmp_path / "shot.json")
        box = saved.element("box")
        assert box.rotation == 30
        assert sorted(box.keyframes) == ["x", "y"]
        assert [str(k.value) for k in box.keyframes["x"]] == ["40%"]
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()
