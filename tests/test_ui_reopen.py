"""The job history's Open as Project: a rendered job's project back in the editor, its moved
media found by content, its deleted media named in the message bar."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import jobkit
import uikit
from mediakit import solid, write_png
from uikit import make_window

from PySide6.QtWidgets import QApplication  # isort: skip

from vidgen_desktop import cli
from vidgen_desktop.composition.model import Composition

pytestmark = pytest.mark.render  # the job is rendered for real first
home = uikit.home
WAIT_MS = 30_000


def test_open_as_project_rebuilds_the_job_in_the_editor(qtbot, home, tmp_path, capsys):
    media = tmp_path / "media"
    media.mkdir()
    clip = jobkit.clip(media, 1.0, (96, 72))
    logo = write_png(media / "logo.png", solid(40, 30, (250, 40, 90, 255)))
    comp = Composition.from_data({
        "name": "Launch",
        "output": {"width": 160, "height": 90, "fps": 15, "duration": 1, "quality": "draft"},
        "elements": [
            {"type": "video", "id": "clip", "source": str(clip), "fit": "cover"},
            {"type": "image", "id": "logo", "source": str(logo), "width": "25%", "height": "30%"},
        ],
    })  # fmt: skip
    path = jobkit.save(comp, tmp_path / "launch.json")
    assert cli.main(["submit", str(path), "-o", str(tmp_path / "launch.mp4"), "--json"]) == 0
    json.loads(capsys.readouterr().out)
    (media / "archive").mkdir()
    moved = shutil.move(clip, media / "archive" / "take-2.mp4")
    logo.unlink()

    window = make_window(qtbot)
    panel = window.renders.history
    qtbot.waitUntil(lambda: panel.model.total == 1 and not panel.model.loading, timeout=WAIT_MS)
    details = panel.details
    assert not details.open_button.isEnabled()  # nothing selected yet
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: "Launch" in details.summary.text(), timeout=WAIT_MS)
    assert details.open_button.isEnabled()
    assert "Made with Vidgen" in details.summary.text()
    with qtbot.waitSignal(window.renders.reopener.opened, timeout=WAIT_MS) as opened:
        details.open_button.click()
    rebuilt = opened.args[0]
    doc = window.doc
    assert doc.path is None and doc.comp.name == "Launch"  # a new project, not the old file
    assert [e.source for e in doc.comp.elements] == [str(moved), str(logo)]
    assert rebuilt.moved == {"clip": (str(clip), str(moved))}
    assert f"element 'logo': {logo} is gone" in window.messages.text
    assert "found in new places" in window.statusBar().currentMessage()
    shots = os.environ.get("VIDGEN_SHOTS")  # a folder: the panel in dark and light, to look at
    if shots:
        window.renders.history_dock.raise_()
        for name, palette in (("dark", _dark()), ("light", QApplication.style().standardPalette())):
            QApplication.setPalette(palette)
            qtbot.wait(50)
            window.grab().save(str(Path(shots) / f"reopen-{name}.png"))


def _dark():
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for which, color in ((role.Window, "#2b2b2b"), (role.Base, "#1e1e1e"),
                         (role.WindowText, "#eeeeee"), (role.Text, "#eeeeee"),
                         (role.Button, "#3a3a3a"), (role.ButtonText, "#eeeeee")):  # fmt: skip
        palette.setColor(which, QColor(color))
    return palette
