"""Canvas tools on a real X11 window (Xvfb, xcb, xdotool): Ctrl+C/V, Ctrl+[ and Ctrl+],
Ctrl+Shift+[, a marquee, and a Shift-resize, as a designer's keyboard and mouse drive them."""

from __future__ import annotations

import xkit
from test_ui_canvas_tools import three_boxes
from test_ui_x11_motion import red_box
from vidgen_desktop.composition import project
from xkit import Editor

x_display = xkit.x_display


def test_copy_paste_order_marquee_and_shift_resize_on_the_real_window(x_display, tmp_path):
    project.save(three_boxes(), tmp_path / "tools.json")
    editor = Editor(x_display, tmp_path / "home", str(tmp_path / "tools.json"))
    try:
        wid = editor.window("tools.json — Vidgen")
        editor.focus(wid)
        left, top, right, _ = xkit.wait_for("the red box on the canvas", lambda: red_box(editor))
        scale = (right - left) / 100  # box a: 100 canvas px wide at (100, 50)
        ox, oy = left - 100 * scale, top - 50 * scale

        def at(x: float, y: float) -> list[str]:
            return [str(round(ox + x * scale)), str(round(oy + y * scale))]

        def move(x: float, y: float) -> None:
            editor.xdotool("mousemove", "--sync", *at(x, y))

        move(150, 100)
        editor.xdotool("click", "1")  # select a
        editor.key("ctrl+c")
        editor.key("ctrl+v")  # a-2, on top, selected
        editor.wait_title(wid, "tools.json* — Vidgen")
        editor.key("ctrl+bracketleft")
        editor.key("ctrl+bracketleft")  # a, a-2, b, c
        editor.key("ctrl+bracketright")  # a, b, a-2, c
        move(20, 300)  # a marquee from empty canvas over b only
        editor.xdotool("mousedown", "1")
        for x, y in ((150, 310), (300, 320), (320, 330)):
            move(x, y)
        editor.xdotool("mouseup", "1")
        move(400, 300)  # b's bottom-right handle; Shift keeps b square
        editor.xdotool("mousedown", "1")
        editor.xdotool("keydown", "shift")
        for x, y in ((420, 305), (440, 310), (460, 320)):
            move(x, y)
        editor.xdotool("mouseup", "1")
        editor.xdotool("keyup", "shift")
        move(150, 100)
        editor.xdotool("click", "1")  # a-2 (over a)
        editor.key("ctrl+braceleft")  # Ctrl+Shift+[ as the keyboard sends it: to the back
        editor.key("ctrl+s")
        editor.wait_title(wid, "tools.json — Vidgen")
        saved = project.load(tmp_path / "tools.json")
        assert [e.id for e in saved.stacking_order()] == ["a-2", "a", "b", "c"]
        b = saved.element("b")
        assert b.width.value == b.height.value > 100  # resized, the aspect kept
        assert (b.x.value, b.y.value) == (300, 200)  # the top-left stayed put
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()
