"""Icons for the actions: the Material Design Icons font (``mdi6``), in the palette's ink.

Why a font rather than bundled SVGs: one maintained set of ~7,000 glyphs (a
new action finds its icon by name, no drawing), and a glyph is drawn at
whatever device pixels Qt asks for, so it is crisp at 2× (and 1.5×) with no
per-size files. The icons take the palette's text colour, so they are re-made
when the palette changes (``MainWindow`` calls ``apply`` on
``ApplicationPaletteChange``).

The font and its charmap are QtAwesome's (the package ships and updates them);
the glyphs are drawn here as QtAwesome draws them (a centred character, 7/8 of
the icon's height), without importing it: its import (QtPy's ``import *`` of
three Qt modules) cost ~100 ms of the editor's start for some 60 icons.

``ICONS`` maps an action id's value to a glyph; actions added to the registry
later get one here too (the test fails for a toolbar or transport action
without one).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontDatabase,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)

ICONS: dict[str, str] = {
    "start_page": "mdi6.home-outline",
    "new": "mdi6.file-plus-outline",
    "open": "mdi6.folder-open-outline",
    "save": "mdi6.content-save-outline",
    "save_as": "mdi6.content-save-edit-outline",
    "import": "mdi6.movie-open-plus-outline",
    "quit": "mdi6.exit-to-app",
    "undo": "mdi6.undo",
    "redo": "mdi6.redo",
    "delete": "mdi6.delete-outline",
    "duplicate": "mdi6.content-duplicate",
    "select_all": "mdi6.select-all",
    "add_text": "mdi6.format-text",
    "zoom_in": "mdi6.magnify-plus-outline",
    "zoom_out": "mdi6.magnify-minus-outline",
    "zoom_fit": "mdi6.fit-to-screen-outline",
    "zoom_100": "mdi6.numeric-1-box-outline",
    "safe_area": "mdi6.television-guide",
    "snapping": "mdi6.magnet",
    "play": "mdi6.play",
    "next_frame": "mdi6.step-forward",
    "prev_frame": "mdi6.step-backward",
    "go_start": "mdi6.skip-previous",
    "go_end": "mdi6.skip-next",
    "render": "mdi6.export-variant",
    "batch_render": "mdi6.table-arrow-right",
    "settings": "mdi6.cog-outline",
    "add_keyframe": "mdi6.key-plus",
    "delete_keyframe": "mdi6.key-remove",
    "prev_keyframe": "mdi6.chevron-left",
    "next_keyframe": "mdi6.chevron-right",
    "shortcuts": "mdi6.keyboard-outline",
    # the timeline's actions (issue 12), when the registry has them
    "split": "mdi6.content-cut",
    "add_marker": "mdi6.bookmark-outline",
    "marker": "mdi6.bookmark-outline",
    "timeline_zoom_in": "mdi6.magnify-plus-outline",
    "timeline_zoom_out": "mdi6.magnify-minus-outline",
    "timeline_zoom_fit": "mdi6.arrow-expand-horizontal",
    "ripple_delete": "mdi6.delete-sweep-outline",
    "mute": "mdi6.volume-off",
    # arranging on the canvas
    "cut": "mdi6.content-cut",
    "copy": "mdi6.content-copy",
    "paste": "mdi6.content-paste",
    "align_left": "mdi6.align-horizontal-left",
    "align_centre": "mdi6.align-horizontal-center",
    "align_right": "mdi6.align-horizontal-right",
    "align_top": "mdi6.align-vertical-top",
    "align_middle": "mdi6.align-vertical-center",
    "align_bottom": "mdi6.align-vertical-bottom",
    "align_to_canvas": "mdi6.crop-free",
    "distribute_h": "mdi6.distribute-horizontal-center",
    "distribute_v": "mdi6.distribute-vertical-center",
    "bring_forward": "mdi6.arrange-bring-forward",
    "send_backward": "mdi6.arrange-send-backward",
    "bring_to_front": "mdi6.arrange-bring-to-front",
    "send_to_back": "mdi6.arrange-send-to-back",
    "group": "mdi6.group",
    "ungroup": "mdi6.ungroup",
}
PRIMARY_INK = "#ffffff"  # on the accent colour of the primary action
GLYPH_HEIGHT = 0.875  # of the icon's height, as QtAwesome draws them (room for the bearings)
_font: list[tuple[str, dict[str, str]]] = []  # (family, glyph name -> character), once loaded


def _fonts_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # the desktop bundle: its data, not a package
    if frozen and (Path(frozen) / "qtawesome" / "fonts").is_dir():
        return Path(frozen) / "qtawesome" / "fonts"  # packaging/build_bundle.py collects it
    spec = importlib.util.find_spec("qtawesome")  # finds the package, does not import it
    if spec is None or spec.origin is None:
        raise RuntimeError("QtAwesome is not installed: pip install QtAwesome")
    return Path(spec.origin).parent / "fonts"


def _glyphs() -> tuple[str, dict[str, str]]:
    """The Material Design font's family and its charmap (loaded on the first icon)."""
    if not _font:
        folder = _fonts_dir()
        ttf = max(folder.glob("materialdesignicons6-webfont-*.ttf"))
        charmap = max(folder.glob("materialdesignicons6-webfont-charmap-*.json"))
        font_id = QFontDatabase.addApplicationFont(str(ttf))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not families:
            raise RuntimeError(f"{ttf.name}: Qt cannot load this icon font")
        codes = json.loads(charmap.read_text(encoding="utf-8"))
        _font.append((families[0], {name: chr(int(code, 16)) for name, code in codes.items()}))
    return _font[0]


class _GlyphEngine(QIconEngine):
    """One glyph in one colour (another for the disabled look), drawn at the size asked."""

    def __init__(self, char: str, ink: QColor, disabled: QColor) -> None:
        super().__init__()
        self.char, self.ink, self.disabled = char, ink, disabled

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setPen(self.disabled if mode == QIcon.Mode.Disabled else self.ink)
        font = QFont(_glyphs()[0])
        font.setPixelSize(max(1, round(GLYPH_HEIGHT * rect.height())))
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self.char)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        try:
            self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        finally:
            painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _GlyphEngine(self.char, self.ink, self.disabled)


def icon(name: str, palette: QPalette, *, ink: str | None = None) -> QIcon:
    """The glyph ``name`` ("mdi6.…") in the palette's text colour (dimmed when disabled)."""
    text = QColor(ink) if ink else palette.color(QPalette.ColorRole.ButtonText)
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    char = _glyphs()[1].get(name.removeprefix("mdi6."))
    if char is None:
        raise KeyError(f"no icon named {name!r} in the Material Design Icons font")
    return QIcon(_GlyphEngine(char, QColor(text), QColor(disabled)))


def apply(actions: dict, palette: QPalette) -> None:
    """Give every action with a glyph in ``ICONS`` its icon, in the palette's ink."""
    for action_id, action in actions.items():
        name = ICONS.get(getattr(action_id, "value", action_id))
        if name is not None:
            action.setIcon(icon(name, palette))


def set_playing(action: QAction, playing: bool, palette: QPalette) -> None:
    """The Play action shows Pause while playing."""
    action.setIcon(icon("mdi6.pause" if playing else ICONS["play"], palette))
