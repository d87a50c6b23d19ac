"""The canvas: the composited preview at the playhead, with selection, move, resize, snap.

While scrubbing, playing or dragging it shows fast frames; once the playhead
and the document rest, the renderer's exact frame replaces them
(``qt_preview.PreviewRenderer``).

Boxes are drawn from ``composition.layout`` on every paint (nothing cached
here); edits go through ``Document.edit`` as merged, undoable commands.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
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
from vidgen_desktop.ui.editor import (
    arrange,
    geometry,
    keyframes,
    qt_canvas_drag,
    qt_canvas_marquee,
    qt_canvas_paint,
)
from vidgen_desktop.ui.editor.document import Document, VisualElement
from vidgen_desktop.ui.editor.qt_preview import PreviewRenderer, PreviewRequest

HANDLE_SIZE = 8  # screen px
ROTATE_DISTANCE = 28  # screen px from the top edge's middle to the rotate handle
MARGIN = 24  # screen px around the canvas when fitted
_HANDLE_ANGLES = {"n": 0, "ne": 45, "e": 90, "se": 135, "s": 180, "sw": 225, "w": 270, "nw": 315}
_RESIZE_CURSORS = (  # by the handle's direction on screen, in 45° steps from straight up
    Qt.CursorShape.SizeVerCursor,
    Qt.CursorShape.SizeBDiagCursor,
    Qt.CursorShape.SizeHorCursor,
    Qt.CursorShape.SizeFDiagCursor,
)


def tell_locked(widget: QWidget, elements) -> None:
    """Say in the status bar why a locked element did not move (a status tip reaches the window)."""
    names = ", ".join(f"'{e.label}'" for e in elements)
    are = "is" if len(elements) == 1 else "are"
    text = f"{names} {are} locked: unlock in the Layers panel to change it"
    QApplication.sendEvent(widget, QStatusTipEvent(text))


def tell_text(widget: QWidget, text: str) -> None:
    """Say in the status bar why an edit did not take (its first line)."""
    if text:
        QApplication.sendEvent(widget, QStatusTipEvent(text.splitlines()[0]))


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
        self.angle: float | None = None  # while rotating: the angle, shown beside the handle
        # the Animate menu's live preview: a changed copy of the composition, not the document
        self.trial: tuple | None = None  # (composition, time) or None
        self.paths: dict[str, tuple] = {}  # element id -> (what it was drawn for, motion path)
        self.context_actions: dict = {}  # ActionId -> QAction, for the context menu
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
        if self.trial is not None:
            comp, t = self.trial
        else:
            drawn = self.doc.drawn()  # a template: the row picked in the Variables panel
            comp = drawn.model_copy(update={"elements": list(drawn.elements)})
            t = self.doc.time
        self.renderer.request(PreviewRequest(comp, self.doc.facts(), t, scale))
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

    def view(self, element: VisualElement) -> keyframes.View:
        """Where ``element`` is drawn at the playhead (``layout.state_at``, as the render)."""
        return keyframes.state(self.doc, element)

    def resizable(self) -> VisualElement | None:
        visuals = self.doc.selected_visuals()
        if len(visuals) == 1 and not visuals[0].locked:
            return visuals[0]
        return None

    def element_at(self, point: QPointF) -> str | None:
        """The topmost element under ``point`` (hidden ones only if selected); turned boxes
        are hit where they are drawn, not where they would be upright."""
        at = self.to_canvas(point)
        slack = 1 / self.zoom  # the outline's own pixel counts as inside
        for element in reversed(self.doc.comp.stacking_order()):
            if element.hidden and element.id not in self.doc.selection:
                continue
            view = self.view(element)
            x, y, w, h = view.box
            grown = (x - slack, y - slack, w + 2 * slack, h + 2 * slack)
            if geometry.contains(grown, view.rotation, at):
                return element.id
        return None

    def handle_at(self, point: QPointF) -> str | None:
        element = self.resizable()
        if element is None:  # a whole group: the handles of its bounds
            return qt_canvas_drag.group_handle_at(self, point)
        view = self.view(element)
        spot = self.handle_rect(self.rotate_handle(view))
        if spot.adjusted(-4, -4, 4, 4).contains(point):
            return "rotate"
        for name, at in geometry.turned_handles(view.box, view.rotation).items():
            if self.handle_rect(at).adjusted(-3, -3, 3, 3).contains(point):
                return name
        return None

    def rotate_handle(self, view: keyframes.View) -> tuple[float, float]:
        return geometry.rotate_handle(view.box, view.rotation, ROTATE_DISTANCE / self.zoom)

    def tell(self, text: str) -> None:
        """Why a drag did not take (a keyframe outside the element's time, a refusal)."""
        tell_text(self, text)

    # -- mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self.setFocus()
        pos = event.position()
        handle = self.handle_at(pos)
        if handle is not None:
            element = self.resizable()
            targets = [element] if element is not None else self.doc.selected_visuals()
            self._drag = qt_canvas_drag.start(self, pos, targets, handle)
            return
        hit = self.element_at(pos)
        toggle = event.modifiers() & (
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier
        )
        if hit is None:  # empty canvas: a marquee (a click clears the selection)
            self._drag = qt_canvas_marquee.start(self, pos, bool(toggle))
            return
        members = arrange.with_groups(self.doc.comp.elements, [hit])  # a group is one
        if toggle:
            chosen = [i for i in self.doc.selection if i not in members]
            if hit not in self.doc.selection:
                chosen += members
            self.doc.set_selection(chosen)
            return
        if hit not in self.doc.selection:
            self.doc.set_selection(members)
        movable = [e for e in self.doc.selected_visuals() if not e.locked]
        if movable:
            self._drag = qt_canvas_drag.start(self, pos, movable, None)
        else:  # all locked: a drag is refused, visibly (cursor and status bar), not silently
            self._drag = {"press": pos, "locked": self.doc.selected_visuals(), "told": False}

    def _cursor(self, handle: str | None) -> Qt.CursorShape:
        if handle == "rotate":
            return Qt.CursorShape.CrossCursor
        element = self.resizable()
        if handle is None:
            return Qt.CursorShape.ArrowCursor
        if element is None:  # a group's upright bounds
            return _RESIZE_CURSORS[_HANDLE_ANGLES[handle] // 45 % 4]
        # the resize cursor follows the turned edge: the handle's direction, rounded to 45°
        turn = round((self.view(element).rotation + _HANDLE_ANGLES[handle]) / 45) % 4
        return _RESIZE_CURSORS[turn]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is None:
            hover = self.element_at(pos)
            if hover != self.hover:
                self.hover = hover
                self.update()
            self.setCursor(self._cursor(self.handle_at(pos)))
            return
        drag = self._drag
        if "marquee" in drag:
            return qt_canvas_marquee.move(self, drag, pos)
        if "locked" in drag:
            if not drag["told"] and (pos - drag["press"]).manhattanLength() >= 4:
                drag["told"] = True
                self.setCursor(Qt.CursorShape.ForbiddenCursor)
                tell_locked(self, drag["locked"])
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if drag["handle"] == "rotate":
            self.angle = qt_canvas_drag.rotate(self, drag, pos, step=shift)
            self.update()
            return
        z = self.zoom
        dx = round((pos.x() - drag["press"].x()) / z)  # whole canvas pixels
        dy = round((pos.y() - drag["press"].y()) / z)
        snap = not (event.modifiers() & Qt.KeyboardModifier.AltModifier) and self.snapping
        if drag["handle"] is None:
            guides = qt_canvas_drag.move(self, drag, dx, dy, snap)
        else:  # Alt: about the centre; Shift: the aspect (media that fits keep it unless Shift)
            centred = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            keep = shift != qt_canvas_drag.default_keep(self, drag)
            guides = qt_canvas_drag.resize(self, drag, dx, dy, self.snapping, keep, centred)
        self._show_guides(guides)

    def _show_guides(self, guides: geometry.Snap) -> None:
        if guides != self.guides:
            self.guides = guides
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.angle = None
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self._show_guides(geometry.Snap())
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.element_at(event.position())  # inside a group: just this member
        if hit is not None and self.doc.element(hit).group:
            self.doc.set_selection([hit])

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if self.context_actions:
            from vidgen_desktop.ui.editor import qt_canvas_arrange  # it builds on this module

            menu = qt_canvas_arrange.context_menu(self, self.context_actions, event.pos())
            menu.exec(event.globalPos())

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
        drag = qt_canvas_drag.start(self, QPointF(), [e for e in self.doc.selected_visuals()
                                                      if not e.locked], None)  # fmt: skip
        if drag["boxes"]:
            drag["key"] = None  # each nudge its own undo step
            qt_canvas_drag.move(self, drag, dx, dy, snap=False)

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
