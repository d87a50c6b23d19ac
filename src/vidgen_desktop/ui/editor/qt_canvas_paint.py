"""Painting the canvas: the preview frame and what is drawn over it.

Boxes come from ``composition.layout`` on every paint; nothing is cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from vidgen_desktop.composition.model import AudioElement
from vidgen_desktop.ui.editor import geometry, keyframes, qt_canvas_drag, qt_canvas_marquee

ACCENT = QColor("#2d8cff")
GUIDE = QColor("#ff3da6")
PATH = QColor("#ffb020")  # the motion path: apart from the selection and the guides

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
    if canvas.trial is None:  # a preset playing on hover: the outline would stand still
        _selection(canvas, p, frame)
    _snap_guides(canvas, p, frame)
    qt_canvas_marquee.paint(canvas, p)


def _safe_area(canvas: QtCanvas, p: QPainter, frame: QRectF) -> None:
    pen = QPen(QColor(255, 255, 255, 140), 1, Qt.PenStyle.DashLine)
    p.setPen(pen)
    for inset in (0.05, 0.1):  # action safe 90 %, title safe 80 %
        dx, dy = frame.width() * inset, frame.height() * inset
        p.drawRect(frame.adjusted(dx, dy, -dx, -dy))
    c = frame.center()
    p.drawLine(QPointF(c.x() - 8, c.y()), QPointF(c.x() + 8, c.y()))
    p.drawLine(QPointF(c.x(), c.y() - 8), QPointF(c.x(), c.y() + 8))


def _outline(canvas: QtCanvas, view: keyframes.View) -> QPolygonF:
    return QPolygonF([canvas.to_widget(*c) for c in geometry.corners(view.box, view.rotation)])


def _selection(canvas: QtCanvas, p: QPainter, frame: QRectF) -> None:
    hover = canvas.hover
    if hover and hover not in canvas.doc.selection and canvas.doc.has(hover):
        element = canvas.doc.element(hover)
        if not isinstance(element, AudioElement):
            p.setPen(QPen(ACCENT.lighter(130), 1))
            p.drawPolygon(_outline(canvas, canvas.view(element)))
    for element in canvas.doc.selected_visuals():
        view = canvas.view(element)
        _motion_path(canvas, p, element)
        outline = _outline(canvas, view)
        style = Qt.PenStyle.DashLine if element.hidden else Qt.PenStyle.SolidLine
        # off-canvas parts: a dashed outline; the part on the canvas: solid
        p.setPen(QPen(ACCENT, 1, Qt.PenStyle.DashLine))
        p.drawPolygon(outline)
        p.save()
        p.setClipRect(frame)
        p.setPen(QPen(ACCENT, 2, style))
        p.drawPolygon(outline)
        p.restore()
    group = qt_canvas_drag.group_box(canvas) if canvas.resizable() is None else None
    if group is not None:  # one group: a dashed box round it, with handles that scale it
        p.setPen(QPen(ACCENT, 1, Qt.PenStyle.DashLine))
        p.drawRect(canvas.rect_of(group))
        p.setPen(QPen(ACCENT, 1))
        p.setBrush(QColor("white"))
        for point in geometry.handle_points(group).values():
            p.drawRect(canvas.handle_rect(point))
        p.setBrush(Qt.BrushStyle.NoBrush)
    primary = canvas.resizable()
    if primary is not None:
        view = canvas.view(primary)
        x, y, w, _ = view.box
        top = canvas.to_widget(*geometry.turned((x + w / 2, y), geometry.centre(view.box),
                                                view.rotation))  # fmt: skip
        spot = canvas.rotate_handle(view)
        p.setPen(QPen(ACCENT, 1))
        p.drawLine(top, canvas.to_widget(*spot))
        p.setBrush(QColor("white"))
        p.drawEllipse(canvas.handle_rect(spot).adjusted(-1, -1, 1, 1))
        for point in geometry.turned_handles(view.box, view.rotation).values():
            p.drawRect(canvas.handle_rect(point))
        p.setBrush(Qt.BrushStyle.NoBrush)
        if canvas.angle is not None:  # while turning: the angle beside the handle
            at = canvas.handle_rect(spot).topRight() + QPointF(6, -4)
            p.setPen(canvas.palette().windowText().color())
            p.drawText(at, f"{canvas.angle:g}°")


def _motion_path(canvas: QtCanvas, p: QPainter, element) -> None:
    """Where the element's centre goes over its time, with a dot at each keyframe."""
    # elements are replaced, never changed, on an edit: the same object, window and canvas
    # give the same path (120 state_at calls are not redone on every mouse move)
    timeline = canvas.doc.timeline()
    key = (
        element,
        timeline.windows.get(element.id),
        timeline.cues.get(element.id),
        canvas.doc.canvas,
    )
    cached = canvas.paths.get(element.id)
    if cached is None or cached[0] != key:
        cached = canvas.paths[element.id] = (key, keyframes.motion_path(canvas.doc, element))
    points = cached[1]
    if len(points) < 2:
        return
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(PATH, 1.5, Qt.PenStyle.DashLine))
    p.drawPolyline(QPolygonF([canvas.to_widget(*pt) for pt in points]))
    p.setPen(QPen(PATH, 1))
    p.setBrush(PATH)
    window = canvas.doc.timeline().windows[element.id]
    for t in keyframes.times(element, keyframes.BOX_PROPS):
        x, y, w, h = keyframes.state(canvas.doc, element, window.start + t).box
        c = canvas.to_widget(x + w / 2, y + h / 2)
        p.drawPolygon(QPolygonF([c + QPointF(0, -5), c + QPointF(5, 0), c + QPointF(0, 5),
                                 c + QPointF(-5, 0)]))  # fmt: skip
    p.restore()


def _snap_guides(canvas: QtCanvas, p: QPainter, frame: QRectF) -> None:
    p.setPen(QPen(GUIDE, 1))
    for x in canvas.guides.vertical:
        wx = canvas.to_widget(x, 0).x()
        p.drawLine(QPointF(wx, frame.top() - 12), QPointF(wx, frame.bottom() + 12))
    for y in canvas.guides.horizontal:
        wy = canvas.to_widget(0, y).y()
        p.drawLine(QPointF(frame.left() - 12, wy), QPointF(frame.right() + 12, wy))
