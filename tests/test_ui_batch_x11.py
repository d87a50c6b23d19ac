"""Batch Render's key on the real X11 window (Xvfb, xcb, xdotool), beside every other key."""

from __future__ import annotations

import json

import pytest

import xkit
from test_ui_batch import write_template
from xkit import Editor

x_display = xkit.x_display
pytestmark = pytest.mark.render  # the editor probes the template's pictures (FFmpeg)


def test_ctrl_shift_r_opens_batch_render_on_the_real_window(x_display, tmp_path):
    path = write_template(tmp_path)
    assert json.loads(path.read_text())["variables"]
    editor = Editor(x_display, tmp_path / "home", str(path))
    try:
        wid = editor.window("promo.json — Vidgen")
        editor.focus(wid)
        editor.key("ctrl+shift+r")
        dialog = editor.window("Batch Render")
        editor.focus(dialog)
        editor.key("Escape")
        xkit.wait_for("the dialog to close", lambda: not editor.xdotool(
            "search", "--onlyvisible", "--name", "^Batch Render$").strip())  # fmt: skip
        editor.focus(wid)
        editor.key("ctrl+r")  # Render… still answers its own key
        editor.window("Render")
        assert "Ambiguous shortcut" not in editor.log.read_text()
    finally:
        editor.stop()
