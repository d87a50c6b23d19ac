"""Secondary text (the render dialog's explanation, the settings' hints) reads in any palette.

Drawn in ``palette(mid)`` it was pale grey on Fusion's light window (1.7:1) and
near-black on a dark one; seen on the real window under Xvfb (issue 9, item 17's
"first render on this machine: calibrating" explanation).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import uikit
from uikit import make_window

from PySide6.QtGui import QColor, QPalette  # isort: skip
from PySide6.QtWidgets import QLabel

from vidgen_desktop.composition.model import Composition, Output, TextElement
from vidgen_desktop.ui.shell.actions import ActionId

home = uikit.home
SHOTS = Path(os.environ.get("VIDGEN_SHOTS", "/tmp/vidgen-shots"))  # what the tests grab, to look at


def dark_palette() -> QPalette:
    """A dark palette as a desktop's dark scheme makes it: bevel shades derived from the button."""
    palette = QPalette(QColor("#353535"), QColor("#2b2b2b"))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):  # fmt: skip
        palette.setColor(role, QColor("#e6e6e6"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    return palette


@pytest.fixture(params=["light", "dark"])
def palette(request, qapp):
    before = qapp.palette()
    qapp.setPalette(dark_palette() if request.param == "dark" else qapp.style().standardPalette())
    yield request.param
    qapp.setPalette(before)


def _luminance(rgb) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(float(v)) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_contrast(label: QLabel) -> float:
    """WCAG contrast between a label's background (its commonest colour) and its farthest ink."""
    image = label.grab().toImage()
    image = image.convertToFormat(image.Format.Format_RGB888)
    shown = (
        np.frombuffer(image.constBits(), np.uint8)
        .reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3]
        .reshape(-1, 3)
    )
    colors, counts = np.unique(shown, axis=0, return_counts=True)
    back = _luminance(colors[counts.argmax()])
    ink = max((_luminance(c) for c in colors), key=lambda lum: abs(lum - back))
    light, dark = max(back, ink), min(back, ink)
    return (light + 0.05) / (dark + 0.05)


def tiny_comp() -> Composition:
    text = TextElement(id="title", text="Hi", x="10%", y="10%", width="80%", height="50%")
    return Composition(name="tiny", output=Output(width=160, height=120, fps=15, duration=0.6),
                       elements=[text])  # fmt: skip


def test_the_calibrating_explanation_reads_in_light_and_dark(qtbot, home, palette):
    window = make_window(qtbot, tiny_comp())
    window.actions[ActionId.RENDER].trigger()
    dialog = window.renders.dialog
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=90_000)
    assert dialog.reason_label.text().startswith("This machine's speed is learnt")
    qtbot.wait(300)
    assert text_contrast(dialog.reason_label) >= 4.5  # WCAG AA for body text
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(SHOTS / f"render_dialog_calibrating_{palette}.png"))
    dialog.close()


def test_the_settings_hint_reads_in_light_and_dark(qtbot, home, palette):
    window = make_window(qtbot, tiny_comp())
    window.actions[ActionId.SETTINGS].trigger()
    dialog = window.renders.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    hint = next(label for label in dialog.findChildren(QLabel)
                if label.text().startswith("Renders estimated"))  # fmt: skip
    assert text_contrast(hint) >= 4.5
    dialog.grab().save(str(SHOTS / f"settings_{palette}.png"))
    dialog.close()
