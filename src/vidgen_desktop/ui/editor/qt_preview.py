"""Draw the composited preview off the GUI thread, newest request wins.

The frame comes from ``render.preview.Previewer`` over ``render.graph.plan``,
the same plan the renderer uses. Requests made while a frame is being drawn
replace each other; only the newest is drawn next, so scrubbing and dragging
never queue up stale frames.

Frames are drawn fast first (video scaled by OpenCV, a few dB from the
render). When the newest fast frame was approximate and nothing new is asked
for ``REFINE_AFTER_MS`` (the playhead rests, an edit is done), the same frame
is drawn again exactly (every layer through the renderer's own FFmpeg chain)
and replaces it, as editors refine a paused frame. A request made meanwhile
abandons the exact draw between layers and drops its result.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
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
    exact: bool = False  # every layer scaled by FFmpeg, as the render does (slower)


def to_qimage(pixels: np.ndarray) -> QImage:
    """An RGB (H, W, 3) or RGBA (H, W, 4) uint8 array as a QImage (copied)."""
    h, w, channels = pixels.shape
    data = np.ascontiguousarray(pixels)
    fmt = QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
    return QImage(data.data, w, h, channels * w, fmt).copy()


# The render and decode modules (OpenCV) load on the first preview, in a worker thread,
# so that the window shows without waiting for them.


def draw(
    request: PreviewRequest, cancelled: Callable[[], bool] | None = None
) -> tuple[QImage, float, bool]:
    """The frame for ``request`` as a QImage, the seconds it took, and whether it is
    approximate (some layer drawn by OpenCV where the exact path uses FFmpeg); in a worker.

    Raises ``render.preview.Superseded`` once ``cancelled()`` is true.
    """
    from vidgen_desktop.render import graph
    from vidgen_desktop.render.preview import Previewer

    started = time.perf_counter()
    comp = request.comp
    usable = [
        e for e in comp.elements if isinstance(e, TextElement) or e.id in request.facts
    ]  # sources still being probed (or unusable) are left out, not fatal
    comp = comp.model_copy(update={"elements": usable})
    plan = graph.plan(comp, request.facts)
    previewer = Previewer(plan, exact=request.exact, cancelled=cancelled)
    rgb = previewer.frame_rgb(request.t, request.scale)
    return to_qimage(rgb), time.perf_counter() - started, previewer.approximate


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
REFINE_AFTER_MS = 150  # rest before a paused frame is redrawn exactly


class PreviewRenderer(QObject):
    """Turns requests into ``ready(image, request)`` on the GUI thread.

    ``request.exact`` in ``ready`` tells a refined frame from a fast one.
    """

    ready = Signal(QImage, object)  # image, PreviewRequest
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # two draws in flight: while the GUI thread shows one frame the next is being
        # drawn (playback on 2 cores); a result older than one already shown is dropped
        self.background = Background(workers=IN_FLIGHT, name="vidgen-preview", parent=self)
        self._pending: PreviewRequest | None = None
        self._running: dict[int, PreviewRequest] = {}
        self._serial = 0  # draws numbered as they start
        self._shown = -1  # the newest draw whose frame was shown
        self._asked = 0  # requests made so far: an exact draw is wanted while none came after
        self._to_refine: PreviewRequest | None = None
        self.refine_timer = QTimer(self, singleShot=True, interval=REFINE_AFTER_MS)
        self.refine_timer.timeout.connect(self._refine)
        self.last_seconds = 0.0
        self.frames_drawn = 0

    @property
    def busy(self) -> bool:
        """Drawing, or about to refine the frame shown: it is not yet the final picture."""
        return bool(self._running) or self._pending is not None or self.refine_timer.isActive()

    def request(self, request: PreviewRequest) -> None:
        self.refine_timer.stop()
        self._to_refine = None
        self._asked += 1
        self._pending = request
        if len(self._running) < IN_FLIGHT:
            self._start()

    def _refine(self) -> None:
        request, self._to_refine = self._to_refine, None
        if request is None or self._pending is not None:
            return
        self._pending = dataclasses.replace(request, exact=True)
        if len(self._running) < IN_FLIGHT:
            self._start()

    def _start(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            return
        serial = self._serial = self._serial + 1
        asked = self._asked  # the pending request is always the newest one asked
        self._running[serial] = request
        stale = (lambda: self._asked != asked) if request.exact else None
        self.background.run(
            draw,
            lambda result, error: self._done(serial, asked, request, result, error),
            request,
            stale,
        )

    def _done(
        self,
        serial: int,
        asked: int,
        request: PreviewRequest,
        result,
        error: BaseException | None,
    ) -> None:
        from vidgen_desktop.render.preview import Superseded

        self._running.pop(serial, None)
        newest = asked == self._asked
        if error is not None:
            if not isinstance(error, Superseded):
                self.failed.emit(str(error))
        elif serial > self._shown and (newest or not request.exact):
            # a refined frame for a playhead that has moved on would flash back: dropped
            self._shown = serial
            image, seconds, approximate = result
            self.last_seconds = seconds
            self.frames_drawn += 1
            if newest and approximate and not request.exact and self._pending is None:
                self._to_refine = request
                self.refine_timer.start()
            self.ready.emit(image, request)
        if len(self._running) < IN_FLIGHT:
            self._start()

    def shutdown(self) -> None:
        self._pending = None
        self.refine_timer.stop()
        self._to_refine = None
        self._asked += 1  # an exact draw in flight stops at its next layer
        self.background.shutdown()
