"""The font family field: a searchable list of the bundled and installed fonts, each
name drawn in its own font.

The bundled fonts (``resources/fonts``, what ``render.text.find_font`` falls
back to) are registered with Qt once; the installed ones are Qt's font
database, which on Linux is fontconfig, the same place the renderer's
``fc-match`` looks. Typing filters the list (any part of the name, any
case); the arrow at the field's right shows all of it. A name can still be
typed freely (a missing font is warned about under the field).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontDatabase,
    QIcon,
    QPainter,
    QPixmap,
    QPolygonF,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import QCompleter, QLineEdit

from vidgen_desktop import paths

ROLE_FAMILY = Qt.ItemDataRole.UserRole + 1


@functools.cache
def bundled() -> tuple[str, ...]:
    """The families of the fonts we ship, registered with Qt so their names can be drawn."""
    families: list[str] = []
    for file in sorted((paths.resources_dir() / "fonts").glob("*.tt[fc]")):
        font_id = QFontDatabase.addApplicationFont(str(file))
        if font_id >= 0:
            families += QFontDatabase.applicationFontFamilies(font_id)
    return tuple(dict.fromkeys(families))


def families() -> list[str]:
    """Bundled fonts first, then every installed family, each once, sorted by name."""
    ours = list(bundled())
    installed = sorted(
        (
            f
            for f in QFontDatabase.families()
            if f not in ours and not QFontDatabase.isPrivateFamily(f)
        ),
        key=str.casefold,
    )
    return [*ours, *installed]


def model(parent: QObject, size: int = 13) -> QStandardItemModel:
    out = QStandardItemModel(parent)
    ours = set(bundled())
    for family in families():
        item = QStandardItem(family)
        font = QFont(family)
        font.setPixelSize(size)
        item.setData(font, Qt.ItemDataRole.FontRole)  # the name drawn in its font
        item.setData(family, ROLE_FAMILY)
        if family in ours:
            item.setToolTip(f"{family} (bundled: renders the same everywhere)")
        out.appendRow(item)
    return out


def _arrow(color: QColor, size: int = 16) -> QIcon:
    """A small down-pointing triangle in the text colour (readable in dark and light)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPolygon(QPolygonF([QPointF(4, 6), QPointF(12, 6), QPointF(8, 11)]))
    p.end()
    return QIcon(pixmap)


class FontField(QObject):
    """The completer list and the show-all arrow of the font line edit."""

    def __init__(self, edit: QLineEdit, commit: Callable[[str], object]) -> None:
        super().__init__(edit)
        self.edit, self.commit = edit, commit
        self.completer = QCompleter(model(self), edit)
        self.completer.setObjectName("font_list")
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(14)
        self.completer.popup().setMinimumWidth(240)  # whole names, not the field's width
        self.completer.activated[str].connect(self.chosen)
        edit.setCompleter(self.completer)
        self.show_all = QAction(_arrow(edit.palette().text().color()), "All fonts", edit)
        self.show_all.setObjectName("font_show_all")
        self.show_all.triggered.connect(self.open_list)
        edit.addAction(self.show_all, QLineEdit.ActionPosition.TrailingPosition)

    def open_list(self) -> None:
        self.completer.setCompletionPrefix("")
        self.completer.complete()
        current = self.completer.completionModel()
        for row in range(current.rowCount()):
            if current.index(row, 0).data() == self.edit.text():
                self.completer.popup().setCurrentIndex(current.index(row, 0))
                break

    def chosen(self, family: str) -> None:
        self.edit.setText(family)
        self.commit(family)
