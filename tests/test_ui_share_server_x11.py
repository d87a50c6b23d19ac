"""Share and Revoke through the share server on the real X11 window (Xvfb, xcb, xdotool).

The editor runs as a subprocess on its own job log, with a finished render
in it, the server's address in its settings and the key in
``VIDGEN_API_KEY`` (no OS keyring on a test machine). A script inside it
only raises the Job History and prints where its widgets are on the screen;
every click and key is xdotool's, through the X server, as a designer's.
"""

from __future__ import annotations

import re
import time

import pytest

import jobkit
import xkit
from test_ui_share_server import share_server, status_of
from vidgen_desktop import config, store
from vidgen_desktop.composition import project
from vidgen_desktop.jobs.service import JobService
from xkit import Editor

x_display = xkit.x_display
pytestmark = pytest.mark.render  # the job is rendered here first (FFmpeg)
__all__ = ["share_server"]

WATCH = """
import sys
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from vidgen_desktop.ui.shell import app

qapp = QApplication(sys.argv[:1])
NAMES = {"history_share", "share_create", "history_revoke"}
said = {}


def say(key, text):
    if said.get(key) != text:
        said[key] = text
        print(key, text, flush=True)


def at(widget, point):
    p = widget.mapToGlobal(point)
    return f"{p.x()} {p.y()}"


def watch():
    windows = [w for w in qapp.topLevelWidgets() if w.objectName() == "MainWindow"]
    if windows and windows[0].isActiveWindow() and "dock" not in said:
        renders = windows[0].renders
        windows[0].resize(1560, 960)  # room for the history's details (the screen is 1600x1000)
        windows[0].resizeDocks([renders.history_dock], [620], Qt.Orientation.Vertical)
        renders.history_dock.show()
        renders.history_dock.raise_()
        renders.history.refresh()
        say("dock", "raised")
    if "dock" in said:
        history = windows[0].renders.history
        table = history.table
        if table.model().rowCount():
            rect = table.visualRect(table.model().index(0, 0))
            say("at history_row", at(table.viewport(), rect.center()))
        links = history.details.server_links
        rect = links.tree.visualItemRect(links.tree.topLevelItem(0)) if (
            links.isVisible() and links.tree.topLevelItemCount()) else None
        if rect is not None and links.tree.viewport().visibleRegion().contains(rect.center()):
            say("at server_row", at(links.tree.viewport(), rect.center()))
        say("links", links.label.text())
    for widget in qapp.allWidgets():
        name = widget.objectName()
        shown = widget.isVisible() and widget.visibleRegion().contains(widget.rect().center())
        if name in NAMES and shown and widget.isEnabled():  # not scrolled out of its panel
            say("at " + name, at(widget, widget.rect().center()))
        if name == "share_url" and widget.isVisible() and widget.text():
            say("url", widget.text())
    QTimer.singleShot(150, watch)


QTimer.singleShot(0, watch)
app.run(sys.argv[1])
"""


def said(editor: Editor, key: str) -> str | None:
    """The latest value the script printed for ``key``."""
    found = re.findall(rf"^{re.escape(key)} (.+)$", editor.log.read_text(), re.MULTILINE)
    return found[-1] if found else None


def click(editor: Editor, name: str) -> None:
    """Click ``name`` once it has stayed put for half a second (layouts settle as lists load)."""
    seen: list[str | None] = []

    def settled() -> str | None:
        seen.append(said(editor, f"at {name}"))
        time.sleep(0.5)
        return seen[-1] if seen[-1] and said(editor, f"at {name}") == seen[-1] else None

    where = xkit.wait_for(f"{name} on the screen", settled)
    editor.xdotool("mousemove", "--sync", *str(where).split())
    editor.xdotool("click", "1")


def test_share_and_revoke_with_the_mouse_and_keys_on_the_real_window(
    x_display, tmp_path, monkeypatch, share_server
):
    base, server, key = share_server
    home = tmp_path / "home"
    monkeypatch.setenv("VIDGEN_HOME", str(home))
    monkeypatch.setenv("VIDGEN_API_KEY", key)  # the secret's variable where no keyring is
    comp = jobkit.composition(jobkit.clip(tmp_path, 1.0), name="teaser", seconds=1.0)
    target = tmp_path / "teaser.mp4"
    db = store.open_local()
    try:
        job_id = JobService(db).submit(comp, output=target, threshold=30).job_id
    finally:
        db.close()
    config.update(api={**config.saved().api.model_dump(), "server_url": base})
    project.save(comp, tmp_path / "teaser.json")

    editor = Editor(x_display, home, str(tmp_path / "teaser.json"), script=WATCH)
    try:
        wid = editor.window("teaser.json — Vidgen")
        editor.focus(wid)
        click(editor, "history_row")
        xkit.wait_for("the details laid out", lambda: "none yet" in (said(editor, "links") or ""))
        click(editor, "history_share")
        dialog = editor.window("Share “teaser”")
        click(editor, "share_create")
        url = str(xkit.wait_for("the link", lambda: said(editor, "url")))
        assert url.startswith(base + "/s/")
        assert status_of(url) == (200, target.read_bytes())
        editor.focus(dialog)
        editor.key("Escape")  # closed: the details list the server's links again
        xkit.wait_for("the link listed", lambda: said(editor, "links") == (
            "Server links (1, opened 1 time)"))  # fmt: skip
        click(editor, "server_row")
        click(editor, "history_revoke")
        xkit.wait_for("the revocation", lambda: server.links.for_job(job_id)[0].revoked_at)
        assert status_of(url)[0] == 410
        assert [r.action for r in server.links.accesses(server.links.for_job(job_id)[0].id)] == [
            "opened", "refused"]  # fmt: skip
        assert key not in editor.log.read_text()
    finally:
        editor.stop()
