"""The timeline's picture without its playhead, kept while only the time moves.

Scrubbing or playing moves the playhead 30 times a second; repainting the
whole track area for it (ruler, bars, every waveform and thumbnail) cost
~13 ms of the GUI thread per frame with the reference composition's four
bars, about as much as the preview's own frame (``benchmarks/editor_preview.py``).
``StaticPicture`` keeps that picture in a pixmap and the view draws the
playhead over it. The pixmap is dropped whenever what it shows may have
changed: the document, its media facts, the selection, a waveform or
thumbnail arriving, the palette or font; and it is keyed by the size, pixel
ratio, zoom and scroll, so a resize, a zoom or a page turn while playing
paints afresh. While a bar, marker or keyframe is dragged (a drop line, a
snap line, live edits) the view paints directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPixmap

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_timeline import TimelineView

CHANGES = (QEvent.Type.PaletteChange, QEvent.Type.FontChange, QEvent.Type.StyleChange)


class StaticPicture(QObject):
    """A pixmap of ``draw``'s output for the view's current state (see the module)."""

    def __init__(self, view: TimelineView, draw: Callable[[QPainter], None]) -> None:
        super().__init__(view)
        self.view, self.draw = view, draw
        self.pixmap: QPixmap | None = None
        self.key: tuple | None = None
        self.paints = 0  # times the picture was drawn afresh (for tests)
        doc = view.doc
        for signal in (doc.changed, doc.media_changed, doc.selection_changed):
            signal.connect(self.clear)
        view.pictures.ready.connect(self.clear)
        view.installEventFilter(self)

    def clear(self, *_: object) -> None:
        self.pixmap = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in CHANGES:
            self.clear()
        return False

    def paint(self, p: QPainter) -> None:
        """Draw the picture without the playhead onto ``p`` (the view's painter)."""
        view = self.view
        drag = view._drag
        if (drag is not None and not drag.get("scrub")) or view.snap_at is not None:
            self.clear()
            self.paints += 1
            self.draw(p)
            return
        ratio = view.devicePixelRatioF()
        key = (view.width(), view.height(), ratio, view.zoom, view.origin, view.pps)
        if self.pixmap is None or key != self.key:
            pixmap = QPixmap(round(view.width() * ratio), round(view.height() * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            try:  # what a painter on the widget starts with
                painter.setFont(view.font())
                painter.setPen(view.palette().windowText().color())
                self.draw(painter)
            finally:
                painter.end()
            self.pixmap, self.key = pixmap, key
            self.paints += 1
        p.drawPixmap(0, 0, self.pixmap)
