"""The timeline's track area: a ruler, one bar per element over its time window, the
playhead, markers, and media pictures on the bars.

Windows come from ``layout.resolve_timeline`` (via ``Document.timeline``) on
every paint. Dragging a bar changes ``start``; its right end ``duration``; its
left end ``start`` with ``duration`` (and ``trim_start`` for media, so the
picture stays put; both ends are clamped to the media). Dragging a bar up or
down onto another row restacks it there (visuals; audio keeps list order).
Times snap to whole frames, and with Snap on, bar edges snap to the playhead,
other bars' ends and markers, with a line drawn where (``qt_timeline_marks``).
Zoom and scroll: ``qt_timeline_zoom``; waveforms and thumbnails:
``qt_timeline_media``; split, ripple delete, markers: ``qt_timeline_edit``.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFontMetrics,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from vidgen_desktop.composition.model import AudioElement
from vidgen_desktop.ui.editor import (
    qt_timeline_cache,
    qt_timeline_keys,
    qt_timeline_marks,
    qt_timeline_media,
    qt_timeline_snap,
    qt_timeline_zoom,
    timeline_edits,
)
from vidgen_desktop.ui.editor.document import AnyElement, Document
from vidgen_desktop.ui.editor.qt_canvas import tell_locked
from vidgen_desktop.ui.editor.qt_layer_icons import TYPE_COLORS, glyph

HEADER = 130  # px: element names
RULER = 38  # px: the marker strip (names) over the time labels
ROW = 32  # px: room for a thumbnail strip and a waveform
EDGE = 6  # px: how close to a bar's end counts as grabbing the end
LOCK_MARK = 14  # px: the padlock drawn on a locked element's bar
PLAYHEAD = QColor("#ff3d3d")
_drags = itertools.count(1)


class TimelineView(QWidget):
    scrubbed = Signal()

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._drag: dict | None = None
        self.zoom: float | None = None  # px per second; None: the whole composition fits
        self.origin = 0.0  # the composition time at the track area's left edge
        self.snapping = True
        self.snap_at: float | None = None  # the target an edge sits on during a drag
        self.scroll_bar = qt_timeline_zoom.make_bar(self)
        self.pictures = qt_timeline_media.MediaPictures(self)
        self.pictures.ready.connect(self.update)
        self.static = qt_timeline_cache.StaticPicture(self, self._paint_static)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(RULER + 3 * ROW)
        for signal in (doc.changed, doc.media_changed, doc.time_changed, doc.selection_changed):
            signal.connect(self.update)
        doc.changed.connect(self.updateGeometry)
        doc.changed.connect(lambda: qt_timeline_zoom.scroll_to(self, self.origin))
        doc.reset.connect(lambda: qt_timeline_zoom.set_zoom(self, None))
        doc.time_changed.connect(lambda t: qt_timeline_zoom.follow(self, t))

    @property
    def _on_bar(self) -> QPalette:
        """White ink for marks on the coloured bars, whatever the window's palette."""
        pal = QPalette(self.palette())
        pal.setColor(QPalette.ColorRole.Text, QColor("white"))
        return pal

    def rows(self) -> list[AnyElement]:
        comp = self.doc.comp
        audio = [e for e in comp.elements if isinstance(e, AudioElement)]
        return [*reversed(comp.stacking_order()), *audio]

    def sizeHint(self):
        hint = super().sizeHint()
        bar = self.scroll_bar.sizeHint().height()
        hint.setHeight(RULER + ROW * max(3, len(self.doc.comp.elements)) + 8 + bar)
        return hint

    # -- mapping -------------------------------------------------------------------------------

    @property
    def pps(self) -> float:
        """Pixels per second: the zoom, or what fits the whole composition in the width."""
        return self.zoom if self.zoom is not None else qt_timeline_zoom.fit_pps(self)

    def x_of(self, t: float) -> float:
        return HEADER + (t - self.origin) * self.pps

    def t_of(self, x: float) -> float:
        return self.origin + (x - HEADER) / self.pps

    def track_left(self) -> float:
        return HEADER

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        qt_timeline_zoom.scroll_to(self, self.origin)

    def wheelEvent(self, event: QWheelEvent) -> None:
        qt_timeline_zoom.wheel(self, event)

    def bar_rect(self, row: int, element: AnyElement) -> QRectF:
        window = self.doc.timeline().windows[element.id]
        x0, x1 = self.x_of(window.start), self.x_of(window.end)
        return QRectF(x0, RULER + row * ROW + 3, max(2.0, x1 - x0), ROW - 6)

    def _frame(self, t: float) -> float:
        fps = self.doc.comp.output.fps
        return round(t * fps) / fps

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        self.static.paint(p)  # all but the playhead: kept while only the time moves
        p.save()
        p.setClipRect(QRectF(HEADER, 0, self.width() - HEADER, self.height()))
        x = self.x_of(self.doc.time)
        p.setPen(QPen(PLAYHEAD, 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(PLAYHEAD)
        p.drawPolygon([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)])
        p.restore()

    def _paint_static(self, p: QPainter) -> None:
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        p.fillRect(QRectF(0, 0, self.width(), RULER), pal.window())
        text = pal.text().color()
        tracks = QRectF(HEADER, 0, self.width() - HEADER, self.height())
        p.save()
        p.setClipRect(tracks)
        p.setPen(QPen(pal.mid().color()))
        labels = self.ruler_labels(p.fontMetrics())
        for x, _, _ in labels:
            p.drawLine(QPointF(x, RULER - 8), QPointF(x, RULER))
        p.drawLine(QPointF(HEADER, RULER), QPointF(self.width(), RULER))
        p.setPen(pal.windowText().color())
        for _, label, rect in labels:
            if label:
                p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, label)
        end = max(HEADER, self.x_of(self.doc.timeline().duration))
        p.fillRect(QRectF(end, RULER, self.width() - end, self.height()), pal.window())
        p.restore()
        selected = set(self.doc.selection)
        windows = self.doc.timeline().windows
        for row, element in enumerate(self.rows()):
            top = RULER + row * ROW
            if element.id in selected:
                band = QColor(pal.highlight().color())
                band.setAlpha(60)
                p.fillRect(QRectF(0, top, self.width(), ROW), band)
            p.setPen(text)
            name = p.fontMetrics().elidedText(
                element.label, Qt.TextElideMode.ElideRight, HEADER - 12
            )
            p.drawText(QRectF(8, top, HEADER - 12, ROW), Qt.AlignmentFlag.AlignVCenter, name)
            p.save()
            p.setClipRect(tracks)
            self._paint_bar(p, element, self.bar_rect(row, element), element.id in selected,
                            windows[element.id])  # fmt: skip
            p.restore()
        p.save()
        p.setClipRect(tracks)
        qt_timeline_keys.paint(self, p)
        qt_timeline_marks.paint(self, p)
        self._paint_drop(p)
        qt_timeline_marks.paint_snap(self, p)
        p.restore()

    def _paint_bar(self, p: QPainter, element: AnyElement, rect: QRectF, selected: bool,
                   window) -> None:  # fmt: skip
        color = QColor(TYPE_COLORS.get(element.type, "#888888"))
        if element.hidden:
            color.setAlpha(90)
        p.setPen(QPen(color.lighter(140), 2 if selected else 1))
        p.setBrush(color.darker(130) if not selected else color)
        p.drawRoundedRect(rect, 4, 4)
        qt_timeline_media.paint(self, p, element, rect, window)
        if selected:  # the outline again, over the pictures
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect, 4, 4)
        if element.locked and rect.width() > LOCK_MARK + 4:  # why the bar will not move
            mark = QRectF(rect.left() + 3, rect.center().y() - LOCK_MARK / 2, LOCK_MARK,
                          LOCK_MARK)  # fmt: skip
            p.drawPixmap(mark.toRect(), glyph("lock", True, self._on_bar).pixmap(LOCK_MARK))

    def _paint_drop(self, p: QPainter) -> None:
        """Where a bar dragged up or down will be restacked: a line between rows."""
        row = (self._drag or {}).get("row_to")
        if row is None:
            return
        y = RULER + row * ROW
        p.setPen(QPen(self.palette().highlight().color(), 2))
        p.drawLine(QPointF(HEADER, y), QPointF(self.width(), y))

    def ruler_labels(
        self, metrics: QFontMetricsF | QFontMetrics
    ) -> list[tuple[float, str, QRectF]]:
        """Each visible tick's x, its label and where the label goes: right of the tick, or
        left of it where it would run off the widget's right edge (the last label was cut:
        "20" → "2(")."""
        out: list[tuple[float, str, QRectF]] = []
        for t, label in qt_timeline_zoom.ticks(self):
            x = self.x_of(t)
            width = math.ceil(metrics.horizontalAdvance(label)) + 1
            left = x + 3 if x + 3 + width <= self.width() - 2 else x - 3 - width
            rect = QRectF(left, 0, width, RULER - 9)
            if out and out[-1][1] and out[-1][2].right() + 4 > rect.left():
                out[-1] = (out[-1][0], "", QRectF())  # the end's label wins; the tick stays
            out.append((x, label, rect))
        return out

    # -- mouse ---------------------------------------------------------------------------------

    def hit(self, pos: QPointF) -> tuple[AnyElement, str] | None:
        """The bar under ``pos`` and which part: ``start`` (left end), ``end`` or ``move``."""
        if pos.y() < RULER:
            return None
        row = int((pos.y() - RULER) // ROW)
        rows = self.rows()
        if not 0 <= row < len(rows):
            return None
        rect = self.bar_rect(row, rows[row])
        if not rect.adjusted(-EDGE, 0, EDGE, 0).contains(pos):
            return None
        if abs(pos.x() - rect.left()) <= EDGE:
            return rows[row], "start"
        if abs(pos.x() - rect.right()) <= EDGE:
            return rows[row], "end"
        return rows[row], "move"

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.setFocus()
        pos = event.position()
        if pos.x() > HEADER and qt_timeline_keys.press(self, pos):
            return
        flag = qt_timeline_marks.marker_at(self, pos) if pos.x() > HEADER else None
        if flag is not None:
            self._drag = {"scrub": False, "flag": flag, "x": pos.x(), "t": None}
            return
        hit = self.hit(pos) if pos.x() > HEADER else None
        if hit is None:
            if pos.x() > HEADER:
                self._drag = {"scrub": True}
                self.scrub_to(pos.x())
            return
        element, part = hit
        if element.id not in self.doc.selection:
            self.doc.set_selection([element.id])
        if element.locked:  # selected, but its timing stays put until it is unlocked
            self._drag = {"scrub": False, "locked": element, "x": pos.x(), "told": False}
            return
        window = self.doc.timeline().windows[element.id]
        self._drag = {
            "scrub": False,
            "id": element.id,
            "part": part,
            "x": pos.x(),
            "window": window,
            "key": ("timeline", part, next(_drags)),
            "row": self.row_of(element.id),
            "row_to": None,
        }

    def row_of(self, element_id: str) -> int:
        return [e.id for e in self.rows()].index(element_id)

    def scrub_to(self, x: float) -> None:
        self.doc.set_time(self._frame(self.t_of(x)))
        self.scrubbed.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        drag = self._drag
        if drag is None:
            hit = self.hit(pos)
            shape = qt_timeline_keys.cursor(self, pos) or Qt.CursorShape.ArrowCursor
            if hit is not None and hit[0].locked:
                shape = Qt.CursorShape.ForbiddenCursor
            elif hit is not None and shape == Qt.CursorShape.ArrowCursor:
                shape = (
                    Qt.CursorShape.SizeHorCursor
                    if hit[1] != "move"
                    else Qt.CursorShape.OpenHandCursor
                )
            self.setCursor(shape)
            return
        if drag["scrub"]:
            self.scrub_to(pos.x())
            return
        if "locked" in drag:  # a drag is refused visibly (cursor, status bar), not silently
            if not drag["told"] and abs(pos.x() - drag["x"]) >= 4:
                drag["told"] = True
                self.setCursor(Qt.CursorShape.ForbiddenCursor)
                tell_locked(self, [drag["locked"]])
            return
        if "marker" in drag:
            qt_timeline_keys.drag_to(self, drag, pos.x())
            return
        if "flag" in drag:  # a marker moves on release: one undo step
            if abs(pos.x() - drag["x"]) >= 3 or drag["t"] is not None:
                drag["t"] = self._frame(max(0.0, self.t_of(pos.x())))
                self.snap_at = drag["t"]
                self.update()
            return
        dt = (pos.x() - drag["x"]) / self.pps
        self.drag_bar(drag["id"], drag["part"], dt, drag["window"], drag["key"])
        if drag["part"] == "move":
            self._aim_row(drag, pos.y())

    def _aim_row(self, drag: dict, y: float) -> None:
        qt_timeline_snap.aim_row(self, drag, y)

    def drag_bar(self, element_id: str, part: str, dt: float, window, key) -> str | None:
        """Apply a bar drag of ``dt`` seconds (used by the mouse, and by tests)."""
        fields = qt_timeline_snap.bar_fields(self, element_id, part, dt, window)
        self.update()
        return self.doc.edit({element_id: fields}, "Change timing", merge_key=key)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        self.snap_at = None
        self.update()
        if drag is None:
            return
        if drag.get("flag") is not None and drag.get("t") is not None:
            qt_timeline_marks.moved(self, drag["flag"], drag["t"])
        elif drag.get("row_to") is not None:
            self.move_to_row(drag["id"], drag["row_to"])

    def move_to_row(self, element_id: str, row: int) -> None:
        """Restack the element at row boundary ``row`` (counted before the move), one step."""
        order = timeline_edits.restacked(self.rows(), [element_id], row)
        self.doc.reorder(order, "Move to track")

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        flag = qt_timeline_marks.marker_at(self, event.position())
        if flag is not None:
            self._drag = None
            qt_timeline_marks.rename(self, flag)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        flag = qt_timeline_marks.marker_at(self, QPointF(event.pos()))
        if flag is not None:
            qt_timeline_marks.build_menu(self, flag).exec(event.globalPos())
            return
        if not qt_timeline_keys.context_menu(self, event):
            super().contextMenuEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is None:
            return super().keyPressEvent(event)
        self.step(step * (10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1))

    def step(self, frames: int) -> None:
        fps = self.doc.comp.output.fps
        self.doc.set_time((math.floor(self.doc.time * fps + 1e-6) + frames) / fps)
