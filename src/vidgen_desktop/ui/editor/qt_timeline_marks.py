"""Named markers on the timeline ruler, and the snap line a bar drag shows.

A marker is a flag on the ruler with its name beside it and a faint line down
the tracks. M adds one at the playhead; drag a flag along the ruler to move it
(on whole frames); double-click renames it; right-click offers Rename, Go to
and Delete. Every change is one undo step (``commands.set_markers``). Bar edges
snap to markers (``timeline_edits.snap_targets``); the line drawn while an edge
sits on a target is ``paint_snap``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QInputDialog, QMenu

from vidgen_desktop.composition.model import Marker
from vidgen_desktop.ui.editor import commands, timeline_edits

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_timeline import TimelineView

MARKER = QColor("#f5b400")
SNAP = QColor("#35d0ff")
FLAG = 6  # px: half the flag's width


def paint(view: TimelineView, p: QPainter) -> None:
    from vidgen_desktop.ui.editor.qt_timeline import RULER

    p.save()
    metrics = p.fontMetrics()
    for marker in view.doc.comp.markers:
        x = view.x_of(marker.time)
        if x < view.track_left() - FLAG or x > view.width() + FLAG:
            continue
        line = QColor(MARKER)
        line.setAlpha(110)
        p.setPen(QPen(line, 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, RULER), QPointF(x, view.height()))
        p.setPen(QPen(MARKER.darker(160), 1))
        p.setBrush(MARKER)
        corners = [(x - FLAG, 0), (x + FLAG, 0), (x + FLAG, 8), (x, 13), (x - FLAG, 8)]
        p.drawPolygon(QPolygonF([QPointF(a, b) for a, b in corners]))
        if marker.name:
            name = metrics.elidedText(marker.name, Qt.TextElideMode.ElideRight, 120)
            box = QRectF(x + FLAG + 2, 0, metrics.horizontalAdvance(name) + 6, 13)
            p.fillRect(box, QColor(0, 0, 0, 150))
            p.setPen(MARKER.lighter(130))
            p.drawText(box.adjusted(3, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, name)
    p.restore()


def paint_snap(view: TimelineView, p: QPainter) -> None:
    if view.snap_at is None:
        return
    x = view.x_of(view.snap_at)
    p.save()
    p.setPen(QPen(SNAP, 2))
    p.drawLine(QPointF(x, 0), QPointF(x, view.height()))
    p.restore()


def marker_at(view: TimelineView, pos: QPointF) -> int | None:
    """The index of the marker whose flag is under ``pos`` (on the ruler)."""
    from vidgen_desktop.ui.editor.qt_timeline import RULER

    if pos.y() > RULER:
        return None
    for n, marker in enumerate(view.doc.comp.markers):
        if abs(view.x_of(marker.time) - pos.x()) <= FLAG + 1:
            return n
    return None


def add_at_playhead(view: TimelineView) -> str | None:
    doc = view.doc
    markers = timeline_edits.with_marker(doc.comp.markers, doc.time)
    if markers is None:
        return "there is a marker at the playhead already"
    commands.set_markers(doc, markers, "Add marker")
    return None


def moved(view: TimelineView, index: int, t: float, key=None) -> None:
    doc = view.doc
    markers = list(doc.comp.markers)
    t = max(0.0, timeline_edits.frame(t, doc.comp.output.fps))
    markers[index] = markers[index].model_copy(update={"time": t})
    commands.set_markers(doc, markers, "Move marker")


def rename(view: TimelineView, index: int, name: str | None = None) -> None:
    doc = view.doc
    markers = list(doc.comp.markers)
    if name is None:
        name, ok = QInputDialog.getText(view, "Rename Marker", "Name:", text=markers[index].name)
        if not ok:
            return
    markers[index] = Marker(time=markers[index].time, name=name.strip()[:1000])
    commands.set_markers(doc, markers, "Rename marker")


def delete(view: TimelineView, index: int) -> None:
    markers = list(view.doc.comp.markers)
    del markers[index]
    commands.set_markers(view.doc, markers, "Delete marker")


def build_menu(view: TimelineView, index: int) -> QMenu:
    menu = QMenu(view)
    menu.addAction("Rename…", lambda: rename(view, index))
    time = view.doc.comp.markers[index].time
    menu.addAction("Go to Marker", lambda: view.doc.set_time(time))
    menu.addAction("Delete Marker", lambda: delete(view, index))
    return menu
