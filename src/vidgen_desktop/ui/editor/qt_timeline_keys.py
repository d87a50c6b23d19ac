"""Keyframe markers on the timeline bars: a ◆ at each time an element has keyframes.

Dragging a marker retimes every keyframe at that time (any property), on whole
frames, inside the element's time; it stops at another keyframe of the same
property (times strictly increase). Right-click: the easing of the segment
that ends there, go to it, or delete it. One drag or choice is one undo step.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu

from vidgen_desktop.composition.motion import EASINGS
from vidgen_desktop.ui.editor import keyframes
from vidgen_desktop.ui.editor.animate_names import title
from vidgen_desktop.ui.editor.qt_canvas import tell_text

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_timeline import TimelineView

SIZE = 5  # px: half the marker's width
_drags = itertools.count(1)


def markers(view: TimelineView) -> list[tuple[str, float, QPointF]]:
    """(element id, keyframe time from its start, where its marker is) for every marker."""
    out = []
    windows = view.doc.timeline().windows
    for row, element in enumerate(view.rows()):
        rect = view.bar_rect(row, element)
        start = windows[element.id].start
        for t in keyframes.times(element):
            out.append((element.id, t, QPointF(view.x_of(start + t), rect.center().y())))
    return out


def paint(view: TimelineView, p: QPainter) -> None:
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    # white with a dark edge: it reads on every element colour the bars have
    p.setPen(QPen(QColor("#202020"), 1))
    p.setBrush(QColor("white"))
    for _, _, c in markers(view):
        p.drawPolygon(QPolygonF([c + QPointF(0, -SIZE), c + QPointF(SIZE, 0),
                                 c + QPointF(0, SIZE), c + QPointF(-SIZE, 0)]))  # fmt: skip
    p.restore()


def marker_at(view: TimelineView, pos: QPointF) -> tuple[str, float] | None:
    for element_id, t, c in reversed(markers(view)):
        if abs(pos.x() - c.x()) <= SIZE + 1 and abs(pos.y() - c.y()) <= SIZE + 1:
            return element_id, t
    return None


def press(view: TimelineView, pos: QPointF) -> bool:
    """Start dragging the marker under ``pos``; False when there is none."""
    hit = marker_at(view, pos)
    if hit is None:
        return False
    element_id, t = hit
    view.doc.set_selection([element_id])
    if view.doc.element(element_id).locked:
        view._drag = {"scrub": False, "locked": view.doc.element(element_id), "x": pos.x(),
                      "told": False}  # fmt: skip
        return True
    view._drag = {"scrub": False, "marker": element_id, "at": t, "key": ("key", next(_drags))}
    return True


def drag_to(view: TimelineView, drag: dict, x: float) -> str | None:
    """Move the dragged marker to the frame under ``x``; the refusal (if any) in the status."""
    doc = view.doc
    element = doc.element(drag["marker"])
    window = doc.timeline().windows[element.id]
    new = max(0.0, min(window.duration, view._frame(view.t_of(x)) - window.start))
    new = round(new * doc.comp.output.fps) / doc.comp.output.fps
    if abs(new - drag["at"]) < 1e-9:
        return None
    fields, refusal = keyframes.retimed(doc, element, drag["at"], new)
    if refusal is None:
        refusal = doc.edit({element.id: fields}, "Move keyframe", merge_key=drag["key"])
    if refusal is None:
        drag["at"] = new
    else:
        tell_text(view, refusal)
    return refusal


def set_easing(view: TimelineView, element_id: str, t: float, easing) -> str | None:
    element = view.doc.element(element_id)
    fields = keyframes.eased(view.doc, element, t, easing)
    return view.doc.edit({element_id: fields}, "Change easing")


def context_menu(view: TimelineView, event: QContextMenuEvent) -> bool:
    hit = marker_at(view, QPointF(event.pos()))
    if hit is None:
        return False
    menu = build_menu(view, *hit)
    menu.exec(event.globalPos())
    return True


def build_menu(view: TimelineView, element_id: str, t: float) -> QMenu:
    doc = view.doc
    element = doc.element(element_id)
    start = doc.timeline().windows[element_id].start
    menu = QMenu(view)
    menu.setObjectName("keyframe_menu")
    menu.addSection(f"Keyframe at {t:g} s — easing into it")
    current = keyframes.easing_at(element, t, doc.comp.output.fps)
    locked = element.locked
    for easing in EASINGS:
        action = menu.addAction(title(easing))
        action.setCheckable(True)
        action.setChecked(current == easing)
        action.setEnabled(not locked)
        action.triggered.connect(lambda _=False, e=easing: set_easing(view, element_id, t, e))
    custom = menu.addAction("Cubic Bézier…")
    custom.setCheckable(True)
    custom.setChecked(isinstance(current, list))
    custom.setEnabled(not locked)
    custom.triggered.connect(lambda: _ask_bezier(view, element_id, t, current))
    menu.addSeparator()
    menu.addAction("Go to Keyframe", lambda: doc.set_time(start + t))
    here = keyframes.local_time(doc, element)
    move = menu.addAction("Move to Playhead", lambda: _move_here(view, element_id, t))
    move.setEnabled(not locked and abs(here - t) > 1e-9)
    delete = menu.addAction(
        "Delete Keyframe",
        lambda: doc.edit(
            {element_id: keyframes.removed_at(doc, doc.element(element_id), t)}, "Delete keyframe"
        ),  # fmt: skip
    )
    delete.setEnabled(not locked)
    return menu


def _move_here(view: TimelineView, element_id: str, t: float) -> None:
    doc = view.doc
    element = doc.element(element_id)
    fields, refusal = keyframes.retimed(doc, element, t, keyframes.local_time(doc, element))
    refusal = refusal or doc.edit({element_id: fields}, "Move keyframe")
    if refusal:
        tell_text(view, refusal)


def _ask_bezier(view: TimelineView, element_id: str, t: float, current) -> None:
    shown = (
        ", ".join(f"{v:g}" for v in current) if isinstance(current, list) else "0.25, 0.1, 0.25, 1"
    )
    text, ok = QInputDialog.getText(view, "Cubic Bézier", "x1, y1, x2, y2 (as in CSS):", text=shown)
    if not ok:
        return
    try:
        values = [float(v) for v in re.split(r"[,\s]+", text.strip()) if v]
    except ValueError:
        values = []
    if len(values) != 4:
        tell_text(view, f"cubic-bezier needs four numbers, got {text!r}")
        QApplication.beep()
        return
    error = set_easing(view, element_id, t, values)
    if error:
        tell_text(view, error)


def cursor(view: TimelineView, pos: QPointF) -> Qt.CursorShape | None:
    return Qt.CursorShape.SizeHorCursor if marker_at(view, pos) is not None else None
