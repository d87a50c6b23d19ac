"""The layer panel's pictures: type badges with thumbnails, and the eye and padlock glyphs.

Drawn with QPainter (no icon font or theme needed), in the palette's colours,
once per look: the Layers panel re-fills its rows on every probe result and
edit (seven times while the example opens), and each row took five pictures.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)

THUMB = 40  # px
TYPE_COLORS = {"video": "#3b82f6", "image": "#10b981", "text": "#f59e0b", "audio": "#a855f7"}
CACHED = 256  # icons kept (a badge is 6 kB): past that the cache starts again
_icons: dict[tuple, QIcon] = {}


def _cached(key: tuple, draw) -> QIcon:
    icon = _icons.get(key)
    if icon is None:
        if len(_icons) >= CACHED:
            _icons.clear()
        icon = _icons[key] = draw()
    return icon


def _color_key(color: QColor) -> tuple[float, ...]:
    return color.redF(), color.greenF(), color.blueF(), color.alphaF()


def type_badge(kind: str, picture: QImage | None = None) -> QIcon:
    """A square thumbnail (or the type's colour) with the type's letter in a corner."""
    if picture is not None and picture.isNull():
        picture = None
    shown = None if picture is None else picture.cacheKey()
    key = ("badge", kind, shown, QGuiApplication.font().key())  # the letter's font
    return _cached(key, lambda: _badge(kind, picture))


def _badge(kind: str, picture: QImage | None) -> QIcon:
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(QColor(0, 0, 0, 0))
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(TYPE_COLORS.get(kind, "#888888"))
    if picture is not None:
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
    text, highlighted = palette.text().color(), palette.highlightedText().color()
    key = ("glyph", kind, on, _color_key(text), _color_key(highlighted))
    return _cached(key, lambda: _glyph_icon(kind, on, text, highlighted))


def _glyph_icon(kind: str, on: bool, text: QColor, highlighted: QColor) -> QIcon:
    icon = QIcon(_glyph(kind, on, text))
    # on the selection colour every state is drawn in full: the shape tells them apart
    icon.addPixmap(_glyph(kind, on, highlighted, quiet=False), QIcon.Mode.Selected)
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
