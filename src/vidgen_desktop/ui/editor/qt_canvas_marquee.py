"""Marquee selection: a drag that starts on empty canvas selects what the rectangle touches.

Shift or Ctrl held at the press adds to the selection instead of replacing it.
A touched member of a group brings its whole group (``arrange.with_groups``).
A press that does not move is a click on empty canvas: it clears the
selection (unless Shift or Ctrl is held).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from vidgen_desktop.ui.editor import arrange

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_canvas import QtCanvas

MIN_DRAG = 3  # screen px before a press on empty canvas becomes a marquee


def start(canvas: QtCanvas, pos: QPointF, adding: bool) -> dict:
    base = list(canvas.doc.selection) if adding else []
    if not adding:
        canvas.doc.set_selection([])
    return {"marquee": pos, "now": pos, "base": base, "handle": None}


def rect(drag: dict) -> QRectF:
    return QRectF(drag["marquee"], drag["now"]).normalized()


def move(canvas: QtCanvas, drag: dict, pos: QPointF) -> None:
    drag["now"] = pos
    if (pos - drag["marquee"]).manhattanLength() < MIN_DRAG:
        return
    area = rect(drag)
    x0, y0 = canvas.to_canvas(area.topLeft())
    x1, y1 = canvas.to_canvas(area.bottomRight())
    touched = []
    for element in canvas.doc.comp.stacking_order():
        if element.hidden:
            continue
        view = canvas.view(element)
        bx, by, bw, bh = arrange.bounds(view.box, view.rotation)
        if bx <= x1 and bx + bw >= x0 and by <= y1 and by + bh >= y0:
            touched.append(element.id)
    chosen = drag["base"] + [i for i in touched if i not in drag["base"]]
    canvas.doc.set_selection(arrange.with_groups(canvas.doc.comp.elements, chosen))
    canvas.update()


def paint(canvas: QtCanvas, p: QPainter) -> None:
    drag = canvas._drag
    if not drag or "marquee" not in drag:
        return
    if (drag["now"] - drag["marquee"]).manhattanLength() < MIN_DRAG:
        return
    accent = QColor("#2d8cff")
    fill = QColor(accent)
    fill.setAlpha(40)
    p.setPen(QPen(accent, 1, Qt.PenStyle.DashLine))
    p.setBrush(fill)
    p.drawRect(rect(drag))
    p.setBrush(Qt.BrushStyle.NoBrush)
