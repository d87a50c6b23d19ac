"""Run a function off the GUI thread and get ``(result, error)`` back on it.

Picard's habit: one helper for all background work; the callback runs on the
GUI thread and re-checks state before acting ("is this still the current
request?"). Workers never touch widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

Callback = Callable[[Any, BaseException | None], None]


class Background(QObject):
    """A small thread pool whose results are delivered on the thread that owns this object."""

    _finished = Signal(object, object, object)  # callback, result, error

    def __init__(self, workers: int = 2, name: str = "vidgen-ui", parent: QObject | None = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._pending = 0
        self._closed = False
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(self, fn: Callable[..., Any], callback: Callback, *args: Any) -> Future[Any] | None:
        """Call ``fn(*args)`` in a worker; later ``callback(result, error)`` on this thread.

        After ``shutdown`` (the window is closing) nothing more is started: None.
        """
        if self._closed:
            return None
        self._pending += 1
        future = self._pool.submit(fn, *args)

        def done(f: Future[Any]) -> None:
            if f.cancelled():  # dropped by shutdown: nobody is waiting for it any more
                return
            error = f.exception()
            self._finished.emit(callback, None if error else f.result(), error)

        future.add_done_callback(done)
        return future

    def _deliver(self, callback: Callback, result: Any, error: BaseException | None) -> None:
        self._pending -= 1
        callback(result, error)

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)
