"""The timeline: a ruler, one bar per element over its time window, and the playhead.

Windows come from ``layout.resolve_timeline`` (via ``Document.timeline``) on
every paint. Dragging a bar changes ``start``; its right end ``duration``; its
left end ``start`` with ``duration`` (and ``trim_start`` for media, so the
picture stays put). Times snap to whole frames. Space plays, arrows step.
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
)
from PySide6.QtWidgets import QWidget

from vidgen_desktop.composition.model import AudioElement, VideoElement
from vidgen_desktop.ui.editor import qt_timeline_keys
from vidgen_desktop.ui.editor.document import AnyElement, Document
from vidgen_desktop.ui.editor.qt_canvas import tell_locked
from vidgen_desktop.ui.editor.qt_layer_icons import TYPE_COLORS, glyph

HEADER = 130  # px: element names
RULER = 24  # px
ROW = 24  # px
EDGE = 6  # px: how close to a bar's end counts as grabbing the end
LOCK_MARK = 14  # px: the padlock drawn on a locked element's bar
PLAYHEAD = QColor("#ff3d3d")
_drags = itertools.count(1)


def tick_step(pps: float) -> float:
    """Seconds between labelled ticks so labels sit at least ~70 px apart."""
    for step in (0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600):
        if step * pps >= 70:
            return step
    return 1200


class TimelineView(QWidget):
    scrubbed = Signal()

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._drag: dict | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(RULER + 3 * ROW)
        for signal in (doc.changed, doc.media_changed, doc.time_changed, doc.selection_changed):
            signal.connect(self.update)
        doc.changed.connect(self.updateGeometry)

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
        hint.setHeight(RULER + ROW * max(3, len(self.doc.comp.elements)) + 8)
        return hint

    # -- mapping -------------------------------------------------------------------------------

    @property
    def pps(self) -> float:
        """Pixels per second: the whole composition fits the width."""
        return max(1.0, (self.width() - HEADER - 16) / max(0.1, self.doc.timeline().duration))

    def x_of(self, t: float) -> float:
        return HEADER + t * self.pps

    def t_of(self, x: float) -> float:
        return (x - HEADER) / self.pps

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
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        p.fillRect(QRectF(0, 0, self.width(), RULER), pal.window())
        text = pal.text().color()
        duration = self.doc.timeline().duration
        p.setPen(QPen(pal.mid().color()))
        labels = self.ruler_labels(p.fontMetrics())
        for x, _, _ in labels:
            p.drawLine(QPointF(x, RULER - 8), QPointF(x, RULER))
        p.drawLine(QPointF(HEADER, RULER), QPointF(self.width(), RULER))
        p.setPen(pal.windowText().color())
        for _, label, rect in labels:
            if label:
                p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, label)
        end = self.x_of(duration)
        p.fillRect(QRectF(end, RULER, self.width() - end, self.height()), pal.window())
        selected = set(self.doc.selection)
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
            rect = self.bar_rect(row, element)
            color = QColor(TYPE_COLORS.get(element.type, "#888888"))
            if element.hidden:
                color.setAlpha(90)
            p.setPen(QPen(color.lighter(140), 2 if element.id in selected else 1))
            p.setBrush(color.darker(130) if element.id not in selected else color)
            p.drawRoundedRect(rect, 4, 4)
            if element.locked and rect.width() > LOCK_MARK + 4:  # why the bar will not move
                mark = QRectF(rect.left() + 3, rect.center().y() - LOCK_MARK / 2, LOCK_MARK,
                              LOCK_MARK)  # fmt: skip
                p.drawPixmap(mark.toRect(), glyph("lock", True, self._on_bar).pixmap(LOCK_MARK))
        qt_timeline_keys.paint(self, p)
        x = self.x_of(self.doc.time)
        p.setPen(QPen(PLAYHEAD, 2))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.setBrush(PLAYHEAD)
        p.drawPolygon([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)])

    def ruler_labels(
        self, metrics: QFontMetricsF | QFontMetrics
    ) -> list[tuple[float, str, QRectF]]:
        """Each tick's x, its label and where the label goes: right of the tick, or left of it
        where it would run off the widget's right edge (the last label was cut: "20" → "2(")."""
        duration = self.doc.timeline().duration
        step = tick_step(self.pps)
        out: list[tuple[float, str, QRectF]] = []
        for n in range(int(duration / step + 1e-9) + 1):
            x, label = self.x_of(n * step), f"{n * step:g}s"
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
        }

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
        dt = (pos.x() - drag["x"]) / self.pps
        self.drag_bar(drag["id"], drag["part"], dt, drag["window"], drag["key"])

    def drag_bar(self, element_id: str, part: str, dt: float, window, key) -> str | None:
        """Apply a bar drag of ``dt`` seconds (used by the mouse, and by tests)."""
        element = self.doc.element(element_id)
        one = 1 / self.doc.comp.output.fps
        media = isinstance(element, VideoElement | AudioElement)
        if part == "move":
            fields = {"start": max(0.0, self._frame(window.start + dt))}
        elif part == "end":
            end = max(window.start + one, self._frame(window.end + dt))
            fields = {"duration": end - window.start}
        else:
            low = window.start - window.trim_start if media else 0.0
            start = min(window.end - one, max(0.0, low, self._frame(window.start + dt)))
            fields = {"start": start, "duration": window.end - start}
            if media:
                fields["trim_start"] = max(0.0, window.trim_start + start - window.start)
        return self.doc.edit({element_id: fields}, "Change timing", merge_key=key)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
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
