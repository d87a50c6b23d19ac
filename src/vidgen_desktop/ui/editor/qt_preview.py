"""Draw the composited preview off the GUI thread, newest request wins.

The frame comes from ``render.preview.Previewer`` over ``render.graph.plan``,
the same plan the renderer uses. Requests made while a frame is being drawn
replace each other; only the newest is drawn next, so scrubbing and dragging
never queue up stale frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from vidgen_desktop.composition.model import Composition, TextElement
from vidgen_desktop.media.probe import MediaInfo
from vidgen_desktop.ui.shell.background import Background


@dataclass(frozen=True)
class PreviewRequest:
    comp: Composition  # a snapshot: elements are replaced, never changed in place
    facts: dict[str, MediaInfo]
    t: float
    scale: float


def to_qimage(pixels: np.ndarray) -> QImage:
    """An RGB (H, W, 3) or RGBA (H, W, 4) uint8 array as a QImage (copied)."""
    h, w, channels = pixels.shape
    data = np.ascontiguousarray(pixels)
    fmt = QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
    return QImage(data.data, w, h, channels * w, fmt).copy()


# The render and decode modules (OpenCV) load on the first preview, in a worker thread,
# so that the window shows without waiting for them.


def draw(request: PreviewRequest) -> tuple[QImage, float]:
    """The frame for ``request`` as a QImage, and the seconds it took (runs in a worker)."""
    from vidgen_desktop.render import graph
    from vidgen_desktop.render.preview import Previewer

    started = time.perf_counter()
    comp = request.comp
    usable = [
        e for e in comp.elements if isinstance(e, TextElement) or e.id in request.facts
    ]  # sources still being probed (or unusable) are left out, not fatal
    comp = comp.model_copy(update={"elements": usable})
    plan = graph.plan(comp, request.facts)
    rgb = Previewer(plan).frame_rgb(request.t, request.scale)
    return to_qimage(rgb), time.perf_counter() - started


def thumbnail(source: str, kind: str, size: int) -> QImage:
    """A small picture of a media file (first frame of a video), in a worker."""
    from vidgen_desktop.media import frames

    if kind == "video":
        with frames.VideoFrames(source) as reader:  # its own reader: the shared ones are busy
            rgba = reader.frame(0)
    else:
        rgba = frames.load_image(source)
    image = to_qimage(np.ascontiguousarray(rgba))
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


IN_FLIGHT = 2  # preview frames drawn at once


class PreviewRenderer(QObject):
    """Turns requests into ``ready(image, request)`` on the GUI thread."""

    ready = Signal(QImage, object)  # image, PreviewRequest
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # two draws in flight: while the GUI thread shows one frame the next is being
        # drawn (playback on 2 cores); a result older than one already shown is dropped
        self.background = Background(workers=IN_FLIGHT, name="vidgen-preview", parent=self)
        self._pending: PreviewRequest | None = None
        self._running: dict[int, PreviewRequest] = {}
        self._serial = 0  # requests numbered as they start
        self._shown = -1  # the newest request whose frame was shown
        self.last_seconds = 0.0
        self.frames_drawn = 0

    @property
    def busy(self) -> bool:
        return bool(self._running) or self._pending is not None

    def request(self, request: PreviewRequest) -> None:
        self._pending = request
        if len(self._running) < IN_FLIGHT:
            self._start()

    def _start(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            return
        serial = self._serial = self._serial + 1
        self._running[serial] = request
        self.background.run(
            draw, lambda result, error: self._done(serial, request, result, error), request
        )

    def _done(
        self, serial: int, request: PreviewRequest, result, error: BaseException | None
    ) -> None:
        self._running.pop(serial, None)
        if error is not None:
            self.failed.emit(str(error))
        elif serial > self._shown:
            self._shown = serial
            image, seconds = result
            self.last_seconds = seconds
            self.frames_drawn += 1
            self.ready.emit(image, request)
        if len(self._running) < IN_FLIGHT:
            self._start()

    def shutdown(self) -> None:
        self._pending = None
        self.background.shutdown()
