"""Painting the canvas: the preview frame and what is drawn over it.

Boxes come from ``composition.layout`` on every paint; nothing is cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from vidgen_desktop.composition import layout
from vidgen_desktop.composition.model import AudioElement
from vidgen_desktop.ui.editor import geometry

ACCENT = QColor("#2d8cff")
GUIDE = QColor("#ff3da6")

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_canvas import QtCanvas


def paint(canvas: QtCanvas, p: QPainter) -> None:
    """The preview, the safe area, selection outlines and handles, snap guides."""
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    p.fillRect(canvas.rect(), canvas.palette().window().color().darker(115))
    frame = canvas.canvas_rect()
    if canvas.image is not None:
        p.drawImage(frame, canvas.image)
    else:
        p.fillRect(frame, QColor(canvas.doc.comp.output.background))
    p.setPen(QPen(canvas.palette().mid().color(), 1))
    p.drawRect(frame.adjusted(-0.5, -0.5, 0.5, 0.5))
    if canvas.show_safe_area:
        _safe_area(canvas, p, frame)
    _selection(canvas, p, frame)
    _snap_guides(canvas, p, frame)


def _safe_area(canvas: QtCanvas, p: QPainter, frame: QRectF) -> None:
    pen = QPen(QColor(255, 255, 255, 140), 1, Qt.PenStyle.DashLine)
    p.setPen(pen)
    for inset in (0.05, 0.1):  # action safe 90 %, title safe 80 %
        dx, dy = frame.width() * inset, frame.height() * inset
        p.drawRect(frame.adjusted(dx, dy, -dx, -dy))
    c = frame.center()
    p.drawLine(QPointF(c.x() - 8, c.y()), QPointF(c.x() + 8, c.y()))
    p.drawLine(QPointF(c.x(), c.y() - 8), QPointF(c.x(), c.y() + 8))


def _selection(canvas: QtCanvas, p: QPainter, frame: QRectF) -> None:
    size = canvas.doc.canvas
    hover = canvas.hover
    if hover and hover not in canvas.doc.selection and canvas.doc.has(hover):
        element = canvas.doc.element(hover)
        if not isinstance(element, AudioElement):
            p.setPen(QPen(ACCENT.lighter(130), 1))
            p.drawRect(canvas.rect_of(layout.box(element, size)))
    for element in canvas.doc.selected_visuals():
        rect = canvas.rect_of(layout.box(element, size))
        style = Qt.PenStyle.DashLine if element.hidden else Qt.PenStyle.SolidLine
        # off-canvas parts: a dashed outline; the part on the canvas: solid
        p.setPen(QPen(ACCENT, 1, Qt.PenStyle.DashLine))
        p.drawRect(rect)
        p.save()
        p.setClipRect(frame)
        p.setPen(QPen(ACCENT, 2, style))
        p.drawRect(rect)
        p.restore()
    primary = canvas.resizable()
    if primary is not None:
        p.setPen(QPen(ACCENT, 1))
        p.setBrush(QColor("white"))
        for point in geometry.handle_points(layout.exact_box(primary, size)).values():
            p.drawRect(canvas.handle_rect(point))
        p.setBrush(Qt.BrushStyle.NoBrush)


def _snap_guides(canvas: QtCanvas, p: QPainter, frame: QRectF) -> None:
    p.setPen(QPen(GUIDE, 1))
    for x in canvas.guides.vertical:
        wx = canvas.to_widget(x, 0).x()
        p.drawLine(QPointF(wx, frame.top() - 12), QPointF(wx, frame.bottom() + 12))
    for y in canvas.guides.horizontal:
        wy = canvas.to_widget(0, y).y()
        p.drawLine(QPointF(frame.left() - 12, wy), QPointF(frame.right() + 12, wy))
