"""Zoom and horizontal scroll of the timeline, and the ruler's adaptive ticks.

The view keeps ``zoom`` (pixels per second; None: the composition fits the width)
and ``origin`` (the composition time at the left edge of the track area). Ctrl+wheel
zooms about the mouse, +/− about the playhead (out to a quarter of the fit, to
leave room past the end), fit shows it all; the wheel (or the
scroll bar under the tracks) scrolls. Ruler labels are frames when a frame is wide
(``1s 15f``), seconds in between, minutes when zoomed far out (``2m``, ``1m30s``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QScrollBar

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_timeline import TimelineView

STEP = 1.25  # one +/− press or wheel notch
MAX_FRAME_PX = 120  # px: the widest a frame may be drawn
MIN_PPS = 0.01  # px/s: six hours in a few hundred px
LABEL_GAP = 70  # px: at least this much between labelled ticks
SECOND_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)


def fit_pps(view: TimelineView) -> float:
    from vidgen_desktop.ui.editor.qt_timeline import HEADER

    return max(MIN_PPS, (view.width() - HEADER - 16) / max(0.1, view.doc.timeline().duration))


def visible_seconds(view: TimelineView) -> float:
    from vidgen_desktop.ui.editor.qt_timeline import HEADER

    return max(0.0, view.width() - HEADER) / view.pps


def set_zoom(view: TimelineView, pps: float | None, anchor_x: float | None = None) -> None:
    """Zoom to ``pps`` (None: fit), keeping the time under ``anchor_x`` where it is."""
    from vidgen_desktop.ui.editor.qt_timeline import HEADER

    anchor_x = HEADER if anchor_x is None else anchor_x
    anchor_t = view.t_of(anchor_x)
    fit = fit_pps(view)
    if pps is not None:
        # out to a quarter of the fit: room past the end to lengthen the last clip
        pps = min(MAX_FRAME_PX * view.doc.comp.output.fps, max(MIN_PPS, fit / 4, pps))
        if abs(pps - fit) <= fit * 0.01:
            pps = None  # back at the whole: fit it (and keep fitting as the window resizes)
    view.zoom = pps
    if pps is None:
        scroll_to(view, 0.0)
    else:
        scroll_to(view, anchor_t - (anchor_x - HEADER) / pps)
    view.update()


def zoom_by(view: TimelineView, factor: float, anchor_x: float | None = None) -> None:
    if anchor_x is None:  # keys: about the playhead when it is in view, else the left edge
        x = view.x_of(view.doc.time)
        anchor_x = x if view.track_left() <= x <= view.width() else None
    set_zoom(view, view.pps * factor, anchor_x)


def scroll_to(view: TimelineView, origin: float) -> None:
    end = view.doc.timeline().duration
    view.origin = max(0.0, min(origin, max(0.0, end - visible_seconds(view) * 0.9)))
    sync_bar(view)
    view.update()


def follow(view: TimelineView, t: float) -> None:
    """Page the view when the playhead leaves it (playback, frame steps, Go to End)."""
    if view.zoom is None:
        return
    x = view.x_of(t)
    if x < view.track_left() or x > view.width() - 4:
        scroll_to(view, t - visible_seconds(view) * 0.1)


def wheel(view: TimelineView, event: QWheelEvent) -> None:
    delta = event.angleDelta()
    if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
        notches = delta.y() / 120 or delta.x() / 120
        zoom_by(view, STEP**notches, event.position().x())
    else:  # the wheel scrolls the time: there is nothing to scroll vertically
        amount = delta.x() or delta.y()
        scroll_to(view, view.origin - amount / 120 * visible_seconds(view) / 8)
    event.accept()


# -- the scroll bar under the tracks ----------------------------------------------------------


def make_bar(view: TimelineView) -> QScrollBar:
    bar = QScrollBar(Qt.Orientation.Horizontal, view)
    bar.setObjectName("timeline_scroll")
    bar.valueChanged.connect(lambda ms: view.zoom is not None and scroll_to(view, ms / 1000))
    bar.hide()
    return bar


def sync_bar(view: TimelineView) -> None:
    from vidgen_desktop.ui.editor.qt_timeline import HEADER

    bar = view.scroll_bar
    height = bar.sizeHint().height()
    bar.setGeometry(HEADER, view.height() - height, max(0, view.width() - HEADER), height)
    if view.zoom is None:
        bar.hide()
        return
    page = round(visible_seconds(view) * 1000)
    bar.blockSignals(True)
    bar.setRange(0, max(0, round(view.doc.timeline().duration * 1000) - round(page * 0.9)))
    bar.setPageStep(max(1, page))
    bar.setSingleStep(max(1, page // 8))
    bar.setValue(round(view.origin * 1000))
    bar.blockSignals(False)
    bar.show()


# -- the ruler ---------------------------------------------------------------------------------


def tick_step(pps: float, fps: float) -> tuple[float, bool]:
    """Seconds between labelled ticks (≥ ``LABEL_GAP`` px apart), and whether in frames."""
    frame = 1 / fps
    for frames in (1, 2, 5, 10):
        if frames < fps and frames * frame * pps >= LABEL_GAP:
            return frames * frame, True
    if 0.5 * pps >= LABEL_GAP and fps % 2 == 0:
        return 0.5, True
    for step in SECOND_STEPS:
        if step * pps >= LABEL_GAP:
            return float(step), False
    return 7200.0, False


def label(t: float, fps: float, frames: bool, step: float) -> str:
    if not frames:
        return _seconds(int(round(t)), step)
    index, per_second = round(t * fps), max(1, round(fps))
    seconds, n = divmod(index, per_second)
    return _seconds(seconds, step) if n == 0 else f"{_seconds(seconds, step)} {n}f"


def _seconds(seconds: int, step: float) -> str:
    if seconds < 60 and step < 60:
        return f"{seconds}s"
    minutes, rest = divmod(seconds, 60)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    return f"{minutes}m{rest:02d}s" if rest else f"{minutes}m"


def ticks(view: TimelineView) -> list[tuple[float, str]]:
    """The visible ticks' times and labels."""
    fps = view.doc.comp.output.fps
    step, frames = tick_step(view.pps, fps)
    end = view.doc.timeline().duration
    first = max(0, int(view.origin / step))
    last = min(int(end / step + 1e-9), int((view.origin + visible_seconds(view)) / step) + 1)
    return [(n * step, label(n * step, fps, frames, step)) for n in range(first, last + 1)]
