"""Helpers for the editor's widget tests: an isolated home, tiny media, a real window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QPointF  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from vidgen_desktop.composition.model import Composition, Output, TextElement  # noqa: E402
from vidgen_desktop.media import samples  # noqa: E402

SETTLE_MS = 15_000


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("VIDGEN_HOME", str(folder))
    return folder


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    bad = folder / "notes.mp4"
    bad.write_text("this is not a video\n")
    return {
        "image": samples.make_test_image(folder / "red.png", width=64, height=48, pattern="color"),
        "video": samples.make_test_video(folder / "clip.mp4", width=64, height=48, duration=1.0),
        "bad": bad,
    }


def box_comp(**extra) -> Composition:
    """A 1920×1080 canvas with one text box at 40 % / 40 %, 20 % square-ish (red background)."""
    element = TextElement(
        id="box", text="", background="#ff0000", x="40%", y="40%", width="20%", height="20%"
    )
    output = Output(width=1920, height=1080, duration=4, background="#000000")
    return Composition(output=output, elements=[element], **extra)


def make_window(qtbot, comp: Composition | None = None):
    from vidgen_desktop.ui.shell.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.projects.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    if comp is not None:
        window.doc.set_composition(comp)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def settle(qtbot, window) -> None:
    from vidgen_desktop.ui.shell.app import settled

    qtbot.waitUntil(lambda: settled(window), timeout=SETTLE_MS)


def point(canvas, x: float, y: float) -> QPoint:
    """The widget point over canvas pixel (x, y)."""
    p: QPointF = canvas.to_widget(x, y)
    return QPoint(round(p.x()), round(p.y()))
