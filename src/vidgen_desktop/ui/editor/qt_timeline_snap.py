"""Bar drags on the timeline: the fields a move or trim gives, with snapping, and the
row a vertical drag aims at.

With Snap on (the window's Snap action), an edge within ``SNAP_PX`` of the playhead,
another bar's end or a marker lands on it and ``view.snap_at`` says where, for the
snap line; otherwise times fall on whole frames. A left trim of a clip stops at the
start of its media (``trim_start`` 0); the right end is clamped to the media by
``Document.edit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidgen_desktop.composition.model import AudioElement, VideoElement
from vidgen_desktop.ui.editor import timeline_edits

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_timeline import TimelineView

SNAP_PX = 8  # px: how close an edge must come to a target to snap to it


def _frame(view: TimelineView, t: float) -> float:
    return timeline_edits.frame(t, view.doc.comp.output.fps)


def aim_row(view: TimelineView, drag: dict, y: float) -> None:
    """Under a vertical drag: the row boundary the bar would be restacked at, or None."""
    from vidgen_desktop.ui.editor.qt_timeline import ROW, RULER

    rows = view.rows()
    moving = rows[drag["row"]]
    audio = isinstance(moving, AudioElement)
    target = int((y - RULER) // ROW)
    if target == drag["row"] or not 0 <= target < len(rows):
        drag["row_to"] = None
    elif isinstance(rows[target], AudioElement) != audio:
        drag["row_to"] = None  # pictures and sound do not swap kinds of row
    else:
        row = target + 1 if target > drag["row"] else target
        drag["row_to"] = row
    view.update()


def bar_fields(view: TimelineView, element_id: str, part: str, dt: float, window) -> dict:
    """The fields a drag of ``dt`` seconds gives the bar's ``part``; sets ``view.snap_at``."""
    element = view.doc.element(element_id)
    one = 1 / view.doc.comp.output.fps
    media = isinstance(element, VideoElement | AudioElement)
    comp = view.doc.comp
    windows = view.doc.timeline().windows
    targets = timeline_edits.snap_targets(
        comp.elements, windows, element_id, view.doc.time, comp.markers
    )
    view.snap_at = None

    def snapped(t: float) -> float:
        if not view.snapping:
            return _frame(view, t)
        value, target = timeline_edits.snap(t, targets, SNAP_PX / view.pps)
        if target is not None:
            view.snap_at = target
            return value
        return _frame(view, t)

    if part == "move":
        start = max(0.0, snapped(window.start + dt))
        if view.snapping and view.snap_at is None:  # the right end may snap instead
            end = snapped(window.end + dt)
            if view.snap_at is not None:
                start = max(0.0, end - (window.end - window.start))
        fields = {"start": start}
    elif part == "end":
        end = max(window.start + one, snapped(window.end + dt))
        fields = {"duration": end - window.start}
    else:
        low = window.start - window.trim_start if media else 0.0
        start = min(window.end - one, max(0.0, low, snapped(window.start + dt)))
        fields = {"start": start, "duration": window.end - start}
        if media:
            fields["trim_start"] = max(0.0, window.trim_start + start - window.start)
    return fields
