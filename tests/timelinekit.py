"""Grabs of the timeline in a light and a dark palette, to look at (``VIDGEN_SHOTS``)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QColor, QPalette

SHOTS = Path(os.environ.get("VIDGEN_SHOTS", "/tmp/vidgen-timeline-shots"))


def dark(window) -> None:
    pal, r = QPalette(), QPalette.ColorRole
    colors = {r.Window: "#232428", r.Base: "#1b1c1f", r.WindowText: "#e6e6e6",
              r.Text: "#e6e6e6", r.Mid: "#55585f", r.Highlight: "#3d7eff"}  # fmt: skip
    for role, color in colors.items():
        pal.setColor(role, QColor(color))
    window.setPalette(pal)


def shoot(window, name: str) -> None:
    """Grabs of the timeline in the light and the dark palette, to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    view = window.timeline.view
    view.grab().save(str(SHOTS / f"{name}-light.png"))
    dark(window)
    view.repaint()
    view.grab().save(str(SHOTS / f"{name}-dark.png"))
    window.setPalette(QPalette())
