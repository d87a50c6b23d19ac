"""The composition on the canvas first; what the first frame does not need waits for it.

At start-up the canvas's first frame needs the media probed and one preview
drawn; the job log opening (SQLAlchemy, ~300 imports), the layers' and the
timeline's thumbnails and waveforms, and preview proxies (FFmpeg) would share
the two cores and the GIL with it. ``FirstFrame`` holds them until the canvas
has painted a frame made with every probed file's facts (or the start page is
what the window shows, or the preview failed, or ``MAX_WAIT`` has passed), then
runs them: first what was passed to ``later`` (the job log), then, once one of
the ``hold_until`` signals came (the log is open) or ``MAX_WAIT`` more, the held
lanes, so that the thumbnails' decoding does not slow the log's opening.
Whatever the designer does meanwhile still works: a held lane only delays
thumbnails, and the job service opens on first use (``RenderHub.call``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

MAX_WAIT = 3_000  # ms after the window is built: a frame that takes longer waits for nothing


class FirstFrame(QObject):
    passed = Signal()  # the canvas shows the composition: the held work runs now

    def __init__(self, window, max_wait: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.done = False
        self._later: list[Callable[[], object]] = []
        self._held: list | None = []  # Background lanes, released after ``_until``
        self._until: list = []  # signals: one of them (after the frame) releases the lanes
        window.canvas.installEventFilter(self)
        window.canvas.renderer.failed.connect(lambda _: self.pass_now())
        self._turn = QTimer(self, singleShot=True, interval=0)
        self._turn.timeout.connect(self._first_turn)
        self._turn.start()
        max_wait = MAX_WAIT if max_wait is None else max_wait
        self._wait = QTimer(self, singleShot=True, interval=max_wait)
        self._wait.timeout.connect(self.pass_now)
        self._wait.start()
        self._lanes_wait = QTimer(self, singleShot=True, interval=max_wait)
        self._lanes_wait.timeout.connect(self._release)

    def later(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` once the first frame is on the canvas (at once if it is)."""
        if self.done:
            fn()
        else:
            self._later.append(fn)

    def hold(self, lane) -> None:
        """Keep a ``Background`` lane's tasks waiting until the first frame is on the canvas."""
        if self._held is not None:
            lane.hold()
            self._held.append(lane)

    def hold_until(self, *signals) -> None:
        """Held lanes wait, after the first frame, for one of ``signals`` too."""
        self._until.extend(signals)

    def _first_turn(self) -> None:
        start = getattr(self.window, "start", None)
        if start is not None and start.showing:  # no project: the page is the first frame
            self.pass_now()

    def _composition_drawn(self) -> bool:
        doc, canvas = self.window.doc, self.window.canvas
        request = canvas.image_request
        if canvas.image is None or request is None or doc.probing:
            return False
        return set(doc.facts()) <= set(request.facts)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done and self._composition_drawn():
            self._wait.start(0)  # pass once this paint has reached the screen
        return False

    def pass_now(self) -> None:
        if self.done:
            return
        self.done = True
        self._wait.stop()
        self.window.canvas.removeEventFilter(self)
        later, self._later = self._later, []
        for fn in later:
            fn()
        self.passed.emit()
        for signal in self._until:
            signal.connect(self._release)
        if self._until:
            self._lanes_wait.start()
        else:
            self._release()

    def _release(self, *_: object) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        self._lanes_wait.stop()
        for signal in self._until:
            signal.disconnect(self._release)
        for lane in held:
            lane.release()
