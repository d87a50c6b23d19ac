"""The layer panel's pictures: type badges with thumbnails, and the eye and padlock glyphs.

Drawn with QPainter (no icon font or theme needed), in the palette's colours.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPalette, QPen, QPixmap

THUMB = 40  # px
TYPE_COLORS = {"video": "#3b82f6", "image": "#10b981", "text": "#f59e0b", "audio": "#a855f7"}


def type_badge(kind: str, picture: QImage | None = None) -> QIcon:
    """A square thumbnail (or the type's colour) with the type's letter in a corner."""
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(QColor(0, 0, 0, 0))
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(TYPE_COLORS.get(kind, "#888888"))
    if picture is not None and not picture.isNull():
        x, y = (THUMB - picture.width()) / 2, (THUMB - picture.height()) / 2
        p.drawImage(QRectF(x, y, picture.width(), picture.height()), picture)
    else:
        p.setBrush(color.darker(160))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(QRectF(2, 2, THUMB - 4, THUMB - 4), 6, 6)
    p.setBrush(color)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(THUMB - 16, THUMB - 16, 16, 16), 4, 4)
    p.setPen(QColor("white"))
    font = p.font()
    font.setBold(True)
    font.setPixelSize(11)
    p.setFont(font)
    p.drawText(
        QRectF(THUMB - 16, THUMB - 16, 16, 16), Qt.AlignmentFlag.AlignCenter, kind[0].upper()
    )
    p.end()
    return QIcon(pixmap)


GLYPH = 20  # px: the eye and padlock, a comfortable click target
_QUIET = 160  # alpha of the usual state (shown, unlocked): quieter, still over 3:1


def glyph(kind: str, on: bool, palette: QPalette) -> QIcon:
    """The eye (``on``: shown; off: struck through) or padlock (``on``: locked, shackle closed;
    off: open), in the palette's text colour (so it reads on dark and light), and in its
    highlighted-text colour on a selected row."""
    icon = QIcon(_glyph(kind, on, palette.text().color()))
    # on the selection colour every state is drawn in full: the shape tells them apart
    selected = _glyph(kind, on, palette.highlightedText().color(), quiet=False)
    icon.addPixmap(selected, QIcon.Mode.Selected)
    return icon


def _glyph(kind: str, on: bool, color: QColor, quiet: bool = True) -> QPixmap:
    pixmap = QPixmap(GLYPH, GLYPH)
    pixmap.fill(QColor(0, 0, 0, 0))
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(GLYPH / 16, GLYPH / 16)
    ink = QColor(color)
    if quiet and (kind == "eye") == on:  # shown, or unlocked: the usual state, drawn quieter
        ink.setAlpha(_QUIET)
    pen = QPen(ink, 1.4)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    if kind == "eye":
        path = QPainterPath(QPointF(1.5, 8))
        path.quadTo(8, 1, 14.5, 8)
        path.quadTo(8, 15, 1.5, 8)
        p.drawPath(path)
        p.setBrush(ink)
        p.drawEllipse(QPointF(8, 8), 2.2, 2.2)
        if not on:  # hidden: a stroke across, with a gap cut around it so it reads at 16 px
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            p.setPen(QPen(QColor(0, 0, 0), 3.4))
            p.drawLine(QPointF(2.5, 14), QPointF(13.5, 2))
            p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
            p.setPen(pen)
            p.drawLine(QPointF(2.5, 14), QPointF(13.5, 2))
    else:
        p.setBrush(Qt.BrushStyle.NoBrush)
        if on:  # closed: the shackle comes down into the body
            p.drawArc(QRectF(4.5, 1.5, 7, 8), 0, 180 * 16)
        else:  # open: the shackle is lifted and swung out to the right
            p.drawArc(QRectF(7.5, 0.5, 7, 7), 0, 180 * 16)
            p.drawLine(QPointF(14.5, 4), QPointF(14.5, 7))
        p.setBrush(ink)
        p.drawRoundedRect(QRectF(3, 7, 10, 7.5), 1.5, 1.5)
    p.end()
    return pixmap
