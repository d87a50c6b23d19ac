"""Colour fields: a swatch that opens a colour dialog, and an eyedropper on the canvas.

The field stays a line edit (``#rrggbb``, ``#rrggbbaa`` or a name can still
be typed); a swatch at its left shows the colour and opens a ``QColorDialog``
with alpha whose custom colours are the colours picked lately, then the
document's own colours. The eyedropper at its right picks a pixel of the
canvas's preview picture (what the render shows, not the outlines over it).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeyEvent, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import QColorDialog, QLineEdit, QWidget

from vidgen_desktop.composition.colors import parse_color

RECENT: list[str] = []  # this session's picked colours, newest first
RECENT_KEPT = 8
SLOTS = 16  # QColorDialog's custom colours


def to_text(color: QColor) -> str:
    """``#rrggbb``, or ``#rrggbbaa`` when the colour is not opaque (the model's forms)."""
    text = color.name(QColor.NameFormat.HexRgb)
    return text if color.alpha() == 255 else f"{text}{color.alpha():02x}"


def to_color(text: str) -> QColor | None:
    try:
        r, g, b, a = parse_color(text.strip())
    except ValueError:
        return None
    return QColor(r, g, b, a)


def remember(text: str) -> None:
    text = text.lower()
    if text in RECENT:
        RECENT.remove(text)
    RECENT.insert(0, text)
    del RECENT[RECENT_KEPT:]


def document_colors(comp) -> list[str]:
    """Every colour the composition uses (output background, texts, text backgrounds)."""
    found = [comp.output.background]
    for element in comp.elements:
        found += [getattr(element, f, None) for f in ("color", "background")]
    return list(dict.fromkeys(c.lower() for c in found if c))


def swatch(color: QColor | None, size: int = 16) -> QIcon:
    """A square of ``color`` over a checkerboard (so alpha shows), or a crossed box for none."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    half = size // 2
    for x in (0, half):
        for y in (0, half):
            p.fillRect(x, y, half, half, QColor("#cccccc") if (x == y) else QColor("#ffffff"))
    if color is not None:
        p.fillRect(0, 0, size, size, color)
    else:
        p.setPen(QColor("#e5484d"))
        p.drawLine(0, size - 1, size - 1, 0)
    p.setPen(QColor("#808080"))
    p.drawRect(0, 0, size - 1, size - 1)
    p.end()
    return QIcon(pixmap)


def eyedropper_icon(size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QColor("#9aa0a6"))
    p.drawLine(2, size - 2, size - 5, 5)  # the stem
    p.setBrush(QColor("#9aa0a6"))
    p.drawEllipse(size - 7, 1, 6, 6)  # the bulb
    p.end()
    return QIcon(pixmap)


class ColorField(QObject):
    """The swatch and eyedropper of one colour line edit; ``commit(text)`` sends a colour."""

    def __init__(self, edit: QLineEdit, commit: Callable[[str], object], doc, canvas=None):
        super().__init__(edit)
        self.edit, self.commit, self.doc, self.canvas = edit, commit, doc, canvas
        self.dialog: QColorDialog | None = None
        self.swatch = QAction(swatch(None), "Choose a colour…", edit)
        self.swatch.setObjectName("color_swatch")
        self.swatch.triggered.connect(self.open_dialog)
        edit.addAction(self.swatch, QLineEdit.ActionPosition.LeadingPosition)
        self.dropper = None
        if canvas is not None:
            self.dropper = QAction(eyedropper_icon(), "Pick a colour from the canvas", edit)
            self.dropper.setObjectName("color_eyedropper")
            self.dropper.triggered.connect(self.pick_from_canvas)
            edit.addAction(self.dropper, QLineEdit.ActionPosition.TrailingPosition)
        self._shown: str | None = None
        edit.textChanged.connect(self.show_swatch)
        edit.installEventFilter(self)  # the inspector sets values with signals blocked
        self.show_swatch(edit.text())

    def show_swatch(self, text: str) -> None:
        if text != self._shown:
            self._shown = text
            self.swatch.setIcon(swatch(to_color(text) if text.strip() else None))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.show_swatch(self.edit.text())
        return False

    def open_dialog(self) -> QColorDialog:
        colors = [*RECENT, *(c for c in document_colors(self.doc.comp) if c not in RECENT)]
        for slot in range(SLOTS):
            color = to_color(colors[slot]) if slot < len(colors) else None
            QColorDialog.setCustomColor(slot, color or QColor(255, 255, 255))
        dialog = QColorDialog(to_color(self.edit.text()) or QColor("#ffffff"), self.edit.window())
        dialog.setObjectName("color_dialog")
        dialog.setOption(QColorDialog.ColorDialogOption.ShowAlphaChannel)
        dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        dialog.setWindowTitle("Colour")
        dialog.colorSelected.connect(self.chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()
        return dialog

    def chosen(self, color: QColor) -> None:
        text = to_text(color)
        remember(text)
        self.edit.setText(text)
        self.commit(text)

    def pick_from_canvas(self) -> Eyedropper | None:
        if self.canvas is None or not self.edit.isEnabled():
            return None
        return Eyedropper(self.canvas, self.chosen)


class Eyedropper(QObject):
    """Until the next click on ``canvas``: that click picks the preview's pixel (Esc: none)."""

    def __init__(self, canvas: QWidget, picked: Callable[[QColor], object]) -> None:
        super().__init__(canvas)
        self.canvas, self.picked = canvas, picked
        canvas.installEventFilter(self)
        canvas.setCursor(Qt.CursorShape.CrossCursor)
        canvas.setFocus()

    def color_at(self, pos: QPointF) -> QColor | None:
        image = self.canvas.image
        frame = self.canvas.canvas_rect()
        if image is None or not frame.contains(pos):
            return None
        x = int((pos.x() - frame.x()) / frame.width() * image.width())
        y = int((pos.y() - frame.y()) / frame.height() * image.height())
        x, y = min(max(0, x), image.width() - 1), min(max(0, y), image.height() - 1)
        return image.pixelColor(x, y)

    def done(self) -> None:
        self.canvas.removeEventFilter(self)
        self.canvas.setCursor(Qt.CursorShape.ArrowCursor)
        self.deleteLater()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            color = self.color_at(event.position())
            self.done()
            if color is not None and event.button() == Qt.MouseButton.LeftButton:
                self.picked(color)
            return True  # the click picks; it does not select or move anything
        if event.type() in (QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove):
            return True
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape:
                self.done()
                return True
        return False
