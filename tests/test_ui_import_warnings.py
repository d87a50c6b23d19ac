"""Importing a damaged file: it is added (its readable part is usable) and the editor says so."""

from __future__ import annotations

import os

import pytest

import uikit
from hostile_media import cut_download
from uikit import make_window, settle
from vidgen_desktop.composition.model import VideoElement

home = uikit.home

SCREENSHOTS = os.environ.get("VIDGEN_SCREENSHOTS")  # a folder: save what the designer sees


@pytest.mark.render
def test_importing_a_cut_file_adds_it_and_warns_how_much_can_be_read(qtbot, home, tmp_path):
    source = cut_download(tmp_path)
    window = make_window(qtbot)
    with qtbot.waitSignal(window.importer.finished, timeout=15_000) as blocker:
        window.importer.import_files([str(source)])
    added, messages = blocker.args
    assert len(added) == 1 and isinstance(window.doc.element(added[0]), VideoElement)
    (message,) = messages
    assert message.startswith("clip.mp4 looks damaged: only the first ")
    assert message.endswith(" of 12 s can be read")
    assert window.messages.text == message
    settle(qtbot, window)
    # the bar's colours and their contrast in both palettes: tests/test_ui_shell.py
    if SCREENSHOTS:
        window.grab().save(os.path.join(SCREENSHOTS, "import-damaged.png"))
