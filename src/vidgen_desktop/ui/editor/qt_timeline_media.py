"""What the timeline draws of a clip's media: waveforms and thumbnails.

Both are computed off the GUI thread (one ``Background`` lane), cached by source
and, for thumbnails, by frame; the view repaints when one arrives. Audio peaks
come from ``media.waveform.peaks`` (100 per second); a bar draws the part its
trim shows, one line per pixel column. Thumbnails appear on video bars once a
bar is wide enough for several of them.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from vidgen_desktop.composition.model import AudioElement, VideoElement
from vidgen_desktop.ui.shell.background import Background

if TYPE_CHECKING:
    from vidgen_desktop.ui.editor.qt_timeline import TimelineView

PEAKS_PER_SECOND = 100
MIN_THUMBS = 3  # a video bar shows thumbnails when this many fit on it
THUMB_BYTES = 16 * 1024 * 1024  # cached thumbnails' pixels (~1,500 at a 40 px track)


def _peaks(source: str) -> np.ndarray:
    from vidgen_desktop.media import waveform

    return waveform.peaks(source, PEAKS_PER_SECOND)


def _frames(source: str, indexes: list[int], height: int) -> list[tuple[int, QImage]]:
    from vidgen_desktop.media import frames
    from vidgen_desktop.ui.editor.qt_preview import to_qimage

    out = []
    with frames.VideoFrames(source) as reader:  # its own reader: the shared ones are busy
        for index in indexes:
            rgba = np.ascontiguousarray(reader.frame(index))
            image = to_qimage(rgba).scaledToHeight(
                height, Qt.TransformationMode.SmoothTransformation
            )
            out.append((index, image))
    return out


class MediaPictures(QObject):
    """Waveform peaks per source and thumbnails per (source, frame, height), on demand."""

    ready = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.background = Background(workers=1, name="vidgen-timeline", parent=self)
        self.waveforms: dict[str, np.ndarray | None] = {}  # None: asked, or no sound
        self.thumbs: collections.OrderedDict[tuple[str, int, int], QImage] = (
            collections.OrderedDict()
        )
        self._asked: set[tuple[str, int, int]] = set()
        self.thumb_bytes = 0  # the cached thumbnails' pixels, bounded by THUMB_BYTES

    def peaks(self, source: str) -> np.ndarray | None:
        if source not in self.waveforms:
            self.waveforms[source] = None

            def done(result: np.ndarray | None, error: BaseException | None) -> None:
                self.waveforms[source] = None if error else result
                self.ready.emit()

            self.background.run(_peaks, done, source)
        return self.waveforms[source]

    def thumb(self, source: str, index: int, height: int) -> QImage | None:
        key = (source, index, height)
        if key in self.thumbs:
            self.thumbs.move_to_end(key)
            return self.thumbs[key]
        return None

    def want(self, source: str, indexes: list[int], height: int) -> None:
        missing = [i for i in indexes if (source, i, height) not in self._asked]
        if not missing:
            return
        self._asked.update((source, i, height) for i in missing)

        def done(result: list[tuple[int, QImage]] | None, error: BaseException | None) -> None:
            for index, image in result or []:
                old = self.thumbs.pop((source, index, height), None)
                self.thumb_bytes += image.sizeInBytes() - (old.sizeInBytes() if old else 0)
                self.thumbs[(source, index, height)] = image
            while self.thumb_bytes > THUMB_BYTES and len(self.thumbs) > 1:
                gone, image = self.thumbs.popitem(last=False)
                self.thumb_bytes -= image.sizeInBytes()
                self._asked.discard(gone)
            self.ready.emit()

        self.background.run(_frames, done, source, missing, height)


def paint(view: TimelineView, p: QPainter, element, rect: QRectF, window) -> None:
    """Thumbnails and the waveform inside a media bar's ``rect`` (clipped to it)."""
    if not isinstance(element, VideoElement | AudioElement):
        return
    info = view.doc.media.get(element.source)
    if info is None:
        return
    p.save()
    p.setClipRect(rect.adjusted(1, 1, -1, -1), Qt.ClipOperation.IntersectClip)
    if isinstance(element, VideoElement) and info.kind == "video":
        _thumbnails(view, p, element, rect, window, info)
    if info.has_audio:
        _waveform(view, p, element, rect, window, isinstance(element, VideoElement))
    p.restore()


def _thumbnails(view, p: QPainter, element, rect: QRectF, window, info) -> None:
    height = max(8, int(rect.height()) - 2)
    width = height * (info.width or 16) / (info.height or 9)
    if rect.width() < MIN_THUMBS * width:
        return
    fps_src = info.fps or view.doc.comp.output.fps
    last = max(0, int((info.duration or window.end - window.start) * fps_src) - 1)
    left = max(rect.left(), view.track_left())
    right = min(rect.right(), view.width())
    # slots on a grid fixed to the bar, so scrolling does not make them flicker
    first_slot = int((left - rect.left()) // width)
    wanted: list[tuple[float, int]] = []
    slot = first_slot
    while rect.left() + slot * width < right:
        x = rect.left() + slot * width
        t = window.trim_start + (x - rect.left() + width / 2) / view.pps
        wanted.append((x, min(last, int(t * fps_src))))
        slot += 1
    pictures = view.pictures
    pictures.want(element.source, sorted({i for _, i in wanted}), height)
    for x, index in wanted:
        image = pictures.thumb(element.source, index, height)
        if image is not None:
            p.drawImage(QPointF(x, rect.top() + 1), image)


def _waveform(view, p: QPainter, element, rect: QRectF, window, under: bool) -> None:
    peaks = view.pictures.peaks(element.source)
    if peaks is None or peaks.size == 0:
        return
    # over a video: the lower third, so the pictures stay readable; alone: the whole bar
    top = rect.bottom() - rect.height() / 3 if under else rect.top() + 2
    half = (rect.bottom() - 2 - top) / (1 if under else 2)
    mid = rect.bottom() - 2 if under else top + half
    color = QColor("white")
    color.setAlpha(170)
    p.setPen(QPen(color, 1))
    left = int(max(rect.left(), view.track_left()))
    right = int(min(rect.right(), view.width()))
    if right <= left:
        return
    # one level per pixel column: the loudest peak the column covers (vectorised: this
    # runs on every repaint, playback included)
    xs = np.arange(left, right)
    starts = ((window.trim_start + (xs - rect.left()) / view.pps) * PEAKS_PER_SECOND).astype(int)
    inside = starts < peaks.size
    xs, starts = xs[inside], np.maximum(0, starts[inside])
    if xs.size == 0:
        return
    ends = np.minimum(peaks.size, np.maximum(starts + 1, starts + int(PEAKS_PER_SECOND / view.pps)))
    padded = np.append(peaks, np.float32(0))  # ``ends`` may be the size: a valid index here
    pairs = np.empty(starts.size * 2, dtype=int)
    pairs[0::2], pairs[1::2] = starts, ends
    levels = np.maximum.reduceat(padded, pairs)[0::2]  # the max over [start, end) per column
    heights = np.minimum(1.0, levels * float(getattr(element, "volume", 1.0))) * half
    lines = [
        QLineF(x + 0.5, mid - h, x + 0.5, mid if under else mid + h)
        for x, h in zip(xs.tolist(), heights.tolist(), strict=True)
        if h >= 0.5
    ]
    p.drawLines(lines)
