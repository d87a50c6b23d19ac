"""The canvas: the composited preview at the playhead, with selection, move, resize, snap.

While scrubbing, playing or dragging it shows fast frames; once the playhead
and the document rest, the renderer's exact frame replaces them
(``qt_preview.PreviewRenderer``).

Boxes are drawn from ``composition.layout`` on every paint (nothing cached
here); edits go through ``Document.edit`` as merged, undoable commands.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QStatusTipEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from vidgen_desktop.composition import layout
from vidgen_desktop.ui.editor import geometry, qt_canvas_paint
from vidgen_desktop.ui.editor.document import Document, VisualElement
from vidgen_desktop.ui.editor.qt_preview import PreviewRenderer, PreviewRequest

HANDLE_SIZE = 8  # screen px
SNAP_DISTANCE = 6  # screen px
MIN_VISIBLE = 4  # screen px: the smallest a box gets by dragging a handle
MARGIN = 24  # screen px around the canvas when fitted
_drags = itertools.count(1)


def tell_locked(widget: QWidget, elements) -> None:
    """Say in the status bar why a locked element did not move (a status tip reaches the window)."""
    names = ", ".join(f"'{e.label}'" for e in elements)
    are = "is" if len(elements) == 1 else "are"
    text = f"{names} {are} locked: unlock in the Layers panel to change it"
    QApplication.sendEvent(widget, QStatusTipEvent(text))


def dropped_paths(event: QDropEvent | QDragEnterEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class QtCanvas(QWidget):
    files_dropped = Signal(list, object)  # paths, canvas point (x, y) in canvas px
    zoom_changed = Signal(float)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.renderer = PreviewRenderer(self)
        self.renderer.ready.connect(self._on_frame)
        self.image: QImage | None = None
        self.image_request: PreviewRequest | None = None  # what ``image`` shows (exact or fast)
        self.fit = True
        self.pan = QPointF()  # screen px the canvas is moved from the centre when zoomed in
        self._zoom = 1.0
        self.show_safe_area = False
        self.snapping = True
        self._drag: dict | None = None
        self.guides = geometry.Snap()
        self.hover: str | None = None
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 160)
        self.refresh_timer = QTimer(self, singleShot=True, interval=0)
        self.refresh_timer.timeout.connect(self.request_frame)
        for signal in (doc.changed, doc.media_changed, doc.time_changed, doc.reset):
            signal.connect(self.refresh_timer.start)
        doc.selection_changed.connect(self.update)

    # -- mapping between widget and canvas pixels --------------------------------------------

    @property
    def zoom(self) -> float:
        if not self.fit:
            return self._zoom
        cw, ch = self.doc.canvas
        w, h = max(1, self.width() - 2 * MARGIN), max(1, self.height() - 2 * MARGIN)
        return max(0.01, min(w / cw, h / ch))

    def set_zoom(self, zoom: float | None) -> None:
        """A zoom factor (1.0: one canvas pixel per screen pixel), or None to fit the window."""
        self.fit = zoom is None
        if zoom is not None:
            self._zoom = min(8.0, max(0.05, zoom))
        else:
            self.pan = QPointF()
        self.zoom_changed.emit(self.zoom)
        self.request_frame()
        self.update()

    def origin(self) -> QPointF:
        cw, ch = self.doc.canvas
        z = self.zoom
        centred = QPointF((self.width() - cw * z) / 2, (self.height() - ch * z) / 2)
        return centred + self.pan

    def to_widget(self, x: float, y: float) -> QPointF:
        o, z = self.origin(), self.zoom
        return QPointF(o.x() + x * z, o.y() + y * z)

    def to_canvas(self, point: QPointF) -> tuple[float, float]:
        o, z = self.origin(), self.zoom
        return (point.x() - o.x()) / z, (point.y() - o.y()) / z

    def rect_of(self, box: layout.Rect | tuple[float, float, float, float]) -> QRectF:
        x, y, w, h = (box.x, box.y, box.w, box.h) if isinstance(box, layout.Rect) else box
        return QRectF(self.to_widget(x, y), self.to_widget(x + w, y + h))

    def canvas_rect(self) -> QRectF:
        return self.rect_of((0, 0, *self.doc.canvas))

    # -- preview -------------------------------------------------------------------------------

    def request_frame(self) -> None:
        dpr = self.devicePixelRatioF()
        scale = min(1.0, self.zoom * dpr)
        drawn = self.doc.drawn()  # a template: the row picked in the Variables panel
        comp = drawn.model_copy(update={"elements": list(drawn.elements)})
        self.renderer.request(PreviewRequest(comp, self.doc.facts(), self.doc.time, scale))
        self.update()

    def _on_frame(self, image: QImage, request: PreviewRequest) -> None:
        self.image = image
        self.image_request = request
        self.update()

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            qt_canvas_paint.paint(self, p)
        finally:
            p.end()  # an exception must not leave the painter active (Qt would crash)

    def handle_rect(self, point: tuple[float, float]) -> QRectF:
        c = self.to_widget(*point)
        half = HANDLE_SIZE / 2
        return QRectF(c.x() - half, c.y() - half, HANDLE_SIZE, HANDLE_SIZE)

    # -- hit testing ---------------------------------------------------------------------------

    def resizable(self) -> VisualElement | None:
        visuals = self.doc.selected_visuals()
        if len(visuals) == 1 and not visuals[0].locked:
            return visuals[0]
        return None

    def element_at(self, point: QPointF) -> str | None:
        """The topmost element under ``point`` (hidden ones only if selected)."""
        canvas = self.doc.canvas
        for element in reversed(self.doc.comp.stacking_order()):
            if element.hidden and element.id not in self.doc.selection:
                continue
            if self.rect_of(layout.box(element, canvas)).contains(point):
                return element.id
        return None

    def handle_at(self, point: QPointF) -> str | None:
        element = self.resizable()
        if element is None:
            return None
        points = geometry.handle_points(layout.exact_box(element, self.doc.canvas))
        for name, at in points.items():
            if self.handle_rect(at).adjusted(-3, -3, 3, 3).contains(point):
                return name
        return None

    # -- mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        pos = event.position()
        handle = self.handle_at(pos)
        if handle is not None:
            element = self.resizable()
            assert element is not None
            self._start_drag(pos, [element], handle)
            return
        hit = self.element_at(pos)
        toggle = event.modifiers() & (
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
        )
        if hit is None:
            if not toggle:
                self.doc.set_selection([])
            return
        if toggle:
            chosen = [i for i in self.doc.selection if i != hit]
            if hit not in self.doc.selection:
                chosen.append(hit)
            self.doc.set_selection(chosen)
            return
        if hit not in self.doc.selection:
            self.doc.set_selection([hit])
        movable = [e for e in self.doc.selected_visuals() if not e.locked]
        if movable:
            self._start_drag(pos, movable, None)
        else:  # all locked: a drag is refused, visibly (cursor and status bar), not silently
            self._drag = {"press": pos, "locked": self.doc.selected_visuals(), "told": False}

    def _start_drag(self, pos: QPointF, elements: list[VisualElement], handle: str | None) -> None:
        canvas = self.doc.canvas
        boxes = {e.id: layout.exact_box(e, canvas) for e in elements}
        moving = set(boxes)
        others = [
            layout.exact_box(e, canvas)
            for e in self.doc.comp.stacking_order()
            if e.id not in moving and not e.hidden
        ]
        self._drag = {
            "press": pos,
            "handle": handle,
            "boxes": boxes,
            "others": others,
            "key": ("resize" if handle else "move", next(_drags)),
        }

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is None:
            hover = self.element_at(pos)
            if hover != self.hover:
                self.hover = hover
                self.update()
            handle = self.handle_at(pos)
            cursors = {
                "nw": Qt.CursorShape.SizeFDiagCursor,
                "se": Qt.CursorShape.SizeFDiagCursor,
                "ne": Qt.CursorShape.SizeBDiagCursor,
                "sw": Qt.CursorShape.SizeBDiagCursor,
                "n": Qt.CursorShape.SizeVerCursor,
                "s": Qt.CursorShape.SizeVerCursor,
                "e": Qt.CursorShape.SizeHorCursor,
                "w": Qt.CursorShape.SizeHorCursor,
            }
            self.setCursor(cursors.get(handle or "", Qt.CursorShape.ArrowCursor))
            return
        drag = self._drag
        if "locked" in drag:
            if not drag["told"] and (pos - drag["press"]).manhattanLength() >= 4:
                drag["told"] = True
                self.setCursor(Qt.CursorShape.ForbiddenCursor)
                tell_locked(self, drag["locked"])
            return
        z = self.zoom
        dx = round((pos.x() - drag["press"].x()) / z)  # whole canvas pixels
        dy = round((pos.y() - drag["press"].y()) / z)
        snap = not (event.modifiers() & Qt.KeyboardModifier.AltModifier) and self.snapping
        keep = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if drag["handle"] is None:
            self._move(drag, dx, dy, snap)
        else:
            self._resize(drag, dx, dy, snap, keep)

    def _move(self, drag: dict, dx: float, dy: float, snap: bool) -> None:
        boxes = drag["boxes"]
        guides = geometry.Snap()
        if snap:
            left = min(b[0] for b in boxes.values()) + dx
            top = min(b[1] for b in boxes.values()) + dy
            right = max(b[0] + b[2] for b in boxes.values()) + dx
            bottom = max(b[1] + b[3] for b in boxes.values()) + dy
            threshold = SNAP_DISTANCE / self.zoom
            union = (left, top, right - left, bottom - top)
            guides = geometry.snap_box(union, self.doc.canvas, drag["others"], threshold)
            dx, dy = dx + guides.dx, dy + guides.dy
        cw, ch = self.doc.canvas
        changes = {}
        for element_id, (x, y, _, _) in boxes.items():
            element = self.doc.element(element_id)
            changes[element_id] = {
                "x": geometry.at_px(element.x, x + dx, cw),
                "y": geometry.at_px(element.y, y + dy, ch),
            }
        self._show_guides(guides)
        self.doc.edit(changes, "Move", merge_key=drag["key"])

    def _resize(self, drag: dict, dx: float, dy: float, snap: bool, keep: bool) -> None:
        ((element_id, box),) = drag["boxes"].items()
        handle = drag["handle"]
        guides = geometry.Snap()
        smallest = math.ceil(MIN_VISIBLE / self.zoom)  # canvas px: never too small to see
        if snap:
            raw = geometry.resize(box, handle, dx, dy, min_size=smallest)
            flip = geometry.flipped(box, handle, dx, dy)
            edges_x, edges_y = geometry.resize_edges(handle, flip)
            threshold = SNAP_DISTANCE / self.zoom
            guides = geometry.snap_box(
                raw, self.doc.canvas, drag["others"], threshold, edges_x=edges_x, edges_y=edges_y
            )
            dx, dy = dx + guides.dx, dy + guides.dy
        x, y, w, h = geometry.resize(box, handle, dx, dy, keep_aspect=keep, min_size=smallest)
        element = self.doc.element(element_id)
        cw, ch = self.doc.canvas
        fields = {
            "x": geometry.at_px(element.x, x, cw),
            "y": geometry.at_px(element.y, y, ch),
            "width": geometry.at_px(element.width, w, cw),
            "height": geometry.at_px(element.height, h, ch),
        }
        self._show_guides(guides)
        self.doc.edit({element_id: fields}, "Resize", merge_key=drag["key"])

    def _show_guides(self, guides: geometry.Snap) -> None:
        if guides != self.guides:
            self.guides = guides
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self._show_guides(geometry.Snap())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.set_zoom(self.zoom * factor)
        elif not self.fit:  # zoomed in: the wheel pans (Shift: sideways)
            delta = event.angleDelta()
            dx, dy = (delta.y(), 0) if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else (
                delta.x(), delta.y())  # fmt: skip
            self.pan += QPointF(dx / 2, dy / 2)
            self.update()
            self.refresh_timer.start()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit:
            self.refresh_timer.start()
            self.zoom_changed.emit(self.zoom)

    # -- keyboard ------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        steps = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        step = steps.get(Qt.Key(event.key()))
        movable = [e for e in self.doc.selected_visuals() if not e.locked]
        if step is not None and not movable and self.doc.selected_visuals():
            tell_locked(self, self.doc.selected_visuals())
            return
        if step is None or not movable:
            return super().keyPressEvent(event)
        k = 10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1
        self.nudge(step[0] * k, step[1] * k)

    def nudge(self, dx: int, dy: int) -> None:
        cw, ch = self.doc.canvas
        changes = {
            e.id: {"x": geometry.shifted(e.x, dx, cw), "y": geometry.shifted(e.y, dy, ch)}
            for e in self.doc.selected_visuals()
            if not e.locked
        }
        if changes:
            self.doc.edit(changes, "Nudge")

    # -- drag and drop of files ----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit([str(Path(p)) for p in paths], self.to_canvas(event.position()))
