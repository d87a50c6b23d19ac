"""Render the application icon's PNG sizes from its SVG (run after changing the SVG).

    python packaging/make_icons.py

Writes ``icons/<size>/org.vidgen.Desktop.png`` beside the SVG in the package's
``resources/desktop/``, with Qt's own SVG renderer (PySide6 is a dependency
already), offscreen. The PNGs are committed: installing never needs this.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = Path(__file__).resolve().parents[1] / "src/vidgen_desktop/resources/desktop/icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 - Qt needs one
    for stem in ("org.vidgen.Desktop", "application-x-vidgen-project"):
        renderer = QSvgRenderer(str(ICONS / f"{stem}.svg"))
        for size in SIZES:
            image = QImage(size, size, QImage.Format.Format_ARGB32)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter)
            painter.end()
            target = ICONS / f"{size}x{size}" / f"{stem}.png"
            target.parent.mkdir(exist_ok=True)
            if not image.save(str(target)):
                print(f"make_icons: could not write {target}", file=sys.stderr)
                return 1
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
