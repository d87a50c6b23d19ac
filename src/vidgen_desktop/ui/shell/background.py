"""Run a function off the GUI thread and get ``(result, error)`` back on it.

Picard's habit: one helper for all background work; the callback runs on the
GUI thread and re-checks state before acting ("is this still the current
request?"). Workers never touch widgets.

The editor has one thread pool (``executor()``), shut down once, by
``shutdown()`` when the window closes. Each ``Background`` is a lane of it: it
keeps its own limit of tasks at once (the preview draws two frames at a time,
proxies are made one by one, renders take a thread for their whole run) and
its own queue, so a slow lane never holds up another. A lane can be held
(``hold``): its tasks wait until ``release``, as the thumbnails, waveforms and
proxies wait for the window's first frame (``first_frame``).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

Callback = Callable[[Any, BaseException | None], None]
MAX_THREADS = 16  # the editor's lanes add up to ~13 at once; threads start only when needed

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_lanes: weakref.WeakSet[Background] = weakref.WeakSet()


def executor() -> ThreadPoolExecutor:
    """The editor's one pool (made on first use)."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="vidgen-bg")
        return _executor


def shutdown() -> None:
    """The window is closing: every lane stops, waiting work is dropped, nothing is awaited.

    Running tasks finish on their own (a render is cancelled by its owner first);
    their results are not delivered. A window opened later gets a new pool.
    """
    global _executor
    with _lock:
        pool, _executor = _executor, None
        lanes = list(_lanes)
    for lane in lanes:
        lane.shutdown()
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


class Background(QObject):
    """A lane of the editor's pool: at most ``workers`` of its tasks run at once."""

    _finished = Signal(object, object, object)  # callback, result, error

    def __init__(self, workers: int = 2, name: str = "vidgen-ui", parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.workers = max(1, workers)
        self._waiting: collections.deque[tuple[Future[Any], Callable[[], Any]]] = (
            collections.deque()
        )
        self._running = 0
        self._lane_lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self._held = False
        self._finished.connect(self._deliver)
        with _lock:
            _lanes.add(self)

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
        future: Future[Any] = Future()

        def done(f: Future[Any]) -> None:
            if f.cancelled() or self._closed:  # dropped by shutdown: nobody waits for it
                return
            error = f.exception()
            with contextlib.suppress(RuntimeError):  # the lane's QObject went with its window
                self._finished.emit(callback, None if error else f.result(), error)

        future.add_done_callback(done)
        with self._lane_lock:
            self._waiting.append((future, lambda: fn(*args)))
        self._pump()
        return future

    def hold(self) -> None:
        """Keep new tasks waiting (the running ones go on) until ``release``."""
        self._held = True

    def release(self) -> None:
        """Start what waited while the lane was held."""
        self._held = False
        self._pump()

    def _pump(self) -> None:
        """Hand waiting tasks to the pool while this lane is under its limit (any thread)."""
        while True:
            with self._lane_lock:
                if self._held or self._running >= self.workers or not self._waiting:
                    return
                future, work = self._waiting.popleft()
                self._running += 1
            if self._closed or not future.set_running_or_notify_cancel():
                with self._lane_lock:
                    self._running -= 1
                future.cancel()
                continue
            try:
                executor().submit(self._call, future, work)
            except RuntimeError:  # the pool shut down in between
                with self._lane_lock:
                    self._running -= 1
                future.set_exception(RuntimeError("the editor is closing"))
                continue

    def _call(self, future: Future[Any], work: Callable[[], Any]) -> None:
        try:
            result = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the callback
            future.set_exception(exc)
        else:
            future.set_result(result)
        finally:
            with self._lane_lock:
                self._running -= 1
            self._pump()

    def _deliver(self, callback: Callback, result: Any, error: BaseException | None) -> None:
        self._pending -= 1
        if not self._closed:
            callback(result, error)

    def shutdown(self) -> None:
        """Drop this lane's waiting tasks and deliver nothing more; never waits."""
        self._closed = True
        with self._lane_lock:
            waiting, self._waiting = list(self._waiting), collections.deque()
        for future, _ in waiting:
            future.cancel()
